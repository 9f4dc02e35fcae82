"""settleCredit, cancelCredit and refundCredit: invoices split to the cent, holds released, refunds
from the last installment backwards. Amounts are worked out by hand in each test."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

from tests.support.credit import (
    CANCEL,
    CANCEL_INVOICE,
    PAY,
    REFUND,
    SETTLE,
    UPDATE_SETTINGS,
    authorize,
    call,
    codes,
    credit_account,
    ledger,
    settled,
    succeed,
)
from tests.support.graphql import graphql


def utc_today() -> date:
    return datetime.now(UTC).date()


async def test_a_settlement_splits_the_amount_into_installments_with_the_remainder_first(client):
    account_id = await credit_account(client)

    transaction = await settled(client, account_id, "100.00", installments=3)

    invoices = transaction["invoices"]
    assert [i["amount"] for i in invoices] == ["33.34", "33.33", "33.33"]
    assert [i["id"] for i in invoices] == [f"{transaction['id']}-0{k}" for k in (1, 2, 3)]
    assert {(i["status"], i["numberOfInstallments"]) for i in invoices} == {("OPEN", 3)}
    assert (transaction["status"], transaction["settledAmount"]) == ("SETTLED", "100.00")


async def test_invoice_k_is_due_k_times_invoice_due_days_after_the_settlement(client):
    account_id = await credit_account(client)

    transaction = await settled(client, account_id, "90.00", installments=3)

    today = utc_today()
    expected = [(today + timedelta(days=30 * k)).isoformat() for k in (1, 2, 3)]
    assert [i["dueDate"] for i in transaction["invoices"]] == expected
    assert [i["originalDueDate"] for i in transaction["invoices"]] == expected


async def test_the_stores_invoice_due_days_is_used_by_the_next_settlement(client):
    account_id = await credit_account(client)
    await graphql(client, UPDATE_SETTINGS, input={"invoiceDueDays": 10})

    transaction = await settled(client, account_id, "20.00", installments=2)

    today = utc_today()
    assert [i["dueDate"] for i in transaction["invoices"]] == [
        (today + timedelta(days=10)).isoformat(),
        (today + timedelta(days=20)).isoformat(),
    ]


async def test_a_settlement_releases_the_whole_hold_and_owes_the_settled_amount(client):
    account_id = await credit_account(client, limit="1000.00")
    transaction = await authorize(client, account_id, "300.00")

    payload = await succeed(client, SETTLE, "settleCredit", transactionId=transaction["id"], amount="200.00")

    numbers = payload["account"]
    assert (numbers["heldCredit"], numbers["balance"], numbers["availableCredit"]) == ("0.00", "-200.00", "800.00")


async def test_each_invoice_is_one_statement_entry_with_the_running_balance(client):
    account_id = await credit_account(client)
    transaction = await settled(client, account_id, "100.00", installments=3)

    entries = (await ledger(client, account_id))["statement"]["nodes"]

    assert [(e["kind"], e["amount"], e["balanceAfter"]) for e in reversed(entries)] == [
        ("INVOICE", "-33.34", "-33.34"),
        ("INVOICE", "-33.33", "-66.67"),
        ("INVOICE", "-33.33", "-100.00"),
    ]
    assert {e["transactionId"] for e in entries} == {transaction["id"]}


async def test_settling_more_than_was_authorized_is_refused(client):
    account_id = await credit_account(client)
    transaction = await authorize(client, account_id, "50.00")

    payload = await call(client, SETTLE, "settleCredit", transactionId=transaction["id"], amount="50.01")

    assert codes(payload) == ["AMOUNT_EXCEEDS_AUTHORIZATION"]
    assert (await ledger(client, account_id))["heldCredit"] == "50.00"


async def test_a_settled_transaction_cannot_be_settled_again(client):
    account_id = await credit_account(client)
    transaction = await settled(client, account_id, "10.00")

    payload = await call(client, SETTLE, "settleCredit", transactionId=transaction["id"], amount="10.00")

    assert codes(payload) == ["TRANSACTION_NOT_AUTHORIZED"]
    assert (await ledger(client, account_id))["balance"] == "-10.00"


async def test_a_hold_past_its_expiry_cannot_be_settled(client):
    account_id = await credit_account(client)
    soon = (datetime.now(UTC) + timedelta(seconds=3)).isoformat()
    transaction = await authorize(client, account_id, "10.00", expiresAt=soon)
    await asyncio.sleep(3.2)

    payload = await call(client, SETTLE, "settleCredit", transactionId=transaction["id"], amount="10.00")

    assert codes(payload) == ["TRANSACTION_EXPIRED"]
    assert (await ledger(client, account_id))["balance"] == "0.00"


async def test_an_unknown_transaction_is_not_found(client):
    payload = await call(client, SETTLE, "settleCredit", transactionId="no-such-thing", amount="1.00")

    assert codes(payload) == ["NOT_FOUND"]


async def test_a_retried_settlement_creates_its_invoices_once(client):
    account_id = await credit_account(client)
    transaction = await authorize(client, account_id, "60.00", installments=2)
    input = {"transactionId": transaction["id"], "amount": "60.00", "idempotencyKey": "settle-once"}

    first = await succeed(client, SETTLE, "settleCredit", **input)
    again = await succeed(client, SETTLE, "settleCredit", **input)

    assert again["transaction"]["invoices"] == first["transaction"]["invoices"]
    numbers = await ledger(client, account_id)
    assert (numbers["balance"], numbers["invoices"]["totalCount"], numbers["statement"]["totalCount"]) == (
        "-60.00",
        2,
        2,
    )


async def test_cancelling_releases_the_hold(client):
    account_id = await credit_account(client, limit="100.00")
    transaction = await authorize(client, account_id, "70.00")

    payload = await succeed(client, CANCEL, "cancelCredit", transactionId=transaction["id"])

    assert payload["transaction"]["status"] == "CANCELLED"
    assert (payload["account"]["heldCredit"], payload["account"]["availableCredit"]) == ("0.00", "100.00")


async def test_a_cancelled_transaction_cannot_be_cancelled_or_settled(client):
    account_id = await credit_account(client)
    transaction = await authorize(client, account_id, "5.00")
    await succeed(client, CANCEL, "cancelCredit", transactionId=transaction["id"])

    cancelled_again = await call(client, CANCEL, "cancelCredit", transactionId=transaction["id"])
    settle = await call(client, SETTLE, "settleCredit", transactionId=transaction["id"], amount="5.00")

    assert codes(cancelled_again) == codes(settle) == ["TRANSACTION_NOT_AUTHORIZED"]


async def test_a_refund_lowers_the_open_invoices_from_the_last_one_backwards(client):
    account_id = await credit_account(client)
    transaction = await settled(client, account_id, "90.00", installments=3)  # 30.00 each

    payload = await succeed(client, REFUND, "refundCredit", transactionId=transaction["id"], amount="40.00")

    invoices = payload["transaction"]["invoices"]
    assert [(i["amount"], i["status"]) for i in invoices] == [
        ("30.00", "OPEN"),
        ("20.00", "OPEN"),
        ("0.00", "CANCELLED"),
    ]
    assert [i["originalAmount"] for i in invoices] == ["30.00", "30.00", "30.00"]
    assert (payload["transaction"]["refundedAmount"], payload["account"]["balance"]) == ("40.00", "-50.00")


async def test_a_refund_is_one_refund_entry_of_its_amount(client):
    account_id = await credit_account(client)
    transaction = await settled(client, account_id, "90.00", installments=3)

    await succeed(client, REFUND, "refundCredit", transactionId=transaction["id"], amount="40.00")

    newest = (await ledger(client, account_id))["statement"]["nodes"][0]
    assert (newest["kind"], newest["amount"], newest["balanceAfter"]) == ("REFUND", "40.00", "-50.00")


async def test_a_refund_of_paid_installments_is_credit_in_the_holders_favour(client):
    account_id = await credit_account(client, limit="100.00")
    transaction = await settled(client, account_id, "50.00", installments=2)  # 25.00 each
    await succeed(client, PAY, "payInvoice", invoiceId=f"{transaction['id']}-02")

    payload = await succeed(client, REFUND, "refundCredit", transactionId=transaction["id"], amount="50.00")

    invoices = payload["transaction"]["invoices"]
    assert [(i["amount"], i["status"]) for i in invoices] == [("0.00", "CANCELLED"), ("25.00", "PAID")]
    assert (payload["account"]["balance"], payload["account"]["availableCredit"]) == ("25.00", "125.00")


async def test_a_refund_after_an_invoice_was_cancelled_still_counts_that_invoice_as_refundable(client):
    account_id = await credit_account(client, limit="100.00")
    transaction = await settled(client, account_id, "90.00", installments=3)  # 30.00 each; balance -90.00
    await succeed(client, CANCEL_INVOICE, "cancelInvoice", invoiceId=f"{transaction['id']}-03")  # -60.00

    payload = await succeed(client, REFUND, "refundCredit", transactionId=transaction["id"], amount="90.00")

    invoices = payload["transaction"]["invoices"]
    assert [(i["amount"], i["status"]) for i in invoices] == [
        ("0.00", "CANCELLED"),
        ("0.00", "CANCELLED"),
        ("30.00", "CANCELLED"),  # as it was when cancelled
    ]
    assert payload["account"]["balance"] == "30.00"  # -60.00 + 90.00: the forgiven 30.00 is credit too


async def test_refunding_more_than_is_refundable_is_refused(client):
    account_id = await credit_account(client)
    transaction = await settled(client, account_id, "30.00")
    await succeed(client, REFUND, "refundCredit", transactionId=transaction["id"], amount="20.00")

    payload = await call(client, REFUND, "refundCredit", transactionId=transaction["id"], amount="10.01")

    assert codes(payload) == ["AMOUNT_EXCEEDS_REFUNDABLE"]
    assert (await ledger(client, account_id))["balance"] == "-10.00"


async def test_an_authorized_transaction_has_nothing_to_refund(client):
    account_id = await credit_account(client)
    transaction = await authorize(client, account_id, "30.00")

    payload = await call(client, REFUND, "refundCredit", transactionId=transaction["id"], amount="1.00")

    assert codes(payload) == ["AMOUNT_EXCEEDS_REFUNDABLE"]
