"""A worker's hold on a run: renewed in the store when it may have run out, trusted while it cannot
have (no other worker takes a run over before its lease ends), so that a batch's write costs no round
trip for it."""

from __future__ import annotations

import asyncio

import pytest

from customer_credit.domain.clock import now_ms
from customer_credit.persistence.database import ACCOUNTS, IMPORT_RUNS
from customer_credit.persistence.imports import ImportRunRepository
from customer_credit.worker import runner as runner_module
from tests.support.crashes import BATCH, make_worker, queue, resume
from tests.support.csv_files import csv_file, row
from tests.support.imports import counts

ROWS = 4 * BATCH
FILE = csv_file([row("", f"lease{i}@example.com") for i in range(ROWS)])
LEASE_SECONDS = 30.0
PAST_HALF_MS = 16_000  # past half of LEASE_SECONDS, on the runner's clock


class Clock:
    """The import runner's clock, moved by the test: a lease passes its half when the test says so,
    however fast or slow the host runs."""

    def __init__(self) -> None:
        self.ms = now_ms()

    def __call__(self) -> int:
        return self.ms

    def advance(self, ms: int) -> None:
        self.ms += ms


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(runner_module, "now_ms", clock)
    return clock


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


async def test_a_run_past_half_its_lease_renews_it_before_each_write(client, app, database, clock):
    runs, renewals = counting_renewals(database)
    run_id = await queue(client, FILE, "CREATE")

    async def slow_batch(run) -> None:
        clock.advance(PAST_HALF_MS)  # past half of the lease, which the checkpoint had just renewed

    run = await resume(client, app, run_id, runs=runs, lease_seconds=LEASE_SECONDS, after_batch=slow_batch)

    assert counts(run)["createdCount"] == ROWS
    assert len(renewals) == ROWS // BATCH


async def test_a_worker_that_lost_its_run_while_past_half_its_lease_writes_nothing_more(client, app, database, clock):
    run_id = await queue(client, FILE, "CREATE")
    runs = ImportRunRepository(database)
    claims, claim = [], runs.claim
    claimed_again = asyncio.Event()

    async def noted_claim(owner: str, *, now_ms: int, lease_ms: int):
        claims.append(owner)
        if len(claims) > 1:
            claimed_again.set()  # the worker is back to polling: its attempt at the run has ended
        return await claim(owner, now_ms=now_ms, lease_ms=lease_ms)

    runs.claim = noted_claim  # type: ignore[method-assign]

    async def taken_over_after_the_first_batch(run) -> None:
        if len(claims) == 1:
            # Another worker took the run over while this one was held up past half of its lease.
            await database.collection(IMPORT_RUNS).update_one(
                {"_id": run.id}, {"$set": {"lease_owner": "another-worker", "lease_until": clock() + 60_000}}
            )
            clock.advance(PAST_HALF_MS)

    worker = make_worker(app, runs=runs, lease_seconds=LEASE_SECONDS, after_batch=taken_over_after_the_first_batch)
    worker.start()
    try:
        await asyncio.wait_for(claimed_again.wait(), 30)
    finally:
        await worker.stop()

    assert await database.collection(ACCOUNTS).count_documents({}) == BATCH
    stored = await database.collection(IMPORT_RUNS).find_one({"_id": run_id})
    assert (stored["lease_owner"], stored["processed_rows"]) == ("another-worker", BATCH)
