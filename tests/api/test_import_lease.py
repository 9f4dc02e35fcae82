"""A worker's hold on a run: renewed in the store when it may have run out, trusted while it cannot
have (no other worker takes a run over before its lease ends), so that a batch's write costs no round
trip for it."""

from __future__ import annotations

import asyncio

from customer_credit.domain.clock import now_ms
from customer_credit.persistence.database import ACCOUNTS, IMPORT_RUNS
from customer_credit.persistence.imports import ImportRunRepository
from tests.support.crashes import BATCH, make_worker, queue, resume
from tests.support.csv_files import csv_file, row
from tests.support.imports import counts

ROWS = 4 * BATCH
FILE = csv_file([row("", f"lease{i}@example.com") for i in range(ROWS)])


def counting_renewals(database) -> tuple[ImportRunRepository, list[int]]:
    """The runs' repository, each lease renewal (`holds`) noted."""
    runs = ImportRunRepository(database)
    renewals: list[int] = []
    holds = runs.holds

    async def noted(run_id: str, owner: str, *, lease_until: int) -> bool:
        renewals.append(lease_until)
        return await holds(run_id, owner, lease_until=lease_until)

    runs.holds = noted  # type: ignore[method-assign]
    return runs, renewals


async def test_a_run_far_from_the_end_of_its_lease_renews_it_in_the_store_only_before_its_first_write(
    client, app, database
):
    runs, renewals = counting_renewals(database)
    run_id = await queue(client, FILE, "CREATE")

    run = await resume(client, app, run_id, runs=runs, lease_seconds=30.0)

    assert counts(run)["createdCount"] == ROWS
    assert len(renewals) == 1  # then each checkpoint moved the lease ahead, and four batches were written


async def test_a_run_past_half_its_lease_renews_it_before_each_write(client, app, database):
    runs, renewals = counting_renewals(database)
    run_id = await queue(client, FILE, "CREATE")

    async def slow_batch(run) -> None:
        await asyncio.sleep(0.06)  # past half of the lease, which the checkpoint had just renewed

    run = await resume(client, app, run_id, runs=runs, lease_seconds=0.1, after_batch=slow_batch)

    assert counts(run)["createdCount"] == ROWS
    assert len(renewals) == ROWS // BATCH


async def test_a_worker_that_lost_its_run_while_past_half_its_lease_writes_nothing_more(client, app, database):
    run_id = await queue(client, FILE, "CREATE")
    taken_over = asyncio.Event()

    async def taken_over_after_the_first_batch(run) -> None:
        if not taken_over.is_set():
            # Another worker took the run over while this one was held up past half of its lease.
            await database.collection(IMPORT_RUNS).update_one(
                {"_id": run.id}, {"$set": {"lease_owner": "another-worker", "lease_until": now_ms() + 60_000}}
            )
            await asyncio.sleep(0.06)
            taken_over.set()

    worker = make_worker(app, lease_seconds=0.1, after_batch=taken_over_after_the_first_batch)
    worker.start()
    try:
        await asyncio.wait_for(taken_over.wait(), 30)
        await asyncio.sleep(0.2)  # time for a write, were the worker to make one
    finally:
        await worker.stop()

    assert await database.collection(ACCOUNTS).count_documents({}) == BATCH
    stored = await database.collection(IMPORT_RUNS).find_one({"_id": run_id})
    assert (stored["lease_owner"], stored["processed_rows"]) == ("another-worker", BATCH)
