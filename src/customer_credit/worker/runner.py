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

import logging
from collections.abc import Awaitable, Callable
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
from customer_credit.persistence.account_batches import AccountBatchRepository
from customer_credit.persistence.imports import ImportRunRepository
from customer_credit.usecases.credit import Ledgers
from customer_credit.worker.invoice_rows import InvoiceRows
from customer_credit.worker.planning import BatchPlanner, RowPlan
from customer_credit.worker.seen import SeenKeys

logger = logging.getLogger("customer_credit.imports")

MAX_RETRIES = 3
MAX_BATCH_SIZE = 5000  # the setting's upper bound; what an attempt that did not record its batch size may have used


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

    def row_errors(self, run_id: str) -> list[ImportRowError]: ...


class RowKind(Protocol):
    """How one kind of import (accounts, invoices) reads, decides and writes its rows."""

    def read(self, record: Record) -> PlannedRow | None:
        """The data row mapped and checked against the rows before it; None for a note."""
        ...

    async def apply(self, batch: list[Any], recheck: list[int]) -> None:
        """Decide the batch's rows and, unless the run is a dry run, write them. `recheck`: rows an
        interrupted attempt may already have applied."""
        ...


@dataclass
class RunState:
    run: ImportRun
    rows: RowKind
    counters: ImportCounters
    recheck: int  # how many of the next rows an interrupted attempt may already have applied


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
        """Process a claimed run to its end; returns the final status."""
        # An earlier attempt that got as far as starting may have written rows after its last checkpoint:
        # at most one of its batches, which each kind recognises (see `RowKind.apply`).
        recheck = (run.batch_size or MAX_BATCH_SIZE) if run.started_at_ms is not None else 0
        await self.runs.mark_started(run.id, self.owner, now_ms(), batch_size=self.batch_size)
        state = RunState(run=run, rows=await self.rows_of(run), counters=run.counters, recheck=recheck)
        reader = RecordReader(CsvFormat(encoding=run.layout.encoding, delimiter=run.layout.delimiter))
        batch: list[PlannedRow] = []
        async for chunk in self.runs.file_chunks(run.id):
            for record in reader.feed(chunk):
                if self.admit(state, record, batch) and len(batch) >= self.batch_size:
                    await self.apply(state, batch)
                    batch = []
        for record in reader.close():
            self.admit(state, record, batch)
        if batch:
            await self.apply(state, batch)
        counters = state.counters
        status = ImportStatus.COMPLETED_WITH_ERRORS if counters.failed_count else ImportStatus.SUCCEEDED
        if not await self.runs.finish(run.id, self.owner, status=status, counters=counters, now_ms=now_ms()):
            raise LeaseLost(run.id)
        return status

    async def rows_of(self, run: ImportRun) -> RowKind:
        seen = SeenKeys(3 * (run.total_rows or 1))

        async def check_lease() -> None:
            # A worker that slept past its lease must not re-apply rows over the new owner's changes.
            if not await self.runs.holds(run.id, self.owner, lease_until=now_ms() + self.lease_ms):
                raise LeaseLost(run.id)

        if run.kind is ImportKind.INVOICES:
            return InvoiceRows(run, await self.ledgers(), seen=seen, check_lease=check_lease)
        planner = BatchPlanner(run, default_credit_limit_cents=self.default_credit_limit_cents, seen=seen)
        return AccountRows(run, planner, self.accounts, check_lease=check_lease)

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

    async def apply(self, state: RunState, batch: list[PlannedRow]) -> None:
        recheck: list[int] = []
        if state.recheck and not state.run.dry_run:
            recheck = [plan.row for plan in batch[: state.recheck]]
            state.recheck -= len(recheck)
        await state.rows.apply(batch, recheck)
        await self.record(state, batch)

    async def record(self, state: RunState, batch: list[PlannedRow]) -> None:
        run = state.run
        errors: list[ImportRowError] = []
        for plan in batch:
            # A row that neither failed nor was written counts as unchanged.
            state.counters = state.counters.counted(None if plan.failed else plan.outcome or RowOutcome.UNCHANGED)
            errors.extend(plan.row_errors(run.id))
        if errors:
            # A worker that slept past its lease must not store errors for rows the new owner applied.
            if not await self.runs.holds(run.id, self.owner, lease_until=now_ms() + self.lease_ms):
                raise LeaseLost(run.id)
            await self.runs.add_row_errors(errors)
        kept = await self.runs.checkpoint(
            run.id,
            self.owner,
            counters=state.counters,
            position=batch[-1].row,
            lease_until=now_ms() + self.lease_ms,
        )
        if not kept:
            raise LeaseLost(run.id)
        if self.metrics is not None:
            self.metrics.import_rows.labels(run.mode.value).inc(len(batch))
        if self.after_batch is not None:
            await self.after_batch(run)
        if self.should_stop is not None and self.should_stop():
            raise RunInterrupted(run.id)


class AccountRows:
    """Account rows: decided by the `BatchPlanner`, looked up and written a batch at a time. The rows of
    an interrupted batch already applied are recognised by the `(run, row)` their events carry."""

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

    def read(self, record: Record) -> RowPlan | None:
        """Notes (the template's example row) are not data rows."""
        if self.planner.header.is_note(record.cells):
            return None
        command = map_row(record.row, record.cells, self.planner.header)
        self.planner.check_duplicates(command)
        return RowPlan(command=command, cells=record.cells)

    async def apply(self, batch: list[RowPlan], recheck: list[int]) -> None:
        applied = await self.accounts.applied_rows(self.run.id, recheck) if recheck else {}
        if self.run.mode is ImportMode.CREATE:
            await self.plan_creates(batch, applied)
        else:
            await self.plan_updates(batch, applied)
        if not self.run.dry_run:
            await self.write(batch)

    async def plan_creates(self, batch: list[RowPlan], applied: dict[int, int]) -> None:
        planner = self.planner
        opening = planner.plan_creates(batch, applied, now_ms())
        given = {plan.account_id for plan in opening if plan.command.account_id and plan.account_id}
        existing = await self.accounts.by_ids(given)
        planner.refuse_existing(opening, existing)
        if self.run.dry_run:
            # Nothing will be written, so nothing would reject a taken email or document: ask first.
            # A real run leaves that to the unique indexes and asks only about the rows they rejected.
            await self.report_in_use([plan for plan in opening if plan.to_write])

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
        opening = [plan for plan in batch if plan.to_write and plan.change and plan.change.before is None]
        failures = await self.accounts.insert([changed(plan) for plan in opening])
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
