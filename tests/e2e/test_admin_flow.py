"""The admin page's flows in headless Chromium, against the real service: sign in, open an
account (a field error first), edit it and see the history, import a CSV with a bad row
(progress, row errors, error report, history), close an account."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest

from tests.support.browser import expect, import_and_wait, sign_in
from tests.support.csv_files import accounts_with_a_bad_email

pytestmark = pytest.mark.e2e


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_sign_in_rejects_a_wrong_key_and_keeps_the_key_in_session_storage_only(page, service, shoot):
    page.goto(f"{service.url}/admin")
    expect(page.get_by_role("heading", name="Entrar")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "pt-BR")
    shoot(page, "sign-in")

    page.get_by_label("Chave de API").fill("cc_not-a-key")
    page.get_by_role("button", name="Entrar").click()
    expect(page.locator("#signin-key-error")).to_have_text("Chave inválida ou revogada.")
    expect(page.get_by_label("Chave de API")).to_have_attribute("aria-invalid", "true")

    page.get_by_label("Chave de API").fill(service.key)
    page.get_by_role("button", name="Entrar").click()
    expect(page.get_by_role("heading", name="Contas", exact=True)).to_be_visible()
    assert page.evaluate("() => sessionStorage.getItem('customer-credit.key')") == service.key
    assert service.key not in page.evaluate("() => JSON.stringify(localStorage)")

    page.get_by_role("button", name="Sair").click()
    expect(page.get_by_role("heading", name="Entrar")).to_be_visible()
    assert page.evaluate("() => sessionStorage.length") == 0


def test_a_rejected_key_brings_the_sign_in_back_and_returns_to_the_same_screen(page, service):
    sign_in(page, service, hash_="#/imports")
    expect(page.get_by_role("heading", name="Histórico de importação")).to_be_visible()
    page.evaluate("() => sessionStorage.setItem('customer-credit.key', 'cc_revoked')")
    page.get_by_role("link", name="Contas", exact=True).click()

    expect(page.get_by_role("heading", name="Entrar")).to_be_visible()
    expect(page.locator("#signin-message")).to_have_text("Sua chave não foi aceita. Entre de novo.")
    page.get_by_label("Chave de API").fill(service.key)
    page.get_by_role("button", name="Entrar").click()
    expect(page.get_by_role("heading", name="Contas", exact=True)).to_be_visible()


def test_new_account_shows_a_bad_cpf_next_to_the_document_then_opens_it(page, service, shoot):
    email = f"{unique('maria')}@example.com"
    sign_in(page, service)
    page.get_by_role("button", name="Novo").click()
    dialog = page.get_by_role("dialog", name="Nova conta")
    expect(dialog).to_be_visible()

    dialog.get_by_label("Tipo de documento").select_option("CPF")
    dialog.get_by_label("Documento", exact=True).fill("123.456.789-00")
    dialog.get_by_label("E-mail").fill(email)
    dialog.get_by_label("Limite de crédito").fill("1.500,00")
    dialog.get_by_label("Tolerância (%)").fill("5")
    dialog.get_by_label("Descrição").fill("Cliente desde 2019")
    dialog.get_by_role("button", name="Confirmar").click()

    document_error = page.locator("#f-document-error")
    expect(document_error).to_have_text(re.compile("O CPF deve ter 11 dígitos"))
    expect(dialog.get_by_label("Documento", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(dialog.get_by_label("Documento", exact=True)).to_be_focused()
    # The error is tied to its input, so a screen reader reads it with the field.
    assert "f-document-error" in dialog.get_by_label("Documento", exact=True).get_attribute("aria-describedby")
    expect(page.locator("#f-email-error")).to_be_empty()
    shoot(page, "account-form-error", full_page=False)

    dialog.get_by_label("Documento", exact=True).fill("529.982.247-25")
    dialog.get_by_role("button", name="Confirmar").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#accounts-message")).to_contain_text("Conta criada.")
    new_row = page.locator("#accounts-table tbody tr", has_text=email)
    expect(new_row).to_have_count(1)
    expect(new_row).to_contain_text("CPF 529.982.247-25")
    expect(new_row).to_contain_text("1.500,00")
    expect(new_row).to_contain_text("5%")
    expect(new_row).to_contain_text("Aberta")
    shoot(page, "accounts")


def test_editing_the_limit_adds_an_entry_to_the_history(page, service, shoot):
    account = service.open_account(creditLimit="100.00", description="Loja 1")
    sign_in(page, service, hash_=f"#/accounts/{account['id']}")
    expect(page.get_by_role("heading", name=account["email"])).to_be_visible()
    expect(page.locator("#account-history > li")).to_have_count(1)

    page.get_by_role("button", name="Editar").click()
    dialog = page.get_by_role("dialog", name="Editar conta")
    expect(dialog.get_by_label("Limite de crédito")).to_have_value("100,00")
    dialog.get_by_label("Limite de crédito").fill("2.500,50")
    dialog.get_by_role("button", name="Confirmar").click()
    expect(dialog).to_be_hidden()

    fields = page.locator("#account-fields")
    expect(fields).to_contain_text("2.500,50")
    history = page.locator("#account-history > li")
    expect(history).to_have_count(2)
    newest = history.first
    expect(newest).to_contain_text("versão 2")
    expect(newest).to_contain_text("admin")
    expect(newest).to_contain_text("Limite de crédito")
    expect(newest.locator(".change-from")).to_have_text("R$\u00a0100,00")
    expect(newest.locator(".change-to")).to_have_text("R$\u00a02.500,50")
    # Only the limit was sent: nothing else changed.
    expect(newest.locator(".changes > li")).to_have_count(1)
    shoot(page, "account-detail")


def test_an_edit_with_a_stale_version_shows_a_form_level_message(page, service):
    account = service.open_account()
    sign_in(page, service, hash_=f"#/accounts/{account['id']}")
    expect(page.get_by_role("heading", name=account["email"])).to_be_visible()
    page.get_by_role("button", name="Editar").click()
    service.open_account(id=account["id"], email=account["email"], description="changed meanwhile")
    dialog = page.get_by_role("dialog", name="Editar conta")
    dialog.get_by_label("Descrição").fill("mine")
    dialog.get_by_role("button", name="Confirmar").click()
    expect(page.locator("#account-form-message")).to_contain_text("alterada nesse meio-tempo")
    expect(page.locator("#account-form-message")).to_contain_text("Feche e abra o formulário de novo")


def test_import_with_a_bad_row_shows_progress_row_errors_and_the_report(page, service, shoot, tmp_path: Path):
    prefix = unique("imp")
    name = f"{prefix}.csv"
    rows, bad = 450, 2  # the bad row is the 3rd data row: spreadsheet row 4 (the header is row 1)
    sign_in(page, service)
    page.get_by_role("link", name="Importar").first.click()
    expect(page.get_by_role("heading", name="Importar contas")).to_be_visible()

    # "Baixar modelo": fetched with the key and saved through a Blob URL.
    with page.expect_download() as template:
        page.get_by_role("button", name="Baixar modelo").click()
    assert template.value.suggested_filename == "customer-credit-template.csv"
    assert Path(template.value.path()).read_text(encoding="utf-8-sig").startswith("Id,Email,Document,Document Type")

    page.get_by_label("Criar").check()
    # The drop zone is a button that opens the file picker.
    with page.expect_file_chooser() as chooser:
        page.locator("#import-drop").click()
    chooser.value.set_files(
        {"name": name, "mimeType": "text/csv", "buffer": accounts_with_a_bad_email(rows, bad, prefix)}
    )
    expect(page.locator("#import-file-name")).to_contain_text(name)

    # Record every value the progress bar takes.
    page.evaluate(
        """() => {
             window.progressValues = [];
             new MutationObserver(() => {
               const bar = document.querySelector('#import-result progress');
               if (bar) window.progressValues.push([bar.value, bar.max]);
             }).observe(document.querySelector('#import-result'),
                        { subtree: true, childList: true, attributes: true, attributeFilter: ['value', 'max'] });
           }"""
    )
    page.get_by_role("button", name="Importar arquivo").click()

    result = page.locator("#import-result .run")
    expect(result).to_have_attribute("data-status", "COMPLETED_WITH_ERRORS", timeout=60_000)
    assert page.locator("#import-result").get_attribute("data-transport") == "websocket"
    progress = result.locator("progress")
    expect(progress).to_have_attribute("max", str(rows))
    expect(progress).to_have_attribute("value", str(rows))
    expect(result.locator(".progress-text")).to_have_text(f"{rows} de {rows} linhas processadas")
    values = page.evaluate("() => window.progressValues")
    assert values[-1] == [rows, rows]
    assert any(value < rows for value, _ in values), values  # it was seen before the end

    expect(result.locator("[data-count=created] dd")).to_have_text(str(rows - 1))
    expect(result.locator("[data-count=failed] dd")).to_have_text("1")
    error_rows = result.locator("table.errors tbody tr")
    expect(error_rows).to_have_count(1)
    cells = error_rows.first.locator("th, td")
    expect(cells.nth(0)).to_have_text("4")
    expect(cells.nth(1)).to_have_text("Email")
    expect(cells.nth(2)).to_have_text("E-mail inválido")
    expect(cells.nth(2).locator("[data-code]")).to_have_attribute("data-code", "INVALID_EMAIL")
    expect(cells.nth(3)).to_contain_text("E-mail inválido: confira")
    shoot(page, "import-result")

    with page.expect_download() as report:
        result.get_by_role("button", name="Baixar relatório de erros (CSV)").click()
    assert report.value.suggested_filename.endswith("-errors.csv")
    content = Path(report.value.path()).read_text(encoding="utf-8-sig")
    assert "not-an-email" in content
    assert f"{prefix}-0001@example.com" not in content  # only the failed rows
    header, bad_line = content.splitlines()[:2]
    assert header.endswith("Row,Error")
    assert ",4," in bad_line

    # The run in "Histórico de importação", newest first, and its own page.
    page.get_by_role("link", name="Histórico de importação").first.click()
    first = page.locator("#imports-table tbody tr").first
    expect(first).to_contain_text(name)
    expect(first).to_contain_text("Concluída com erros")
    expect(first).to_contain_text(f"{rows} / {rows}")
    shoot(page, "import-history")
    first.get_by_role("link", name=name).click()
    run = page.locator("#run-result .run")
    expect(run).to_have_attribute("data-status", "COMPLETED_WITH_ERRORS")
    expect(run.locator("table.errors tbody tr")).to_have_count(1)

    # The imported accounts are in the list.
    page.get_by_role("link", name="Contas", exact=True).click()
    page.get_by_label("Buscar", exact=True).fill(prefix)
    expect(page.locator("#accounts-total")).to_have_text(f"{rows - 1} contas")


def test_progress_falls_back_to_polling_when_the_socket_fails(page, service):
    page.route_web_socket(re.compile(r".*/graphql$"), lambda ws: ws.close())
    prefix = unique("poll")
    sign_in(page, service, hash_="#/import")
    page.get_by_label("Simulação").check()
    page.locator("#import-file").set_input_files(
        {"name": f"{prefix}.csv", "mimeType": "text/csv", "buffer": accounts_with_a_bad_email(30, 5, prefix)}
    )
    page.get_by_role("button", name="Importar arquivo").click()
    result = page.locator("#import-result .run")
    expect(result).to_have_attribute("data-status", "COMPLETED_WITH_ERRORS", timeout=60_000)
    assert page.locator("#import-result").get_attribute("data-transport") == "polling"
    expect(result).to_contain_text("Simulação: nenhuma conta foi gravada.")
    expect(result.locator("[data-count=created] dd")).to_have_text("29")
    # A dry run writes nothing.
    assert (
        service.api("query($s: String) { accounts(filter: {search: $s}) { totalCount } }", s=prefix)["accounts"][
            "totalCount"
        ]
        == 0
    )


def test_a_file_level_error_is_shown_and_no_run_starts(page, service):
    sign_in(page, service, hash_="#/import")
    page.locator("#import-file").set_input_files({"name": "empty.csv", "mimeType": "text/csv", "buffer": b""})
    page.get_by_role("button", name="Importar arquivo").click()
    expect(page.locator("#import-message")).to_contain_text("O arquivo está vazio")
    expect(page.locator("#import-result")).to_be_empty()


def test_closing_an_account_asks_first_then_shows_it_closed(page, service, shoot):
    account = service.open_account(documentType="OTHER", document="AB1234")
    sign_in(page, service, hash_=f"#/accounts/{account['id']}")
    page.get_by_role("button", name="Fechar conta").click()
    confirm = page.get_by_role("dialog", name="Fechar esta conta?")
    expect(confirm).to_be_visible()
    expect(confirm.get_by_role("button", name="Cancelar")).to_be_focused()
    shoot(page, "close-account-confirm", full_page=False)

    confirm.get_by_role("button", name="Cancelar").click()
    expect(confirm).to_be_hidden()
    expect(page.locator("#account-fields")).to_contain_text("Aberta")

    page.get_by_role("button", name="Fechar conta").click()
    confirm.get_by_role("button", name="Fechar conta").click()
    expect(page.locator("#account-fields")).to_contain_text("Fechada")
    expect(page.locator("#account-message")).to_contain_text("está fechada")
    expect(page.get_by_role("button", name="Editar")).to_be_hidden()
    expect(page.locator("#account-history > li").first).to_contain_text("Status")
    shoot(page, "account-closed")

    page.get_by_role("link", name="← Voltar para contas").click()
    page.get_by_label("Status").select_option("CLOSED")
    page.get_by_label("Buscar", exact=True).fill(account["id"])
    row = page.locator("#accounts-table tbody tr", has_text=account["email"])
    expect(row).to_contain_text("Fechada")


def test_search_status_sorting_and_paging_with_a_way_back(page, service):
    prefix = unique("pg")
    for i in range(25):
        service.open_account(email=f"{prefix}-{i:02d}@example.com", creditLimit=f"{1000 + i}.00")
    sign_in(page, service)
    page.get_by_label("Buscar", exact=True).fill(prefix)
    rows = page.locator("#accounts-table tbody tr")
    expect(page.locator("#accounts-total")).to_have_text("25 contas")
    expect(rows).to_have_count(20)
    page.get_by_label("Ordenar por").select_option("EMAIL:ASC")
    expect(rows.first).to_contain_text(f"{prefix}-00@")
    expect(page.locator("#accounts-page")).to_have_text("Página 1")
    expect(page.get_by_role("button", name="Anterior")).to_be_disabled()

    page.get_by_role("button", name="Próxima").click()
    expect(rows).to_have_count(5)
    expect(page.locator("#accounts-page")).to_have_text("Página 2")
    expect(page.get_by_role("button", name="Próxima")).to_be_disabled()
    expect(rows.first).to_contain_text(f"{prefix}-20@")

    page.get_by_role("button", name="Anterior").click()
    expect(rows).to_have_count(20)
    expect(rows.first).to_contain_text(f"{prefix}-00@")

    page.get_by_label("Ordenar por").select_option("EMAIL:DESC")
    expect(rows.first).to_contain_text(f"{prefix}-24@")
    page.get_by_label("Ordenar por").select_option("CREDIT_LIMIT:DESC")
    expect(rows.first).to_contain_text("1.024,00")
    page.get_by_label("Ordenar por").select_option("CREDIT_LIMIT:ASC")
    expect(rows.first).to_contain_text("1.000,00")

    page.get_by_label("Status").select_option("CLOSED")
    expect(page.locator("#accounts-total")).to_have_text("0 contas")
    expect(page.locator("#accounts-empty")).to_be_visible()

    # From a detail and back: the same filters, the same page.
    page.get_by_label("Status").select_option("")
    page.get_by_role("button", name="Próxima").click()
    expect(page.locator("#accounts-page")).to_have_text("Página 2")
    rows.first.get_by_role("link").click()
    page.get_by_role("link", name="← Voltar para contas").click()
    expect(page.locator("#accounts-page")).to_have_text("Página 2")
    expect(page.get_by_label("Buscar", exact=True)).to_have_value(prefix)
    expect(page.get_by_label("Ordenar por")).to_have_value("CREDIT_LIMIT:ASC")


def test_a_key_without_pii_read_sees_masked_fields_and_cannot_overwrite_the_email(page, service, shoot):
    account = service.open_account(
        email=f"{unique('joana')}@example.com", documentType="CPF", document="111.444.777-35"
    )
    name = unique("reader")
    secret = (
        service.cli("api-keys", "create", "--name", name, "--scopes", "accounts:read,accounts:write")
        .strip()
        .splitlines()[-1]
    )
    sign_in(page, service, key=secret, hash_=f"#/accounts/{account['id']}")
    masked = "j***@example.com"
    expect(page.get_by_role("heading", name=masked)).to_be_visible()
    expect(page.locator("#account-fields")).to_contain_text("***.***.*77-35")
    page.get_by_role("button", name="Editar").click()
    dialog = page.get_by_role("dialog", name="Editar conta")
    expect(dialog.locator("#account-form-message")).to_contain_text("pii:read")
    expect(dialog.get_by_role("button", name="Confirmar")).to_be_disabled()
    shoot(page, "masked-edit", full_page=False)


def test_english_switch(page, service):
    sign_in(page, service)
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Accounts", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="New")).to_be_visible()
    page.get_by_role("button", name="New").click()
    dialog = page.get_by_role("dialog", name="New account")
    dialog.get_by_label("Email").fill("not-an-email")
    dialog.get_by_role("button", name="Confirm").click()
    # In English the service's own message is shown.
    expect(page.locator("#f-email-error")).to_contain_text("not valid")
    page.keyboard.press("Escape")
    page.reload()
    expect(page.get_by_role("heading", name="Accounts", exact=True)).to_be_visible()  # remembered
    page.get_by_role("button", name="Português").click()
    expect(page.get_by_role("heading", name="Contas", exact=True)).to_be_visible()


def test_a_list_of_more_than_a_thousand_accounts_says_so_without_counting_them_all(page, service):
    prefix = unique("many")
    import_and_wait(service, f"{prefix}.csv", accounts_with_a_bad_email(1_002, 0, prefix), "CREATE")
    sign_in(page, service)

    page.get_by_label("Buscar", exact=True).fill(prefix)
    expect(page.locator("#accounts-total")).to_have_text("1.000 contas ou mais")

    page.get_by_label("Buscar", exact=True).fill(f"{prefix}-0999")
    expect(page.locator("#accounts-total")).to_have_text("1 conta")
    page.get_by_role("button", name="English").click()
    page.get_by_label("Search", exact=True).fill(prefix)
    expect(page.locator("#accounts-total")).to_have_text("1,000 accounts or more")
