"""Applying a stored CSV file to the accounts, a batch at a time.

Each batch is validated with the domain rules, checked against the database
with one lookup per key kind, written with one bulk write, and then the run's
counters and position are checkpointed. After a crash the run resumes after
its last checkpoint: rows before it are only re-read (to rebuild the
duplicate detection), and the rows of the interrupted batch that were already
applied are recognised by the `(run, row)` their events carry, so nothing is
written or counted twice.
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from customer_credit.csv.columns import Column, HeaderMap
from customer_credit.csv.reader import CsvFormat, Record, RecordReader
from customer_credit.csv.rows import ImportRowErrorCode, RowCommand, column_label, map_row
from customer_credit.domain.accounts import (
    AccountEvent,
    AccountFields,
    AccountStatus,
    EventSource,
    asks_nothing_new,
    diff,
    normalize_email,
    validate_account_id,
    validate_request,
)
from customer_credit.domain.errors import AccountRuleViolation
from customer_credit.observability.metrics import Metrics
from customer_credit.persistence.account_batches import AccountBatchRepository
from customer_credit.persistence.accounts import fields_from_document
from customer_credit.persistence.imports import COUNTERS, ImportRunRepository
from customer_credit.worker.seen import SeenKeys

logger = logging.getLogger("customer_credit.imports")

IN_USE_CODES = {
    "email_key": ImportRowErrorCode.EMAIL_IN_USE,
    "document_key": ImportRowErrorCode.DOCUMENT_IN_USE,
    "_id": ImportRowErrorCode.ACCOUNT_EXISTS,
}
IN_USE_COLUMNS = {"email_key": Column.EMAIL, "document_key": Column.DOCUMENT, "_id": Column.ID}
MAX_RETRIES = 3
MAX_BATCH_SIZE = 5000  # the setting's upper bound; what an attempt that did not record its batch size may have used
# Errors that come from one cell's own text (map_row). A row with only these is still validated by the
# domain, so that every bad cell of the row is reported at once; it is never written.
CELL_CODES = frozenset(
    {
        ImportRowErrorCode.INVALID_CREDIT_LIMIT,
        ImportRowErrorCode.INVALID_TOLERANCE,
        ImportRowErrorCode.INVALID_DOCUMENT_TYPE,
        ImportRowErrorCode.INVALID_STATUS,
    }
)


def checkable(command: RowCommand) -> bool:
    """Whether the domain rules should still look at the row (no error yet, or only cell errors)."""
    return all(error.code in CELL_CODES for error in command.errors)


class LeaseLost(Exception):
    """Another worker took the run over; this one stops without writing more."""


class RunInterrupted(Exception):
    """The worker is stopping: the run was left at a checkpoint, to be resumed later."""


def now_ms() -> int:
    return int(time.time() * 1000)


def generated_account_id(run_id: str, row: int) -> str:
    """A UUIDv4-shaped id derived from (run, row), so re-applying a row after a crash yields the same id."""
    digest = hashlib.blake2b(f"{run_id}:{row}".encode(), digest_size=16).digest()
    return str(uuid.UUID(bytes=digest, version=4))


def header_from_run(run: dict[str, Any]) -> HeaderMap:
    return HeaderMap(
        columns={Column(name): index for name, index in run["columns"].items()},
        headers=tuple(run["header"]),
    )


@dataclass
class Counters:
    processed_rows: int = 0
    created_count: int = 0
    updated_count: int = 0
    unchanged_count: int = 0
    failed_count: int = 0

    @classmethod
    def of(cls, run: dict[str, Any]) -> Counters:
        return cls(**{name: run.get(name, 0) for name in COUNTERS})

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in COUNTERS}


@dataclass
class Pending:
    """A row in a batch, with what the runner has learnt about it so far."""

    command: RowCommand
    cells: tuple[str, ...]
    account_id: str | None = None
    current: dict[str, Any] | None = None
    fields: AccountFields | None = None
    outcome: str | None = None  # created | updated | unchanged
    errors: list = field(default_factory=list)


class ImportRunner:
    def __init__(
        self,
        runs: ImportRunRepository,
        accounts: AccountBatchRepository,
        *,
        owner: str,
        batch_size: int,
        lease_ms: int,
        default_credit_limit_cents: int,
        after_batch: Callable[[dict[str, Any]], Any] | None = None,
        should_stop: Callable[[], bool] | None = None,
        metrics: Metrics | None = None,
    ):
        self.runs = runs
        self.metrics = metrics
        self.accounts = accounts
        self.owner = owner
        self.batch_size = batch_size
        self.lease_ms = lease_ms
        self.default_credit_limit_cents = default_credit_limit_cents
        self.after_batch = after_batch
        self.should_stop = should_stop

    async def run(self, run: dict[str, Any]) -> str:
        """Process a claimed run to its end; returns the final status."""
        run_id = run["_id"]
        header = header_from_run(run)
        position = run.get("position", 1)
        counters = Counters.of(run)
        # An earlier attempt that got as far as starting may have written rows after its last checkpoint:
        # at most one of its batches, whose rows are recognised by the (run, row) of their events.
        recheck = (run.get("batch_size") or MAX_BATCH_SIZE) if run.get("started_at") is not None else 0
        await self.runs.mark_started(run_id, self.owner, now_ms(), batch_size=self.batch_size)
        state = RunState(
            run=run, header=header, counters=counters, seen=SeenKeys(3 * (run.get("total_rows") or 1)), recheck=recheck
        )
        reader = RecordReader(CsvFormat(**run["format"]))
        batch: list[Pending] = []
        async for chunk in self.runs.file_chunks(run_id):
            for record in reader.feed(chunk):
                if self.admit(state, record, position, batch) and len(batch) >= self.batch_size:
                    await self.apply(state, batch)
                    batch = []
        for record in reader.close():
            self.admit(state, record, position, batch)
        if batch:
            await self.apply(state, batch)
        status = "COMPLETED_WITH_ERRORS" if counters.failed_count else "SUCCEEDED"
        if not await self.runs.finish(run_id, self.owner, status=status, counters=counters.as_dict(), now_ms=now_ms()):
            raise LeaseLost(run_id)
        return status

    def admit(self, state: RunState, record: Record, position: int, batch: list[Pending]) -> bool:
        """Map a data row and check it against the rows before it; queue it unless already processed."""
        if record.row == 1:
            return False
        command = map_row(record.row, record.cells, state.header)
        self.check_duplicates(state, command)
        if record.row <= position:
            return False
        batch.append(Pending(command=command, cells=record.cells))
        return True

    def check_duplicates(self, state: RunState, command: RowCommand) -> None:
        keys = (
            (Column.ID, "id", command.account_id),
            (Column.EMAIL, "email", command.email_key),
            (Column.DOCUMENT, "document", command.document_key),
        )
        for column, kind, value in keys:
            if value is not None and not state.seen.add(f"{kind}:{value}"):
                command.fail(
                    state.header.label(column),
                    ImportRowErrorCode.DUPLICATE_IN_FILE,
                    f"An earlier row of this file has the same {state.header.label(column)}.",
                )

    async def apply(self, state: RunState, batch: list[Pending]) -> None:
        run = state.run
        applied: dict[int, int] = {}
        if state.recheck and not run["dry_run"]:
            candidates = [p.command.row for p in batch[: state.recheck]]
            state.recheck -= len(candidates)
            applied = await self.accounts.applied_rows(run["_id"], candidates)
        if run["mode"] == "CREATE":
            await self.prepare_creates(state, batch, applied)
        else:
            await self.prepare_updates(state, batch, applied)
        if not run["dry_run"]:
            await self.write(state, batch)
        await self.record(state, batch)

    # --- CREATE -------------------------------------------------------------------------------

    async def prepare_creates(self, state: RunState, batch: list[Pending], applied: dict[int, int]) -> None:
        run_id, header = state.run["_id"], state.header
        for pending in batch:
            command = pending.command
            if not checkable(command):
                continue
            if command.row in applied and not command.errors:
                pending.account_id = command.account_id or generated_account_id(run_id, command.row)
                pending.outcome = "created" if applied[command.row] == 1 else "updated"
                continue
            if command.request.close:
                command.fail(
                    header.label(Column.STATUS),
                    ImportRowErrorCode.INVALID_STATUS,
                    "A new account opens as Open; close it with an Update import.",
                )
                continue
            try:
                pending.account_id = (
                    validate_account_id(command.account_id)
                    if command.account_id
                    else generated_account_id(run_id, command.row)
                )
            except AccountRuleViolation as violation:
                self.fail_with(state, command, violation)
            try:
                pending.fields = validate_request(
                    command.request, current=None, default_credit_limit_cents=self.default_credit_limit_cents
                )
            except AccountRuleViolation as violation:
                self.fail_with(state, command, violation)
        todo = [p for p in batch if p.fields is not None and p.outcome is None and not p.command.errors]
        existing = await self.accounts.by_ids({p.account_id for p in todo if p.command.account_id})
        for pending in todo:
            if pending.account_id in existing:
                pending.command.fail(
                    header.label(Column.ID),
                    ImportRowErrorCode.ACCOUNT_EXISTS,
                    f"An account with the id {pending.account_id!r} already exists.",
                    pending.account_id,
                )
        if state.run["dry_run"]:
            # Nothing will be written, so nothing would reject a taken email or document: ask first.
            # A real run leaves that to the unique indexes and asks only about the rows they rejected.
            await self.report_in_use(state, [p for p in todo if not p.command.errors])
        for pending in todo:
            if not pending.command.errors:
                pending.outcome = "created"

    async def report_in_use(self, state: RunState, pendings: list[Pending]) -> None:
        """EMAIL_IN_USE / DOCUMENT_IN_USE, naming the open account that has the email or document."""
        emails = await self.accounts.open_by_email_keys({p.fields.email_key for p in pendings})
        documents = await self.accounts.open_by_document_keys(
            {p.fields.document_key for p in pendings if p.fields.document_key}
        )
        for pending in pendings:
            owner = emails.get(pending.fields.email_key)
            if owner is not None and owner["_id"] != pending.account_id:
                pending.command.fail(
                    state.header.label(Column.EMAIL),
                    ImportRowErrorCode.EMAIL_IN_USE,
                    "The email is used by another open account.",
                    owner["_id"],
                )
            owner = documents.get(pending.fields.document_key)
            if owner is not None and owner["_id"] != pending.account_id:
                pending.command.fail(
                    column_label(state.header, "document"),
                    ImportRowErrorCode.DOCUMENT_IN_USE,
                    "The document is used by another open account.",
                    owner["_id"],
                )
            if pending.command.errors:
                pending.outcome = None

    # --- UPDATE -------------------------------------------------------------------------------

    async def prepare_updates(self, state: RunState, batch: list[Pending], applied: dict[int, int]) -> None:
        header = state.header
        by_email: dict[int, str] = {}
        for pending in batch:
            command = pending.command
            if not checkable(command):
                continue
            try:
                if command.account_id:
                    validate_account_id(command.account_id)
                elif command.request.email:
                    by_email[command.row] = normalize_email(command.request.email).lower()
                else:
                    command.fail(
                        header.label(Column.ID) if Column.ID in header.columns else header.label(Column.EMAIL),
                        ImportRowErrorCode.REQUIRED,
                        "An update row needs an Id or an Email.",
                    )
            except AccountRuleViolation as violation:
                self.fail_with(state, command, violation)
        live = [p for p in batch if checkable(p.command)]
        found_by_id = await self.accounts.by_ids({p.command.account_id for p in live if p.command.account_id})
        found_by_email = await self.accounts.open_by_email_keys(set(by_email.values()))
        for pending in live:
            command = pending.command
            current = (
                found_by_id.get(command.account_id) if command.account_id else found_by_email.get(by_email[command.row])
            )
            if current is None:
                key = command.account_id or command.request.email
                command.fail(
                    header.label(Column.ID) if command.account_id else header.label(Column.EMAIL),
                    ImportRowErrorCode.NOT_FOUND,
                    f"No account matches {key!r}.",
                )
                continue
            pending.account_id = current["_id"]
            if not command.account_id:
                # The Email found the account (case-insensitively): it is the key, not a change of its case.
                command.request = replace(command.request, email=None)
            if command.row in applied and not command.errors:
                pending.outcome = "updated"
                continue
            self.plan_change(state, pending, current)
        await self.check_in_use(state, [p for p in batch if p.outcome == "updated" and p.fields is not None])

    def plan_change(self, state: RunState, pending: Pending, current: dict[str, Any]) -> None:
        before = fields_from_document(current)
        if before.status is AccountStatus.CLOSED and asks_nothing_new(pending.command.request, before):
            pending.current, pending.fields, pending.outcome = current, before, "unchanged"
            return
        try:
            pending.fields = validate_request(pending.command.request, current=before)
        except AccountRuleViolation as violation:
            self.fail_with(state, pending.command, violation, pending.account_id)
            return
        pending.current = current
        pending.outcome = "updated" if diff(before, pending.fields) else "unchanged"

    async def check_in_use(self, state: RunState, changed: list[Pending]) -> None:
        """An update that takes an email or document another open account has."""
        emails = await self.accounts.open_by_email_keys({p.fields.email_key for p in changed})
        documents = await self.accounts.open_by_document_keys(
            {p.fields.document_key for p in changed if p.fields.document_key}
        )
        for pending in changed:
            for owners, key, column, code, message in (
                (emails, pending.fields.email_key, Column.EMAIL, ImportRowErrorCode.EMAIL_IN_USE, "email"),
                (
                    documents,
                    pending.fields.document_key,
                    Column.DOCUMENT,
                    ImportRowErrorCode.DOCUMENT_IN_USE,
                    "document",
                ),
            ):
                owner = owners.get(key)
                if owner is not None and owner["_id"] != pending.account_id and pending.fields.status.value == "OPEN":
                    pending.command.fail(
                        column_label(state.header, column.name.lower()) or state.header.label(Column.ID),
                        code,
                        f"The {message} is used by another open account.",
                        owner["_id"],
                    )
                    pending.outcome = None

    # --- writing --------------------------------------------------------------------------------

    def event(self, state: RunState, pending: Pending, version: int, before: AccountFields | None) -> AccountEvent:
        return AccountEvent(
            account_id=pending.account_id,
            version=version,
            at_ms=now_ms(),
            actor=state.run["actor"],
            source=EventSource.IMPORT,
            changes=tuple(diff(before, pending.fields)),
            import_run_id=state.run["_id"],
            import_row=pending.command.row,
        )

    async def write(self, state: RunState, batch: list[Pending]) -> None:
        # A worker that slept past its lease must not re-apply rows over the new owner's changes.
        if not await self.runs.holds(state.run["_id"], self.owner, lease_until=now_ms() + self.lease_ms):
            raise LeaseLost(state.run["_id"])
        creates = [p for p in batch if p.outcome == "created" and p.fields is not None and not p.command.errors]
        failures = await self.accounts.insert(
            [(p.account_id, p.fields, self.event(state, p, 1, None)) for p in creates]
        )
        taken = [creates[index] for index, field in failures.items() if field in ("email_key", "document_key")]
        await self.report_in_use(state, taken)
        for index, unique_field in failures.items():
            if not creates[index].command.errors:
                self.fail_clash(state, creates[index], unique_field)

        updates = [p for p in batch if p.outcome == "updated" and p.current is not None and not p.command.errors]
        changes = [
            (p.current, p.fields, self.event(state, p, p.current["version"] + 1, fields_from_document(p.current)))
            for p in updates
        ]
        clashes, stale = await self.accounts.update(changes)
        for index, unique_field in clashes.items():
            self.fail_clash(state, updates[index], unique_field)
        for index in sorted(stale):
            await self.retry_update(state, updates[index])

    async def retry_update(self, state: RunState, pending: Pending) -> None:
        """The account changed between the lookup and the write: plan and write this row again, alone."""
        for _ in range(MAX_RETRIES):
            current = (await self.accounts.by_ids({pending.account_id})).get(pending.account_id)
            if current is None:
                pending.command.fail(None, ImportRowErrorCode.NOT_FOUND, "The account disappeared during the import.")
                pending.outcome = None
                return
            self.plan_change(state, pending, current)
            if pending.command.errors or pending.outcome != "updated":
                return
            event = self.event(state, pending, current["version"] + 1, fields_from_document(current))
            clashes, stale = await self.accounts.update([(current, pending.fields, event)])
            if clashes:
                self.fail_clash(state, pending, clashes[0])
            if not stale:
                return
        pending.command.fail(None, ImportRowErrorCode.VERSION_CONFLICT, "The account kept changing during the import.")
        pending.outcome = None

    def fail_clash(self, state: RunState, pending: Pending, unique_field: str | None) -> None:
        code = IN_USE_CODES.get(unique_field or "", ImportRowErrorCode.ACCOUNT_EXISTS)
        column = IN_USE_COLUMNS.get(unique_field or "", Column.ID)
        label = state.header.label(column) if column in state.header.columns else None
        pending.command.fail(
            label, code, f"{label or 'A unique field'} is already used by another account.", pending.account_id
        )
        pending.outcome = None

    def fail_with(
        self, state: RunState, command: RowCommand, violation: AccountRuleViolation, account_id: str | None = None
    ) -> None:
        # A cell that already failed to parse is not reported again (a bad Document Type is not also REQUIRED).
        failed = {error.column for error in command.errors if error.column}
        for error in violation.errors:
            column = column_label(state.header, error.field)
            if column is not None and column in failed:
                continue
            command.fail(column, ImportRowErrorCode(error.code.value), error.message, account_id)

    async def record(self, state: RunState, batch: list[Pending]) -> None:
        counters = state.counters
        run_id = state.run["_id"]
        error_documents = []
        for pending in batch:
            counters.processed_rows += 1
            command = pending.command
            if command.errors:
                counters.failed_count += 1
                for seq, error in enumerate(command.errors):
                    document = {
                        "_id": f"{run_id}:{command.row}:{seq}",
                        "run_id": run_id,
                        "row": command.row,
                        "seq": seq,
                        "column": error.column,
                        "code": error.code.value,
                        "message": error.message,
                        "account_id": error.account_id,
                    }
                    if seq == 0:
                        document["cells"] = list(pending.cells)
                    error_documents.append(document)
            elif pending.outcome == "created":
                counters.created_count += 1
            elif pending.outcome == "updated":
                counters.updated_count += 1
            else:
                counters.unchanged_count += 1
        if error_documents:
            # A worker that slept past its lease must not store errors for rows the new owner applied.
            if not await self.runs.holds(run_id, self.owner, lease_until=now_ms() + self.lease_ms):
                raise LeaseLost(run_id)
            await self.runs.add_row_errors(error_documents)
        kept = await self.runs.checkpoint(
            run_id,
            self.owner,
            counters=counters.as_dict(),
            position=batch[-1].command.row,
            lease_until=now_ms() + self.lease_ms,
        )
        if not kept:
            raise LeaseLost(run_id)
        if self.metrics is not None:
            self.metrics.import_rows.labels(state.run["mode"]).inc(len(batch))
        if self.after_batch is not None:
            await self.after_batch(state.run)
        if self.should_stop is not None and self.should_stop():
            raise RunInterrupted(run_id)


@dataclass
class RunState:
    run: dict[str, Any]
    header: HeaderMap
    counters: Counters
    seen: SeenKeys
    recheck: int  # how many of the next rows an interrupted attempt may already have applied
