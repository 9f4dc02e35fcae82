"""The import history lists, for each run, its kind (Contas or Faturas) and how many rows were created, updated,
unchanged and failed; it can be narrowed to one kind."""

from __future__ import annotations

import uuid

import pytest

from tests.support.admin_credit import settled
from tests.support.browser import expect, import_and_wait, sign_in
from tests.support.invoices import invoice_file

pytestmark = pytest.mark.e2e


def test_the_import_history_shows_created_updated_unchanged_and_failed_counts(page, service, shoot):
    prefix = f"hist-{uuid.uuid4().hex[:8]}"
    changed = service.open_account(email=f"{prefix}-a@example.com", creditLimit="100.00")
    same = service.open_account(email=f"{prefix}-b@example.com", creditLimit="100.00")
    name = f"{prefix}.csv"
    content = (
        "Email,Credit Limit\n"
        f"{changed['email']},250.00\n"  # updated
        f"{same['email']},100.00\n"  # unchanged
        f"{prefix}-nobody@example.com,10.00\n"  # failed: NOT_FOUND
        "not-an-email,10.00\n"  # failed: INVALID_EMAIL
    ).encode()
    import_and_wait(service, name, content, "UPDATE")

    sign_in(page, service, hash_="#/imports")
    headers = page.locator("#imports-table thead th")
    expect(headers).to_have_text(
        [
            "Arquivo",
            "Enviada em",
            "Tipo",
            "Modo",
            "Status",
            "Linhas",
            "Criadas",
            "Atualizadas",
            "Sem alteração",
            "Com erro",
        ]
    )
    run = page.locator("#imports-table tbody tr", has_text=name)
    expect(run).to_contain_text("Atualizar")
    expect(run.locator("[data-count=created]")).to_have_text("0")
    expect(run.locator("[data-count=updated]")).to_have_text("1")
    expect(run.locator("[data-count=unchanged]")).to_have_text("1")
    expect(run.locator("[data-count=failed]")).to_have_text("2")
    shoot(page, "import-history-counts")

    page.get_by_role("button", name="English").click()
    expect(headers).to_have_text(
        ["File", "Uploaded", "Type", "Mode", "Status", "Rows", "Created", "Updated", "Unchanged", "Failed"]
    )
    expect(page.locator("#imports-table tbody tr", has_text=name).locator("[data-count=updated]")).to_have_text("1")


def test_the_history_shows_each_runs_kind_and_filters_by_it(page, service):
    prefix = f"kind-{uuid.uuid4().hex[:8]}"
    account = service.open_account(email=f"{prefix}@example.com", creditLimit="100.00")
    invoice = settled(service, account["id"], "10.00")["invoices"][0]
    accounts_run = f"{prefix}-contas.csv"
    invoices_run = f"{prefix}-faturas.csv"
    import_and_wait(service, accounts_run, f"Email,Credit Limit\n{account['email']},150.00\n".encode(), "UPDATE")
    paid = invoice_file([[invoice["id"], "Paga"]], header=("Invoice Id", "Status"))
    import_and_wait(service, invoices_run, paid, "UPDATE", kind="INVOICES")

    sign_in(page, service, hash_="#/imports")
    runs = page.locator("#imports-table tbody tr")
    expect(runs.filter(has_text=accounts_run).locator("[data-kind]")).to_have_text("Contas")
    expect(runs.filter(has_text=invoices_run).locator("[data-kind]")).to_have_text("Faturas")

    page.locator("#imports-kind").select_option("INVOICES")
    expect(runs.filter(has_text=accounts_run)).to_have_count(0)
    expect(runs.filter(has_text=invoices_run)).to_have_count(1)
    expect(runs.locator("[data-kind=ACCOUNTS]")).to_have_count(0)
    page.locator("#imports-kind").select_option("ACCOUNTS")
    expect(runs.filter(has_text=invoices_run)).to_have_count(0)
    expect(runs.filter(has_text=accounts_run)).to_have_count(1)

    page.locator("#imports-kind").select_option("")
    runs.filter(has_text=invoices_run).get_by_role("link", name=invoices_run).click()
    run = page.locator("#run-result .run")
    expect(run).to_have_attribute("data-status", "SUCCEEDED")
    expect(run.locator(".meta")).to_contain_text("Faturas")
    expect(run.locator("[data-count=updated] dd")).to_have_text("1")
    page.get_by_role("button", name="English").click()
    expect(page.locator("#run-result .run .meta")).to_contain_text("Invoices")
    page.get_by_role("button", name="Português").click()
