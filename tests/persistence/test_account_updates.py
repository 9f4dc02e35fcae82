"""AccountRepository.update is conditional on the version its change was planned from: a change
planned from a read that another change has since overtaken writes nothing and returns None, so of
two changes from the same read exactly one applies. Runs on both backends (on mongomock-motor every
call yields to the event loop, so the two updates below really interleave)."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from customer_credit.domain.account_planner import AccountChange, Origin, plan_change, plan_open
from customer_credit.domain.accounts import Account, AccountRequest
from customer_credit.persistence.accounts import AccountRepository
from customer_credit.persistence.database import ACCOUNT_EVENTS

ORIGIN = Origin(actor="tester", at_ms=1_700_000_000_000)
TO_200 = AccountRequest(credit_limit=Decimal("200.00"))
TO_300 = AccountRequest(credit_limit=Decimal("300.00"), description="the other change")


async def opened(database) -> tuple[AccountRepository, Account]:
    """The repository, and the account as read right after it was opened (version 1)."""
    accounts = AccountRepository(database)
    await accounts.insert(plan_open("a1", AccountRequest(email="ana@example.com"), ORIGIN))
    read = await accounts.get("a1")
    assert read is not None
    return accounts, read


def change(read: Account, request: AccountRequest) -> AccountChange:
    planned = plan_change(read, request, ORIGIN)
    assert planned is not None
    return planned


async def stored_events(database) -> list[dict]:
    return await database.collection(ACCOUNT_EVENTS).find({"account_id": "a1"}).sort("version", 1).to_list(None)


async def test_an_update_from_a_stale_read_returns_none_and_writes_nothing(database):
    accounts, read = await opened(database)
    assert await accounts.update(change(read, TO_200)) is not None
    before = (await accounts.get("a1"), await stored_events(database))

    stale = await accounts.update(change(read, TO_300))

    assert stale is None
    assert (await accounts.get("a1"), await stored_events(database)) == before


async def test_of_two_concurrent_updates_from_the_same_read_exactly_one_applies(database):
    accounts, read = await opened(database)

    results = await asyncio.gather(accounts.update(change(read, TO_200)), accounts.update(change(read, TO_300)))

    assert [result is None for result in results].count(True) == 1


async def test_after_two_concurrent_updates_from_the_same_read_the_store_holds_the_winners_values(database):
    accounts, read = await opened(database)

    results = await asyncio.gather(accounts.update(change(read, TO_200)), accounts.update(change(read, TO_300)))

    [winner] = [result for result in results if result is not None]
    stored = await accounts.get("a1")
    assert stored is not None
    assert (stored.credit_limit_cents, stored.description, stored.version) == (
        winner.credit_limit_cents,
        winner.description,
        2,
    )
    assert stored.last_event == winner.last_event
    assert [e["version"] for e in await stored_events(database)] == [1, 2]
