"""UPDATE imports: rows find accounts by Id (or by Email where Id is blank), change only what they
fill in, close accounts, and report what they cannot do."""

from __future__ import annotations

import pytest

from tests.support.accounts import account_with_history, close_account, open_account
from tests.support.csv_files import csv_text, row
from tests.support.documents import CPF
from tests.support.imports import counts, error_triples, import_and_wait


@pytest.fixture
async def accounts(client):
    """Two open accounts and a closed one."""
    await open_account(
        client,
        id="acc-1",
        email="ana@example.com",
        documentType="CPF",
        document=CPF,
        creditLimit="100.00",
        tolerance="0",
        description="old",
    )
    await open_account(client, id="acc-2", email="bia@example.com", creditLimit="200.00")
    await open_account(client, id="acc-closed", email="gone@example.com")
    await close_account(client, "acc-closed")


async def update(client, *rows, header=None) -> dict:
    content = (csv_text(rows) if header is None else csv_text(rows, header)).encode()
    return await import_and_wait(client, content, "UPDATE")


async def test_row_with_an_id_changes_that_account(client, worker, accounts):
    run = await update(client, row("acc-1", credit_limit="2500", tolerance="10%", description="new"))

    account = await account_with_history(client, "acc-1")
    assert (account["creditLimit"], account["tolerance"], account["description"], account["version"]) == (
        "2500.00",
        "0.10",
        "new",
        2,
    )
    assert (run["status"], run["updatedCount"], run["failedCount"]) == ("SUCCEEDED", 1, 0)


async def test_row_without_an_id_finds_the_account_by_email(client, worker, accounts):
    run = await update(client, row("", "BIA@example.com", credit_limit="300"))

    account = await account_with_history(client, "acc-2")
    assert (account["creditLimit"], account["version"]) == ("300.00", 2)
    assert run["updatedCount"] == 1


async def test_file_without_an_id_column_updates_by_email(client, worker, accounts):
    run = await update(client, ("ana@example.com", "750,25"), header=("E-mail", "Limite de Crédito"))

    account = await account_with_history(client, "acc-1")
    assert account["creditLimit"] == "750.25"
    assert counts(run)["updatedCount"] == 1


async def test_blank_cells_leave_fields_unchanged(client, worker, accounts):
    await update(client, row("acc-1", credit_limit="999"))

    account = await account_with_history(client, "acc-1")
    assert {
        k: account[k]
        for k in ("email", "documentType", "document", "creditLimit", "tolerance", "status", "description")
    } == {
        "email": "ana@example.com",
        "documentType": "CPF",
        "document": "52998224725",
        "creditLimit": "999.00",
        "tolerance": "0.00",
        "status": "OPEN",
        "description": "old",
    }
    [change] = account["history"]["nodes"][0]["changes"]
    assert change == {"field": "creditLimit", "from": "100.00", "to": "999.00"}


@pytest.mark.parametrize("word", ["Closed", "Fechada", "CLOSED"])
async def test_status_closed_closes_the_account(client, worker, accounts, word):
    run = await update(client, row("acc-2", status=word))

    account = await account_with_history(client, "acc-2")
    assert (account["status"], account["version"]) == ("CLOSED", 2)
    assert {"field": "status", "from": "OPEN", "to": "CLOSED"} in account["history"]["nodes"][0]["changes"]
    assert run["updatedCount"] == 1


async def test_closing_frees_the_email_for_a_new_account(client, worker, accounts):
    await update(client, row("acc-2", status="Fechada"))

    created = await import_and_wait(client, csv_text([row("", "bia@example.com")]).encode(), "CREATE")

    assert created["createdCount"] == 1


async def test_unchanged_row_counts_as_unchanged_without_a_version_bump(client, worker, accounts):
    run = await update(client, row("acc-1", "ana@example.com", CPF, "CPF", "100", "0", "Open", "old"))

    assert counts(run) == {
        "totalRows": 1,
        "processedRows": 1,
        "createdCount": 0,
        "updatedCount": 0,
        "unchangedCount": 1,
        "failedCount": 0,
    }
    account = await account_with_history(client, "acc-1")
    assert (account["version"], account["history"]["totalCount"]) == (1, 1)


