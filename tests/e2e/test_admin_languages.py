"""The page speaks the language it shows: the service's messages come in it (the page sends it as
Accept-Language), documents and money are written as Brazilians write them (or as English does), and
the account form takes an amount as the CSV import does (`R$ 1.500,00`)."""

from __future__ import annotations

import re
import uuid

import pytest

from tests.support.browser import expect, import_and_wait, sign_in
from tests.support.documents import new_cnpj, new_cpf

pytestmark = pytest.mark.e2e

NBSP = "\u00a0"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_row_errors_are_in_portuguese_then_in_english(page, service):
    name = f"{unique('idioma')}.csv"
    run_id = import_and_wait(service, name, b"Email,Credit Limit\nnot-an-email,10.00\n", "CREATE")

    sign_in(page, service, hash_=f"#/imports/{run_id}")
    cells = page.locator("table.errors tbody tr").first.locator("th, td")
    expect(page.locator("table.errors thead th")).to_have_text(["Linha", "Coluna", "Problema", "Mensagem"])
    expect(cells.nth(2)).to_have_text("E-mail inválido")
    expect(cells.nth(3)).to_have_text(
        "E-mail inválido: confira se ele tem um @ e um domínio, como nome@exemplo.com.br."
    )

    page.get_by_role("button", name="English").click()
    expect(page.locator("table.errors thead th")).to_have_text(["Row", "Column", "Problem", "Message"])
    expect(cells.nth(2)).to_have_text("Invalid email")
    expect(cells.nth(3)).to_have_text(re.compile(r"^Email is not valid: "))


def test_documents_and_money_are_formatted_in_each_language(page, service):
    prefix = unique("formato")
    cpf, cnpj = new_cpf(), new_cnpj()
    service.open_account(email=f"{prefix}-cpf@example.com", documentType="CPF", document=cpf, creditLimit="1500.00")
    service.open_account(
        email=f"{prefix}-cnpj@example.com", documentType="CNPJ", document=cnpj, creditLimit="1234567.89"
    )
    cpf_shown = f"{cpf[:3]}.{cpf[3:6]}.{cpf[6:9]}-{cpf[9:]}"
    cnpj_shown = f"{cnpj[:2]}.{cnpj[2:5]}.{cnpj[5:8]}/{cnpj[8:12]}-{cnpj[12:]}"
    sign_in(page, service)
    page.get_by_label("Buscar", exact=True).fill(prefix)
    cpf_row = page.locator("#accounts-table tbody tr", has_text=f"{prefix}-cpf@")
    cnpj_row = page.locator("#accounts-table tbody tr", has_text=f"{prefix}-cnpj@")
    expect(cpf_row).to_contain_text(f"CPF {cpf_shown}")
    expect(cpf_row.locator("td.num").first).to_have_text(f"R${NBSP}1.500,00")
    expect(cnpj_row).to_contain_text(f"CNPJ {cnpj_shown}")
    expect(cnpj_row.locator("td.num").first).to_have_text(f"R${NBSP}1.234.567,89")

    page.get_by_role("button", name="English").click()
    expect(cpf_row.locator("td.num").first).to_have_text("R$1,500.00")
    expect(cnpj_row.locator("td.num").first).to_have_text("R$1,234,567.89")

    cnpj_row.get_by_role("link").click()
    expect(page.locator("#account-fields")).to_contain_text(cnpj_shown)
    expect(page.locator("#account-fields")).to_contain_text("R$1,234,567.89")


def test_the_form_accepts_an_amount_written_in_reais(page, service):
    email = f"{unique('reais')}@example.com"
    sign_in(page, service)
    page.get_by_role("button", name="Novo").click()
    dialog = page.get_by_role("dialog", name="Nova conta")
    dialog.get_by_label("E-mail").fill(email)
    dialog.get_by_label("Limite de crédito").fill("R$ 1.500,00")
    dialog.get_by_role("button", name="Confirmar").click()

    expect(dialog).to_be_hidden()
    row = page.locator("#accounts-table tbody tr", has_text=email)
    expect(row.locator("td.num").first).to_have_text(f"R${NBSP}1.500,00")


def test_the_signed_in_announcement_switches_language(page, service):
    sign_in(page, service)
    announcer = page.locator("#announcer")
    expect(announcer).to_have_text("Você entrou.")

    page.get_by_role("button", name="English").click()
    expect(announcer).to_have_text("You are signed in.")
    page.get_by_role("button", name="Português").click()
    expect(announcer).to_have_text("Você entrou.")
