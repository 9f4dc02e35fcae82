"""`kill -9` of `customer-credit serve` (on the embedded store) in the middle of an invoice import
that marks every invoice Paid, then a restart on the same data directory: the run resumes and ends,
and each invoice is paid exactly once — one PAYMENT entry each, every balance up by exactly its
invoices' sum — and `customer-credit check` finds no drift.

Small batches (IMPORT_BATCH_SIZE) make the run checkpoint often, so that the kill lands between two
checkpoints with some rows done and others not; a short lease lets the restart take the run over soon.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from tests.support.accounts import OPEN_OR_CHANGE
from tests.support.graphql import gql_data
from tests.support.imports import run_at, wait_for_run_at
from tests.support.invoices import exported_rows, marked
from tests.support.processes import Launcher, service_env
from tests.support.served_invoices import (
    MAX_INSTALLMENTS,
    allow_most_installments,
    export_invoices_at,
    settled_at,
    statement_at,
    upload_invoices_to,
)

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]

ACCOUNTS = 4
TRANSACTIONS_PER_ACCOUNT = 2
INSTALLMENTS = 40
INVOICES = ACCOUNTS * TRANSACTIONS_PER_ACCOUNT * INSTALLMENTS  # 320
SETTINGS = {"IMPORT_BATCH_SIZE": "5", "IMPORT_LEASE_SECONDS": "3"}


def running_with_some_rows_done(run: dict) -> bool:
    """Some batches done, and well before the end: the kill cannot come after the last row."""
    return run["status"] == "RUNNING" and INVOICES // 10 <= run["processedRows"] <= INVOICES // 2


def test_kill_9_mid_invoice_import_then_restart_pays_every_invoice_exactly_once(
    launcher: Launcher, tmp_path: Path
) -> None:
    assert INSTALLMENTS <= MAX_INSTALLMENTS
    data_dir = tmp_path / "data"
    env = service_env(None, **SETTINGS)
    first = launcher.serve(data_dir, env=env)
    secret = first.admin_secret
    allow_most_installments(first.url, secret)
    owed: dict[str, Decimal] = {}  # account id -> the sum of its invoices
    invoice_ids: set[str] = set()
    for n in range(ACCOUNTS):
        account_input = {"email": f"paid-{n}@example.com", "creditLimit": "5000.00"}
        account_id = gql_data(first.url, secret, OPEN_OR_CHANGE, {"input": account_input})["openOrChangeAccount"][
            "account"
        ]["id"]
        invoices = [
            invoice
            for _ in range(TRANSACTIONS_PER_ACCOUNT)
            for invoice in settled_at(first.url, secret, account_id, "400.00", INSTALLMENTS)
        ]
        owed[account_id] = sum(Decimal(invoice["amount"]) for invoice in invoices)
        invoice_ids.update(invoice["id"] for invoice in invoices)
    balances_before = {account_id: Decimal(statement_at(first.url, secret, account_id)[0]) for account_id in owed}

    exported = export_invoices_at(first.url, secret)
    assert {row["Invoice Id"] for row in exported_rows(exported)} == invoice_ids
    run_id = upload_invoices_to(first.url, secret, marked(exported, dict.fromkeys(invoice_ids, "Paid")))

    at_kill = wait_for_run_at(first.url, secret, run_id, until=running_with_some_rows_done, timeout=60)
    first.kill()
    assert 0 < at_kill["processedRows"] < INVOICES

    second = launcher.serve(data_dir, env=env)
    resumed = run_at(second.url, secret, run_id)
    assert resumed["status"] == "RUNNING", resumed
    assert resumed["processedRows"] < INVOICES, "the run had ended before the kill"
    print(
        f"\nkilled at {at_kill['processedRows']} of {INVOICES} rows processed; "
        f"the restart found {resumed['processedRows']} checkpointed"
    )
    ended = wait_for_run_at(second.url, secret, run_id, timeout=120)
    assert ended["status"] == "SUCCEEDED", ended
    assert (ended["processedRows"], ended["updatedCount"], ended["failedCount"]) == (INVOICES, INVOICES, 0)

    for account_id, total in owed.items():
        balance, entries = statement_at(second.url, secret, account_id)
        payments = [entry["invoiceId"] for entry in entries if entry["kind"] == "PAYMENT"]
        assert len(payments) == len(set(payments)) == INSTALLMENTS * TRANSACTIONS_PER_ACCOUNT, account_id
        assert set(payments) <= invoice_ids
        assert Decimal(balance) - balances_before[account_id] == total
    assert {row["Status"] for row in exported_rows(export_invoices_at(second.url, secret))} == {"Paid"}

    check = launcher.run("check", "--data-dir", str(data_dir), data_dir=data_dir)
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.splitlines()[-1] == f"Checked {ACCOUNTS} accounts: 0 with drift."
