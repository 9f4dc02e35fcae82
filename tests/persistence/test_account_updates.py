"""AccountRepository.update is conditional on the version it was computed from: a change computed
from a read that another change has since overtaken writes nothing and returns None, so of two
changes from the same read exactly one applies. Runs on both backends (on mongomock-motor every
call yields to the event loop, so the two updates below really interleave)."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from customer_credit.domain.accounts import AccountEvent, AccountFields, EventSource, diff
from customer_credit.persistence.accounts import AccountRepository
from customer_credit.persistence.database import ACCOUNT_EVENTS

OPENED = AccountFields("ana@example.com", None, None, 100_00, 0, None)
TO_200 = replace(OPENED, credit_limit_cents=200_00)
TO_300 = replace(OPENED, credit_limit_cents=300_00, description="the other change")


def event(version: int, before: AccountFields | None, after: AccountFields) -> AccountEvent:
    return AccountEvent(
        "a1", version, 1_700_000_000_000 + version, "tester", EventSource.API, tuple(diff(before, after))
    )


async def opened(database) -> tuple[AccountRepository, dict]:
    """The repository, and the account as read right after it was opened (version 1)."""
    accounts = AccountRepository(database)
    await accounts.insert("a1", OPENED, event(1, None, OPENED))
    return accounts, await accounts.get("a1")


async def stored_events(database) -> list[dict]:
    return await database.collection(ACCOUNT_EVENTS).find({"account_id": "a1"}).sort("version", 1).to_list(None)


async def test_an_update_from_a_stale_read_returns_none_and_writes_nothing(database):
    accounts, read = await opened(database)
    assert await accounts.update(read, TO_200, event(2, OPENED, TO_200)) is not None
    before = (await accounts.get("a1"), await stored_events(database))

    stale = await accounts.update(read, TO_300, event(2, OPENED, TO_300))

    assert stale is None
    assert (await accounts.get("a1"), await stored_events(database)) == before


async def test_of_two_concurrent_updates_from_the_same_read_exactly_one_applies(database):
    accounts, read = await opened(database)

    results = await asyncio.gather(
        accounts.update(read, TO_200, event(2, OPENED, TO_200)),
        accounts.update(read, TO_300, event(2, OPENED, TO_300)),
    )

    assert [result is None for result in results].count(True) == 1


async def test_after_two_concurrent_updates_from_the_same_read_the_store_holds_the_winners_values(database):
    accounts, read = await opened(database)

    results = await asyncio.gather(
        accounts.update(read, TO_200, event(2, OPENED, TO_200)),
        accounts.update(read, TO_300, event(2, OPENED, TO_300)),
    )

    [winner] = [result for result in results if result is not None]
    stored = await accounts.get("a1")
    for key in ("credit_limit_cents", "description", "version", "last_event"):
        assert stored[key] == winner[key], key
    assert stored["version"] == 2
    assert [e["changes"] for e in await stored_events(database)][1] == winner["last_event"]["changes"]
