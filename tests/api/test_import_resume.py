"""A run interrupted by a crash resumes in a fresh worker and ends as if nothing had happened: exact
counts, every row applied once, one history event per applied row.

A crash is simulated by `Crash`, a BaseException that nothing in the worker handles: the worker task
dies where it is, as the process would, leaving the run RUNNING with whatever was written so far. The
crashing worker's lease is 1 ms, so a fresh worker may take the run over at once.
"""

from __future__ import annotations

import asyncio

import pytest
from pymongo.errors import AutoReconnect, OperationFailure

from customer_credit.persistence.account_batches import AccountBatchRepository
from customer_credit.persistence.database import ACCOUNT_EVENTS, ACCOUNTS, IMPORT_ROW_ERRORS, IMPORT_RUNS
from customer_credit.persistence.imports import ImportRunRepository
from tests.support.accounts import account_with_history, open_account
from tests.support.crashes import BATCH, crash, crash_on_call, make_worker, queue, resume
from tests.support.csv_files import csv_file, row
from tests.support.imports import counts, error_triples

# Ten data rows in four batches of three (rows 2-4, 5-7, 8-10, 11). Failures sit in several batches, and the
# duplicates refer to rows of earlier batches, so the resumed run must rebuild what it had seen.
CREATE_ROWS = [
    row("r-1", "a1@example.com"),  # 2
    row("", "a2@example.com"),  # 3
    row("", "not-an-email"),  # 4  INVALID_EMAIL
    row("r-4", "a4@example.com"),  # 5
    row("", "a5@example.com"),  # 6
    row("", "A1@Example.com"),  # 7  DUPLICATE_IN_FILE (row 2)
    row("r-7", "a7@example.com"),  # 8
    row("", "a8@example.com"),  # 9
    row("r-1", "a9@example.com"),  # 10 DUPLICATE_IN_FILE (row 2)
    row("", "a10@example.com"),  # 11
]
CREATE_FILE = csv_file(CREATE_ROWS)
CREATE_COUNTS = {
    "totalRows": 10,
    "processedRows": 10,
    "createdCount": 7,
    "updatedCount": 0,
    "unchangedCount": 0,
    "failedCount": 3,
}
CREATE_ERRORS = [(4, "Email", "INVALID_EMAIL"), (7, "Email", "DUPLICATE_IN_FILE"), (10, "Id", "DUPLICATE_IN_FILE")]

UPDATE_FILE = csv_file(
    [row(f"u-{i}", credit_limit=str(1000 + i)) for i in range(8)]
    + [row("u-missing", credit_limit="1"), row("u-0", description="again")]
)
UPDATE_COUNTS = {
    "totalRows": 10,
    "processedRows": 10,
    "createdCount": 0,
    "updatedCount": 8,
    "unchangedCount": 0,
    "failedCount": 2,
}


async def stored_run(database, run_id: str) -> dict:
    return await database.collection(IMPORT_RUNS).find_one({"_id": run_id})


async def assert_applied_once(client, database, run_id: str, expected_accounts: int) -> None:
    """No duplicate account, and every account's history is complete: one event per version, one per row."""
    accounts = await database.collection(ACCOUNTS).find({}).to_list(None)
    assert len(accounts) == expected_accounts
    assert len({a["email_key"] for a in accounts if "email_key" in a}) == len(accounts)
    events = await database.collection(ACCOUNT_EVENTS).find({"import_run_id": run_id}).to_list(None)
    rows = [e["import_row"] for e in events]
    assert len(rows) == len(set(rows)), sorted(rows)
    for account in accounts:
        history = (await account_with_history(client, account["_id"]))["history"]
        versions = [node["version"] for node in history["nodes"]]
        assert versions == list(range(account["version"], 0, -1)) == list(range(history["totalCount"], 0, -1))
        from_run = [node for node in history["nodes"] if node["importRunId"] == run_id]
        assert len(from_run) <= 1, history


