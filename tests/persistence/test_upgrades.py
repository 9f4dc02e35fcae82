"""Start-up upgrades scan whole collections, so each runs until it has completed once, then never again."""

from __future__ import annotations

import pytest

from customer_credit.persistence.accounts import AccountRepository
from customer_credit.persistence.database import ACCOUNTS, INVOICES, STATEMENT_ENTRIES
from customer_credit.persistence.ledger import LedgerRepository
from customer_credit.persistence.upgrades import run_once
from tests.support.accounts import close_account, open_account
from tests.support.credit import ADJUST, PAY, credit_account, ledger, make_overdue, settled, succeed
from tests.support.credit import INVOICES as INVOICE_LIST
from tests.support.graphql import graphql


def counting_upgrade(calls: list[int], brought: int):
    async def upgrade() -> int:
        calls.append(brought)
        return brought

    return upgrade


async def test_an_upgrade_runs_the_first_time_and_says_how_many_it_brought_over(database):
    calls: list[int] = []

    assert await run_once(database, "ledgers", counting_upgrade(calls, 3)) == 3
    assert calls == [3]


async def test_an_upgrade_that_completed_is_not_run_again(database):
    calls: list[int] = []
    await run_once(database, "ledgers", counting_upgrade(calls, 3))

    assert await run_once(database, "ledgers", counting_upgrade(calls, 0)) is None
    assert calls == [3]


async def test_an_upgrade_that_failed_runs_again_at_the_next_start(database):
    async def failing() -> int:
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        await run_once(database, "ledgers", failing)
    calls: list[int] = []

    assert await run_once(database, "ledgers", counting_upgrade(calls, 2)) == 2


async def test_each_upgrade_is_remembered_by_its_own_name(database):
    calls: list[int] = []
    await run_once(database, "ledgers", counting_upgrade(calls, 1))

    assert await run_once(database, "email-claims", counting_upgrade(calls, 5)) == 5
    assert calls == [1, 5]


async def test_accounts_opened_before_id_keys_get_theirs_once(client, database):
    await open_account(client, id="Upper-1", email="u@x.com")
    await open_account(client, id="lower-2", email="l@x.com")
    accounts = database.collection(ACCOUNTS)
    await accounts.update_many({}, {"$unset": {"id_key": ""}})
    repository = AccountRepository(database)

    assert await repository.add_id_keys() == 2
    assert await repository.add_id_keys() == 0
    assert (await accounts.find_one({"_id": "Upper-1"}))["id_key"] == "upper-1"
    assert (await accounts.find_one({"_id": "lower-2"}))["id_key"] == "lower-2"


async def test_accounts_closed_before_closed_keys_get_theirs_once(client, database):
    await open_account(client, id="open-1", email="open@example.com")
    await open_account(client, id="closed-2", email="closed@example.com")
    await close_account(client, "closed-2")
    accounts = database.collection(ACCOUNTS)
    await accounts.update_many({}, {"$unset": {"closed_key": ""}})
    repository = AccountRepository(database)

    assert await repository.add_closed_keys() == 1
    assert await repository.add_closed_keys() == 0
    assert "closed_key" in await accounts.find_one({"_id": "closed-2"})
    assert "closed_key" not in await accounts.find_one({"_id": "open-1"})


async def test_statement_entries_written_before_entry_keys_get_theirs_once_and_are_listed_again(client, database):
    account_id = await credit_account(client)
    for amount in ("1.00", "2.00", "3.00"):
        await succeed(client, ADJUST, "adjustBalance", accountId=account_id, amount=amount, note=amount)
    entries = database.collection(STATEMENT_ENTRIES)
    await entries.update_many({}, {"$unset": {"entry_key": ""}})
    assert [e["note"] for e in (await ledger(client, account_id))["statement"]["nodes"]] == []
    repository = LedgerRepository(database)

    assert await repository.add_entry_keys() == 3
    assert await repository.add_entry_keys() == 0
    assert [e["note"] for e in (await ledger(client, account_id))["statement"]["nodes"]] == ["3.00", "2.00", "1.00"]


async def test_open_invoices_written_before_open_dues_get_theirs_once_and_are_overdue_again(client, database):
    account_id = await credit_account(client)
    first, second, third = (await settled(client, account_id, "30.00", installments=3))["invoices"]
    for invoice in (first, second):
        await make_overdue(database, account_id, invoice["id"], days=10)
    await succeed(client, PAY, "payInvoice", invoiceId=second["id"])
    invoices = database.collection(INVOICES)
    await invoices.update_many({}, {"$unset": {"open_due": ""}})
    repository = LedgerRepository(database)

    assert await repository.add_open_dues() == 2  # the open ones: first and third
    assert await repository.add_open_dues() == 0
    overdue = await graphql(client, INVOICE_LIST, filter={"overdue": True})
    assert [invoice["id"] for invoice in overdue["data"]["invoices"]["nodes"]] == [first["id"]]
