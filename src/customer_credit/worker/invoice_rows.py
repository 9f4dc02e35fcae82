"""Invoice rows of an import run: each Paid or Cancelled row pays or cancels its invoice through the
payInvoice / cancelInvoice use case, with the idempotency key of its (run, row).

A resumed run asks which rows of the interrupted batch already claimed their key; those are replayed
through the same use case, which answers the operation's outcome (applying it only if the crash came
before it was applied), so a payment is made exactly once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from customer_credit.csv.columns import HeaderMap
from customer_credit.csv.invoice_rows import map_invoice_row
from customer_credit.csv.reader import Record
from customer_credit.domain.credit import CreditRuleViolation, InvoiceStatus
from customer_credit.domain.credit_records import Invoice
from customer_credit.domain.imports import ImportRun
from customer_credit.usecases import credit
from customer_credit.usecases.credit import Ledgers
from customer_credit.worker.invoice_planning import InvoicePlan, check_duplicate, decide, operation_key
from customer_credit.worker.planning import header_of
from customer_credit.worker.seen import SeenKeys

MUTATIONS = {InvoiceStatus.PAID: "payInvoice", InvoiceStatus.CANCELLED: "cancelInvoice"}
USE_CASES = {InvoiceStatus.PAID: credit.pay_invoice, InvoiceStatus.CANCELLED: credit.cancel_invoice}


class InvoiceRows:
    # Not planned while the previous batch is written: planning is not read-only (looking an invoice up
    # completes a settlement a crash left half-written, `credit.invoice`), and the invoice imports are
    # bound by their one-row-at-a-time writes, not by planning.
    plans_ahead = False

    def __init__(
        self,
        run: ImportRun,
        ledgers: Ledgers,
        *,
        seen: SeenKeys,
        check_lease: Callable[[], Awaitable[None]],
    ):
        self.run = run
        self.ledgers = ledgers
        self.header: HeaderMap = header_of(run)
        self.seen = seen
        self.check_lease = check_lease

    def read(self, record: Record) -> InvoicePlan:
        command = map_invoice_row(record.row, record.cells, self.header)
        check_duplicate(command, self.header, self.seen)
        return InvoicePlan(command=command, cells=record.cells)

    async def plan(self, batch: list[InvoicePlan], recheck: list[int]) -> None:
        invoices = await self.invoices({plan.command.invoice_id for plan in batch if plan.command.invoice_id})
        started = await self.started_rows([plan for plan in batch if plan.row in set(recheck)])
        for plan in batch:
            invoice = invoices.get(plan.command.invoice_id or "")
            decide(plan, invoice, self.header, started=plan.row in started)

    async def write(self, batch: list[InvoicePlan]) -> None:
        changing = [plan for plan in batch if plan.apply is not None and not plan.failed]
        if changing:
            await self.check_lease()
        for plan in changing:
            await self.write_row(plan)

    async def invoices(self, ids: set[str]) -> dict[str, Invoice]:
        """The invoices by id; one a settlement's crash left unwritten is written first (`credit.invoice`)."""
        found = await self.ledgers.ledger.invoices_by_ids(ids)
        for invoice_id in ids - set(found):
            invoice = await credit.invoice(self.ledgers.ledger, invoice_id)
            if invoice is not None:
                found[invoice_id] = invoice
        return found

    async def started_rows(self, plans: list[InvoicePlan]) -> set[int]:
        """Rows whose operation an interrupted attempt of this run already claimed the key of."""
        keys = {
            f"{MUTATIONS[plan.command.target]}:{operation_key(self.run.id, plan.row)}": plan.row
            for plan in plans
            if plan.command.target in MUTATIONS and not plan.failed
        }
        known = await self.ledgers.ledger.known_keys(set(keys))
        return {keys[key] for key in known}

    async def write_row(self, plan: InvoicePlan) -> None:
        assert plan.apply is not None and plan.command.invoice_id is not None
        try:
            await USE_CASES[plan.apply](
                self.ledgers,
                invoice_id=plan.command.invoice_id,
                key=operation_key(self.run.id, plan.row),
                actor=self.run.actor,
            )
        except CreditRuleViolation as refusal:
            plan.refuse(self.header, refusal)