async def assert_create_run_exact(client, database, run: dict) -> None:
    assert run["status"] == "COMPLETED_WITH_ERRORS"
    assert counts(run) == CREATE_COUNTS
    assert error_triples(run) == CREATE_ERRORS
    # Before any history read (which stores it): each created row's event is kept in its account only.
    accounts = await database.collection(ACCOUNTS).find({}).to_list(None)
    assert sorted(a["last_event"]["import_row"] for a in accounts) == [2, 3, 5, 6, 8, 9, 11]
    assert await database.collection(ACCOUNT_EVENTS).count_documents({"import_run_id": run["id"]}) == 0
    await assert_applied_once(client, database, run["id"], expected_accounts=7)


@pytest.mark.parametrize("after_batches", [1, 2, 3])
async def test_crash_between_batches_resumes_after_the_checkpoint(client, app, database, after_batches):
    run_id = await queue(client, CREATE_FILE, "CREATE")
    hook = crash_on_call(after_batches, lambda run: asyncio.sleep(0))
    await crash(make_worker(app, lease_seconds=0.001, after_batch=hook))
    stored = await stored_run(database, run_id)
    assert (stored["status"], stored["processed_rows"]) == ("RUNNING", BATCH * after_batches)

    run = await resume(client, app, run_id)

    await assert_create_run_exact(client, database, run)


@pytest.mark.parametrize("in_batch", [1, 2, 4])
async def test_crash_after_the_writes_before_the_checkpoint_counts_each_row_once(client, app, database, in_batch):
    run_id = await queue(client, CREATE_FILE, "CREATE")
    runs = ImportRunRepository(database)
    runs.checkpoint = crash_on_call(in_batch, runs.checkpoint)
    await crash(make_worker(app, runs=runs, lease_seconds=0.001))
    written = await database.collection(ACCOUNTS).count_documents({})
    assert written == {1: 2, 2: 4, 4: 7}[in_batch]  # the interrupted batch's accounts are in the store

    run = await resume(client, app, run_id)

    await assert_create_run_exact(client, database, run)


async def test_crash_between_the_account_updates_and_their_events(client, app, database):
    for i in range(8):
        await open_account(client, id=f"u-{i}", email=f"u{i}@example.com")
    run_id = await queue(client, UPDATE_FILE, "UPDATE")
    accounts = AccountBatchRepository(database)
    accounts.record_events = crash_on_call(2, accounts.record_events)
    await crash(make_worker(app, accounts=accounts, lease_seconds=0.001))
    # The first batch's events are stored; the second batch's accounts changed, their events not stored.
    assert await database.collection(ACCOUNT_EVENTS).count_documents({"import_run_id": run_id}) == 3
    assert await database.collection(ACCOUNTS).count_documents({"last_event.import_run_id": run_id}) == 6

    run = await resume(client, app, run_id)

    assert counts(run) == UPDATE_COUNTS
    await assert_applied_once(client, database, run_id, expected_accounts=8)


async def test_a_resumed_run_with_another_batch_size_still_recognises_written_rows(client, app, database):
    run_id = await queue(client, CREATE_FILE, "CREATE")
    runs = ImportRunRepository(database)
    runs.checkpoint = crash_on_call(1, runs.checkpoint)
    await crash(make_worker(app, runs=runs, batch_size=6, lease_seconds=0.001))

    run = await resume(client, app, run_id, batch_size=2)

    await assert_create_run_exact(client, database, run)


async def test_crash_twice_in_the_same_run(client, app, database):
    run_id = await queue(client, CREATE_FILE, "CREATE")
    runs = ImportRunRepository(database)
    runs.checkpoint = crash_on_call(2, runs.checkpoint)
    await crash(make_worker(app, runs=runs, lease_seconds=0.001))
    again = ImportRunRepository(database)
    again.checkpoint = crash_on_call(2, again.checkpoint)
    await crash(make_worker(app, runs=again, lease_seconds=0.001))

    run = await resume(client, app, run_id)

    await assert_create_run_exact(client, database, run)


