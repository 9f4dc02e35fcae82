"""A CREATE run reads and plans its next batch while the current one is written: the same result as one
batch at a time, a batch still written and checkpointed only after the one before it, an error in the
read-ahead raised by the run, and nothing left running once the run has ended either way."""

from __future__ import annotations

import asyncio

import pytest
from bson import decode

from customer_credit.domain.clock import now_ms
from customer_credit.persistence.account_batches import AccountBatchRepository, encoded_opening
from customer_credit.persistence.accounts import account_document
from customer_credit.persistence.database import ACCOUNTS, IMPORT_RUNS
from customer_credit.persistence.imports import ImportRunRepository
from customer_credit.worker import runner as runner_module
from customer_credit.worker.planning import BatchPlanner
from customer_credit.worker.runner import ImportRunner
from tests.support.crashes import BATCH, crash, crash_on_call, make_worker, queue, resume
from tests.support.csv_files import csv_file, row
from tests.support.imports import counts, error_triples, upload_csv, wait_for_run

# Nine data rows, three batches of three (rows 2-4, 5-7, 8-10); every batch gives ids, and the failures
# (one bad cell, duplicates of rows of earlier batches) sit in the later batches.
ROWS = [
    row("ra-1", "ra1@example.com"),  # 2
    row("", "ra2@example.com"),  # 3
    row("ra-3", "ra3@example.com"),  # 4
    row("ra-4", "ra4@example.com"),  # 5
    row("", "not-an-email"),  # 6  INVALID_EMAIL
    row("", "RA2@Example.com"),  # 7  DUPLICATE_IN_FILE (row 3)
    row("ra-7", "ra7@example.com"),  # 8
    row("ra-1", "ra8@example.com"),  # 9  DUPLICATE_IN_FILE (row 2)
    row("", "ra9@example.com"),  # 10
]
FILE = csv_file(ROWS)
COUNTS = {
    "totalRows": 9,
    "processedRows": 9,
    "createdCount": 6,
    "updatedCount": 0,
    "unchangedCount": 0,
    "failedCount": 3,
}
ERRORS = [(6, "Email", "INVALID_EMAIL"), (7, "Email", "DUPLICATE_IN_FILE"), (9, "Id", "DUPLICATE_IN_FILE")]
CREATED_ROWS = [2, 3, 4, 5, 8, 10]
BATCH_IDS = [{"ra-1", "ra-3"}, {"ra-4"}, {"ra-7"}]  # the given ids each batch looks up (row 9's failed)


def runner_over(
    app, accounts: AccountBatchRepository, runs: ImportRunRepository | None = None, *, batch_size: int = BATCH
) -> ImportRunner:
    services = app.state.services
    return ImportRunner(
        runs or services.imports,
        accounts,
        services.ledgers,
        owner="read-ahead-test",
        batch_size=batch_size,
        lease_ms=30_000,
        default_credit_limit_cents=100_00,
    )


async def claimed(app, client, mode: str = "CREATE"):
    run_id = await queue(client, FILE, mode)
    run = await app.state.services.imports.claim("read-ahead-test", now_ms=now_ms(), lease_ms=30_000)
    assert run is not None and run.id == run_id
    return run


async def assert_run_exact(client, database, run_id: str) -> None:
    run = await wait_for_run(client, run_id)
    assert (run["status"], counts(run), error_triples(run)) == ("COMPLETED_WITH_ERRORS", COUNTS, ERRORS)
    accounts = await database.collection(ACCOUNTS).find({}).to_list(None)
    assert sorted(a["last_event"]["import_row"] for a in accounts) == CREATED_ROWS
    assert {a["_id"] for a in accounts} >= {"ra-1", "ra-3", "ra-4", "ra-7"}


def stray_tasks(before: set[asyncio.Task]) -> set[asyncio.Task]:
    return asyncio.all_tasks() - before - {asyncio.current_task()}


@pytest.mark.parametrize("batch_size", [1, 2, 3, 4, 50])
async def test_any_batch_size_gives_the_same_accounts_counts_and_errors(client, app, database, batch_size):
    run_id = await queue(client, FILE, "CREATE")

    await resume(client, app, run_id, batch_size=batch_size)

    await assert_run_exact(client, database, run_id)


