"""`invoiceTotals(filter)`: the count and sums of every invoice the filter matches, whatever page a
list of them shows (the original's invoices screen summed only the page). Needs `credit:read`."""

from __future__ import annotations

from decimal import Decimal

from tests.support.credit import (
    CANCEL_INVOICE,
    INVOICES,
    PAY,
    credit_account,
    make_overdue,
    overdue_changes,
    settled,
    succeed,
)
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


async def invoices_of(client, account_id: str) -> list[dict]:
    return payload_of(await graphql(client, INVOICES, filter={"accountId": account_id}, first=10), "invoices")["nodes"]


def cents(amount: str) -> int:
    return int(Decimal(amount) * 100)


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


async def test_totals_of_the_overdue_invoices_are_those_of_the_open_ones_due_before_today(client, database):
    first, second = await two_accounts(client)
    open_first = [i for i in await invoices_of(client, first) if i["status"] == "OPEN"]
    (open_second,) = await invoices_of(client, second)
    await make_overdue(database, first, open_first[0]["id"], days=10)
    await make_overdue(database, second, open_second["id"], days=40)
    # Paid and cancelled invoices due before today are not overdue.
    for invoice in await invoices_of(client, first):
        if invoice["status"] != "OPEN":
            was = (invoice["status"], cents(invoice["amount"]), invoice["dueDate"])
            _, moved, account = overdue_changes(first, invoice["id"], days=20, was=was)
            await database.collection("invoices").update_one({"_id": invoice["id"]}, moved)
            await database.collection("accounts").update_one({"_id": first}, account)

    assert await totals(client, overdue=True) == {
        "count": 2,
        "amount": "150.00",
        "openCount": 2,
        "openAmount": "150.00",
        "paidAmount": "0.00",
    }
    assert await totals(client, overdue=True, accountId=second) == {
        "count": 1,
        "amount": "50.00",
        "openCount": 1,
        "openAmount": "50.00",
        "paidAmount": "0.00",
    }
    assert (await totals(client, overdue=True, status="PAID"))["count"] == 0


async def test_totals_need_credit_read(client, client_with):
    await two_accounts(client)
    reader = await client_with("credit:read")
    without = await client_with("accounts:read", "invoices:write", "credit:write")

    assert (await totals(reader))["count"] == 4
    assert error_codes(await graphql(without, TOTALS, filter={})) == ["FORBIDDEN"]
