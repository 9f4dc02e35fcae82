"""The credit operations as GraphQL constants, and helpers that call them (for tests/api/test_credit_*.py)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx

from customer_credit.domain.credit import InvoiceStatus
from customer_credit.domain.invoice_totals import added, bucket_key
from customer_credit.persistence.invoice_totals import change_update
from customer_credit.persistence.ledger import OPEN_DUE, due_sort
from tests.support.accounts import open_account
from tests.support.graphql import graphql, payload_of

NUMBERS = "spendingLimit balance heldCredit availableCredit"
TRANSACTION = """
  id accountId amount settledAmount refundedAmount installments orderId status createdAt expiresAt settledAt actor
  invoices { id installment numberOfInstallments amount originalAmount status dueDate originalDueDate overdue }
"""
INVOICE = """
  id accountId transactionId orderId installment numberOfInstallments amount originalAmount status overdue
  dueDate originalDueDate paidAt cancelledAt
"""
ENTRY = "id at kind amount balanceAfter transactionId invoiceId actor note"

AUTHORIZE = f"""
mutation Authorize($input: AuthorizeCreditInput!) {{
  authorizeCredit(input: $input) {{
    transaction {{ {TRANSACTION} }} account {{ id {NUMBERS} }} errors {{ field code message }}
  }}
}}
"""
SETTLE = f"""
mutation Settle($input: SettleCreditInput!) {{
  settleCredit(input: $input) {{
    transaction {{ {TRANSACTION} }} account {{ id {NUMBERS} }} errors {{ field code message }}
  }}
}}
"""
CANCEL = f"""
mutation Cancel($input: CancelCreditInput!) {{
  cancelCredit(input: $input) {{
    transaction {{ {TRANSACTION} }} account {{ id {NUMBERS} }} errors {{ field code message }}
  }}
}}
"""
REFUND = f"""
mutation Refund($input: RefundCreditInput!) {{
  refundCredit(input: $input) {{
    transaction {{ {TRANSACTION} }} account {{ id {NUMBERS} }} errors {{ field code message }}
  }}
}}
"""
PAY = f"""
mutation Pay($input: InvoiceActionInput!) {{
  payInvoice(input: $input) {{ invoice {{ {INVOICE} }} account {{ id {NUMBERS} }} errors {{ field code message }} }}
}}
"""
CANCEL_INVOICE = f"""
mutation CancelInvoice($input: InvoiceActionInput!) {{
  cancelInvoice(input: $input) {{ invoice {{ {INVOICE} }} account {{ id {NUMBERS} }} errors {{ field code message }} }}
}}
"""
POSTPONE = f"""
mutation Postpone($input: PostponeInvoiceInput!) {{
  postponeInvoice(input: $input) {{ invoice {{ {INVOICE} }} account {{ id {NUMBERS} }} errors {{ field code message }} }}
}}
"""
ADJUST = f"""
mutation Adjust($input: AdjustBalanceInput!) {{
  adjustBalance(input: $input) {{ entry {{ {ENTRY} }} account {{ id {NUMBERS} }} errors {{ field code message }} }}
}}
"""
LEDGER = f"""
query Ledger($id: ID!) {{
  account(id: $id) {{
    id status {NUMBERS}
    transactions(first: 50) {{ totalCount nodes {{ {TRANSACTION} }} }}
    invoices(first: 50) {{ totalCount nodes {{ {INVOICE} }} }}
    statement(first: 100) {{ totalCount nodes {{ {ENTRY} }} }}
  }}
}}
"""
STATEMENT_BETWEEN = f"""
query Statement($id: ID!, $from: DateTime, $to: DateTime) {{
  account(id: $id) {{ statement(from: $from, to: $to) {{ totalCount nodes {{ {ENTRY} }} }} }}
}}
"""
TRANSACTION_BY_ID = f"query Transaction($id: ID!) {{ creditTransaction(id: $id) {{ {TRANSACTION} }} }}"
INVOICE_BY_ID = f"query Invoice($id: ID!) {{ invoice(id: $id) {{ {INVOICE} }} }}"
INVOICES = f"""
query Invoices($filter: InvoiceFilter, $first: Int, $after: String) {{
  invoices(filter: $filter, first: $first, after: $after) {{
    totalCount pageInfo {{ hasNextPage endCursor }} nodes {{ {INVOICE} }}
  }}
}}
"""
UPDATE_SETTINGS = """
mutation Settings($input: StoreSettingsInput!) {
  updateStoreSettings(input: $input) { settings { invoiceDueDays toleranceEnabled } errors { field code } }
}
"""


def key() -> str:
    return f"key-{uuid.uuid4()}"


async def call(client: httpx.AsyncClient, query: str, operation: str, **input: Any) -> dict:
    """A money mutation's payload; a key is added unless the input has one."""
    input.setdefault("idempotencyKey", key())
    return payload_of(await graphql(client, query, input=input), operation)