async def test_the_next_batch_is_planned_and_encoded_while_the_current_one_is_written(
    client, app, database, monkeypatch
):
    events: list[tuple[str, object]] = []
    next_batch_planned = asyncio.Event()
    planned_during_the_first_write: list[bool] = []
    accounts = AccountBatchRepository(database)
    runs = ImportRunRepository(database)
    by_ids, insert, checkpoint = accounts.by_ids, accounts.insert, runs.checkpoint

    async def watched_by_ids(ids):
        events.append(("lookup", set(ids)))
        return await by_ids(ids)

    def watched_encoding(change):
        events.append(("encode", change.account_id))
        if change.account_id == "ra-4":  # the one account the second batch opens
            next_batch_planned.set()
        return encoded_opening(change)

    async def slow_insert(changes, documents):
        events.append(("insert", sorted(change.account_id for change in changes)))
        if not planned_during_the_first_write:
            # The first batch's write holds here until the second batch has been planned and its account
            # encoded: one batch at a time, that never happens, and the write gives up after a second.
            try:
                await asyncio.wait_for(next_batch_planned.wait(), 1.0)
            except TimeoutError:
                planned_during_the_first_write.append(False)
            else:
                planned_during_the_first_write.append(True)
        return await insert(changes, documents)

    async def watched_checkpoint(run_id, owner, **fields):
        events.append(("checkpoint", fields["position"]))
        return await checkpoint(run_id, owner, **fields)

    accounts.by_ids, accounts.insert, runs.checkpoint = watched_by_ids, slow_insert, watched_checkpoint
    monkeypatch.setattr(runner_module, "encoded_opening", watched_encoding)
    run = await claimed(app, client)

    await runner_over(app, accounts, runs).run(run)

    assert planned_during_the_first_write == [True]
    kinds = [(kind, value) for kind, value in events if kind != "lookup" or value]
    first_insert, second_insert, _ = (i for i, (kind, _) in enumerate(kinds) if kind == "insert")
    # The second batch is looked up once the first one's write has begun (its lease renewal comes before
    # the insert, so the lookup may come before it), encoded while the first batch's insert is held, and
    # written after the first batch's checkpoint.
    encoded = kinds.index(("encode", "ra-4"))
    assert kinds.index(("lookup", BATCH_IDS[0])) < kinds.index(("lookup", BATCH_IDS[1])) < encoded
    assert first_insert < encoded < kinds.index(("checkpoint", 4)) < second_insert
    assert [value for kind, value in kinds if kind == "checkpoint"] == [4, 7, 10]
    await assert_run_exact(client, database, run.id)


def noting_checkpoints(database) -> tuple[ImportRunRepository, list[int]]:
    """The runs' repository, the position of each checkpoint noted."""
    runs = ImportRunRepository(database)
    positions: list[int] = []
    checkpoint = runs.checkpoint

    async def noted(run_id, owner, **fields):
        positions.append(fields["position"])
        return await checkpoint(run_id, owner, **fields)

    runs.checkpoint = noted  # type: ignore[method-assign]
    return runs, positions


async def test_a_create_run_starts_with_a_short_batch_and_makes_each_next_one_half_as_long_again(
    client, app, database, monkeypatch
):
    monkeypatch.setattr(runner_module, "FIRST_BATCH_SIZE", 2)
    runs, positions = noting_checkpoints(database)
    run = await claimed(app, client)

    await runner_over(app, AccountBatchRepository(database), runs, batch_size=4).run(run)

    assert positions == [3, 6, 10]  # rows 2-3, then 3 rows, then 4: the batch size
    await assert_run_exact(client, database, run.id)


async def test_a_create_batch_is_planned_a_slice_at_a_time_with_a_pause_after_each(client, app, database, monkeypatch):
    steps: list[int | str] = []
    plan_creates, pause = BatchPlanner.plan_creates, runner_module.pause

    def noted_plan(self, plans, applied, at_ms):
        steps.append(len(plans))
        return plan_creates(self, plans, applied, at_ms)

    async def noted_pause():
        steps.append("pause")
        await pause()

    monkeypatch.setattr(runner_module, "PLAN_SLICE", 2)
    monkeypatch.setattr(BatchPlanner, "plan_creates", noted_plan)
    monkeypatch.setattr(runner_module, "pause", noted_pause)
    run = await claimed(app, client)

    await runner_over(app, AccountBatchRepository(database), batch_size=BATCH).run(run)

    slices = [(step, steps[i + 1]) for i, step in enumerate(steps) if step != "pause"]
    assert slices == [(2, "pause"), (1, "pause")] * 3  # three batches of three rows
    await assert_run_exact(client, database, run.id)


async def test_an_update_run_keeps_whole_batches(client, app, database, monkeypatch):
    monkeypatch.setattr(runner_module, "FIRST_BATCH_SIZE", 2)
    runs, positions = noting_checkpoints(database)
    run = await claimed(app, client, "UPDATE")

    await runner_over(app, AccountBatchRepository(database), runs, batch_size=4).run(run)

    assert positions == [5, 9, 10]


