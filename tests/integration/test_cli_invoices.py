"""`customer-credit export --invoices` and `customer-credit import --kind invoices`, the real commands
in subprocesses against a real `serve` (embedded nx-27017 store): export, mark invoices Paid, import
back, and again (nothing changes)."""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path

import pytest

from tests.support.invoices import exported_rows, invoice_statuses_at, invoices_at, marked
from tests.support.processes import CLI, Serve, cli_env

pytestmark = [pytest.mark.integration, pytest.mark.timeout(90)]


def cli(service: Serve, *args: str) -> subprocess.CompletedProcess[str]:
    variables = {**cli_env(), "CUSTOMER_CREDIT_URL": service.url, "CUSTOMER_CREDIT_KEY": service.admin_secret or ""}
    return subprocess.run([*CLI, *args], capture_output=True, text=True, env=variables, timeout=60)


def test_export_invoices_mark_paid_and_import_back_pays_them_once(service: Serve, tmp_path: Path) -> None:
    account_id, invoice_ids = invoices_at(
        service.url, service.admin_secret or "", f"cli-{uuid.uuid4().hex[:8]}@example.com", ["10.00", "20.00"]
    )
    exported = tmp_path / "invoices.csv"

    export = cli(service, "export", "--invoices", str(exported), "--account-id", account_id, "--status", "open")
    assert export.returncode == 0, export.stderr
    assert sorted(row["Invoice Id"] for row in exported_rows(exported.read_text("utf-8-sig"))) == sorted(invoice_ids)
    edited = tmp_path / "paid.csv"
    edited.write_bytes(marked(exported.read_text("utf-8-sig"), {invoice_ids[0]: "Paid"}))

    first = cli(service, "import", str(edited), "--kind", "invoices")
    again = cli(service, "import", str(edited), "--kind", "invoices")

    assert first.returncode == 0, first.stdout + first.stderr
    assert "2 rows: 0 created, 1 updated, 1 unchanged, 0 failed" in first.stdout
    assert again.returncode == 0, again.stdout + again.stderr
    assert "2 rows: 0 created, 0 updated, 2 unchanged, 0 failed" in again.stdout
    statuses = invoice_statuses_at(service.url, service.admin_secret or "", account_id)
    assert (statuses[invoice_ids[0]], statuses[invoice_ids[1]]) == ("PAID", "OPEN")


def test_an_invoice_filter_on_the_account_export_exits_2(service: Serve, tmp_path: Path) -> None:
    result = cli(service, "export", str(tmp_path / "accounts.csv"), "--due-from", "2026-01-01")

    assert (result.returncode, "--due-from: not a filter of this export" in result.stderr) == (2, True)
