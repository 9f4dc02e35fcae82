"""What each row of a batch does, decided from the rows and what the database answered about them.

Pure: the runner looks accounts up and writes; this module only decides, through the same
account planner as the API (`domain.account_planner`), so a row and an `openOrChangeAccount`
call can never disagree. Every step takes the lookups it needs as plain dicts.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace

from customer_credit.csv.columns import Column, HeaderMap
from customer_credit.csv.rows import ImportRowErrorCode, RowCommand, RowError, column_label
from customer_credit.domain.account_planner import AccountChange, Origin, in_use, plan_change, plan_open
from customer_credit.domain.accounts import (
    Account,
    AccountStatus,
    EventSource,
    document_key,
    email_key,
    normalize_email,
    validate_account_id,
)
from customer_credit.domain.errors import AccountRuleViolation
from customer_credit.domain.imports import ImportRowError, ImportRun, RowOutcome
from customer_credit.domain.messages import message
from customer_credit.worker.seen import SeenKeys

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
# The columns a clash on a unique key names, by the request field that clashed.
CLASH_COLUMNS = {"id": Column.ID, "email": Column.EMAIL, "document": Column.DOCUMENT}


def generated_account_id(run_id: str, row: int) -> str:
    """A UUIDv4-shaped id derived from (run, row), so re-applying a row after a crash yields the same id."""
    digest = hashlib.blake2b(f"{run_id}:{row}".encode(), digest_size=16).digest()
    return str(uuid.UUID(bytes=digest, version=4))


def header_of(run: ImportRun) -> HeaderMap:
    return HeaderMap(
        columns={Column(name): index for name, index in run.layout.columns.items()},
        headers=run.layout.header,
    )


@dataclass
class RowPlan:
    """A row of a batch, with what has been decided about it so far."""

    command: RowCommand
    cells: tuple[str, ...]
    account_id: str | None = None
    change: AccountChange | None = None  # what to write
    outcome: RowOutcome | None = None

    @property
    def row(self) -> int:
        return self.command.row

    @property
    def failed(self) -> bool:
        return bool(self.command.errors)

    @property
    def checkable(self) -> bool:
        """Whether the domain rules should still look at the row (no error yet, or only cell errors)."""
        return all(error.code in CELL_CODES for error in self.command.errors)

    @property
    def to_write(self) -> bool:
        return self.change is not None and self.outcome is not None and not self.failed

    @property
    def opens_account(self) -> bool:
        """To be written as a new account."""
        return self.to_write and self.change is not None and self.change.before is None

    def row_errors(self, run_id: str) -> list[ImportRowError]:
        return stored_row_errors(run_id, self.row, self.command.errors, self.cells)


def stored_row_errors(
    run_id: str, row: int, errors: Sequence[RowError], cells: tuple[str, ...], account_id: str | None = None
) -> list[ImportRowError]:
    """A row's errors as the history keeps them; the first carries the row's cells for the report."""
    return [
        ImportRowError(
            run_id=run_id,
            row=row,
            seq=seq,
            column=error.column,
            code=error.code.value,
            message=error.message,
            account_id=error.account_id or account_id,
            cells=cells if seq == 0 else None,
        )
        for seq, error in enumerate(errors)
    ]


class BatchPlanner:
    """Decides the rows of one run, batch after batch; `seen` remembers the keys of every row read."""

    def __init__(self, run: ImportRun, *, default_credit_limit_cents: int, seen: SeenKeys):
        self.run = run
        self.header = header_of(run)
        self.default_credit_limit_cents = default_credit_limit_cents
        self.seen = seen

    def origin(self, plan: RowPlan, at_ms: int) -> Origin:
        return Origin(
            actor=self.run.actor,
            at_ms=at_ms,
            source=EventSource.IMPORT,
            import_run_id=self.run.id,
            import_row=plan.row,
        )

    # --- every row ----------------------------------------------------------------------------

    def check_duplicates(self, command: RowCommand) -> None:
        """DUPLICATE_IN_FILE for an id, email or document an earlier row already has, by the keys the
        unique indexes use. A Closed row holds no email or document (only open accounts do), so only
        its id counts: an export of an open and a closed account sharing a CPF imports back."""
        request = command.request
        keys: list[tuple[Column, str, str | None]] = [(Column.ID, "id", command.account_id)]
        if not request.close:
            keys.append((Column.EMAIL, "email", email_key(request.email) if request.email else None))
            keys.append(
                (
                    Column.DOCUMENT,
                    "document",
                    document_key(request.document_type, request.document) if request.document else None,
                )
            )
        for column, kind, value in keys:
            if value is not None and not self.seen.add(f"{kind}:{value}"):
                label = self.header.label(column)
                command.fail(
                    label, ImportRowErrorCode.DUPLICATE_IN_FILE, message("DUPLICATE_IN_FILE.column", column=label)
                )

    def fail_with(self, plan: RowPlan, violation: AccountRuleViolation, account_id: str | None = None) -> None:
        """The domain's errors, each under its column; a cell that already failed to parse is not reported
        again (a bad Document Type is not also REQUIRED)."""
        command = plan.command
        failed = {error.column for error in command.errors if error.column}
        for error in violation.errors:
            column = column_label(self.header, error.field)
            if column is not None and column in failed:
                continue
            command.fail(column, ImportRowErrorCode(error.code.value), error.message, account_id)
        plan.outcome = None

    def fail_in_use(self, plan: RowPlan, field: str, owner_id: str) -> None:
        """EMAIL_IN_USE / DOCUMENT_IN_USE, naming the open account that holds the email or document."""
        error = in_use(field)
        column = column_label(self.header, field) or self.header.label(Column.ID)
        plan.command.fail(column, ImportRowErrorCode(error.code.value), error.message, owner_id)
        plan.outcome = None

    def fail_clash(self, plan: RowPlan, field: str | None) -> None:
        """A write refused by a unique index whose holder could not be named (`field`: id, email or document)."""
        if field in ("email", "document"):
            error = in_use(field)
            code = ImportRowErrorCode(error.code.value)
        else:
            code = ImportRowErrorCode.ACCOUNT_EXISTS
        column = CLASH_COLUMNS.get(field or "", Column.ID)
        label = self.header.label(column) if column in self.header.columns else None
        text = message(f"{code.value}.column", column=label) if label else message("UNIQUE.taken")
        plan.command.fail(label, code, text, plan.account_id)
        plan.outcome = None

    def report_in_use(self, plans: list[RowPlan], emails: dict[str, Account], documents: dict[str, Account]) -> None:
        """Rows whose new email or document an open account other than their own holds."""
        for plan in plans:
            if plan.change is None or plan.change.after.status is not AccountStatus.OPEN:
                continue
            after = plan.change.after
            for field, owners, key in (("email", emails, after.email_key), ("document", documents, after.document_key)):
                owner = owners.get(key) if key else None
                if owner is not None and owner.id != plan.account_id:
                    self.fail_in_use(plan, field, owner.id)

    # --- CREATE -------------------------------------------------------------------------------

    def plan_creates(self, plans: list[RowPlan], applied: dict[int, int], at_ms: int) -> list[RowPlan]:
        """Validate each row as an open; returns the rows whose given id must be checked for existence."""
        for plan in plans:
            command = plan.command
            if not plan.checkable:
                continue
            if command.row in applied and not command.errors:
                plan.account_id = command.account_id or generated_account_id(self.run.id, command.row)
                plan.outcome = RowOutcome.CREATED if applied[command.row] == 1 else RowOutcome.UPDATED
                continue
            if command.request.close:
                command.fail(
                    self.header.label(Column.STATUS),
                    ImportRowErrorCode.INVALID_STATUS,
                    message("INVALID_STATUS.create"),
                )
                continue
            try:
                plan.account_id = (
                    validate_account_id(command.account_id)
                    if command.account_id
                    else generated_account_id(self.run.id, command.row)
                )
            except AccountRuleViolation as violation:
                self.fail_with(plan, violation)
            try:
                change = plan_open(
                    plan.account_id or "",
                    command.request,
                    self.origin(plan, at_ms),
                    default_credit_limit_cents=self.default_credit_limit_cents,
                )
            except AccountRuleViolation as violation:
                self.fail_with(plan, violation)
                continue
            if not plan.failed:
                plan.change, plan.outcome = change, RowOutcome.CREATED
        return [plan for plan in plans if plan.to_write]

    def refuse_existing(self, plans: list[RowPlan], existing: dict[str, Account]) -> None:
        for plan in plans:
            if plan.command.account_id and plan.account_id in existing:
                plan.command.fail(
                    self.header.label(Column.ID),
                    ImportRowErrorCode.ACCOUNT_EXISTS,
                    message("ACCOUNT_EXISTS.id", id=repr(plan.account_id)),
                    plan.account_id,
                )
                plan.outcome = None

    # --- UPDATE -------------------------------------------------------------------------------

    def update_lookups(self, plans: list[RowPlan]) -> dict[int, str]:
        """Check how each row finds its account; the email key of the rows found by Email, by row."""
        by_email: dict[int, str] = {}
        for plan in plans:
            command = plan.command
            if not plan.checkable:
                continue
            try:
                if command.account_id:
                    validate_account_id(command.account_id)
                elif command.request.email:
                    by_email[command.row] = email_key(normalize_email(command.request.email))
                else:
                    column = Column.ID if Column.ID in self.header.columns else Column.EMAIL
                    command.fail(self.header.label(column), ImportRowErrorCode.REQUIRED, message("REQUIRED.updateKey"))
            except AccountRuleViolation as violation:
                self.fail_with(plan, violation)
        return by_email

    def plan_updates(
        self,
        plans: list[RowPlan],
        *,
        by_email: dict[int, str],
        found_by_id: dict[str, Account],
        found_by_email: dict[str, Account],
        applied: dict[int, int],
        at_ms: int,
    ) -> None:
        for plan in plans:
            command = plan.command
            if not plan.checkable:
                continue
            found_by = Column.ID if command.account_id else Column.EMAIL
            current = (
                found_by_id.get(command.account_id) if command.account_id else found_by_email.get(by_email[command.row])
            )
            if current is None:
                key = command.account_id or command.request.email
                command.fail(
                    self.header.label(found_by), ImportRowErrorCode.NOT_FOUND, message("NOT_FOUND.match", key=repr(key))
                )
                continue
            plan.account_id = current.id
            if found_by is Column.EMAIL:
                # The Email found the account (case-insensitively): it is the key, not a change of its case.
                command.request = replace(command.request, email=None)
            if command.row in applied and not command.errors:
                plan.outcome = RowOutcome.UPDATED
                continue
            self.plan_change(plan, current, at_ms)

    def plan_change(self, plan: RowPlan, current: Account, at_ms: int) -> None:
        try:
            change = plan_change(current, plan.command.request, self.origin(plan, at_ms))
        except AccountRuleViolation as violation:
            self.fail_with(plan, violation, plan.account_id)
            return
        plan.change = change
        plan.outcome = RowOutcome.UNCHANGED if change is None else RowOutcome.UPDATED