async def test_an_error_while_planning_ahead_is_raised_by_the_run_after_the_batch_before_it(client, app, database):
    accounts = AccountBatchRepository(database)
    by_ids = accounts.by_ids

    async def failing_by_ids(ids):
        if ids == BATCH_IDS[1]:
            raise RuntimeError("lookup failed")
        return await by_ids(ids)

    accounts.by_ids = failing_by_ids
    run = await claimed(app, client)
    before = asyncio.all_tasks()

    with pytest.raises(RuntimeError, match="lookup failed"):
        await runner_over(app, accounts).run(run)

    assert stray_tasks(before) == set()
    # The batch written beside the failed read-ahead is checkpointed, as it was before its successor failed.
    stored = await database.collection(IMPORT_RUNS).find_one({"_id": run.id})
    assert (stored["status"], stored["processed_rows"]) == ("RUNNING", BATCH)
    assert await database.collection(ACCOUNTS).count_documents({}) == 3


async def test_an_error_in_a_write_cancels_the_read_ahead_and_leaves_nothing_running(client, app, database):
    read_ahead_waiting = asyncio.Event()
    cancelled: list[bool] = []
    accounts = AccountBatchRepository(database)
    by_ids, insert = accounts.by_ids, accounts.insert

    async def hanging_by_ids(ids):
        if ids == BATCH_IDS[1]:
            read_ahead_waiting.set()
            try:
                await asyncio.Event().wait()  # a lookup that never answers
            except asyncio.CancelledError:
                cancelled.append(True)
                raise
        return await by_ids(ids)

    async def failing_insert(changes, documents):
        if any(change.account_id == "ra-1" for change in changes):
            await asyncio.wait_for(read_ahead_waiting.wait(), 5)
            raise RuntimeError("insert failed")
        return await insert(changes, documents)

    accounts.by_ids, accounts.insert = hanging_by_ids, failing_insert
    run = await claimed(app, client)
    before = asyncio.all_tasks()

    with pytest.raises(RuntimeError, match="insert failed"):
        await runner_over(app, accounts).run(run)

    assert cancelled == [True]
    assert stray_tasks(before) == set()


@pytest.mark.parametrize("in_batch", [2, 3])
async def test_a_crash_in_a_batch_write_leaves_the_checkpoint_at_the_batch_before(client, app, database, in_batch):
    run_id = await queue(client, FILE, "CREATE")
    accounts = AccountBatchRepository(database)
    accounts.insert = crash_on_call(in_batch, accounts.insert)
    await crash(make_worker(app, accounts=accounts, lease_seconds=0.001))
    stored = await database.collection(IMPORT_RUNS).find_one({"_id": run_id})
    assert (stored["status"], stored["processed_rows"]) == ("RUNNING", BATCH * (in_batch - 1))
    assert stored["position"] == 1 + BATCH * (in_batch - 1)

    await resume(client, app, run_id)

    await assert_run_exact(client, database, run_id)


async def test_each_account_a_run_opens_is_encoded_once_and_written_as_encoded(client, app, database, monkeypatch):
    encoded: list[str] = []

    def counted(change):
        encoded.append(change.account_id)
        return encoded_opening(change)

    monkeypatch.setattr(runner_module, "encoded_opening", counted)
    accounts = AccountBatchRepository(database)
    insert = accounts.insert
    written: list[bool] = []

    async def watched_insert(changes, documents):
        written.extend(decode(d.raw) == account_document(c) for c, d in zip(changes, documents, strict=True))
        return await insert(changes, documents)

    accounts.insert = watched_insert
    run = await claimed(app, client)

    await runner_over(app, accounts).run(run)

    assert sorted(encoded) == sorted(a["_id"] for a in await database.collection(ACCOUNTS).find({}).to_list(None))
    assert written == [True] * len(CREATED_ROWS)
    await assert_run_exact(client, database, run.id)


async def test_a_dry_run_encodes_no_document(client, app, database, monkeypatch):
    encoded: list[str] = []
    monkeypatch.setattr(runner_module, "encoded_opening", lambda change: encoded.append(change.account_id))
    run_id = (await upload_csv(client, FILE, "CREATE", dry_run=True))["data"]["importCsv"]["importRun"]["id"]

    await resume(client, app, run_id)

    assert encoded == []
    assert await database.collection(ACCOUNTS).count_documents({}) == 0