async def test_update_run_crashed_inside_a_batch_applies_each_change_once(client, app, database):
    for i in range(8):
        await open_account(client, id=f"u-{i}", email=f"u{i}@example.com")
    run_id = await queue(client, UPDATE_FILE, "UPDATE")
    runs = ImportRunRepository(database)
    runs.checkpoint = crash_on_call(2, runs.checkpoint)
    await crash(make_worker(app, runs=runs, lease_seconds=0.001))

    run = await resume(client, app, run_id)

    assert counts(run) == UPDATE_COUNTS
    assert error_triples(run) == [(10, "Id", "NOT_FOUND"), (11, "Id", "DUPLICATE_IN_FILE")]
    await assert_applied_once(client, database, run_id, expected_accounts=8)
    for i in range(8):
        account = await account_with_history(client, f"u-{i}")
        assert (account["version"], account["creditLimit"]) == (2, f"{1000 + i}.00")
        assert account["history"]["nodes"][0]["importRunId"] == run_id


async def test_row_errors_are_not_stored_twice(client, app, database):
    run_id = await queue(client, CREATE_FILE, "CREATE")
    runs = ImportRunRepository(database)
    runs.checkpoint = crash_on_call(2, runs.checkpoint)
    await crash(make_worker(app, runs=runs, lease_seconds=0.001))

    await resume(client, app, run_id)

    assert await database.collection(IMPORT_ROW_ERRORS).count_documents({"run_id": run_id}) == 3


async def test_a_dry_run_crashed_inside_a_batch_counts_exactly(client, app, database):
    run_id = await queue(client, CREATE_FILE, "CREATE")
    await database.collection(IMPORT_RUNS).update_one({"_id": run_id}, {"$set": {"dry_run": True}})
    runs = ImportRunRepository(database)
    runs.checkpoint = crash_on_call(2, runs.checkpoint)
    await crash(make_worker(app, runs=runs, lease_seconds=0.001))

    run = await resume(client, app, run_id)

    assert counts(run) == CREATE_COUNTS
    assert await database.collection(ACCOUNTS).count_documents({}) == 0


async def test_a_stopping_worker_hands_the_run_back_at_its_next_checkpoint(client, app, database):
    run_id = await queue(client, CREATE_FILE, "CREATE")
    stopping: list[asyncio.Task] = []
    first_batch_done = asyncio.Event()

    async def stop_during_the_first_batch(run):
        stopping.append(asyncio.create_task(first.stop()))
        await asyncio.sleep(0)  # let stop() begin: it asks for a stop at the next checkpoint, then waits
        first_batch_done.set()

    first = make_worker(app, after_batch=stop_during_the_first_batch)
    first.start()
    await asyncio.wait_for(first_batch_done.wait(), 30)
    await stopping[0]
    stored = await stored_run(database, run_id)
    assert (stored["status"], stored["processed_rows"], stored["lease_until"]) == ("RUNNING", BATCH, 0)

    run = await resume(client, app, run_id)

    await assert_create_run_exact(client, database, run)


async def test_a_batch_that_outlasts_the_grace_period_is_cancelled_and_the_run_handed_back(client, app, database):
    run_id = await queue(client, CREATE_FILE, "CREATE")
    first_batch_done = asyncio.Event()

    async def hang(run):
        first_batch_done.set()
        await asyncio.Event().wait()  # a batch that never ends

    first = make_worker(app, after_batch=hang)
    first.start()
    await asyncio.wait_for(first_batch_done.wait(), 30)
    await first.stop(grace_seconds=0.05)
    assert (await stored_run(database, run_id))["lease_until"] == 0

    run = await resume(client, app, run_id)

    await assert_create_run_exact(client, database, run)


async def test_a_database_outage_inside_a_batch_pauses_the_run_and_it_resumes_exactly(client, app, database):
    run_id = await queue(client, CREATE_FILE, "CREATE")
    runs = ImportRunRepository(database)
    runs.checkpoint = crash_on_call(2, runs.checkpoint, AutoReconnect("connection reset"))

    run = await resume(client, app, run_id, runs=runs)

    await assert_create_run_exact(client, database, run)


async def test_a_database_error_while_claiming_does_not_stop_the_worker(client, app, database):
    runs = ImportRunRepository(database)
    runs.claim = crash_on_call(1, runs.claim, OperationFailure("not primary"))
    run_id = await queue(client, CREATE_FILE, "CREATE")

    run = await resume(client, app, run_id, runs=runs)

    await assert_create_run_exact(client, database, run)
