"""Importar → Faturas on the admin page, in Chromium against the real service: the invoice export
downloaded from the page, three invoices marked Paga in it, a dry run that changes nothing, then the
import that pays them — seen in its result, in the import history and on the account's page."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from tests.support.admin_credit import invoice_statuses, settled
from tests.support.browser import create_key, expect, sign_in
from tests.support.invoices import exported_rows, marked

pytestmark = pytest.mark.e2e


def test_invoices_marked_paga_in_the_downloaded_export_are_paid_by_the_import(page, service, shoot):
    account = service.open_account(creditLimit="1000.00")
    invoices = [invoice["id"] for invoice in settled(service, account["id"], "400.00", installments=4)["invoices"]]
    paid, still_open = invoices[:3], invoices[3]
    name = f"faturas-{uuid.uuid4().hex[:8]}.csv"

    sign_in(page, service, hash_="#/import")
    page.get_by_role("radio", name="Faturas").check()
    expect(page.get_by_role("heading", name="Importar faturas")).to_be_visible()
    expect(page.locator("#import-invoices-export-row")).to_contain_text("mude a coluna Status (ou Situação)")
    with page.expect_download() as export:
        page.get_by_role("button", name="Baixar faturas (CSV)").click()
    assert export.value.suggested_filename.startswith("invoices-")
    text = Path(export.value.path()).read_text(encoding="utf-8-sig")
    rows = len(exported_rows(text))
    assert set(invoices) <= {row["Invoice Id"] for row in exported_rows(text)}
    page.locator("#import-file").set_input_files(
        {"name": name, "mimeType": "text/csv", "buffer": marked(text, dict.fromkeys(paid, "Paga"))}
    )

    # A dry run first: it counts the three, and pays none.
    page.get_by_label("Simulação: validar tudo sem alterar nenhuma fatura").check()
    page.get_by_role("button", name="Importar arquivo").click()
    result = page.locator("#import-result .run")
    expect(result).to_have_attribute("data-status", "SUCCEEDED", timeout=60_000)
    expect(result).to_contain_text("Simulação: nenhuma fatura foi alterada.")
    expect(result.locator("[data-count=updated] dt")).to_have_text("Seriam atualizadas")
    expect(result.locator("[data-count=updated] dd")).to_have_text("3")
    assert set(invoice_statuses(service, account["id"]).values()) == {"OPEN"}

    page.get_by_label("Simulação: validar tudo sem alterar nenhuma fatura").uncheck()
    page.get_by_role("button", name="Importar arquivo").click()
    expect(result.locator("[data-count=updated] dt")).to_have_text("Atualizadas")
    expect(result).to_have_attribute("data-status", "SUCCEEDED", timeout=60_000)
    expect(result.locator(".meta")).to_contain_text("Faturas")
    expect(result.locator("[data-count=updated] dd")).to_have_text("3")
    expect(result.locator("[data-count=unchanged] dd")).to_have_text(str(rows - 3))
    expect(result.locator("[data-count=failed] dd")).to_have_text("0")
    shoot(page, "invoice-import-result")

    page.get_by_role("link", name="Histórico de importação").first.click()
    newest = page.locator("#imports-table tbody tr").first
    expect(newest).to_contain_text(name)
    expect(newest.locator("[data-kind]")).to_have_text("Faturas")
    expect(newest.locator("[data-count=updated]")).to_have_text("3")

    page.goto(f"{service.url}/admin#/accounts/{account['id']}")
    for invoice in paid:
        expect(page.locator(f'#account-invoices-table tr[data-invoice-id="{invoice}"]')).to_contain_text("Paga")
    expect(page.locator(f'#account-invoices-table tr[data-invoice-id="{still_open}"]')).to_contain_text("Em aberto")
    payments = page.locator("#statement-table tbody tr[data-kind=PAYMENT]")
    expect(payments).to_have_count(3)
    for invoice in paid:
        expect(payments.filter(has_text=invoice)).to_have_count(1)
    balance = page.locator("#credit-numbers [data-number=balance] dd").first
    expect(balance).to_have_text("-R$ 100,00")
    shoot(page, "invoice-import-account")


def test_the_invoice_export_link_and_its_explanation_are_in_english_too(page, service):
    sign_in(page, service, hash_="#/import")
    page.get_by_role("button", name="English").click()
    page.get_by_role("radio", name="Invoices").check()
    expect(page.get_by_role("heading", name="Import invoices")).to_be_visible()
    expect(page.locator("#import-invoices-export-row")).to_contain_text(
        "Download the current invoices, change the Status column to Paid or Cancelled and import the file back."
    )
    expect(page.get_by_role("button", name="Download invoices (CSV)")).to_be_visible()
    expect(page.get_by_label("Dry run: check everything without changing any invoice")).to_be_visible()
    page.get_by_role("radio", name="Accounts").check()
    expect(page.get_by_role("button", name="Download invoices (CSV)")).to_be_hidden()
    expect(page.get_by_label("Dry run: check everything without writing any account")).to_be_visible()
    page.get_by_role("button", name="Português").click()


def test_a_key_without_credit_read_is_not_offered_the_invoice_export(page, service):
    importer = create_key(service, "imports:read,imports:write")

    sign_in(page, service, key=importer, hash_="#/import")
    page.get_by_role("radio", name="Faturas").check()
    expect(page.get_by_role("heading", name="Importar faturas")).to_be_visible()
    expect(page.locator("#import-invoices-hint")).to_be_visible()
    expect(page.locator("#import-invoices-export-row")).to_be_hidden()