async def test_unknown_id_or_email_is_not_found(client, worker, accounts):
    run = await update(
        client,
        row("nobody", credit_limit="1"),
        row("", "nobody@example.com", credit_limit="1"),
        row("", "gone@example.com", credit_limit="1"),
    )

    assert error_triples(run) == [(2, "Id", "NOT_FOUND"), (3, "Email", "NOT_FOUND"), (4, "Email", "NOT_FOUND")]
    assert (run["status"], run["failedCount"]) == ("COMPLETED_WITH_ERRORS", 3)


async def test_closed_account_is_account_closed(client, worker, accounts):
    run = await update(client, row("acc-closed", credit_limit="5"), row("acc-closed", status="Open"))

    assert [(e["row"], e["code"], e["accountId"]) for e in run["errors"]["nodes"]] == [
        (2, "ACCOUNT_CLOSED", "acc-closed"),
        (3, "DUPLICATE_IN_FILE", None),
    ]
    assert (await account_with_history(client, "acc-closed"))["version"] == 2


async def test_changing_to_another_open_accounts_email_is_email_in_use(client, worker, accounts):
    run = await update(client, row("acc-1", "Bia@Example.com"))

    assert [(e["row"], e["column"], e["code"], e["accountId"]) for e in run["errors"]["nodes"]] == [
        (2, "Email", "EMAIL_IN_USE", "acc-2"),
    ]
    assert (await account_with_history(client, "acc-1"))["email"] == "ana@example.com"


async def test_changing_to_another_open_accounts_document_is_document_in_use(client, worker, accounts):
    run = await update(client, row("acc-2", document="52998224725", document_type="CPF"))

    assert [(e["row"], e["column"], e["code"], e["accountId"]) for e in run["errors"]["nodes"]] == [
        (2, "Document", "DOCUMENT_IN_USE", "acc-1"),
    ]


async def test_changing_to_a_closed_accounts_email_is_allowed(client, worker, accounts):
    run = await update(client, row("acc-2", "gone@example.com"))

    assert run["updatedCount"] == 1
    assert (await account_with_history(client, "acc-2"))["email"] == "gone@example.com"


async def test_changes_carry_the_run_id_in_the_history(client, worker, accounts):
    run = await update(client, row("acc-1", credit_limit="123.45"), row("", "bia@example.com", status="Closed"))

    for account_id in ("acc-1", "acc-2"):
        account = await account_with_history(client, account_id)
        assert account["history"]["totalCount"] == account["version"] == 2
        newest, oldest = account["history"]["nodes"]
        assert (newest["version"], newest["source"], newest["importRunId"], newest["actor"]) == (
            2,
            "IMPORT",
            run["id"],
            "tester",
        )
        assert (oldest["source"], oldest["importRunId"]) == ("API", None)


async def test_invalid_values_are_row_errors_and_change_nothing(client, worker, accounts):
    run = await update(client, row("acc-1", "not-an-email", tolerance="2"), row("acc-2", credit_limit="1,500"))

    assert sorted(error_triples(run)) == [
        (2, "Email", "INVALID_EMAIL"),
        (2, "Tolerance", "INVALID_TOLERANCE"),
        (3, "Credit Limit", "INVALID_CREDIT_LIMIT"),
    ]
    assert (await account_with_history(client, "acc-1"))["version"] == 1
    assert (await account_with_history(client, "acc-2"))["version"] == 1


async def test_row_with_neither_id_nor_email_is_required(client, worker, accounts):
    run = await update(client, row("", "", credit_limit="5"))

    assert error_triples(run) == [(2, "Id", "REQUIRED")]


async def test_many_rows_across_batches_are_all_updated(client, worker):
    for i in range(8):
        await open_account(client, id=f"many-{i}", email=f"many{i}@example.com")

    run = await update(
        client, *[row(f"many-{i}", credit_limit=str(10 + i)) for i in range(8)], row("many-0", credit_limit="1")
    )

    assert counts(run) == {
        "totalRows": 9,
        "processedRows": 9,
        "createdCount": 0,
        "updatedCount": 8,
        "unchangedCount": 0,
        "failedCount": 1,
    }
    assert error_triples(run) == [(10, "Id", "DUPLICATE_IN_FILE")]
    assert (await account_with_history(client, "many-7"))["creditLimit"] == "17.00"


async def test_the_email_that_finds_the_account_is_not_a_change(client, worker, accounts):
    run = await update(client, row("", "BIA@Example.COM", credit_limit="200"))

    assert (run["unchangedCount"], run["updatedCount"]) == (1, 0)
    account = await account_with_history(client, "acc-2")
    assert (account["email"], account["version"]) == ("bia@example.com", 1)
