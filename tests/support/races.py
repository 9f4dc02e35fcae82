"""Evidence that a race the test arranged really happened: a spy on the account repository's
writes. Without it a race test can pass with its requests run one after another (the end state
alone does not tell), which is exactly what mongomock-motor did before it yielded to the loop."""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from customer_credit.domain.account_planner import AccountChange
from customer_credit.domain.accounts import Account
from customer_credit.persistence.accounts import AccountRepository


@dataclass(frozen=True)
class Update:
    account_id: str
    read_version: int  # the version of the account the change was computed from
    applied: bool  # False: the account had moved on (a stale write, which changed nothing)


@dataclass
class AccountWrites:
    """Every AccountRepository.insert and .update the app made while watched: how many of each were
    in flight at the same moment, each insert's outcome, and each update's read version and result."""

    inserts: list[tuple[str, str]] = field(default_factory=list)  # (account id, "inserted" or the exception's name)
    updates: list[Update] = field(default_factory=list)
    in_flight: Counter = field(default_factory=Counter)
    most_in_flight: Counter = field(default_factory=Counter)

    def watch(self, monkeypatch: pytest.MonkeyPatch) -> AccountWrites:
        insert, update = AccountRepository.insert, AccountRepository.update
        writes = self

        async def watched_insert(repository: AccountRepository, change: AccountChange) -> Account:
            with writes.writing("insert"):
                try:
                    account = await insert(repository, change)
                except Exception as exc:
                    writes.inserts.append((change.account_id, type(exc).__name__))
                    raise
            writes.inserts.append((change.account_id, "inserted"))
            return account

        async def watched_update(repository: AccountRepository, change: AccountChange) -> Account | None:
            assert change.before is not None
            with writes.writing("update"):
                account = await update(repository, change)
            writes.updates.append(Update(change.account_id, change.before.version, account is not None))
            return account

        monkeypatch.setattr(AccountRepository, "insert", watched_insert)
        monkeypatch.setattr(AccountRepository, "update", watched_update)
        return self

    @contextlib.contextmanager
    def writing(self, kind: str) -> Iterator[None]:
        self.in_flight[kind] += 1
        self.most_in_flight[kind] = max(self.most_in_flight[kind], self.in_flight[kind])
        self.most_in_flight["any"] = max(
            self.most_in_flight["any"], self.in_flight["insert"] + self.in_flight["update"]
        )
        try:
            yield
        finally:
            self.in_flight[kind] -= 1

    @property
    def inserts_met_updates(self) -> bool:
        """Whether an insert and an update were ever in flight at once: more writes were than of either kind alone."""
        most = self.most_in_flight
        return most["any"] > max(most["insert"], most["update"])

    def updates_from(self, version: int) -> list[Update]:
        """The updates computed from the account at `version`."""
        return [update for update in self.updates if update.read_version == version]

    @property
    def stale(self) -> list[Update]:
        return [update for update in self.updates if not update.applied]
