"""Invoice totals kept as invoices change: each operation adds its change to its account, a flush moves
those changes into the totals document, and a read is exact whatever step a flush is at or died at."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from customer_credit.domain.credit_records import InvoiceQuery, InvoiceTotals
from customer_credit.persistence import invoice_totals
from customer_credit.persistence.database import ACCOUNTS, INVOICE_TOTALS
from customer_credit.persistence.invoice_totals import TOTALS_AT, TOTALS_ID, InvoiceTotalsRepository
from customer_credit.persistence.ledger import LedgerRepository
from customer_credit.usecases.credit import flush_invoice_totals, keep_invoice_totals, today_utc
from customer_credit.worker.credit_sweeper import CreditSweeper
from tests.support.credit import CANCEL_INVOICE, PAY, REFUND, UPDATE_SETTINGS, credit_account, settled, succeed
from tests.support.graphql import graphql, payload_of

TOTALS = """
query Totals($filter: InvoiceFilter) {
  invoiceTotals(filter: $filter) { count amount openCount openAmount paidAmount }
}
"""
FILTERS: list[dict[str, Any]] = [{}, {"status": "OPEN"}, {"status": "PAID"}, {"overdue": False}]


class Interrupted(Exception):
    """A process dying at a chosen step of a flush."""


async def totals(client, **filter) -> dict:
    return payload_of(await graphql(client, TOTALS, filter=filter), "invoiceTotals")


async def summed(database) -> InvoiceTotals:
    """The totals of every invoice, summed from the invoices themselves."""
    return await LedgerRepository(database).summed_invoice_totals(InvoiceQuery(), today=today_utc())


async def all_totals(client) -> list[dict]:
    return [await totals(client, **filter) for filter in FILTERS]


async def accounts_waiting(database) -> int:
    return await database.collection(ACCOUNTS).count_documents({TOTALS_AT: {"$exists": True}})


async def some_activity(client) -> list[str]:
    """Two accounts: one with 300.01 in 3 invoices (one paid, one cancelled), one with 50.00; its invoices."""
    first = await credit_account(client)
    invoices = (await settled(client, first, "300.01", installments=3))["invoices"]
    await succeed(client, PAY, "payInvoice", invoiceId=invoices[0]["id"])
    await succeed(client, CANCEL_INVOICE, "cancelInvoice", invoiceId=invoices[1]["id"])
    second = await credit_account(client)
    invoices += (await settled(client, second, "50.00"))["invoices"]
    return [invoice["id"] for invoice in invoices]


EXPECTED = [
    {"count": 4, "amount": "350.01", "openCount": 2, "openAmount": "150.00", "paidAmount": "100.01"},
    {"count": 2, "amount": "150.00", "openCount": 2, "openAmount": "150.00", "paidAmount": "0.00"},
    {"count": 1, "amount": "100.01", "openCount": 0, "openAmount": "0.00", "paidAmount": "100.01"},
    {"count": 4, "amount": "350.01", "openCount": 2, "openAmount": "150.00", "paidAmount": "100.01"},
]


async def test_every_operation_that_changes_invoices_leaves_its_change_on_its_account(client, database):
    await some_activity(client)

    assert await accounts_waiting(database) == 2
    assert await all_totals(client) == EXPECTED


async def test_a_flush_moves_every_change_into_the_totals_which_stay_as_they_were(client, database):
    await some_activity(client)

    assert await InvoiceTotalsRepository(database).flush() == 2

    assert await accounts_waiting(database) == 0
    assert await all_totals(client) == EXPECTED
    kept = await database.collection(INVOICE_TOTALS).find_one({"_id": TOTALS_ID})
    assert "j" not in kept


async def test_the_kept_totals_are_those_summed_from_the_invoices(client, database):
    invoices = await some_activity(client)
    await InvoiceTotalsRepository(database).flush()
    await succeed(client, PAY, "payInvoice", invoiceId=invoices[2])

    ledger = LedgerRepository(database)
    kept = await ledger.invoice_totals(InvoiceQuery(), today=today_utc())
    assert kept == await summed(database)
    assert kept.paid_amount_cents == 200_01


async def test_a_refund_cancelling_every_invoice_of_48_is_kept_and_flushed_whole(client, database):
    """96 buckets change at once (48 leave OPEN, 48 join CANCELLED): on the embedded server an `$inc` of 64
    fields or more is written as flat dotted keys, which the totals never use."""
    settings = await graphql(client, UPDATE_SETTINGS, input={"maxInstallments": 48})
    assert payload_of(settings, "updateStoreSettings")["errors"] == []
    account_id = await credit_account(client)
    transaction = await settled(client, account_id, "480.00", installments=48)
    await succeed(client, REFUND, "refundCredit", transactionId=transaction["id"], amount="480.00")
    cancelled = {"count": 48, "amount": "0.00", "openCount": 0, "openAmount": "0.00", "paidAmount": "0.00"}

    assert await totals(client) == cancelled
    assert await InvoiceTotalsRepository(database).flush() == 1
    assert await totals(client) == cancelled
    assert await totals(client, status="OPEN") == {**cancelled, "count": 0}


async def test_a_change_made_while_a_flush_runs_stays_on_its_account_until_the_next(client, database, monkeypatch):
    invoices = await some_activity(client)
    repository = InvoiceTotalsRepository(database)
    finish = repository._finish

    async def paid_meanwhile(journal: dict[str, Any]) -> None:
        await succeed(client, PAY, "payInvoice", invoiceId=invoices[2])
        await finish(journal)

    monkeypatch.setattr(repository, "_finish", paid_meanwhile)
    await repository.flush()

    assert await accounts_waiting(database) == 1  # the race: the first account changed after it was read
    assert (await totals(client))["paidAmount"] == "200.01"
    monkeypatch.setattr(repository, "_finish", finish)
    assert await repository.flush() == 1
    assert await accounts_waiting(database) == 0
    assert (await totals(client))["paidAmount"] == "200.01"


class Dying:
    """A collection whose `method` raises Interrupted at its call number `calls` (the process died there)."""

    def __init__(self, collection: Any, method: str, calls: int):
        self.collection, self.method, self.calls = collection, method, calls

    def __getattr__(self, name: str) -> Any:
        found = getattr(self.collection, name)
        if name != self.method:
            return found

        async def call(*args: Any, **kwargs: Any) -> Any:
            self.calls -= 1
            if self.calls == 0:
                raise Interrupted
            return await found(*args, **kwargs)

        return call


@pytest.mark.parametrize(
    "collection, method, calls",
    [("accounts", "bulk_write", 1), ("totals", "update_one", 2)],
    ids=["before any part came off", "before the journal was dropped"],
)
async def test_a_flush_that_died_midway_counts_nothing_twice_and_the_next_finishes_it(
    client, database, collection, method, calls
):
    await some_activity(client)
    repository = InvoiceTotalsRepository(database)
    setattr(repository, collection, Dying(getattr(repository, collection), method, calls))
    with pytest.raises(Interrupted):
        await repository.flush()

    kept = await database.collection(INVOICE_TOTALS).find_one({"_id": TOTALS_ID})
    assert kept["j"]["s"] == 1  # died with its journal written
    assert await all_totals(client) == EXPECTED
    assert await InvoiceTotalsRepository(database).flush() == 0  # finishes the journal: nothing else waits
    assert await accounts_waiting(database) == 0
    assert await all_totals(client) == EXPECTED
    assert "j" not in await database.collection(INVOICE_TOTALS).find_one({"_id": TOTALS_ID})


async def test_a_flush_that_died_with_one_part_off_and_one_on_counts_each_once(client, database, monkeypatch):
    invoices = await some_activity(client)
    repository = InvoiceTotalsRepository(database)
    repository.accounts = Dying(repository.accounts, "bulk_write", 2)  # type: ignore[assignment]
    finish = repository._finish

    async def paid_meanwhile(journal: dict[str, Any]) -> None:
        await succeed(client, PAY, "payInvoice", invoiceId=invoices[2])
        await finish(journal)

    monkeypatch.setattr(repository, "_finish", paid_meanwhile)
    with pytest.raises(Interrupted):
        await repository.flush()

    assert await accounts_waiting(database) == 1  # the second account's part came off, the first's did not
    paid = {**EXPECTED[0], "openCount": 1, "openAmount": "50.00", "paidAmount": "200.01"}
    assert await totals(client) == paid
    assert await InvoiceTotalsRepository(database).flush() == 1
    assert await totals(client) == paid
    assert await accounts_waiting(database) == 0


async def test_a_read_while_a_flush_moves_changes_reads_again(client, database, monkeypatch):
    await some_activity(client)
    ledger = LedgerRepository(database)
    waiting = ledger.totals._waiting
    reads = 0

    async def flushed_meanwhile(limit: int) -> Any:
        nonlocal reads
        reads += 1
        found = await waiting(limit)
        if reads == 1:
            await InvoiceTotalsRepository(database).flush()
        return found

    monkeypatch.setattr(ledger.totals, "_waiting", flushed_meanwhile)
    kept = await ledger.invoice_totals(InvoiceQuery(), today=today_utc())

    assert reads == 2  # the first read saw the totals move under it
    assert kept == await summed(database)


async def test_a_flush_overtaken_by_another_after_it_read_adds_nothing(client, database):
    first = await credit_account(client)
    await settled(client, first, "100.00")
    late = InvoiceTotalsRepository(database)
    totals_collection = late.totals

    class Overtaken:
        """The totals, as seen by a flush that another process overtakes before its first write."""

        def __getattr__(self, name: str) -> Any:
            return getattr(totals_collection, name)

        async def update_one(self, *args: Any, **kwargs: Any) -> Any:
            second = await credit_account(client)
            await settled(client, second, "50.00")
            assert await InvoiceTotalsRepository(database).flush() == 2  # the race: it moved both accounts
            return await totals_collection.update_one(*args, **kwargs)

    late.totals = Overtaken()  # type: ignore[assignment]

    assert await late.flush() == 0
    assert (await totals(client))["amount"] == "150.00"
    assert await accounts_waiting(database) == 0


async def test_two_flushes_at_once_move_each_change_once(client, database):
    await some_activity(client)
    both_read = asyncio.Barrier(2)

    def flush_that_waits_for_the_other() -> InvoiceTotalsRepository:
        repository = InvoiceTotalsRepository(database)
        totals_collection = repository.totals

        class Racing:
            """The totals, written only once both flushes have read the accounts they would move."""

            def __getattr__(self, name: str) -> Any:
                return getattr(totals_collection, name)

            waited = False

            async def update_one(self, *args: Any, **kwargs: Any) -> Any:
                if not self.waited:  # the first write, step 2
                    self.waited = True
                    await asyncio.wait_for(both_read.wait(), 5)  # the race: times out unless both got here
                return await totals_collection.update_one(*args, **kwargs)

        repository.totals = Racing()  # type: ignore[assignment]
        return repository

    moved = await asyncio.gather(*(flush_that_waits_for_the_other().flush() for _ in range(2)))

    assert sorted(moved) == [0, 2]
    assert await all_totals(client) == EXPECTED
    assert await accounts_waiting(database) == 0


async def test_without_kept_totals_the_invoices_are_summed(client, database):
    await some_activity(client)
    await database.collection(INVOICE_TOTALS).delete_many({})

    assert await InvoiceTotalsRepository(database).flush() == 0
    assert await all_totals(client) == EXPECTED


async def test_with_more_changes_waiting_than_a_read_adds_up_the_invoices_are_summed(client, database, monkeypatch):
    await some_activity(client)
    monkeypatch.setattr(invoice_totals, "MOST_WAITING", 1)

    assert await LedgerRepository(database).totals.read() is None
    assert await all_totals(client) == EXPECTED


async def test_keeping_totals_on_a_store_written_before_counts_its_invoices_once(client, database):
    await some_activity(client)
    await database.collection(INVOICE_TOTALS).delete_many({})  # a store of an earlier version

    assert await keep_invoice_totals(LedgerRepository(database)) == 4

    assert await accounts_waiting(database) == 0
    assert await all_totals(client) == EXPECTED
    assert await keep_invoice_totals(LedgerRepository(database)) == 0


async def test_the_credit_sweeper_flushes_every_second_or_so(client, database):
    await some_activity(client)
    sweeper = CreditSweeper(LedgerRepository(database), flush_seconds=0.05)
    sweeper.start()
    try:
        for _ in range(100):
            if await accounts_waiting(database) == 0:
                break
            await asyncio.sleep(0.05)
    finally:
        await sweeper.stop()

    assert await accounts_waiting(database) == 0
    assert await all_totals(client) == EXPECTED


async def test_flushing_stops_when_nothing_is_left(client, database, monkeypatch):
    await some_activity(client)
    monkeypatch.setattr(invoice_totals, "FLUSH_BATCH", 1)

    assert await flush_invoice_totals(LedgerRepository(database)) == 2
    assert await accounts_waiting(database) == 0