async def succeed(client: httpx.AsyncClient, query: str, operation: str, **input: Any) -> dict:
    payload = await call(client, query, operation, **input)
    assert payload["errors"] == [], payload["errors"]
    return payload


def codes(payload: dict) -> list[str]:
    return [error["code"] for error in payload["errors"]]


async def credit_account(client: httpx.AsyncClient, limit: str = "1000.00", tolerance: str = "0") -> str:
    account = await open_account(
        client, email=f"shopper-{uuid.uuid4().hex[:10]}@example.com", creditLimit=limit, tolerance=tolerance
    )
    return account["id"]


async def authorize(client: httpx.AsyncClient, account_id: str, amount: str, **extra: Any) -> dict:
    payload = await succeed(client, AUTHORIZE, "authorizeCredit", accountId=account_id, amount=amount, **extra)
    return payload["transaction"]


async def settled(client: httpx.AsyncClient, account_id: str, amount: str, installments: int = 1) -> dict:
    """A transaction authorized and settled in full; its SETTLED state (with invoices)."""
    transaction = await authorize(client, account_id, amount, installments=installments)
    payload = await succeed(client, SETTLE, "settleCredit", transactionId=transaction["id"], amount=amount)
    return payload["transaction"]


async def ledger(client: httpx.AsyncClient, account_id: str) -> dict:
    result = await graphql(client, LEDGER, id=account_id)
    assert "errors" not in result, result
    return result["data"]["account"]


def money(value: str) -> Decimal:
    return Decimal(value)


def overdue_changes(
    account_id: str, invoice_id: str, days: int, *, was: tuple[str, int, str]
) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """What moves an invoice's due date `days` before today, as if that time had passed since it was due:
    the new due date, the invoice's update and its account's. `was`: the invoice's status, amount in cents
    and due date before. The account's copy of an OPEN invoice's due date moves too, and the invoice moves
    between the invoice totals' buckets as an operation would move it (`persistence/invoice_totals.py`),
    moving the account's `rev` as every write that records a change does."""
    status, cents, before = was
    due_date = datetime.now(UTC).date() - timedelta(days=days)
    due, position = due_date.isoformat(), due_sort(due_date, invoice_id)
    invoice = {"due_date": due, "original_due_date": due, "due_sort": position}
    if status == "OPEN":
        invoice[OPEN_DUE] = position
    state = InvoiceStatus(status)
    change = added(
        {bucket_key(state, date.fromisoformat(before)): (-1, -cents)}, {bucket_key(state, due_date): (1, cents)}
    )
    sets = change_update(f"moved-{uuid.uuid4().hex}", change, 0)
    if status == "OPEN":
        sets[f"open_invoices.{invoice_id}.d"] = due
    return due, {"$set": invoice}, {"$set": sets, "$inc": {"rev": 1}}


async def make_overdue(database: Any, account_id: str, invoice_id: str, days: int = 40) -> str:
    """`overdue_changes` of an OPEN invoice written to the test's database; the new due date."""
    account = await database.collection("accounts").find_one({"_id": account_id}, ["open_invoices"])
    open_invoice = account["open_invoices"][invoice_id]
    due, invoice, changes = overdue_changes(
        account_id, invoice_id, days, was=("OPEN", open_invoice["a"], open_invoice["d"])
    )
    await database.collection("invoices").update_one({"_id": invoice_id}, invoice)
    await database.collection("accounts").update_one({"_id": account_id}, changes)
    return due
