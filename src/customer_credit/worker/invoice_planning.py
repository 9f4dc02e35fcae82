"""What each row of an invoice import does, decided from the row and the invoice it names.

Pure, like `planning.py` for accounts. The status change is judged by the same transitions as
payInvoice and cancelInvoice (`domain.credit.pay_invoice` / `cancel_invoice`), so a dry run and a
real run refuse the same rows; the real run then applies each change through those use cases.
"""

from __future__ import annotations

from dataclasses import dataclass

from customer_credit.csv.columns import Column, HeaderMap
from customer_credit.csv.invoice_rows import InvoiceCommand
from customer_credit.csv.rows import ImportRowErrorCode
from customer_credit.domain.credit import CreditRuleViolation, InvoiceStatus, cancel_invoice, pay_invoice
from customer_credit.domain.credit_records import Invoice
from customer_credit.domain.imports import ImportRowError, RowOutcome
from customer_credit.domain.messages import message
from customer_credit.worker.planning import stored_row_errors
from customer_credit.worker.seen import SeenKeys

TRANSITIONS = {InvoiceStatus.PAID: pay_invoice, InvoiceStatus.CANCELLED: cancel_invoice}


def operation_key(run_id: str, row: int) -> str:
    """The idempotency key of the payment or cancellation a row asks for: one per (run, row), so a
    run resumed after a crash replays the operation its interrupted attempt started, and never
    applies it twice, while another upload of the same file is a new run (whose rows then find the
    invoices already in their status, unchanged)."""
    return f"import:{run_id}:{row}"


@dataclass
class InvoicePlan:
    """A row of a batch, with what has been decided about it so far."""

    command: InvoiceCommand
    cells: tuple[str, ...]
    account_id: str | None = None
    apply: InvoiceStatus | None = None  # the status to move the invoice to
    outcome: RowOutcome | None = None

    @property
    def row(self) -> int:
        return self.command.row

    @property
    def failed(self) -> bool:
        return bool(self.command.errors)

    def row_errors(self, run_id: str) -> list[ImportRowError]:
        return stored_row_errors(run_id, self.row, self.command.errors, self.cells, self.account_id)

    def refuse(self, header: HeaderMap, violation: CreditRuleViolation) -> None:
        """A refusal of the payInvoice / cancelInvoice rules, under the Status column."""
        error = violation.errors[0]
        self.command.fail(header.label(Column.STATUS), ImportRowErrorCode(error.code.value), error.message)
        self.apply = None
        self.outcome = None


def check_duplicate(command: InvoiceCommand, header: HeaderMap, seen: SeenKeys) -> None:
    """DUPLICATE_IN_FILE for an invoice an earlier row already names: one row, one decision."""
    if command.invoice_id is not None and not seen.add(f"invoice:{command.invoice_id}"):
        label = header.label(Column.INVOICE_ID)
        command.fail(label, ImportRowErrorCode.DUPLICATE_IN_FILE, message("DUPLICATE_IN_FILE.column", column=label))


def decide(plan: InvoicePlan, invoice: Invoice | None, header: HeaderMap, *, started: bool) -> None:
    """What the row does to `invoice` (None: no such invoice). `started`: an interrupted attempt of this
    run already claimed the row's operation, which is then replayed (it applies at most once)."""
    command = plan.command
    if command.errors or command.invoice_id is None:
        return
    if invoice is None:
        command.fail(
            header.label(Column.INVOICE_ID),
            ImportRowErrorCode.NOT_FOUND,
            message("NOT_FOUND.invoice", id=repr(command.invoice_id)),
        )
        return
    plan.account_id = invoice.account_id
    target = command.target
    if target is None or (target is invoice.status and not started):
        plan.outcome = RowOutcome.UNCHANGED
        return
    if target is InvoiceStatus.OPEN:
        command.fail(
            header.label(Column.STATUS),
            ImportRowErrorCode.INVALID_STATUS,
            message("INVALID_STATUS.reopen", status=invoice.status.value),
        )
        return
    if not started:
        try:
            TRANSITIONS[target](invoice.status, invoice.amount_cents)
        except CreditRuleViolation as violation:
            plan.refuse(header, violation)
            return
    plan.apply = target
    plan.outcome = RowOutcome.UPDATED
