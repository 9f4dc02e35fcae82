"""Invoices of a service running as a process, over HTTP: many invoices made with few requests (one
settled transaction of many installments), the invoice export, an invoice import's upload, and an
account's whole statement."""

from __future__ import annotations

import httpx

from .credit import AUTHORIZE, SETTLE, UPDATE_SETTINGS, key
from .graphql import gql_data
from .imports import upload_to
from .invoices import INVOICE_EXPORT_URL

MAX_INSTALLMENTS = 48  # the most the store settings allow
STATEMENT_PAGE = """
query Statement($id: ID!, $after: String) {
  account(id: $id) {
    balance
    statement(first: 100, after: $after) {
      pageInfo { hasNextPage endCursor }
      nodes { kind amount invoiceId }
    }
  }
}
"""


def allow_most_installments(url: str, secret: str) -> None:
    payload = gql_data(url, secret, UPDATE_SETTINGS, {"input": {"maxInstallments": MAX_INSTALLMENTS}})
    assert payload["updateStoreSettings"]["errors"] == [], payload


def settled_at(url: str, secret: str, account_id: str, amount: str, installments: int) -> list[dict]:
    """A transaction authorized and settled in full: its invoices (id, amount)."""
    held = {"accountId": account_id, "amount": amount, "installments": installments, "idempotencyKey": key()}
    authorized = gql_data(url, secret, AUTHORIZE, {"input": held})["authorizeCredit"]
    assert authorized["errors"] == [], authorized
    settle = {"transactionId": authorized["transaction"]["id"], "amount": amount, "idempotencyKey": key()}
    settled = gql_data(url, secret, SETTLE, {"input": settle})["settleCredit"]
    assert settled["errors"] == [], settled
    return [{"id": invoice["id"], "amount": invoice["amount"]} for invoice in settled["transaction"]["invoices"]]


def export_invoices_at(url: str, secret: str) -> str:
    response = httpx.get(url + INVOICE_EXPORT_URL, headers={"Authorization": f"Bearer {secret}"}, timeout=60)
    assert response.status_code == 200, response.text
    return response.content.decode("utf-8-sig")


def upload_invoices_to(url: str, secret: str, content: bytes, filename: str = "invoices.csv") -> str:
    """Upload an invoice file that must be queued; the run's id."""
    return upload_to(url, secret, content, "UPDATE", filename=filename, kind="INVOICES")


def statement_at(url: str, secret: str, account_id: str) -> tuple[str, list[dict]]:
    """The account's balance and every entry of its statement (kind, amount, invoiceId)."""
    entries: list[dict] = []
    after = None
    while True:
        account = gql_data(url, secret, STATEMENT_PAGE, {"id": account_id, "after": after})["account"]
        entries.extend(account["statement"]["nodes"])
        if not account["statement"]["pageInfo"]["hasNextPage"]:
            return account["balance"], entries
        after = account["statement"]["pageInfo"]["endCursor"]
