"""`invoiceTotals(filter)`: the count and sums of every invoice the filter matches, whatever page a
list of them shows (the original's invoices screen summed only the page). Needs `credit:read`."""

from __future__ import annotations

from tests.support.credit import CANCEL_INVOICE, INVOICES, PAY, credit_account, settled, succeed
from tests.support.graphql import error_codes, graphql, payload_of

TOTALS = """
query Totals($filter: InvoiceFilter) {
  invoiceTotals(filter: $filter) { count amount openCount openAmount paidAmount }
}
"""


async def two_accounts(client) -> tuple[str, str]:
    """One account with 3 invoices of 100.00, 100.00 and 100.01 (one paid, one cancelled); another
    with one invoice of 50.00."""
    first = await credit_account(client)
    transaction = await settled(client, first, "300.01", installments=3)
    first_invoice, second_invoice, _ = transaction["invoices"]
    await succeed(client, PAY, "payInvoice", invoiceId=first_invoice["id"])
    await succeed(client, CANCEL_INVOICE, "cancelInvoice", invoiceId=second_invoice["id"])
    second = await credit_account(client)
    await settled(client, second, "50.00")
    return first, second


async def totals(client, **filter) -> dict:
    return payload_of(await graphql(client, TOTALS, filter=filter), "invoiceTotals")


async def test_totals_of_every_invoice_by_status(client):
    await two_accounts(client)

    assert await totals(client) == {
        "count": 4,
        "amount": "350.01",
        "openCount": 2,
        "openAmount": "150.00",
        "paidAmount": "100.01",
    }


async def test_totals_follow_the_filter_not_the_page(client):
    first, second = await two_accounts(client)

    page = payload_of(await graphql(client, INVOICES, filter={"accountId": first}, first=1), "invoices")
    assert len(page["nodes"]) == 1
    assert await totals(client, accountId=first) == {
        "count": 3,
        "amount": "300.01",
        "openCount": 1,
        "openAmount": "100.00",
        "paidAmount": "100.01",
    }
    assert (await totals(client, accountId=second, status="OPEN"))["openAmount"] == "50.00"
    assert (await totals(client, status="PAID"))["count"] == 1


async def test_totals_of_nothing_are_zero(client):
    await two_accounts(client)

    assert await totals(client, overdue=True) == {
        "count": 0,
        "amount": "0.00",
        "openCount": 0,
        "openAmount": "0.00",
        "paidAmount": "0.00",
    }
    assert (await totals(client, overdue=False))["count"] == 4


async def test_totals_need_credit_read(client, client_with):
    await two_accounts(client)
    reader = await client_with("credit:read")
    without = await client_with("accounts:read", "invoices:write", "credit:write")

    assert (await totals(reader))["count"] == 4
    assert error_codes(await graphql(without, TOTALS, filter={})) == ["FORBIDDEN"]
