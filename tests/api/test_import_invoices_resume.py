"""An invoice import interrupted by a crash resumes in a fresh worker and pays each invoice exactly
once: the rows of the interrupted batch replay their payInvoice operation by its idempotency key
(import run, row), whether the crash came before the payment, after it, or before its documents."""

from __future__ import annotations

from decimal import Decimal

import pytest

from customer_credit.persistence.imports import ImportRunRepository
from customer_credit.persistence.ledger import LedgerRepository
from tests.support.crashes import crash, crash_on_call, ledgers_over, make_worker, queue, resume
from tests.support.credit import ledger
from tests.support.imports import counts
from tests.support.invoices import invoice_file, invoices_of_a_new_account

AMOUNTS = ("1.00", "2.00", "3.00", "4.00", "5.00")  # rows 2-6: two batches of three
EXACT = {
    "totalRows": 5,
    "processedRows": 5,
    "createdCount": 0,
    "updatedCount": 5,
    "unchangedCount": 0,
    "failedCount": 0,
}


async def paid_once(client, account_id: str, run: dict) -> None:
    account = await ledger(client, account_id)
    payments = [entry["invoiceId"] for entry in account["statement"]["nodes"] if entry["kind"] == "PAYMENT"]
    assert len(payments) == len(set(payments)) == 5
    assert {invoice["status"] for invoice in account["invoices"]["nodes"]} == {"PAID"}
    assert Decimal(account["balance"]) == 0
    assert (run["status"], counts(run)) == ("SUCCEEDED", EXACT)


async def queued_payments(client) -> tuple[str, str]:
    account_id, invoices = await invoices_of_a_new_account(client, AMOUNTS)
    content = invoice_file([(invoice["id"], "Paid") for invoice in invoices], ("Invoice Id", "Status"))
    return account_id, await queue(client, content, "UPDATE", kind="INVOICES")


@pytest.mark.parametrize("in_batch", [1, 2])
async def test_crash_after_the_payments_before_the_checkpoint_pays_each_invoice_once(client, app, database, in_batch):
    account_id, run_id = await queued_payments(client)
    runs = ImportRunRepository(database)
    runs.checkpoint = crash_on_call(in_batch, runs.checkpoint)
    await crash(make_worker(app, runs=runs, lease_seconds=0.001))

    run = await resume(client, app, run_id)

    await paid_once(client, account_id, run)


@pytest.mark.parametrize("call", [1, 4])
async def test_crash_after_claiming_the_key_before_the_payment_pays_it_once(client, app, database, call):
    account_id, run_id = await queued_payments(client)
    faulty = LedgerRepository(database)
    faulty.apply = crash_on_call(call, faulty.apply)
    await crash(make_worker(app, ledgers=ledgers_over(app, faulty), lease_seconds=0.001))

    run = await resume(client, app, run_id)

    await paid_once(client, account_id, run)


async def test_crash_after_the_payment_before_its_documents_pays_it_once(client, app, database):
    account_id, run_id = await queued_payments(client)
    faulty = LedgerRepository(database)
    faulty.complete = crash_on_call(2, faulty.complete)
    await crash(make_worker(app, ledgers=ledgers_over(app, faulty), lease_seconds=0.001))

    run = await resume(client, app, run_id)

    await paid_once(client, account_id, run)
