"""Applying a stored CSV file, a batch at a time, to the accounts or to the invoices (the run's kind).

The runner reads the file, batches its rows, counts and records them and checkpoints the run; what a
row does is its kind's (`RowKind`): account rows are decided by the pure `BatchPlanner` (the same
account planner as the API), checked against the database with one lookup per key kind and written
with one bulk write; invoice rows (`invoice_rows.py`) go through the payInvoice and cancelInvoice use
cases. After a crash the run resumes after its last checkpoint: rows before it are only re-read (to
rebuild the duplicate detection), and the rows of the interrupted batch that were already applied are
recognised (by the `(run, row)` their account events carry, or their invoice operation's idempotency
key), so nothing is written or counted twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from customer_credit.csv.reader import CsvFormat, Record, RecordReader
from customer_credit.csv.rows import ImportRowErrorCode, map_row
from customer_credit.domain.account_planner import AccountChange
from customer_credit.domain.clock import now_ms
from customer_credit.domain.imports import (
    ImportCounters,
    ImportKind,
    ImportMode,
    ImportRowError,
    ImportRun,
    ImportStatus,
    RowOutcome,
)
from customer_credit.domain.messages import message
from customer_credit.observability.metrics import Metrics
from customer_credit.persistence.account_batches import AccountBatchRepository, encoded_opening
from customer_credit.persistence.imports import ImportRunRepository
from customer_credit.usecases.credit import Ledgers
from customer_credit.worker.invoice_rows import InvoiceRows
from customer_credit.worker.planning import BatchPlanner, RowPlan
from customer_credit.worker.seen import SeenKeys

logger = logging.getLogger("customer_credit.imports")

MAX_RETRIES = 3
MAX_BATCH_SIZE = 5000  # the setting's upper bound; what an attempt that did not record its batch size may have used
# Rows the read-ahead reads (about 4 ms of CPU) or plans (about 4 ms) between two pauses: a write's next
# command waits for the slice under way (see `pause`).
SLICE = 250
PLAN_SLICE = 50
PAUSE_SECONDS = 0.001
FIRST_BATCH_SIZE = SLICE


class LeaseLost(Exception):
    """Another worker took the run over; this one stops without writing more."""


class RunInterrupted(Exception):
    """The worker is stopping: the run was left at a checkpoint, to be resumed later."""


class PlannedRow(Protocol):
    """A row of a batch as the runner counts and records it, whatever its kind."""

    @property
    def row(self) -> int: ...

    @property
    def failed(self) -> bool: ...

    @property
    def outcome(self) -> RowOutcome | None: ...

    def row_errors(self, run_id: str) -> list[ImportRowError]:
        """The row's errors as the history keeps them: none unless it `failed`."""
        ...


class RowKind(Protocol):
    """How one kind of import (accounts, invoices) reads, decides and writes its rows."""

    # Whether `plan` may run while the previous batch is being written: only if it writes nothing and
    # nothing it reads can be changed by that write. `read` never touches the database: it always may.
    plans_ahead: bool

    def read(self, record: Record) -> PlannedRow | None:
        """The data row mapped and checked against the rows before it; None for a note."""
        ...

    async def plan(self, batch: list[Any], recheck: list[int]) -> None:
        """Decide the batch's rows, looking up what they need. `recheck`: rows an interrupted attempt
        may already have applied."""
        ...

    async def write(self, batch: list[Any]) -> None:
        """Write the decided rows (never called for a dry run)."""
        ...


class Lease:
    """This worker's hold on a run, trusted without asking the store while it is far from its end.

    Another worker takes a run over only once its `lease_until` has passed (`ImportRunRepository.claim`),
    and every checkpoint moves it a lease ahead; so before a write, a hold renewed less than half a lease
    ago still holds, whatever the store would say, and the write costs no round trip for it. Half a lease
    is left for clocks that differ between workers. Later than that (a worker frozen past its lease,
    a batch slower than half of it), the hold is renewed in the store first, and a worker that lost
    the run finds out before it writes."""

    def __init__(self, runs: ImportRunRepository, run_id: str, owner: str, lease_ms: int):
        self.runs = runs
        self.run_id = run_id
        self.owner = owner
        self.lease_ms = lease_ms
        self.until_ms = 0  # as renewed by this worker; nothing is trusted before its first renewal

    def next_until(self) -> int:
        return now_ms() + self.lease_ms

    def renewed(self, until_ms: int) -> None:
        self.until_ms = until_ms

    async def hold(self) -> None:
        """Before a write: renewed in the store unless trusted; LeaseLost if another worker took the run."""
        if now_ms() + self.lease_ms // 2 < self.until_ms:
            return
        until_ms = self.next_until()
        if not await self.runs.holds(self.run_id, self.owner, lease_until=until_ms):
            raise LeaseLost(self.run_id)
        self.renewed(until_ms)


