"""The credit ledger's records: what is stored about holds, transactions, invoices and entries.

The account document is the one place every money decision is made (see `persistence/ledger.py`):
it carries the account's `Ledger` (balance, active holds, open invoices, what is refundable) and
each applied operation as a `LedgerOp`, which says exactly which transaction, invoices and
statement entries follow from it, so that they can be written again after a crash.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date

from customer_credit.domain.credit import (
    CreditTransactionStatus,
    InvoiceStatus,
    StatementEntryKind,
    is_overdue,
    is_past_expiry,
)
from customer_credit.domain.messages import Message


@dataclass(frozen=True)
class Hold:
    """An AUTHORIZED transaction's amount, held until it is settled, cancelled or expires."""

    transaction_id: str
    amount_cents: int
    expires_at_ms: int


@dataclass(frozen=True)
class OpenInvoice:
    """What is still due on an OPEN invoice, and its due date (postponements move it)."""

    invoice_id: str
    amount_cents: int
    due_date: date


@dataclass(frozen=True)
class OpDone:
    """An operation decided on this account: applied (`refusal` None, `result_id` what it made or
    changed) or refused, with the error its first call answered, which a retry answers again."""

    at_ms: int
    refusal: str | None = None
    result_id: str | None = None
    field: str | None = None
    message: Message | None = None


@dataclass(frozen=True)
class Ledger:
    """The money state of one account, as its document holds it.

    `held_cents` counts every hold still on the account, an expired one included until the
    background worker releases it; `held_now` leaves the expired ones out, as heldCredit does.
    `revision` counts the operations that read before they write (all but authorizations), and
    pins them: two of them never apply to the same state.
    """

    account_id: str
    is_open: bool = True
    balance_cents: int = 0
    held_cents: int = 0
    revision: int = 0
    holds: dict[str, Hold] = field(default_factory=dict)
    open_invoices: dict[str, OpenInvoice] = field(default_factory=dict)
    refundable: dict[str, int] = field(default_factory=dict)  # transaction id -> settled - refunded
    pending: dict[str, LedgerOp] = field(default_factory=dict)
    done: dict[str, OpDone] = field(default_factory=dict)

    def held_now(self, now_ms: int) -> int:
        return sum(h.amount_cents for h in self.holds.values() if not is_past_expiry(h.expires_at_ms, now_ms))

    def expired_holds(self, now_ms: int) -> list[Hold]:
        return [h for h in self.holds.values() if is_past_expiry(h.expires_at_ms, now_ms)]


@dataclass(frozen=True)
class CreditTransaction:
    id: str
    account_id: str
    amount_cents: int
    installments: int
    order_id: str | None
    status: CreditTransactionStatus
    created_at_ms: int
    expires_at_ms: int
    actor: str
    settled_cents: int = 0
    refunded_cents: int = 0
    settled_at_ms: int | None = None
    invoice_ids: tuple[str, ...] = ()

    def status_at(self, now_ms: int) -> CreditTransactionStatus:
        """AUTHORIZED past its expiry reads as EXPIRED, even before the worker has released it."""
        if self.status is CreditTransactionStatus.AUTHORIZED and is_past_expiry(self.expires_at_ms, now_ms):
            return CreditTransactionStatus.EXPIRED
        return self.status


@dataclass(frozen=True)
class Invoice:
    id: str
    account_id: str
    transaction_id: str
    order_id: str | None
    installment: int
    number_of_installments: int
    amount_cents: int
    original_amount_cents: int
    status: InvoiceStatus
    due_date: date
    original_due_date: date
    created_at_ms: int
    paid_at_ms: int | None = None
    cancelled_at_ms: int | None = None

    def overdue(self, today: date) -> bool:
        return is_overdue(self.status, self.due_date, today)


@dataclass(frozen=True)
class StatementEntry:
    id: str
    account_id: str
    at_ms: int
    kind: StatementEntryKind
    amount_cents: int
    balance_after_cents: int
    actor: str
    transaction_id: str | None = None
    invoice_id: str | None = None
    note: str | None = None


class OpKind(str, enum.Enum):
    AUTHORIZE = "AUTHORIZE"
    SETTLE = "SETTLE"
    CANCEL = "CANCEL"
    EXPIRE = "EXPIRE"
    REFUND = "REFUND"
    PAY_INVOICE = "PAY_INVOICE"
    CANCEL_INVOICE = "CANCEL_INVOICE"
    POSTPONE_INVOICE = "POSTPONE_INVOICE"
    ADJUST = "ADJUST"


@dataclass(frozen=True)
class LedgerOp:
    """One applied money operation and the documents that follow from it, in their states after it.

    Written into the account in the same update that applies the operation; the transaction,
    invoices and entries are then written from it (idempotently, each guarded so that an older
    state never overwrites a newer one), and it is then marked done.
    """

    id: str
    kind: OpKind
    account_id: str
    at_ms: int
    actor: str
    result_id: str  # the transaction, invoice or entry the mutation answers with
    revision: int = 0  # the account's revision this operation made (0: an authorization, which reads nothing)
    transaction: CreditTransaction | None = None
    invoices: tuple[Invoice, ...] = ()
    entries: tuple[StatementEntry, ...] = ()


@dataclass(frozen=True)
class LedgerEffect:
    """What an operation changes in the account's Ledger, applied in the same update that decides it.

    Every change of the balance or of what is held moves the account's headroom (spendingLimit −
    held + balance) by the same amount, which is what lets an authorization decide in one
    conditional update: `headroom ≥ amount`.
    """

    balance_delta_cents: int = 0
    add_hold: Hold | None = None
    remove_hold: Hold | None = None
    set_open_invoices: tuple[OpenInvoice, ...] = ()
    close_invoices: tuple[str, ...] = ()
    set_refundable: tuple[tuple[str, int], ...] = ()  # transaction id, what stays refundable (0: removed)

    @property
    def held_delta_cents(self) -> int:
        added = self.add_hold.amount_cents if self.add_hold else 0
        removed = self.remove_hold.amount_cents if self.remove_hold else 0
        return added - removed

    @property
    def headroom_delta_cents(self) -> int:
        return self.balance_delta_cents - self.held_delta_cents


@dataclass(frozen=True)
class InvoiceQuery:
    """Which invoices a list asks for (all given conditions hold); by due date, then id."""

    account_id: str | None = None
    status: InvoiceStatus | None = None
    overdue: bool | None = None
    due_from: date | None = None
    due_to: date | None = None
    transaction_id: str | None = None
    order_id: str | None = None


@dataclass(frozen=True)
class InvoiceTotals:
    """Totals of every invoice an `InvoiceQuery` matches (not of one page of them)."""

    count: int = 0
    amount_cents: int = 0
    open_count: int = 0
    open_amount_cents: int = 0
    paid_amount_cents: int = 0
