"""An account's credit on the admin page, in Chromium against the real service: the four numbers,
the holds, the invoices (pay, postpone, cancel from the page), the statement with its running
balance, and the holders — and what a key without the scopes for them sees."""

from __future__ import annotations

import re
import uuid

import pytest

from tests.support.admin_credit import authorize, settled
from tests.support.browser import create_key, expect, sign_in

pytestmark = pytest.mark.e2e


def test_a_settled_order_shows_its_invoices_and_paying_one_shows_in_the_statement(page, service, shoot):
    account = service.open_account(creditLimit="1000.00")
    authorize(service, account["id"], "50.00", orderId="pedido-hold")
    transaction = settled(service, account["id"], "300.00", installments=3)
    first, second, third = (invoice["id"] for invoice in transaction["invoices"])

    sign_in(page, service, hash_=f"#/accounts/{account['id']}")
    numbers = page.locator("#credit-numbers")
    expect(numbers.locator("[data-number=spendingLimit] dd").first).to_have_text("R$ 1.000,00")
    expect(numbers.locator("[data-number=heldCredit] dd").first).to_have_text("R$ 50,00")
    expect(numbers.locator("[data-number=balance] dd").first).to_have_text("-R$ 300,00")
    expect(numbers.locator("[data-number=availableCredit] dd").first).to_have_text("R$ 650,00")
    expect(page.locator("#holds-table tbody tr")).to_have_count(1)
    expect(page.locator("#holds-table")).to_contain_text("pedido-hold")

    invoices = page.locator("#account-invoices-table tbody tr")
    expect(invoices).to_have_count(3)
    expect(invoices.nth(0)).to_contain_text("parcela 1 de 3")
    expect(invoices.nth(0)).to_contain_text("R$ 100,00")
    expect(invoices.nth(0)).to_contain_text("Em aberto")
    statement = page.locator("#statement-table tbody tr")
    expect(statement).to_have_count(3)

    page.get_by_role("button", name=f"Pagar a fatura {first}").click()
    expect(page.locator("#account-notice")).to_have_text("Fatura paga.")
    expect(page.locator(f'#account-invoices-table tr[data-invoice-id="{first}"]')).to_contain_text("Paga")
    expect(page.get_by_role("button", name=f"Pagar a fatura {first}")).to_have_count(0)
    expect(statement).to_have_count(4)
    newest = statement.first
    expect(newest).to_have_attribute("data-kind", "PAYMENT")
    expect(newest).to_contain_text("Pagamento")
    expect(newest).to_contain_text(first)
    expect(newest.locator("td").nth(1)).to_have_text("R$ 100,00")
    expect(newest.locator("td").nth(2)).to_have_text("-R$ 200,00")  # the running balance
    expect(numbers.locator("[data-number=balance] dd").first).to_have_text("-R$ 200,00")

    # Postpone asks for the days; the due date moves and the original one stays in sight.
    page.get_by_role("button", name=f"Adiar a fatura {second}").click()
    dialog = page.get_by_role("dialog", name="Adiar fatura")
    expect(dialog.get_by_label("Dias a adiar")).to_be_focused()
    dialog.get_by_label("Dias a adiar").fill("0")
    dialog.get_by_role("button", name="Adiar").click()
    expect(page.locator("#postpone-days-error")).to_have_text("Informe um número inteiro de dias, 1 ou mais.")
    dialog.get_by_label("Dias a adiar").fill("10")
    dialog.get_by_role("button", name="Adiar").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#account-notice")).to_have_text("Fatura adiada.")
    expect(page.locator(f'#account-invoices-table tr[data-invoice-id="{second}"]')).to_contain_text("antes")

    # Cancel asks first; the cancellation is an entry of the statement.
    page.get_by_role("button", name=f"Cancelar a fatura {third}").click()
    page.get_by_role("dialog", name="Cancelar esta fatura?").get_by_role("button", name="Cancelar fatura").click()
    expect(page.locator(f'#account-invoices-table tr[data-invoice-id="{third}"]')).to_contain_text("Cancelada")
    expect(statement.first).to_have_attribute("data-kind", "CANCELLATION")
    expect(numbers.locator("[data-number=balance] dd").first).to_have_text("-R$ 100,00")
    shoot(page, "account-credit")

    # English: the same numbers, in its words and format.
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Statement")).to_be_visible()
    expect(numbers.locator("[data-number=balance] dd").first).to_have_text("-R$100.00")
    expect(statement.first).to_contain_text("Cancellation")
    page.get_by_role("button", name="Português").click()


