"""Faturas on the admin page, in Chromium against the real service: the store's invoices filtered
by account, overdue, status and due dates, in pages of 20, with the totals of the whole filtered
set above them (not of the page shown, the original's known bug)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.e2e.test_admin_permissions import create_key
from tests.support.admin_credit import make_overdue, settled
from tests.support.browser import expect, sign_in

pytestmark = pytest.mark.e2e


def total(page, name: str):
    return page.locator(f"#invoices-totals [data-total={name}] dd")


def test_faturas_filters_by_account_overdue_and_due_dates_with_totals_of_the_filtered_set(page, service, shoot):
    account = service.open_account(creditLimit="1000.00")
    first = settled(service, account["id"], "120.00", installments=12)
    settled(service, account["id"], "240.00", installments=12)
    late = first["invoices"][0]["id"]
    make_overdue(service, account["id"], late)
    other = service.open_account()
    other_late = settled(service, other["id"], "50.00")["invoices"][0]["id"]
    make_overdue(service, other["id"], other_late, days=3)

    sign_in(page, service)
    page.get_by_role("navigation", name="Seções").get_by_role("link", name="Faturas").click()
    expect(page.get_by_role("heading", name="Faturas", exact=True)).to_be_visible()
    filters = page.get_by_role("search", name="Filtrar faturas")
    filters.get_by_label("Conta (id)").fill(account["id"])
    filters.get_by_role("button", name="Filtrar").click()

    rows = page.locator("#invoices-table tbody tr")
    expect(rows).to_have_count(20)
    expect(total(page, "count")).to_have_text("24")
    expect(total(page, "amount")).to_have_text("R$ 360,00")
    expect(total(page, "openAmount")).to_have_text("R$ 360,00")
    expect(total(page, "paidAmount")).to_have_text("R$ 0,00")
    expect(rows.first).to_have_attribute("data-invoice-id", late)  # by due date: the overdue one first
    expect(rows.first).to_contain_text("Vencida")
    shoot(page, "invoices", full_page=False)

    page.get_by_role("button", name="Próxima").click()
    expect(rows).to_have_count(4)
    expect(page.locator("#invoices-page")).to_have_text("Página 2")
    expect(total(page, "count")).to_have_text("24")  # the filtered set's, not this page's
    expect(total(page, "amount")).to_have_text("R$ 360,00")

    filters.get_by_label("Vencidas").select_option("true")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-invoice-id", late)
    expect(total(page, "count")).to_have_text("1")
    expect(total(page, "amount")).to_have_text("R$ 10,00")
    expect(page.locator("#invoices-page")).to_have_text("Página 1")

    # Every account's overdue invoices: both, each marked.
    filters.get_by_label("Conta (id)").fill("")
    filters.get_by_role("button", name="Filtrar").click()
    expect(page.locator(f'#invoices-table tr[data-invoice-id="{other_late}"]')).to_be_visible()
    expect(page.locator(f'#invoices-table tr[data-invoice-id="{late}"]')).to_be_visible()
    for i in range(rows.count()):
        expect(rows.nth(i)).to_contain_text("Vencida")

    # Due in the next 31 days, on the first account: the second order's first installment only.
    today = datetime.now(UTC).date()
    filters.get_by_label("Vencidas").select_option("")
    filters.get_by_label("Conta (id)").fill(account["id"])
    filters.get_by_label("Vencimento de").fill((today + timedelta(days=1)).isoformat())
    filters.get_by_label("Vencimento até").fill((today + timedelta(days=31)).isoformat())
    filters.get_by_role("button", name="Filtrar").click()
    expect(rows).to_have_count(1)
    expect(total(page, "count")).to_have_text("1")
    expect(total(page, "amount")).to_have_text("R$ 20,00")

    # An invoice's account is a link to it.
    rows.first.get_by_role("link", name=account["id"]).click()
    expect(page.get_by_role("heading", name=account["email"])).to_be_visible()


def test_faturas_needs_credit_read(page, service):
    reader = create_key(service, "accounts:read")
    sign_in(page, service, key=reader)
    expect(page.get_by_role("heading", name="Contas", exact=True)).to_be_visible()
    expect(page.get_by_role("navigation", name="Seções").get_by_role("link", name="Faturas")).to_have_count(0)
    page.goto(f"{service.url}/admin#/invoices")
    expect(page.get_by_role("heading", name="Contas", exact=True)).to_be_visible()
    assert page.evaluate("() => location.hash") == "#/accounts"
