"""Credit set up over HTTP for the admin page's e2e tests: holds and settlements through the API,
and invoices made overdue in the store (the service has no clock to move, and no API makes an
invoice due in the past)."""

from __future__ import annotations

import uuid

from .browser import Service
from .credit import AUTHORIZE, LEDGER, SETTLE, UPDATE_SETTINGS, overdue_changes
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
    """`overdue_changes` written to the service's store; the new due date."""
    client, database = mongo(embedded_uri(service.data_dir))
    try:
        open_invoice = database["accounts"].find_one({"_id": account_id}, ["open_invoices"])["open_invoices"][
            invoice_id
        ]
        was = ("OPEN", open_invoice["a"], open_invoice["d"])
        due, invoice, account = overdue_changes(account_id, invoice_id, days, was=was)
        database["invoices"].update_one({"_id": invoice_id}, invoice)
        database["accounts"].update_one({"_id": account_id}, account)
    finally:
        client.close()
    return due
