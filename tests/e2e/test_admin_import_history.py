"""The import history lists, for each run, how many rows were created, updated, unchanged and failed."""

from __future__ import annotations

import uuid

import pytest

from tests.support.browser import expect, import_and_wait, sign_in

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
        ["Arquivo", "Enviada em", "Modo", "Status", "Linhas", "Criadas", "Atualizadas", "Sem alteração", "Com erro"]
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
        ["File", "Uploaded", "Mode", "Status", "Rows", "Created", "Updated", "Unchanged", "Failed"]
    )
    expect(page.locator("#imports-table tbody tr", has_text=name).locator("[data-count=updated]")).to_have_text("1")
