"""The admin page shows only what the signed-in key can do (from `viewer { name scopes }`): a read-only
key sees no Novo, Importar, Editar or Fechar conta, and a screen it may not use leads to one it may."""

from __future__ import annotations

import pytest

from tests.support.browser import create_key, expect, sign_in

pytestmark = pytest.mark.e2e


def test_a_read_only_key_sees_no_new_import_edit_or_close(page, service, shoot):
    account = service.open_account(documentType="CPF", document="935.411.347-80")
    reader = create_key(service, "accounts:read,imports:read")

    sign_in(page, service, key=reader)
    expect(page.get_by_role("heading", name="Contas", exact=True)).to_be_visible()
    expect(page.locator("#accounts-table tbody tr").first).to_be_visible()
    nav = page.get_by_role("navigation", name="Seções")
    expect(nav.get_by_role("link")).to_have_text(["Contas", "Histórico de importação"])
    expect(page.get_by_role("button", name="Novo")).to_have_count(0)
    expect(page.get_by_role("link", name="Importar")).to_have_count(0)
    shoot(page, "read-only-accounts")

    page.goto(f"{service.url}/admin#/accounts/{account['id']}")
    expect(page.locator("#account-fields")).to_contain_text(account["id"])
    expect(page.get_by_role("button", name="Editar")).to_have_count(0)
    expect(page.get_by_role("button", name="Fechar conta")).to_have_count(0)
    expect(page.get_by_text("pii:read")).to_have_count(0)  # nothing blames a scope it does not need

    page.get_by_role("link", name="Histórico de importação").click()
    expect(page.get_by_role("heading", name="Histórico de importação")).to_be_visible()
    expect(page.get_by_role("link", name="Importar")).to_have_count(0)

    # Typing the import screen's address leads back to the accounts.
    page.goto(f"{service.url}/admin#/import")
    expect(page.get_by_role("heading", name="Contas", exact=True)).to_be_visible()
    assert page.evaluate("() => location.hash") == "#/accounts"
    expect(page.locator("#view-import")).to_be_hidden()


def test_a_key_that_only_imports_lands_on_the_import_history_without_the_accounts(page, service):
    importer = create_key(service, "imports:read,imports:write")

    page.goto(f"{service.url}/admin")
    page.locator("#signin-key").fill(importer)
    page.get_by_role("button", name="Entrar").click()

    expect(page.get_by_role("heading", name="Histórico de importação")).to_be_visible()
    nav = page.get_by_role("navigation", name="Seções")
    expect(nav.get_by_role("link")).to_have_text(["Importar", "Histórico de importação"])
    page.get_by_role("link", name="Importar").first.click()
    expect(page.get_by_role("heading", name="Importar contas")).to_be_visible()


def test_an_admin_key_sees_every_action(page, service):
    account = service.open_account()

    sign_in(page, service, hash_=f"#/accounts/{account['id']}")
    expect(page.get_by_role("button", name="Editar")).to_be_visible()
    expect(page.get_by_role("button", name="Fechar conta")).to_be_visible()
    nav = page.get_by_role("navigation", name="Seções")
    expect(nav.get_by_role("link")).to_have_text(
        ["Contas", "Faturas", "Importar", "Histórico de importação", "Configurações"]
    )
    page.get_by_role("link", name="Contas", exact=True).click()
    expect(page.get_by_role("button", name="Novo")).to_be_visible()