def test_holders_are_added_and_removed_and_a_refusal_shows_the_services_message(page, service):
    account = service.open_account()
    other = service.open_account()
    holder = f"holder-{uuid.uuid4().hex[:8]}@example.com"

    sign_in(page, service, hash_=f"#/accounts/{account['id']}")
    expect(page.locator("#holders-list")).to_have_text("Nenhum titular adicional.")
    page.get_by_label("E-mail do titular").fill(holder)
    page.get_by_role("button", name="Adicionar titular").click()
    expect(page.locator("#account-notice")).to_have_text("Titular adicionado.")
    expect(page.locator("#holders-list li")).to_have_count(1)
    expect(page.locator("#holders-list")).to_contain_text(holder)

    # Another account's email is in use: the service says so, next to the field and in the alert.
    page.get_by_label("E-mail do titular").fill(other["email"])
    page.get_by_role("button", name="Adicionar titular").click()
    expect(page.locator("#holder-email-error")).not_to_be_empty()
    expect(page.get_by_label("E-mail do titular")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#account-message")).to_have_text(page.locator("#holder-email-error").inner_text())

    page.get_by_role("button", name=f"Remover o titular {holder}").click()
    expect(page.locator("#account-notice")).to_have_text("Titular removido.")
    expect(page.locator("#holders-list")).to_have_text("Nenhum titular adicional.")


def test_a_key_without_invoices_write_sees_no_actions_and_masked_holders(page, service):
    account = service.open_account()
    service.api(
        "mutation($id: ID!, $email: String!) { addAccountHolder(accountId: $id, email: $email) { errors { code } } }",
        id=account["id"],
        email=f"hidden-{uuid.uuid4().hex[:8]}@example.com",
    )
    transaction = settled(service, account["id"], "80.00")
    reader = create_key(service, "accounts:read,credit:read")

    sign_in(page, service, key=reader, hash_=f"#/accounts/{account['id']}")
    expect(page.locator("#account-invoices-table tbody tr")).to_have_count(1)
    expect(page.locator("#account-invoices-table")).to_contain_text(transaction["invoices"][0]["id"])
    expect(page.locator("#account-invoices-table thead th:visible")).to_have_count(4)
    expect(page.get_by_role("button", name=re.compile("^Pagar"))).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("^Adiar"))).to_have_count(0)
    expect(page.locator("#holders-list li")).to_have_count(1)
    expect(page.locator("#holders-list .holder-email")).to_have_text(re.compile(r"^\w?\*\*\*@"))
    expect(page.get_by_role("button", name=re.compile("^Remover"))).to_have_count(0)
    expect(page.get_by_role("textbox", name="E-mail do titular")).to_have_count(0)


def test_a_key_without_credit_read_sees_the_numbers_but_not_the_ledger(page, service):
    account = service.open_account(creditLimit="500.00")
    settled(service, account["id"], "20.00")
    reader = create_key(service, "accounts:read")

    sign_in(page, service, key=reader, hash_=f"#/accounts/{account['id']}")
    numbers = page.locator("#credit-numbers")
    expect(numbers.locator("[data-number=balance] dd").first).to_have_text("-R$ 20,00")
    expect(page.get_by_role("heading", name="Extrato")).to_have_count(0)
    expect(page.get_by_role("heading", name="Valores reservados")).to_have_count(0)
    expect(page.locator("#account-message")).to_be_empty()
    nav = page.get_by_role("navigation", name="Seções")
    expect(nav.get_by_role("link")).to_have_text(["Contas"])
