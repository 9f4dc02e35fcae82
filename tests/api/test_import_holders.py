"""Imports and holder emails: a row may not take an email that an open account has as a holder
email, and an import that closes an account frees its holders' emails."""

from __future__ import annotations

from tests.support.accounts import open_account
from tests.support.csv_files import csv_text, row
from tests.support.holders import added_holder, lookup
from tests.support.imports import counts, error_triples, import_and_wait


async def test_a_create_row_with_a_holders_email_is_email_in_use(client, worker):
    await open_account(client, id="a1", email="ana@example.com")
    await added_holder(client, "a1", "bia@example.com")
    content = csv_text([row("", "good@example.com"), row("", "BIA@example.com")]).encode()

    run = await import_and_wait(client, content)

    assert error_triples(run) == [(3, "Email", "EMAIL_IN_USE")]
    assert run["errors"]["nodes"][0]["accountId"] == "a1"
    assert (counts(run)["createdCount"], counts(run)["failedCount"]) == (1, 1)


async def test_a_dry_run_create_row_with_a_holders_email_is_email_in_use(client, worker):
    await open_account(client, id="a1", email="ana@example.com")
    await added_holder(client, "a1", "bia@example.com")
    content = csv_text([row("", "bia@example.com")]).encode()

    run = await import_and_wait(client, content, dry_run=True)

    assert error_triples(run) == [(2, "Email", "EMAIL_IN_USE")]


async def test_an_update_row_changing_an_email_to_a_holders_email_is_email_in_use(client, worker):
    await open_account(client, id="a1", email="ana@example.com")
    await added_holder(client, "a1", "bia@example.com")
    await open_account(client, id="a2", email="caio@example.com")
    content = csv_text([row("a2", "bia@example.com")]).encode()

    run = await import_and_wait(client, content, "UPDATE")

    assert error_triples(run) == [(2, "Email", "EMAIL_IN_USE")]


async def test_an_update_row_closing_an_account_frees_its_holders_emails(client, worker):
    await open_account(client, id="a1", email="ana@example.com")
    await added_holder(client, "a1", "bia@example.com")
    content = csv_text([row("a1", status="Closed")]).encode()

    await import_and_wait(client, content, "UPDATE")

    assert await lookup(client, "bia@example.com") is None
    assert (await open_account(client, id="a2", email="bia@example.com"))["status"] == "OPEN"


async def test_an_update_row_without_an_id_is_not_found_by_a_holders_email(client, worker):
    await open_account(client, id="a1", email="ana@example.com")
    await added_holder(client, "a1", "bia@example.com")
    content = csv_text([row("", "bia@example.com", credit_limit="900")]).encode()

    run = await import_and_wait(client, content, "UPDATE")

    assert error_triples(run) == [(2, "Email", "NOT_FOUND")]
