"""payInvoice, cancelInvoice, postponeInvoice, adjustBalance, the statement, the invoices list and
closeAccount's OPEN_BALANCE."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from tests.support.accounts import close_account
from tests.support.credit import (
    ADJUST,
    CANCEL_INVOICE,
    INVOICE_BY_ID,
    INVOICES,
    PAY,
    POSTPONE,
    STATEMENT_BETWEEN,
    UPDATE_SETTINGS,
    authorize,
    call,
    codes,
    credit_account,
    ledger,
    make_overdue,
    settled,
    succeed,
)
from tests.support.graphql import graphql


async def test_paying_an_invoice_raises_the_balance_by_its_amount(client):
    account_id = await credit_account(client)
    transaction = await settled(client, account_id, "100.00", installments=3)

    payload = await succeed(client, PAY, "payInvoice", invoiceId=f"{transaction['id']}-01")

    assert (payload["invoice"]["status"], payload["invoice"]["paidAt"] is not None) == ("PAID", True)
    assert payload["account"]["balance"] == "-66.66"
    newest = (await ledger(client, account_id))["statement"]["nodes"][0]
    assert (newest["kind"], newest["amount"], newest["balanceAfter"]) == ("PAYMENT", "33.34", "-66.66")


async def test_a_paid_invoice_cannot_be_paid_again(client):
    account_id = await credit_account(client)
    transaction = await settled(client, account_id, "10.00")
    await succeed(client, PAY, "payInvoice", invoiceId=f"{transaction['id']}-01")

    payload = await call(client, PAY, "payInvoice", invoiceId=f"{transaction['id']}-01")

    assert codes(payload) == ["INVOICE_NOT_OPEN"]
    assert (await ledger(client, account_id))["balance"] == "0.00"


async def test_a_retried_payment_pays_once(client):
    account_id = await credit_account(client)
    transaction = await settled(client, account_id, "10.00")
    input = {"invoiceId": f"{transaction['id']}-01", "idempotencyKey": "pay-once"}

    first = await succeed(client, PAY, "payInvoice", **input)
    again = await succeed(client, PAY, "payInvoice", **input)

    assert again["invoice"]["id"] == first["invoice"]["id"]
    assert (await ledger(client, account_id))["statement"]["totalCount"] == 2


async def test_cancelling_an_open_invoice_is_a_cancellation_entry(client):
    account_id = await credit_account(client)
    transaction = await settled(client, account_id, "10.00")

    payload = await succeed(client, CANCEL_INVOICE, "cancelInvoice", invoiceId=f"{transaction['id']}-01")

    assert (payload["invoice"]["status"], payload["account"]["balance"]) == ("CANCELLED", "0.00")
    newest = (await ledger(client, account_id))["statement"]["nodes"][0]
    assert (newest["kind"], newest["amount"]) == ("CANCELLATION", "10.00")


async def test_a_paid_invoice_cannot_be_cancelled(client):
    account_id = await credit_account(client)
    transaction = await settled(client, account_id, "10.00")
    await succeed(client, PAY, "payInvoice", invoiceId=f"{transaction['id']}-01")

    payload = await call(client, CANCEL_INVOICE, "cancelInvoice", invoiceId=f"{transaction['id']}-01")

    assert codes(payload) == ["INVOICE_PAID"]


async def test_an_unknown_invoice_is_not_found(client):
    payload = await call(client, PAY, "payInvoice", invoiceId="nothing-01")

    assert codes(payload) == ["NOT_FOUND"]


async def test_postponing_moves_the_due_date_and_keeps_the_original(client):
    account_id = await credit_account(client)
    transaction = await settled(client, account_id, "10.00")
    original = transaction["invoices"][0]["dueDate"]

    payload = await succeed(client, POSTPONE, "postponeInvoice", invoiceId=f"{transaction['id']}-01", days=10)

    moved = (datetime.fromisoformat(original) + timedelta(days=10)).date().isoformat()
    assert (payload["invoice"]["dueDate"], payload["invoice"]["originalDueDate"]) == (moved, original)


async def test_postponement_is_limited_in_total_per_invoice(client):
    account_id = await credit_account(client)
    transaction = await settled(client, account_id, "10.00")
    invoice_id = f"{transaction['id']}-01"
    await succeed(client, POSTPONE, "postponeInvoice", invoiceId=invoice_id, days=20)

    payload = await call(client, POSTPONE, "postponeInvoice", invoiceId=invoice_id, days=11)
    exactly = await call(client, POSTPONE, "postponeInvoice", invoiceId=invoice_id, days=10)

    assert codes(payload) == ["INVALID_POSTPONEMENT"]
    assert exactly["errors"] == []


async def test_postponement_needs_the_store_to_allow_it(client):
    account_id = await credit_account(client)
    transaction = await settled(client, account_id, "10.00")
    await graphql(client, UPDATE_SETTINGS, input={"postponementEnabled": False})

    payload = await call(client, POSTPONE, "postponeInvoice", invoiceId=f"{transaction['id']}-01", days=1)

    assert codes(payload) == ["POSTPONEMENT_DISABLED"]


@pytest.mark.parametrize(("amount", "expected"), [("-12.50", "-12.50"), ("7.25", "7.25")])
async def test_an_adjustment_is_a_signed_entry_with_its_note(client, amount, expected):
    account_id = await credit_account(client)

    payload = await succeed(client, ADJUST, "adjustBalance", accountId=account_id, amount=amount, note="goodwill")

    entry = payload["entry"]
    assert (entry["kind"], entry["amount"], entry["balanceAfter"], entry["note"]) == (
        "ADJUSTMENT",
        expected,
        expected,
        "goodwill",
    )
    assert payload["account"]["balance"] == expected


@pytest.mark.parametrize(("amount", "note", "code"), [("0", "x", "INVALID_AMOUNT"), ("1.00", " ", "INVALID_NOTE")])
async def test_an_adjustment_needs_an_amount_and_a_note(client, amount, note, code):
    account_id = await credit_account(client)

    payload = await call(client, ADJUST, "adjustBalance", accountId=account_id, amount=amount, note=note)

    assert codes(payload) == [code]
    assert (await ledger(client, account_id))["statement"]["totalCount"] == 0


async def test_the_statement_can_be_read_between_two_moments(client):
    account_id = await credit_account(client)
    await succeed(client, ADJUST, "adjustBalance", accountId=account_id, amount="1.00", note="first")
    await asyncio.sleep(0.005)  # entries are stamped to the millisecond: `middle` must fall in none of theirs
    middle = datetime.now(UTC).isoformat()
    await asyncio.sleep(0.005)
    await succeed(client, ADJUST, "adjustBalance", accountId=account_id, amount="2.00", note="second")

    after = (await graphql(client, STATEMENT_BETWEEN, id=account_id, **{"from": middle}))["data"]["account"]
    before = (await graphql(client, STATEMENT_BETWEEN, id=account_id, to=middle))["data"]["account"]

    assert [e["note"] for e in after["statement"]["nodes"]] == ["second"]
    assert [e["note"] for e in before["statement"]["nodes"]] == ["first"]


async def test_the_balance_is_the_sum_of_the_statement(client):
    account_id = await credit_account(client)
    transaction = await settled(client, account_id, "100.00", installments=3)
    await succeed(client, PAY, "payInvoice", invoiceId=f"{transaction['id']}-02")
    await succeed(client, ADJUST, "adjustBalance", accountId=account_id, amount="-1.11", note="fee")

    numbers = await ledger(client, account_id)

    entries = numbers["statement"]["nodes"]
    assert sum(Decimal(e["amount"]) for e in entries) == Decimal("-67.78")  # -100.00 + 33.33 - 1.11
    assert numbers["balance"] == entries[0]["balanceAfter"] == "-67.78"


async def test_invoices_can_be_filtered_by_status_and_transaction(client):
    account_id = await credit_account(client)
    first = await settled(client, account_id, "20.00", installments=2)
    await settled(client, account_id, "5.00")
    await succeed(client, PAY, "payInvoice", invoiceId=f"{first['id']}-01")

    open_of_first = await graphql(client, INVOICES, filter={"transactionId": first["id"], "status": "OPEN"})
    by_account = await graphql(client, INVOICES, filter={"accountId": account_id})

    assert [i["id"] for i in open_of_first["data"]["invoices"]["nodes"]] == [f"{first['id']}-02"]
    assert by_account["data"]["invoices"]["totalCount"] == 3


async def test_invoices_not_yet_due_are_not_overdue(client):
    account_id = await credit_account(client)
    await settled(client, account_id, "20.00", installments=2)

    overdue = await graphql(client, INVOICES, filter={"accountId": account_id, "overdue": True})
    on_time = await graphql(client, INVOICES, filter={"accountId": account_id, "overdue": False})

    assert overdue["data"]["invoices"]["totalCount"] == 0
    assert [i["overdue"] for i in on_time["data"]["invoices"]["nodes"]] == [False, False]


async def test_invoices_page_by_due_date(client):
    account_id = await credit_account(client)
    transaction = await settled(client, account_id, "30.00", installments=3)

    first = (await graphql(client, INVOICES, filter={"accountId": account_id}, first=2))["data"]["invoices"]
    rest = await graphql(
        client, INVOICES, filter={"accountId": account_id}, first=2, after=first["pageInfo"]["endCursor"]
    )

    ids = [i["id"] for i in first["nodes"]] + [i["id"] for i in rest["data"]["invoices"]["nodes"]]
    assert ids == [f"{transaction['id']}-0{k}" for k in (1, 2, 3)]
    assert first["pageInfo"]["hasNextPage"] is True


async def test_an_account_with_a_hold_cannot_be_closed(client):
    account_id = await credit_account(client)
    await authorize(client, account_id, "1.00")

    payload = await close_account(client, account_id)

    assert [e["code"] for e in payload["errors"]] == ["OPEN_BALANCE"]


async def test_an_account_that_owes_cannot_be_closed(client):
    account_id = await credit_account(client)
    await settled(client, account_id, "1.00")

    payload = await close_account(client, account_id)

    assert [e["code"] for e in payload["errors"]] == ["OPEN_BALANCE"]


async def test_a_paid_up_account_closes_and_its_ledger_stays_readable(client):
    account_id = await credit_account(client)
    transaction = await settled(client, account_id, "4.00")
    await succeed(client, PAY, "payInvoice", invoiceId=f"{transaction['id']}-01")

    payload = await close_account(client, account_id)

    assert payload["errors"] == []
    numbers = await ledger(client, account_id)
    assert (numbers["status"], numbers["transactions"]["totalCount"], numbers["statement"]["totalCount"]) == (
        "CLOSED",
        1,
        2,
    )
    found = await graphql(client, INVOICE_BY_ID, id=f"{transaction['id']}-01")
    assert found["data"]["invoice"]["status"] == "PAID"


def invoice_ids(result: dict) -> list[str]:
    assert "errors" not in result, result["errors"]
    return [invoice["id"] for invoice in result["data"]["invoices"]["nodes"]]


async def test_overdue_invoices_are_the_open_ones_due_before_today(client, database):
    account_id = await credit_account(client)
    first, second, third = (await settled(client, account_id, "30.00", installments=3))["invoices"]
    await make_overdue(database, account_id, first["id"], days=40)
    await make_overdue(database, account_id, second["id"], days=10)
    await succeed(client, PAY, "payInvoice", invoiceId=second["id"])

    overdue = await graphql(client, INVOICES, filter={"accountId": account_id, "overdue": True})
    not_overdue = await graphql(client, INVOICES, filter={"accountId": account_id, "overdue": False})

    assert invoice_ids(overdue) == [first["id"]]
    assert invoice_ids(not_overdue) == [second["id"], third["id"]]


async def test_an_overdue_invoice_cancelled_or_postponed_past_today_is_no_longer_overdue(client, database):
    account_id = await credit_account(client)
    first, second, third = (await settled(client, account_id, "30.00", installments=3))["invoices"]
    for invoice in (first, second, third):
        await make_overdue(database, account_id, invoice["id"], days=5)
    await succeed(client, CANCEL_INVOICE, "cancelInvoice", invoiceId=first["id"])
    await succeed(client, POSTPONE, "postponeInvoice", invoiceId=second["id"], days=30)

    overdue = await graphql(client, INVOICES, filter={"accountId": account_id, "overdue": True})

    assert invoice_ids(overdue) == [third["id"]]
    assert overdue["data"]["invoices"]["totalCount"] == 1


async def test_overdue_invoices_are_paged_by_due_date(client, database):
    account_id = await credit_account(client)
    invoices = (await settled(client, account_id, "40.00", installments=4))["invoices"]
    for days, invoice in zip((30, 20, 10), invoices, strict=False):
        await make_overdue(database, account_id, invoice["id"], days=days)

    pages, after = [], None
    for _ in range(4):
        page = await graphql(client, INVOICES, filter={"overdue": True}, first=1, after=after)
        pages.append(invoice_ids(page))
        after = page["data"]["invoices"]["pageInfo"]["endCursor"]
        if not page["data"]["invoices"]["pageInfo"]["hasNextPage"]:
            break

    assert pages == [[invoices[0]["id"]], [invoices[1]["id"]], [invoices[2]["id"]]]


async def test_invoices_between_two_due_dates_are_paged_within_them(client):
    account_id = await credit_account(client)
    invoices = (await settled(client, account_id, "40.00", installments=4))["invoices"]
    between = {"accountId": account_id, "dueFrom": invoices[1]["dueDate"], "dueTo": invoices[2]["dueDate"]}

    first = await graphql(client, INVOICES, filter=between, first=1)
    after = first["data"]["invoices"]["pageInfo"]["endCursor"]
    rest = await graphql(client, INVOICES, filter=between, first=5, after=after)

    assert (invoice_ids(first), invoice_ids(rest)) == ([invoices[1]["id"]], [invoices[2]["id"]])
    assert rest["data"]["invoices"]["totalCount"] == 2


async def test_overdue_invoices_due_up_to_a_date_are_those_due_by_both_that_date_and_before_today(client, database):
    account_id = await credit_account(client)
    first, second, third = (await settled(client, account_id, "30.00", installments=3))["invoices"]
    long_ago = await make_overdue(database, account_id, first["id"], days=40)
    await make_overdue(database, account_id, second["id"], days=10)

    def overdue_due_by(day: str) -> dict:
        return {"accountId": account_id, "overdue": True, "dueTo": day}

    assert invoice_ids(await graphql(client, INVOICES, filter=overdue_due_by(long_ago))) == [first["id"]]
    assert invoice_ids(await graphql(client, INVOICES, filter=overdue_due_by(third["dueDate"]))) == [
        first["id"],
        second["id"],
    ]
