"""Credit set up over HTTP for the admin page's e2e tests: holds and settlements through the API,
and invoices made overdue in the store (the service has no clock to move, and no API makes an
invoice due in the past)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from .browser import Service
from .credit import AUTHORIZE, LEDGER, SETTLE, UPDATE_SETTINGS
from .processes import embedded_uri, mongo


def authorize(service: Service, account_id: str, amount: str, **extra) -> dict:
    payload = service.api(
        AUTHORIZE, input={"accountId": account_id, "amount": amount, "idempotencyKey": str(uuid.uuid4()), **extra}
    )["authorizeCredit"]
    assert payload["errors"] == [], payload["errors"]
    return payload["transaction"]


def settle(service: Service, transaction: dict, amount: str | None = None) -> dict:
    payload = service.api(
        SETTLE,
        input={
            "transactionId": transaction["id"],
            "amount": amount or transaction["amount"],
            "idempotencyKey": str(uuid.uuid4()),
        },
    )["settleCredit"]
    assert payload["errors"] == [], payload["errors"]
    return payload["transaction"]


def settled(service: Service, account_id: str, amount: str, installments: int = 1) -> dict:
    """A transaction authorized and settled in full: its invoices."""
    return settle(service, authorize(service, account_id, amount, installments=installments))


def invoice_statuses(service: Service, account_id: str) -> dict[str, str]:
    """The status of each of the account's invoices, by id."""
    invoices = service.api(LEDGER, id=account_id)["account"]["invoices"]["nodes"]
    return {invoice["id"]: invoice["status"] for invoice in invoices}


def update_settings(service: Service, **values) -> None:
    payload = service.api(UPDATE_SETTINGS, input=values)["updateStoreSettings"]
    assert payload["errors"] == [], payload["errors"]


def make_overdue(service: Service, account_id: str, invoice_id: str, days: int = 40) -> str:
    """Move an OPEN invoice's due date `days` before today, as if that time had passed since it was
    due; both copies of it (the invoice and the account's open invoices) move. The new due date."""
    due = (datetime.now(UTC).date() - timedelta(days=days)).isoformat()
    client, database = mongo(embedded_uri(service.data_dir))
    try:
        database["invoices"].update_one(
            {"_id": invoice_id},
            {"$set": {"due_date": due, "original_due_date": due, "due_sort": f"{due.replace('-', '')}|{invoice_id}"}},
        )
        database["accounts"].update_one({"_id": account_id}, {"$set": {f"open_invoices.{invoice_id}.d": due}})
    finally:
        client.close()
    return due
