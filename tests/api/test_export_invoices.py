"""`GET /invoices/export.csv`: the InvoiceFilter as query parameters, the Email masked without
`pii:read`, formula-safe cells, and the scope that reads invoices."""

from __future__ import annotations

from tests.support.credit import PAY, SETTLE, authorize, succeed
from tests.support.invoices import (
    INVOICE_EXPORT_URL,
    INVOICE_HEADER,
    export_invoices,
    exported_rows,
    invoices_of_a_new_account,
)


async def test_the_export_has_the_contract_columns_and_one_row_per_invoice(client):
    account_id, invoices = await invoices_of_a_new_account(client, ("10.00", "20.00"))

    text = await export_invoices(client)

    assert text.splitlines()[0] == ",".join(INVOICE_HEADER)
    rows = exported_rows(text)
    assert sorted((row["Invoice Id"], row["Account Id"], row["Amount"], row["Status"]) for row in rows) == sorted(
        (invoice["id"], account_id, invoice["amount"], "Open") for invoice in invoices
    )


async def test_the_export_filters_by_status_and_account(client):
    account_id, invoices = await invoices_of_a_new_account(client, ("10.00", "20.00"))
    await invoices_of_a_new_account(client, ("30.00",))
    await succeed(client, PAY, "payInvoice", invoiceId=invoices[0]["id"])

    paid = exported_rows(await export_invoices(client, status="Paid"))
    open_of_account = exported_rows(await export_invoices(client, status="OPEN", accountId=account_id))

    assert [row["Invoice Id"] for row in paid] == [invoices[0]["id"]]
    assert [row["Invoice Id"] for row in open_of_account] == [invoices[1]["id"]]


async def test_the_email_is_masked_without_pii_read(client, client_with):
    await invoices_of_a_new_account(client, ("10.00",))
    reader = await client_with("credit:read")

    (row,) = exported_rows(await export_invoices(reader))
    (full,) = exported_rows(await export_invoices(client))

    assert row["Email"] == full["Email"][0] + "***@example.com"


async def test_a_cell_a_spreadsheet_would_evaluate_is_neutralised(client):
    account_id, _ = await invoices_of_a_new_account(client, ())
    transaction = await authorize(client, account_id, "5.00", orderId="=HYPERLINK(1)")
    await succeed(client, SETTLE, "settleCredit", transactionId=transaction["id"], amount="5.00")

    (row,) = exported_rows(await export_invoices(client))

    assert row["Order Id"] == "'=HYPERLINK(1)"


async def test_the_export_needs_the_scope_that_reads_invoices(client_with):
    accounts_reader = await client_with("accounts:read", "pii:read")

    response = await accounts_reader.get(INVOICE_EXPORT_URL)

    assert (response.status_code, response.json()["code"]) == (403, "FORBIDDEN")


async def test_a_status_that_is_no_invoice_status_is_a_bad_request(client):
    response = await client.get(INVOICE_EXPORT_URL, params={"status": "Late"})

    assert (response.status_code, response.json()["code"]) == (400, "INVALID_PARAMETER")
