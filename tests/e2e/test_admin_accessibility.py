"""Accessibility of the admin page: axe-core (no serious or critical violation) on each screen,
keyboard use of the dialogs, and a phone-sized screen (375 px) with nothing overflowing."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.support.admin_credit import authorize, make_overdue, settled
from tests.support.browser import expect, sign_in
from tests.support.csv_files import accounts_with_a_bad_email
from tests.support.invoices import invoice_file

pytestmark = pytest.mark.e2e


def test_axe_finds_no_serious_or_critical_violation(page, service, check_accessibility):
    account = service.open_account(documentType="CPF", document="390.533.447-05", description="axe")
    page.goto(f"{service.url}/admin")
    expect(page.locator("#view-signin")).to_be_visible()
    check_accessibility(page, "the sign-in")

    sign_in(page, service)
    expect(page.locator("#accounts-table tbody tr").first).to_be_visible()
    check_accessibility(page, "the accounts page")

    page.get_by_role("button", name="Novo").click()
    dialog = page.get_by_role("dialog", name="Nova conta")
    dialog.get_by_label("E-mail").fill("bad")
    dialog.get_by_role("button", name="Confirmar").click()
    expect(page.locator("#f-email-error")).not_to_be_empty()
    check_accessibility(page, "the account form, with an error")
    page.keyboard.press("Escape")

    page.goto(f"{service.url}/admin#/accounts/{account['id']}")
    expect(page.get_by_role("heading", name=account["email"])).to_be_visible()
    check_accessibility(page, "an account's detail")

    page.goto(f"{service.url}/admin#/import")
    expect(page.get_by_role("heading", name="Importar contas")).to_be_visible()
    check_accessibility(page, "the import screen")

    prefix = f"axe-{uuid.uuid4().hex[:8]}"
    page.locator("#import-file").set_input_files(
        {"name": f"{prefix}.csv", "mimeType": "text/csv", "buffer": accounts_with_a_bad_email(5, 1, prefix)}
    )
    page.get_by_role("button", name="Importar arquivo").click()
    expect(page.locator("#import-result .run")).to_have_attribute(
        "data-status", "COMPLETED_WITH_ERRORS", timeout=60_000
    )
    check_accessibility(page, "an import's result")

    page.goto(f"{service.url}/admin#/imports")
    expect(page.locator("#imports-table tbody tr").first).to_be_visible()
    check_accessibility(page, "the import history")


def test_axe_on_the_credit_screens(page, service, check_accessibility):
    account = service.open_account(creditLimit="900.00")
    authorize(service, account["id"], "30.00")
    invoices = settled(service, account["id"], "90.00", installments=3)["invoices"]
    make_overdue(service, account["id"], invoices[0]["id"])

    sign_in(page, service, hash_=f"#/accounts/{account['id']}")
    expect(page.locator("#account-invoices-table tbody tr")).to_have_count(3)
    expect(page.locator("#statement-table tbody tr")).to_have_count(3)
    check_accessibility(page, "an account's credit")

    page.get_by_role("button", name=f"Adiar a fatura {invoices[1]['id']}").click()
    dialog = page.get_by_role("dialog", name="Adiar fatura")
    dialog.get_by_role("button", name="Adiar").click()
    expect(page.locator("#postpone-days-error")).not_to_be_empty()
    check_accessibility(page, "the postpone dialog, with an error")
    page.keyboard.press("Escape")

    page.goto(f"{service.url}/admin#/invoices")
    page.get_by_label("Vencidas").select_option("true")
    expect(page.locator("#invoices-table tbody tr").first).to_contain_text("Vencida")
    check_accessibility(page, "Faturas")

    page.goto(f"{service.url}/admin#/settings")
    expect(page.get_by_label("Máximo de parcelas")).not_to_have_value("")
    check_accessibility(page, "Configurações")

    page.goto(f"{service.url}/admin#/import")
    page.get_by_role("radio", name="Faturas").check()
    expect(page.get_by_role("heading", name="Importar faturas")).to_be_visible()
    check_accessibility(page, "the import screen, for invoices")


def test_dialogs_trap_focus_close_on_escape_and_give_focus_back(page, service):
    sign_in(page, service)
    expect(page.locator("#accounts-total")).not_to_be_empty()  # the list has loaded: nothing moves focus later
    new = page.get_by_role("button", name="Novo")
    new.focus()
    expect(new).to_be_focused()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Nova conta")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Tipo de documento")).to_be_focused()
    for _ in range(14):
        page.keyboard.press("Tab")
        assert page.evaluate("() => document.getElementById('account-dialog').contains(document.activeElement)")
    for _ in range(3):
        page.keyboard.press("Shift+Tab")
        assert page.evaluate("() => document.getElementById('account-dialog').contains(document.activeElement)")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(new).to_be_focused()

    # The confirmation: Escape is "no".
    account = service.open_account()
    page.goto(f"{service.url}/admin#/accounts/{account['id']}")
    close = page.get_by_role("button", name="Fechar conta")
    close.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("dialog", name="Fechar esta conta?")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog", name="Fechar esta conta?")).to_be_hidden()
    expect(close).to_be_focused()
    expect(page.locator("#account-fields")).to_contain_text("Aberta")


def test_keyboard_order_starts_with_the_skip_link_and_focus_is_visible(page, service):
    sign_in(page, service)
    page.reload()  # the key stays in sessionStorage; focus starts at the top of the page
    expect(page.get_by_role("heading", name="Contas", exact=True)).to_be_visible()
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Pular para o conteúdo")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Contas", exact=True)).to_be_focused()
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"


def test_phone_sized_screen(phone_page, service, shoot):
    page = phone_page
    for _ in range(3):
        service.open_account(documentType="OTHER", document=uuid.uuid4().hex[:12], description="phone")
    sign_in(page, service)
    expect(page.locator("#accounts-table tbody tr").first).to_be_visible()

    def no_horizontal_overflow(what: str) -> None:
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 375, f"{what} is {width}px wide on a 375px screen"

    no_horizontal_overflow("the accounts page")
    shoot(page, "phone-accounts")
    page.get_by_role("button", name="Novo").click()
    no_horizontal_overflow("the account form")
    shoot(page, "phone-account-form", full_page=False)
    page.keyboard.press("Escape")
    page.get_by_role("link", name="Importar", exact=True).first.click()
    expect(page.get_by_role("heading", name="Importar contas")).to_be_visible()
    no_horizontal_overflow("the import screen")
    shoot(page, "phone-import")


def test_the_page_is_public_and_safe_but_the_api_is_not(service):
    page = httpx.get(f"{service.url}/admin")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    script = httpx.get(f"{service.url}/admin/static/js/main.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert httpx.get(f"{service.url}/admin/static/admin.css").status_code == 200
    assert httpx.get(f"{service.url}/admin/static/..%2F..%2Fapp.py").status_code == 404
    assert httpx.post(f"{service.url}/graphql", json={"query": "{ __typename }"}).status_code == 401
    assert httpx.get(f"{service.url}/imports/template.csv").status_code == 401


def test_axe_on_an_invoice_import_result(page, service, check_accessibility):
    account = service.open_account(creditLimit="300.00")
    invoice = settled(service, account["id"], "60.00")["invoices"][0]
    content = invoice_file([[invoice["id"], "Paga"], ["no-such-invoice", "Paga"]], header=("Invoice Id", "Status"))

    sign_in(page, service, hash_="#/import")
    page.get_by_role("radio", name="Faturas").check()
    page.locator("#import-file").set_input_files({"name": "axe-faturas.csv", "mimeType": "text/csv", "buffer": content})
    page.get_by_role("button", name="Importar arquivo").click()
    result = page.locator("#import-result .run")
    expect(result).to_have_attribute("data-status", "COMPLETED_WITH_ERRORS", timeout=60_000)
    expect(result.locator("table.errors tbody tr")).to_have_count(1)
    check_accessibility(page, "an invoice import's result, with a row error")
