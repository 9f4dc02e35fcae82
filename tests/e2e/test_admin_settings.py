"""Configurações on the admin page, in Chromium against the real service: an admin key reads and
saves the store's credit settings (the service's own message next to a value out of range), and the
next settlement follows them; no other key sees the screen."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.e2e.test_admin_permissions import create_key
from tests.support.admin_credit import settled, update_settings
from tests.support.browser import expect, sign_in

pytestmark = pytest.mark.e2e

DEFAULTS = {"invoiceDueDays": 30, "maxInstallments": 12, "postponementEnabled": True}


@pytest.fixture
def restore_settings(service):
    """The service is shared by the package's tests: put the defaults back whatever happens."""
    yield
    update_settings(service, **DEFAULTS)


def test_settings_saved_on_the_page_are_used_by_the_next_settlement(page, service, shoot, restore_settings):
    account = service.open_account(creditLimit="1000.00")

    sign_in(page, service)
    page.get_by_role("navigation", name="Seções").get_by_role("link", name="Configurações").click()
    form = page.locator("#settings-form")
    due_days = form.get_by_label("Dias até o vencimento de cada parcela")
    expect(due_days).to_have_value("30")
    expect(form.get_by_label("Faturas podem ser adiadas")).to_be_checked()

    due_days.fill("200")
    form.get_by_role("button", name="Salvar").click()
    expect(page.locator("#s-invoiceDueDays-error")).not_to_be_empty()
    expect(due_days).to_have_attribute("aria-invalid", "true")
    expect(due_days).to_be_focused()

    due_days.fill("15")
    form.get_by_label("Máximo de parcelas").fill("24")
    form.get_by_label("Faturas podem ser adiadas").uncheck()
    form.get_by_role("button", name="Salvar").click()
    expect(page.locator("#settings-message")).to_have_text("Configurações salvas.")
    expect(due_days).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator("#settings-updated")).to_contain_text("por admin")
    shoot(page, "settings")

    # The next settlement: 24 installments are allowed now, each due 15 days after the one before.
    today = datetime.now(UTC).date()
    transaction = settled(service, account["id"], "240.00", installments=24)
    page.goto(f"{service.url}/admin#/accounts/{account['id']}")
    rows = page.locator("#account-invoices-table tbody tr")
    expect(rows).to_have_count(20)
    for k in (1, 2):
        expect(rows.nth(k - 1)).to_contain_text((today + timedelta(days=15 * k)).strftime("%d/%m/%Y"))
    expect(rows.first).to_contain_text("parcela 1 de 24")
    page.get_by_role("button", name="Carregar mais").first.click()
    expect(rows).to_have_count(24)

    # Postponement is off: the service's refusal shows in the dialog.
    page.get_by_role("button", name=f"Adiar a fatura {transaction['invoices'][0]['id']}").click()
    dialog = page.get_by_role("dialog", name="Adiar fatura")
    dialog.get_by_label("Dias a adiar").fill("5")
    dialog.get_by_role("button", name="Adiar").click()
    expect(page.locator("#postpone-message")).not_to_be_empty()
    expect(page.locator("#postpone-message")).to_have_attribute("role", "alert")
    expect(rows.first).not_to_contain_text("antes")


def test_only_an_admin_key_sees_the_settings(page, service):
    key = create_key(service, "accounts:read,accounts:write,credit:read,credit:write,invoices:write,pii:read")
    sign_in(page, service, key=key)
    nav = page.get_by_role("navigation", name="Seções")
    expect(nav.get_by_role("link")).to_have_text(["Contas", "Faturas"])
    page.goto(f"{service.url}/admin#/settings")
    expect(page.get_by_role("heading", name="Contas", exact=True)).to_be_visible()
    expect(page.locator("#view-settings")).to_be_hidden()
