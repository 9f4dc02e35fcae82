"""Invoices in bulk: the invoice export read as rows, edited as a spreadsheet would, and imported back
(`importCsv(kind: INVOICES)`)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence

import httpx

from tests.support.accounts import OPEN_OR_CHANGE
from tests.support.credit import AUTHORIZE, LEDGER, SETTLE, credit_account, key, settled
from tests.support.csv_files import csv_file
from tests.support.graphql import gql_data
from tests.support.imports import import_and_wait, upload_csv

INVOICE_EXPORT_URL = "/invoices/export.csv"
INVOICE_HEADER = (
    "Invoice Id",
    "Account Id",
    "Email",
    "Transaction Id",
    "Order Id",
    "Installment",
    "Amount",
    "Due Date",
    "Status",
)


async def invoices_of_a_new_account(client: httpx.AsyncClient, amounts: Sequence[str]) -> tuple[str, list[dict]]:
    """An account with one settled transaction per amount (one installment each); its id and invoices."""
    account_id = await credit_account(client)
    invoices = []
    for amount in amounts:
        invoices.extend((await settled(client, account_id, amount))["invoices"])
    return account_id, invoices


async def export_invoices(client: httpx.AsyncClient, **params: str) -> str:
    response = await client.get(INVOICE_EXPORT_URL, params=params)
    assert response.status_code == 200, response.text
    return response.content.decode("utf-8-sig")


def exported_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def marked(text: str, statuses: Mapping[str, str]) -> bytes:
    """The exported file with the Status of some invoices (by id) changed, as a spreadsheet saves it."""
    rows = exported_rows(text)
    for row in rows:
        row["Status"] = statuses.get(row["Invoice Id"], row["Status"])
    return invoice_file([[row[name] for name in INVOICE_HEADER] for row in rows])


def invoice_file(rows: Iterable[Sequence[str]], header: Sequence[str] = INVOICE_HEADER, **options) -> bytes:
    return csv_file(rows, header, **options)


async def import_invoices(client: httpx.AsyncClient, content: bytes, **options) -> dict:
    """Upload an invoice file that must be queued; its run once it has ended."""
    return await import_and_wait(client, content, "UPDATE", kind="INVOICES", **options)


async def upload_invoices(client: httpx.AsyncClient, content: bytes, mode: str = "UPDATE", **options) -> dict:
    """The importCsv payload of an invoice upload."""
    return (await upload_csv(client, content, mode, kind="INVOICES", **options))["data"]["importCsv"]


# --- over HTTP, to a service running as a process ---------------------------------------------------


def invoices_at(url: str, secret: str, email: str, amounts: Sequence[str]) -> tuple[str, list[str]]:
    """A new account with one settled transaction per amount; its id and its invoices' ids."""
    opened = gql_data(url, secret, OPEN_OR_CHANGE, {"input": {"email": email, "creditLimit": "1000.00"}})
    account_id = opened["openOrChangeAccount"]["account"]["id"]
    invoice_ids = []
    for amount in amounts:
        held = {"accountId": account_id, "amount": amount, "idempotencyKey": key()}
        transaction = gql_data(url, secret, AUTHORIZE, {"input": held})["authorizeCredit"]["transaction"]
        settle = {"transactionId": transaction["id"], "amount": amount, "idempotencyKey": key()}
        settled_transaction = gql_data(url, secret, SETTLE, {"input": settle})["settleCredit"]["transaction"]
        invoice_ids.extend(invoice["id"] for invoice in settled_transaction["invoices"])
    return account_id, invoice_ids


def invoice_statuses_at(url: str, secret: str, account_id: str) -> dict[str, str]:
    account = gql_data(url, secret, LEDGER, {"id": account_id})["account"]
    return {invoice["id"]: invoice["status"] for invoice in account["invoices"]["nodes"]}
