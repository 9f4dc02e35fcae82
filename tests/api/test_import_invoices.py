"""Invoice imports (`importCsv(kind: INVOICES)`): an invoice export marked Paid or Cancelled in a
spreadsheet and imported back pays and cancels those invoices as payInvoice and cancelInvoice do;
re-importing it changes nothing; bad rows are reported by spreadsheet row."""

from __future__ import annotations

from decimal import Decimal

from customer_credit.persistence.database import IMPORT_RUNS
from tests.support.credit import CANCEL_INVOICE, PAY, ledger, succeed
from tests.support.graphql import error_codes, graphql, payload_of
from tests.support.imports import counts, error_triples, import_and_wait, upload_csv, wait_for_run
from tests.support.invoices import (
    export_invoices,
    import_invoices,
    invoice_file,
    invoices_of_a_new_account,
    marked,
    upload_invoices,
)

RUNS_OF_KIND = """
query Runs($kind: ImportKind) { importRuns(filter: {kind: $kind}) { totalCount nodes { id kind } } }
"""
AMOUNTS = ("10.00", "20.00", "30.50", "40.00")


def payments(account: dict) -> list[dict]:
    return [entry for entry in account["statement"]["nodes"] if entry["kind"] == "PAYMENT"]


async def test_an_export_marked_paid_pays_those_invoices(client, worker):
    account_id, invoices = await invoices_of_a_new_account(client, AMOUNTS)
    before = await ledger(client, account_id)
    paid = [invoice["id"] for invoice in invoices[:3]]

    run = await import_invoices(client, marked(await export_invoices(client), dict.fromkeys(paid, "Paid")))

    after = await ledger(client, account_id)
    statuses = {invoice["id"]: invoice["status"] for invoice in after["invoices"]["nodes"]}
    assert [statuses[invoice_id] for invoice_id in paid] == ["PAID"] * 3
    assert statuses[invoices[3]["id"]] == "OPEN"
    assert Decimal(after["balance"]) - Decimal(before["balance"]) == Decimal("60.50")
    assert Decimal(after["availableCredit"]) - Decimal(before["availableCredit"]) == Decimal("60.50")
    assert sorted(entry["invoiceId"] for entry in payments(after)) == sorted(paid)
    assert (run["status"], run["kind"], run["updatedCount"], run["unchangedCount"]) == ("SUCCEEDED", "INVOICES", 3, 1)


async def test_importing_the_same_file_again_changes_nothing(client, worker):
    account_id, invoices = await invoices_of_a_new_account(client, AMOUNTS)
    content = marked(await export_invoices(client), {invoices[0]["id"]: "Paid", invoices[1]["id"]: "Cancelled"})
    await import_invoices(client, content)
    first = await ledger(client, account_id)

    again = await import_invoices(client, content)

    assert await ledger(client, account_id) == first
    assert counts(again) == {
        "totalRows": 4,
        "processedRows": 4,
        "createdCount": 0,
        "updatedCount": 0,
        "unchangedCount": 4,
        "failedCount": 0,
    }


async def test_cancelled_rows_cancel_their_invoices_like_cancel_invoice(client, worker):
    account_id, invoices = await invoices_of_a_new_account(client, ("25.00",))

    await import_invoices(client, invoice_file([[invoices[0]["id"], "", "", "", "", "", "", "", "Cancelada"]]))

    account = await ledger(client, account_id)
    assert account["invoices"]["nodes"][0]["status"] == "CANCELLED"
    assert account["statement"]["nodes"][0]["kind"] == "CANCELLATION"
    assert account["balance"] == "0.00"


async def test_a_dry_run_reports_what_would_change_and_writes_nothing(client, worker):
    account_id, invoices = await invoices_of_a_new_account(client, AMOUNTS)
    before = await ledger(client, account_id)

    run = await import_invoices(
        client, marked(await export_invoices(client), {invoices[0]["id"]: "Paid"}), dry_run=True
    )

    assert await ledger(client, account_id) == before
    assert (run["dryRun"], run["updatedCount"], run["unchangedCount"]) == (True, 1, 3)


