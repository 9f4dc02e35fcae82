"""`dryRun: true` checks every row as a real run would (database checks included), reports the counts of
what would happen, and writes no account and no history event."""

from __future__ import annotations

import pytest

from tests.support.accounts import accounts_total, open_account
from tests.support.csv_files import csv_file, row
from tests.support.imports import counts, error_triples, import_and_wait

CREATE_FILE = csv_file(
    [
        row("", "new.one@example.com", credit_limit="10"),  # 2: would be created
        row("existing", "new.two@example.com"),  # 3: ACCOUNT_EXISTS
        row("", "Taken@Example.com"),  # 4: EMAIL_IN_USE
        row("", "not-an-email"),  # 5: INVALID_EMAIL
        row("", "new.three@example.com", tolerance="5%"),  # 6: would be created
        row("", "NEW.ONE@example.com"),  # 7: DUPLICATE_IN_FILE
    ]
)
CREATE_ERRORS = [
    (3, "Id", "ACCOUNT_EXISTS"),
    (4, "Email", "EMAIL_IN_USE"),
    (5, "Email", "INVALID_EMAIL"),
    (7, "Email", "DUPLICATE_IN_FILE"),
]

UPDATE_FILE = csv_file(
    [
        row("existing", credit_limit="999"),  # 2: would be updated
        row("", "taken@example.com", credit_limit="100"),  # 3: unchanged (already 100)
        row("missing", credit_limit="1"),  # 4: NOT_FOUND
        row("existing", description="again"),  # 5: DUPLICATE_IN_FILE (same Id as row 2)
        row("", "nobody@example.com", status="Closed"),  # 6: NOT_FOUND
        row("other", "Existing@example.com"),  # 7: EMAIL_IN_USE
    ]
)
UPDATE_ERRORS = [
    (4, "Id", "NOT_FOUND"),
    (5, "Id", "DUPLICATE_IN_FILE"),
    (6, "Email", "NOT_FOUND"),
    (7, "Email", "EMAIL_IN_USE"),
]


@pytest.fixture
async def accounts(client):
    await open_account(client, id="existing", email="existing@example.com")
    await open_account(client, id="taken", email="taken@example.com", creditLimit="100")
    await open_account(client, id="other", email="other@example.com")


async def test_create_dry_run_reports_database_checks_and_writes_nothing(client, worker, accounts, unchanged_store):
    async with unchanged_store():
        run = await import_and_wait(client, CREATE_FILE, "CREATE", dry_run=True)

    assert run["dryRun"] is True
    assert error_triples(run) == CREATE_ERRORS


async def test_create_dry_run_counts_what_would_happen(client, worker, accounts):
    run = await import_and_wait(client, CREATE_FILE, "CREATE", dry_run=True)

    assert run["status"] == "COMPLETED_WITH_ERRORS"
    assert counts(run) == {
        "totalRows": 6,
        "processedRows": 6,
        "createdCount": 2,
        "updatedCount": 0,
        "unchangedCount": 0,
        "failedCount": 4,
    }
    assert await accounts_total(client) == 3


async def test_update_dry_run_reports_database_checks_and_writes_nothing(client, worker, accounts, unchanged_store):
    async with unchanged_store():
        run = await import_and_wait(client, UPDATE_FILE, "UPDATE", dry_run=True)

    assert error_triples(run) == UPDATE_ERRORS
    assert counts(run) == {
        "totalRows": 6,
        "processedRows": 6,
        "createdCount": 0,
        "updatedCount": 1,
        "unchangedCount": 1,
        "failedCount": 4,
    }


@pytest.mark.parametrize(("mode", "content"), [("CREATE", CREATE_FILE), ("UPDATE", UPDATE_FILE)])
async def test_a_dry_run_predicts_the_real_run(client, worker, accounts, mode, content):
    dry = await import_and_wait(client, content, mode, dry_run=True)

    real = await import_and_wait(client, content, mode)

    assert (counts(dry), error_triples(dry), dry["status"]) == (counts(real), error_triples(real), real["status"])
    assert real["dryRun"] is False