@dataclass
class RunState:
    run: ImportRun
    lease: Lease
    rows: RowKind
    counters: ImportCounters
    recheck: int  # how many of the next rows an interrupted attempt may already have applied


@dataclass
class Batch:
    rows: list[PlannedRow]
    recheck: list[int]  # its rows an interrupted attempt may already have applied


async def pause() -> None:
    """Let the database driver's threads run between two slices of the read-ahead's CPU work.

    The driver (motor) runs each operation in a thread, which needs the GIL several times to send a
    command and take its answer. A thread busy with CPU hands the GIL over only every switch interval
    (5 ms), and `asyncio.sleep(0)` does not block, so a write awaited beside the read-ahead would wait
    for most of it; blocking a millisecond in the event loop lets those threads run."""
    await asyncio.sleep(PAUSE_SECONDS)


async def cancelled(task: asyncio.Task[Any]) -> None:
    """Cancel `task` and wait until it has ended. What it raised is dropped: it ran ahead of a batch
    whose own error is the one the run ends on."""
    task.cancel()
    await asyncio.wait({task})
    if not task.cancelled():
        task.exception()  # retrieved, so that asyncio does not log it as never retrieved


class ImportRunner:
    def __init__(
        self,
        runs: ImportRunRepository,
        accounts: AccountBatchRepository,
        ledgers: Callable[[], Awaitable[Ledgers]],
        *,
        owner: str,
        batch_size: int,
        lease_ms: int,
        default_credit_limit_cents: int,
        after_batch: Callable[[ImportRun], Awaitable[object]] | None = None,
        should_stop: Callable[[], bool] | None = None,
        metrics: Metrics | None = None,
    ):
        self.runs = runs
        self.metrics = metrics
        self.accounts = accounts
        self.ledgers = ledgers
        self.owner = owner
        self.batch_size = batch_size
        self.lease_ms = lease_ms
        self.default_credit_limit_cents = default_credit_limit_cents
        self.after_batch = after_batch
        self.should_stop = should_stop

    async def run(self, run: ImportRun) -> ImportStatus:
        """Process a claimed run to its end; returns the final status.

        While a batch's writes are awaited, a task reads the next batch (and plans it, if its kind
        `plans_ahead`): the planning is CPU of this process and the writes mostly the database server's,
        so they overlap. The task only reads from the database, and a batch is still written, counted
        and checkpointed only after the one before it, so a crash anywhere resumes as before. The task
        never outlives `run`: an error in it surfaces here, in the batch's turn."""
        # An earlier attempt that got as far as starting may have written rows after its last checkpoint:
        # at most one of its batches, which each kind recognises (see `RowKind.plan`).
        recheck = (run.batch_size or MAX_BATCH_SIZE) if run.started_at_ms is not None else 0
        await self.runs.mark_started(run.id, self.owner, now_ms(), batch_size=self.batch_size)
        lease = Lease(self.runs, run.id, self.owner, self.lease_ms)
        state = RunState(
            run=run, lease=lease, rows=await self.rows_of(run, lease), counters=run.counters, recheck=recheck
        )
        batches = self.batches(state)
        ahead = asyncio.create_task(self.prepare(state, batches))
        try:
            while (batch := await ahead) is not None:
                ahead = asyncio.create_task(self.prepare(state, batches))
                if not state.rows.plans_ahead:
                    await state.rows.plan(batch.rows, batch.recheck)
                if not run.dry_run:
                    await state.rows.write(batch.rows)
                await self.record(state, batch.rows)
        finally:
            await cancelled(ahead)
            await batches.aclose()
        counters = state.counters
        status = ImportStatus.COMPLETED_WITH_ERRORS if counters.failed_count else ImportStatus.SUCCEEDED
        if not await self.runs.finish(run.id, self.owner, status=status, counters=counters, now_ms=now_ms()):
            raise LeaseLost(run.id)
        return status

    async def batches(self, state: RunState) -> AsyncGenerator[list[PlannedRow], None]:
        """The rows still to process, read and batched."""
        run = state.run
        reader = RecordReader(CsvFormat(encoding=run.layout.encoding, delimiter=run.layout.delimiter))
        batch: list[PlannedRow] = []
        # A kind that plans ahead writes nothing while its first batch is read and planned, and reads and
        # plans each next one while the one before it is written (in less time than its writes take, rows
        # for rows): so its first batch is short and each next one half as long again as the one before,
        # up to the batch size.
        size = min(self.batch_size, FIRST_BATCH_SIZE) if state.rows.plans_ahead else self.batch_size
        async for chunk in self.runs.file_chunks(run.id):
            for record in reader.feed(chunk):
                if not self.admit(state, record, batch):
                    continue
                if len(batch) >= size:
                    yield batch
                    batch, size = [], min(self.batch_size, size * 3 // 2)
                elif len(batch) % SLICE == 0:
                    await pause()
        for record in reader.close():
            self.admit(state, record, batch)
        if batch:
            yield batch

    async def prepare(self, state: RunState, batches: AsyncIterator[list[PlannedRow]]) -> Batch | None:
        """The next batch, read, and planned if its kind plans ahead; None after the last."""
        rows = await anext(batches, None)
        if rows is None:
            return None
        recheck: list[int] = []
        if state.recheck and not state.run.dry_run:
            recheck = [plan.row for plan in rows[: state.recheck]]
            state.recheck -= len(recheck)
        if state.rows.plans_ahead:
            await state.rows.plan(rows, recheck)
        return Batch(rows=rows, recheck=recheck)

    async def rows_of(self, run: ImportRun, lease: Lease) -> RowKind:
        seen = SeenKeys(3 * (run.total_rows or 1))
        # A worker that slept past its lease must not re-apply rows over the new owner's changes.
        if run.kind is ImportKind.INVOICES:
            return InvoiceRows(run, await self.ledgers(), seen=seen, check_lease=lease.hold)
        planner = BatchPlanner(run, default_credit_limit_cents=self.default_credit_limit_cents, seen=seen)
        return AccountRows(run, planner, self.accounts, check_lease=lease.hold)

    def admit(self, state: RunState, record: Record, batch: list[PlannedRow]) -> bool:
        """Read a data row (every row, so that duplicates of rows before the checkpoint are found); queue it
        unless already processed. The header is not a data row."""
        if record.row == 1:
            return False
        plan = state.rows.read(record)
        if plan is None or record.row <= state.run.position:
            return False
        batch.append(plan)
        return True

    async def record(self, state: RunState, batch: list[PlannedRow]) -> None:
        run = state.run
        # A row that neither failed nor was written counts as unchanged.
        state.counters = state.counters.counted(
            None if plan.failed else plan.outcome or RowOutcome.UNCHANGED for plan in batch
        )
        errors = [error for plan in batch if plan.failed for error in plan.row_errors(run.id)]
        if errors:
            # A worker that slept past its lease must not store errors for rows the new owner applied.
            await state.lease.hold()
            await self.runs.add_row_errors(errors)
        until_ms = state.lease.next_until()
        kept = await self.runs.checkpoint(
            run.id, self.owner, counters=state.counters, position=batch[-1].row, lease_until=until_ms
        )
        if not kept:
            raise LeaseLost(run.id)
        state.lease.renewed(until_ms)
        if self.metrics is not None:
            self.metrics.import_rows.labels(run.mode.value).inc(len(batch))
        if self.after_batch is not None:
            await self.after_batch(run)
        if self.should_stop is not None and self.should_stop():
            raise RunInterrupted(run.id)


class AccountRows:
    """Account rows: decided by the `BatchPlanner`, looked up and written a batch at a time. The rows of
    an interrupted batch already applied are recognised by the `(run, row)` their events carry.

    A CREATE batch is planned ahead, while the batch before it is written: what its planning reads
    cannot be changed by that write. It looks up only the ids the file gives (a row giving an id an
    earlier row gave already failed as DUPLICATE_IN_FILE; one created meanwhile by someone else is
    refused at the write by the unique index, as any clash is) and, for a dry run, which writes
    nothing, the emails and documents in use. An UPDATE batch is planned only after the
    batch before it is written: it finds accounts by the Email it gives, which that batch may just
    have changed or released, and it must plan its change from the account as written."""

    def __init__(
        self,
        run: ImportRun,
        planner: BatchPlanner,
        accounts: AccountBatchRepository,
        *,
        check_lease: Callable[[], Awaitable[None]],
    ):
        self.run = run
        self.planner = planner
        self.accounts = accounts
        self.check_lease = check_lease
        self.plans_ahead = run.mode is ImportMode.CREATE
        # The documents of the accounts the next batch opens, encoded while it was planned, by row.
        self.encoded: dict[int, Mapping[str, Any]] = {}

    def read(self, record: Record) -> RowPlan | None:
        """Notes (the template's example row) are not data rows."""
        if self.planner.header.is_note(record.cells):
            return None
        command = map_row(record.row, record.cells, self.planner.header)
        self.planner.check_duplicates(command)
        return RowPlan(command=command, cells=record.cells)

    async def plan(self, batch: list[RowPlan], recheck: list[int]) -> None:
        applied = await self.accounts.applied_rows(self.run.id, recheck) if recheck else {}
        if self.run.mode is ImportMode.CREATE:
            await self.plan_creates(batch, applied)
        else:
            await self.plan_updates(batch, applied)

    async def plan_creates(self, batch: list[RowPlan], applied: dict[int, int]) -> None:
        planner = self.planner
        at_ms = now_ms()
        opening: list[RowPlan] = []
        for start in range(0, len(batch), PLAN_SLICE):
            # Planned ahead, this runs while the previous batch's writes are awaited (see `pause`).
            opening += planner.plan_creates(batch[start : start + PLAN_SLICE], applied, at_ms)
            await pause()
        given = {plan.account_id for plan in opening if plan.command.account_id and plan.account_id}
        existing = await self.accounts.by_ids(given)
        planner.refuse_existing(opening, existing)
        if self.run.dry_run:
            # Nothing will be written, so nothing would reject a taken email or document: ask first.
            # A real run leaves that to the unique indexes and asks only about the rows they rejected.
            await self.report_in_use([plan for plan in opening if plan.to_write])
            return
        for start in range(0, len(opening), SLICE):
            for plan in opening[start : start + SLICE]:
                if plan.opens_account:
                    self.encoded[plan.row] = encoded_opening(changed(plan))
            await pause()

    async def plan_updates(self, batch: list[RowPlan], applied: dict[int, int]) -> None:
        planner = self.planner
        by_email = planner.update_lookups(batch)
        live = [plan for plan in batch if plan.checkable]
        found_by_id = await self.accounts.by_ids({p.command.account_id for p in live if p.command.account_id})
        found_by_email = await self.accounts.open_by_email_keys(set(by_email.values()))
        planner.plan_updates(
            batch,
            by_email=by_email,
            found_by_id=found_by_id,
            found_by_email=found_by_email,
            applied=applied,
            at_ms=now_ms(),
        )
        await self.report_in_use([plan for plan in batch if plan.to_write])

    async def report_in_use(self, plans: list[RowPlan]) -> None:
        changes = [plan.change for plan in plans if plan.change is not None]
        emails = await self.accounts.email_owners({change.after.email_key for change in changes})
        documents = await self.accounts.open_by_document_keys(
            {key for change in changes if (key := change.after.document_key)}
        )
        self.planner.report_in_use(plans, emails, documents)

    async def write(self, batch: list[RowPlan]) -> None:
        await self.check_lease()
        planner = self.planner
        opening = [plan for plan in batch if plan.opens_account]
        documents = [
            self.encoded.pop(plan.row) if plan.row in self.encoded else encoded_opening(changed(plan))
            for plan in opening
        ]
        failures = await self.accounts.insert([changed(plan) for plan in opening], documents)
        taken = [opening[index] for index, field in failures.items() if field in ("email", "document")]
        await self.report_in_use(taken)
        for index, field in failures.items():
            if not opening[index].failed:
                planner.fail_clash(opening[index], field)

        changing = [plan for plan in batch if plan.to_write and plan.change and plan.change.before is not None]
        clashes, stale = await self.accounts.update([changed(plan) for plan in changing])
        for index, field in clashes.items():
            planner.fail_clash(changing[index], field)
        for index in sorted(stale):
            await self.retry_update(changing[index])

    async def retry_update(self, plan: RowPlan) -> None:
        """The account changed between the lookup and the write: plan and write this row again, alone."""
        planner = self.planner
        for _ in range(MAX_RETRIES):
            current = (await self.accounts.by_ids({plan.account_id or ""})).get(plan.account_id or "")
            if current is None:
                plan.command.fail(None, ImportRowErrorCode.NOT_FOUND, message("NOT_FOUND.disappeared"))
                plan.outcome = None
                return
            planner.plan_change(plan, current, now_ms())
            if not plan.to_write:
                return
            clashes, stale = await self.accounts.update([changed(plan)])
            if clashes:
                planner.fail_clash(plan, clashes[0])
            if not stale:
                return
        plan.command.fail(None, ImportRowErrorCode.VERSION_CONFLICT, message("VERSION_CONFLICT.import"))
        plan.outcome = None


def changed(plan: RowPlan) -> AccountChange:
    assert plan.change is not None
    return plan.change