async def test_each_bad_row_is_reported_with_its_row_and_code(client, worker):
    _, invoices = await invoices_of_a_new_account(client, (*AMOUNTS, "50.00"))
    first, second, third, fourth, fifth = (invoice["id"] for invoice in invoices)
    await succeed(client, CANCEL_INVOICE, "cancelInvoice", invoiceId=second)
    await succeed(client, PAY, "payInvoice", invoiceId=third)
    await succeed(client, PAY, "payInvoice", invoiceId=fifth)
    rows = [
        ("nobody-01", "Paid"),  # 2 NOT_FOUND
        (second, "Paid"),  # 3 INVOICE_NOT_OPEN (cancelled)
        (third, "Cancelled"),  # 4 INVOICE_PAID
        (first, "Quitada"),  # 5 INVALID_STATUS
        ("", "Paid"),  # 6 REQUIRED
        (fourth, "Paid"),  # 7 applied
        (fourth, "Paid"),  # 8 DUPLICATE_IN_FILE
        (fifth, "Open"),  # 9 INVALID_STATUS (a paid invoice is not reopened)
    ]

    run = await import_invoices(client, invoice_file(rows, ("Invoice Id", "Status")))

    assert error_triples(run) == [
        (2, "Invoice Id", "NOT_FOUND"),
        (3, "Status", "INVOICE_NOT_OPEN"),
        (4, "Status", "INVOICE_PAID"),
        (5, "Status", "INVALID_STATUS"),
        (6, "Invoice Id", "REQUIRED"),
        (8, "Invoice Id", "DUPLICATE_IN_FILE"),
        (9, "Status", "INVALID_STATUS"),
    ]
    assert (run["status"], run["updatedCount"], run["failedCount"]) == ("COMPLETED_WITH_ERRORS", 1, 7)


async def test_a_portuguese_spreadsheet_file_pays_its_invoices(client, worker):
    account_id, invoices = await invoices_of_a_new_account(client, ("12.34",))
    content = invoice_file(
        [[invoices[0]["id"], "Cartão à vista", "Paga"]],
        ("Fatura", "Descrição", "Situação"),
        delimiter=";",
        encoding="cp1252",
    )

    run = await import_invoices(client, content)

    assert (run["status"], run["updatedCount"]) == ("SUCCEEDED", 1)
    assert (await ledger(client, account_id))["invoices"]["nodes"][0]["status"] == "PAID"


async def test_the_error_report_lists_the_failed_rows(client, worker):
    run = await import_invoices(client, invoice_file([("nobody-01", "Paid")], ("Invoice Id", "Status")))

    response = await client.get(run["errorReportUrl"])

    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "Invoice Id,Status,Row,Error"
    assert lines[1].startswith("nobody-01,Paid,2,Invoice Id: No invoice has the id")


async def test_import_runs_filter_by_kind_and_old_runs_read_as_accounts(client, worker, database):
    await import_and_wait(client, b"Id,Email\r\n,kind@example.com\r\n")
    invoice_run = await import_invoices(client, invoice_file([("nobody-01", "Paid")], ("Invoice Id", "Status")))
    await database.collection(IMPORT_RUNS).update_many({"_id": {"$ne": invoice_run["id"]}}, {"$unset": {"kind": ""}})

    invoices = payload_of(await graphql(client, RUNS_OF_KIND, kind="INVOICES"), "importRuns")
    accounts = payload_of(await graphql(client, RUNS_OF_KIND, kind="ACCOUNTS"), "importRuns")

    assert invoices["nodes"] == [{"id": invoice_run["id"], "kind": "INVOICES"}]
    assert (accounts["totalCount"], [run["kind"] for run in accounts["nodes"]]) == (1, ["ACCOUNTS"])


async def test_an_invoice_import_in_create_mode_is_refused_with_a_code(client, worker):
    payload = await upload_invoices(client, invoice_file([("x-01", "Paid")], ("Invoice Id", "Status")), "CREATE")

    assert (payload["importRun"], [error["code"] for error in payload["errors"]]) == (None, ["UNSUPPORTED_MODE"])


async def test_an_invoice_import_needs_invoices_write(client_with, worker):
    importer = await client_with("imports:write", "imports:read")

    result = await upload_csv(importer, invoice_file([("x-01", "Paid")], ("Invoice Id", "Status")), kind="INVOICES")

    assert error_codes(result) == ["FORBIDDEN"]


async def test_an_importer_with_invoices_write_marks_invoices_paid(client, client_with, worker):
    account_id, invoices = await invoices_of_a_new_account(client, ("5.00",))
    importer = await client_with("imports:write", "imports:read", "invoices:write")

    payload = await upload_invoices(importer, invoice_file([(invoices[0]["id"], "Paid")], ("Invoice Id", "Status")))
    await wait_for_run(client, payload["importRun"]["id"])

    assert (await ledger(client, account_id))["invoices"]["nodes"][0]["status"] == "PAID"
