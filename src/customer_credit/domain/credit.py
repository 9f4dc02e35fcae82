"""Using an account's credit: holds, settlement into invoices, refunds and invoice actions.

Pure rules, no I/O: GraphQL, REST, CSV and persistence all call these, so a rule lives in one
place. Money is integer cents inside (Decimals only where a request comes in), times are int
epoch milliseconds (UTC) and calendar dates are `datetime.date` (UTC). Store settings are in
`settings_rules`, the ledger's invariants in `ledger`.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TypeVar

from .messages import Message, message
from .money import CENTS_PER_UNIT, TOLERANCE_SCALE, MagnitudeError, PrecisionError, cents_to_decimal, decimal_to_cents

MAX_AMOUNT_CENTS = 1_000_000_000 * CENTS_PER_UNIT
MAX_INSTALLMENTS = 48  # the ceiling of the maxInstallments setting; invoice ids keep two digits
MS_PER_HOUR = 3_600_000
MS_PER_DAY = 24 * MS_PER_HOUR
MAX_EXPIRY_AHEAD_MS = 30 * MS_PER_DAY
MAX_IDEMPOTENCY_KEY_LENGTH = 128
MAX_NOTE_LENGTH = 500
IDEMPOTENCY_KEY_FIELD = "idempotencyKey"
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_T = TypeVar("_T")


class CreditTransactionStatus(str, enum.Enum):
    AUTHORIZED = "AUTHORIZED"
    SETTLED = "SETTLED"
    CANCELLED = "CANCELLED"
    EXPIRED = "EXPIRED"


class InvoiceStatus(str, enum.Enum):
    OPEN = "OPEN"
    PAID = "PAID"
    CANCELLED = "CANCELLED"


class StatementEntryKind(str, enum.Enum):
    INVOICE = "INVOICE"
    PAYMENT = "PAYMENT"
    REFUND = "REFUND"
    CANCELLATION = "CANCELLATION"
    ADJUSTMENT = "ADJUSTMENT"


class CreditErrorCode(str, enum.Enum):
    NOT_FOUND = "NOT_FOUND"
    ACCOUNT_CLOSED = "ACCOUNT_CLOSED"
    INVALID_AMOUNT = "INVALID_AMOUNT"
    INVALID_INSTALLMENTS = "INVALID_INSTALLMENTS"
    INVALID_EXPIRY = "INVALID_EXPIRY"
    INSUFFICIENT_CREDIT = "INSUFFICIENT_CREDIT"
    TRANSACTION_NOT_AUTHORIZED = "TRANSACTION_NOT_AUTHORIZED"
    TRANSACTION_EXPIRED = "TRANSACTION_EXPIRED"
    AMOUNT_EXCEEDS_AUTHORIZATION = "AMOUNT_EXCEEDS_AUTHORIZATION"
    AMOUNT_EXCEEDS_REFUNDABLE = "AMOUNT_EXCEEDS_REFUNDABLE"
    INVOICE_NOT_OPEN = "INVOICE_NOT_OPEN"
    INVOICE_PAID = "INVOICE_PAID"
    POSTPONEMENT_DISABLED = "POSTPONEMENT_DISABLED"
    INVALID_POSTPONEMENT = "INVALID_POSTPONEMENT"
    INVALID_NOTE = "INVALID_NOTE"
    INVALID_SETTING = "INVALID_SETTING"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    INVALID_IDEMPOTENCY_KEY = "INVALID_IDEMPOTENCY_KEY"


@dataclass(frozen=True)
class CreditError:
    """One thing wrong with a credit request; `field` is the input field's GraphQL name, or None.

    Errors about the state of the object an input names (a transaction that is not AUTHORIZED,
    an invoice that is not OPEN) carry that input's name, `transactionId` or `invoiceId`, as
    NOT_FOUND on an account carries `id`; errors about the store as a whole carry None.
    """

    field: str | None
    code: CreditErrorCode
    message: Message


class CreditRuleViolation(Exception):
    """Raised by the credit rules when a request breaks one; carries every error found."""

    def __init__(self, errors: list[CreditError]):
        super().__init__("; ".join(e.message.english for e in errors))
        self.errors = errors

    @classmethod
    def single(cls, field: str | None, code: CreditErrorCode, message: Message) -> CreditRuleViolation:
        return cls([CreditError(field, code, message)])


# --- the numbers of an account --------------------------------------------------------------------


def spending_limit_cents(credit_limit_cents: int, tolerance_units: int, tolerance_enabled: bool) -> int:
    """creditLimit × (1 + tolerance) rounded down to the cent, in exact integers.

    `tolerance_units` is in ten-thousandths (0.0525 → 525), so the product is scaled once and
    floored once: 0.03 with tolerance 0.3333 is 3.9999 cents, so 3 cents, never 4.
    """
    if not tolerance_enabled:
        return credit_limit_cents
    return credit_limit_cents * (TOLERANCE_SCALE + tolerance_units) // TOLERANCE_SCALE


def available_credit_cents(spending_limit: int, balance: int, held: int) -> int:
    """spendingLimit + balance − heldCredit; negative when a limit was lowered below what is in use."""
    return spending_limit + balance - held


def check_sufficient_credit(amount_cents: int, available_cents: int) -> None:
    """The rule an authorization's write enforces atomically; here for the embedded store and for messages."""
    if amount_cents > available_cents:
        raise CreditRuleViolation.single(
            "amount",
            CreditErrorCode.INSUFFICIENT_CREDIT,
            message(
                "INSUFFICIENT_CREDIT",
                amount=cents_to_decimal(amount_cents),
                available=cents_to_decimal(available_cents),
            ),
        )


# --- input checks ---------------------------------------------------------------------------------


def _to_cents(value: object, field: str, text: Message) -> int:
    if not isinstance(value, Decimal):  # a float (or anything else) never becomes an amount
        raise CreditRuleViolation.single(field, CreditErrorCode.INVALID_AMOUNT, text)
    try:
        return decimal_to_cents(value)
    except (PrecisionError, MagnitudeError, ValueError):
        raise CreditRuleViolation.single(field, CreditErrorCode.INVALID_AMOUNT, text) from None


def amount_cents(amount: Decimal, field: str = "amount") -> int:
    """A positive amount of at most 2 places up to 1,000,000,000.00, as cents (authorize, settle, refund)."""
    text = message("INVALID_AMOUNT")
    cents = _to_cents(amount, field, text)
    if not 0 < cents <= MAX_AMOUNT_CENTS:
        raise CreditRuleViolation.single(field, CreditErrorCode.INVALID_AMOUNT, text)
    return cents


def adjustment_amount_cents(amount: Decimal, field: str = "amount") -> int:
    """A signed, non-zero adjustment of at most 2 places and at most 1,000,000,000.00 either way."""
    text = message("INVALID_AMOUNT.adjustment")
    cents = _to_cents(amount, field, text)
    if cents == 0 or abs(cents) > MAX_AMOUNT_CENTS:
        raise CreditRuleViolation.single(field, CreditErrorCode.INVALID_AMOUNT, text)
    return cents


def installment_count(installments: int, max_installments: int) -> int:
    if isinstance(installments, bool) or not isinstance(installments, int) or not 1 <= installments <= max_installments:
        raise CreditRuleViolation.single(
            "installments",
            CreditErrorCode.INVALID_INSTALLMENTS,
            message("INVALID_INSTALLMENTS", max=max_installments),
        )
    return installments


def expiry_ms(expires_at_ms: int | None, *, now_ms: int, authorization_ttl_hours: int) -> int:
    """When a hold expires: the requested moment, strictly after now and at most 30 days after it,
    or now + authorizationTtlHours when none is requested (the setting tops out at 720 h = 30 days)."""
    if expires_at_ms is None:
        return now_ms + authorization_ttl_hours * MS_PER_HOUR
    if not now_ms < expires_at_ms <= now_ms + MAX_EXPIRY_AHEAD_MS:
        raise CreditRuleViolation.single("expiresAt", CreditErrorCode.INVALID_EXPIRY, message("INVALID_EXPIRY"))
    return expires_at_ms


def idempotency_key(key: str) -> str:
    """1 to 128 printable ASCII characters (0x20–0x7E), kept exactly as given: keys are compared byte for byte."""
    valid = (
        isinstance(key, str) and 1 <= len(key) <= MAX_IDEMPOTENCY_KEY_LENGTH and all(" " <= char <= "~" for char in key)
    )
    if not valid:
        raise CreditRuleViolation.single(
            IDEMPOTENCY_KEY_FIELD,
            CreditErrorCode.INVALID_IDEMPOTENCY_KEY,
            message("INVALID_IDEMPOTENCY_KEY", max=MAX_IDEMPOTENCY_KEY_LENGTH),
        )
    return key


def _is_unicode_text(text: str) -> bool:
    """False for lone surrogates: JSON can carry them, UTF-8 (and so BSON) cannot."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def note_text(note: str) -> str:
    """The note stripped; 1 to 500 characters (code points) of valid Unicode."""
    if not isinstance(note, str) or not _is_unicode_text(note):
        raise CreditRuleViolation.single("note", CreditErrorCode.INVALID_NOTE, message("INVALID_NOTE.unicode"))
    text = note.strip()
    if not 1 <= len(text) <= MAX_NOTE_LENGTH:
        raise CreditRuleViolation.single(
            "note", CreditErrorCode.INVALID_NOTE, message("INVALID_NOTE", max=MAX_NOTE_LENGTH)
        )
    return text


class _Collector:
    """Runs checks and keeps every violation, so a caller sees all bad fields at once."""

    def __init__(self) -> None:
        self.errors: list[CreditError] = []

    def attempt(self, check: Callable[[], _T]) -> _T | None:
        try:
            return check()
        except CreditRuleViolation as violation:
            self.errors.extend(violation.errors)
            return None

    def raise_any(self) -> None:
        if self.errors:
            raise CreditRuleViolation(self.errors)


@dataclass(frozen=True)
class AuthorizationInput:
    amount_cents: int
    installments: int
    expires_at_ms: int
    idempotency_key: str


def validate_authorization(
    *,
    amount: Decimal,
    installments: int,
    expires_at_ms: int | None,
    key: str,
    now_ms: int,
    max_installments: int,
    authorization_ttl_hours: int,
) -> AuthorizationInput:
    """Every input rule of authorizeCredit, all failures at once.

    Beyond the contract: at most one installment per cent (0.01 in 2 installments would make an
    invoice of 0.00, and such a hold could never be settled), refused as INVALID_INSTALLMENTS.
    """
    found = _Collector()
    cents = found.attempt(lambda: amount_cents(amount))
    count = found.attempt(lambda: installment_count(installments, max_installments))
    expires = found.attempt(
        lambda: expiry_ms(expires_at_ms, now_ms=now_ms, authorization_ttl_hours=authorization_ttl_hours)
    )
    found.attempt(lambda: idempotency_key(key))
    if cents is not None and count is not None and count > cents:
        found.errors.append(
            CreditError(
                "installments",
                CreditErrorCode.INVALID_INSTALLMENTS,
                message("INVALID_INSTALLMENTS.cents"),
            )
        )
    found.raise_any()
    assert cents is not None and count is not None and expires is not None
    return AuthorizationInput(cents, count, expires, key)


@dataclass(frozen=True)
class AdjustmentInput:
    amount_cents: int
    note: str
    idempotency_key: str


def validate_adjustment(*, amount: Decimal, note: str, key: str) -> AdjustmentInput:
    """Every input rule of adjustBalance, all failures at once; the ADJUSTMENT entry is `amount_cents`."""
    found = _Collector()
    cents = found.attempt(lambda: adjustment_amount_cents(amount))
    text = found.attempt(lambda: note_text(note))
    found.attempt(lambda: idempotency_key(key))
    found.raise_any()
    assert cents is not None and text is not None
    return AdjustmentInput(cents, text, key)


# --- holds ----------------------------------------------------------------------------------------


def is_past_expiry(expires_at_ms: int, now_ms: int) -> bool:
    """A hold lives until `expiresAt`, exclusive: at that very millisecond it is gone.

    The one boundary for heldCredit, settleCredit and the sweeper, so they never disagree.
    """
    return now_ms >= expires_at_ms


def is_active_hold(status: CreditTransactionStatus, expires_at_ms: int, now_ms: int) -> bool:
    """Whether the transaction's amount counts in heldCredit: AUTHORIZED and not past expiresAt."""
    return status is CreditTransactionStatus.AUTHORIZED and not is_past_expiry(expires_at_ms, now_ms)


def cancel_transaction(status: CreditTransactionStatus) -> CreditTransactionStatus:
    """cancelCredit: AUTHORIZED → CANCELLED (the hold is released); anything else is refused."""
    if status is not CreditTransactionStatus.AUTHORIZED:
        raise CreditRuleViolation.single(
            "transactionId",
            CreditErrorCode.TRANSACTION_NOT_AUTHORIZED,
            message("TRANSACTION_NOT_AUTHORIZED", action=message("ACTION.cancelled"), status=status.value),
        )
    return CreditTransactionStatus.CANCELLED


def expire_transaction(status: CreditTransactionStatus, expires_at_ms: int, now_ms: int) -> CreditTransactionStatus:
    """The sweeper's rule: EXPIRED for an AUTHORIZED transaction past expiresAt, else the status unchanged."""
    if status is CreditTransactionStatus.AUTHORIZED and is_past_expiry(expires_at_ms, now_ms):
        return CreditTransactionStatus.EXPIRED
    return status


# --- settlement -----------------------------------------------------------------------------------


def utc_date(epoch_ms: int) -> date:
    """The UTC calendar date of a moment, by integer arithmetic."""
    return date.fromordinal(_EPOCH_ORDINAL + epoch_ms // MS_PER_DAY)


def split_installments(amount_cents: int, n: int) -> list[int]:
    """`n` parts adding up to exactly `amount_cents`, equal but for the remainder cents, which go
    one each to the first invoices (100.00 in 3 → 33.34, 33.33, 33.33)."""
    if n < 1 or amount_cents < 0:
        raise ValueError("need at least one installment and a non-negative amount")
    base, remainder = divmod(amount_cents, n)
    return [base + 1 if k < remainder else base for k in range(n)]


def due_dates(settlement_date: date, n: int, invoice_due_days: int) -> list[date]:
    """Invoice k (from 1) is due k × invoiceDueDays days after the settlement date."""
    return [settlement_date + timedelta(days=k * invoice_due_days) for k in range(1, n + 1)]


def invoice_id(transaction_id: str, installment: int) -> str:
    """Ids "<transactionId>-01" … "-48": two digits, so they sort in installment order."""
    if not 1 <= installment <= MAX_INSTALLMENTS:
        raise ValueError(f"installment must be between 1 and {MAX_INSTALLMENTS}")
    return f"{transaction_id}-{installment:02d}"


def check_settleable(status: CreditTransactionStatus, expires_at_ms: int, now_ms: int) -> None:
    """AUTHORIZED and not past expiresAt; past it, TRANSACTION_EXPIRED even before the sweeper has run."""
    if status is not CreditTransactionStatus.AUTHORIZED:
        raise CreditRuleViolation.single(
            "transactionId",
            CreditErrorCode.TRANSACTION_NOT_AUTHORIZED,
            message("TRANSACTION_NOT_AUTHORIZED", action=message("ACTION.settled"), status=status.value),
        )
    if is_past_expiry(expires_at_ms, now_ms):
        raise CreditRuleViolation.single(
            "transactionId", CreditErrorCode.TRANSACTION_EXPIRED, message("TRANSACTION_EXPIRED")
        )


def settlement_amount_cents(amount: Decimal, authorized_cents: int) -> int:
    """0 < amount ≤ the authorized amount. A malformed, zero or negative amount is INVALID_AMOUNT
    (it is not an amount at all); a valid one above the authorization is AMOUNT_EXCEEDS_AUTHORIZATION."""
    cents = amount_cents(amount)
    _check_within_authorization(cents, authorized_cents)
    return cents


def _check_within_authorization(cents: int, authorized_cents: int) -> None:
    if cents > authorized_cents:
        raise CreditRuleViolation.single(
            "amount",
            CreditErrorCode.AMOUNT_EXCEEDS_AUTHORIZATION,
            message("AMOUNT_EXCEEDS_AUTHORIZATION", authorized=cents_to_decimal(authorized_cents)),
        )


@dataclass(frozen=True)
class PlannedInvoice:
    id: str
    installment: int
    number_of_installments: int
    amount_cents: int
    due_date: date

    @property
    def entry_amount_cents(self) -> int:
        """Its INVOICE statement entry: negative, the holder now owes it."""
        return -self.amount_cents


@dataclass(frozen=True)
class SettlementPlan:
    """What settleCredit writes: status SETTLED, the whole hold released, one invoice and one
    INVOICE entry per installment (in installment order)."""

    amount_cents: int
    released_hold_cents: int
    settlement_date: date
    invoices: tuple[PlannedInvoice, ...]

    @property
    def balance_delta_cents(self) -> int:
        return -self.amount_cents


def plan_settlement(
    *,
    transaction_id: str,
    status: CreditTransactionStatus,
    authorized_cents: int,
    expires_at_ms: int,
    installments: int,
    amount: Decimal,
    now_ms: int,
    invoice_due_days: int,
) -> SettlementPlan:
    """Check a settlement and lay out its invoices.

    Order: the amount's form (INVALID_AMOUNT), the transaction's state, then the amount against
    the authorization. Beyond the contract: at least 0.01 per installment (INVALID_AMOUNT), so
    no invoice is ever of 0.00.
    """
    cents = amount_cents(amount)
    check_settleable(status, expires_at_ms, now_ms)
    _check_within_authorization(cents, authorized_cents)
    if cents < installments:
        raise CreditRuleViolation.single(
            "amount",
            CreditErrorCode.INVALID_AMOUNT,
            message("INVALID_AMOUNT.perInstallment", installments=installments),
        )
    settled_on = utc_date(now_ms)
    parts = split_installments(cents, installments)
    dues = due_dates(settled_on, installments, invoice_due_days)
    invoices = tuple(
        PlannedInvoice(invoice_id(transaction_id, k), k, installments, part, due)
        for k, (part, due) in enumerate(zip(parts, dues, strict=True), start=1)
    )
    return SettlementPlan(cents, authorized_cents, settled_on, invoices)


# --- refunds --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InvoiceDue:
    """An invoice of the refunded transaction as it stands: what is still due on it."""

    installment: int
    amount_cents: int
    status: InvoiceStatus


@dataclass(frozen=True)
class InvoiceReduction:
    installment: int
    amount_before_cents: int
    amount_after_cents: int
    status: InvoiceStatus  # OPEN, or CANCELLED once brought to 0

    @property
    def reduced_cents(self) -> int:
        return self.amount_before_cents - self.amount_after_cents


@dataclass(frozen=True)
class RefundPlan:
    """What refundCredit writes.

    The balance effect is always +amount, in one REFUND entry: each invoice went into the
    balance as a negative INVOICE entry when it was created, so lowering an OPEN invoice by x
    means the holder owes x less (balance +x), and what exceeds the open invoices (installments
    already paid) is credit in the holder's favour (balance +excess). Reduced + excess = amount.
    An invoice the refund brings to 0 is CANCELLED without a CANCELLATION entry of its own: the
    REFUND entry already carries it.
    """

    amount_cents: int
    reductions: tuple[InvoiceReduction, ...]  # last installment first, only the invoices touched
    credit_in_favour_cents: int
    refunded_after_cents: int

    @property
    def reduced_cents(self) -> int:
        return sum(r.reduced_cents for r in self.reductions)

    @property
    def entry_kind(self) -> StatementEntryKind:
        return StatementEntryKind.REFUND

    @property
    def balance_delta_cents(self) -> int:
        return self.amount_cents


def spread_refund(amount_cents: int, invoices: Sequence[InvoiceDue]) -> tuple[tuple[InvoiceReduction, ...], int]:
    """Lower the OPEN invoices from the last installment backwards; return the reductions and the
    excess left as credit in the holder's favour."""
    remaining = amount_cents
    reductions: list[InvoiceReduction] = []
    for invoice in sorted(invoices, key=lambda i: i.installment, reverse=True):
        if remaining == 0:
            break
        if invoice.status is not InvoiceStatus.OPEN or invoice.amount_cents <= 0:
            continue
        cut = min(remaining, invoice.amount_cents)
        after = invoice.amount_cents - cut
        status = InvoiceStatus.CANCELLED if after == 0 else InvoiceStatus.OPEN
        reductions.append(InvoiceReduction(invoice.installment, invoice.amount_cents, after, status))
        remaining -= cut
    return tuple(reductions), remaining


def plan_refund(
    *,
    status: CreditTransactionStatus,
    amount: Decimal,
    settled_cents: int,
    refunded_cents: int,
    invoices: Sequence[InvoiceDue],
) -> RefundPlan:
    """Check a refund and spread it over the transaction's invoices.

    A transaction that is not SETTLED is refused as AMOUNT_EXCEEDS_REFUNDABLE: the contract has
    no "not settled" code, and TRANSACTION_NOT_AUTHORIZED would wrongly suggest authorizing it;
    an unsettled transaction has nothing refundable (its settledAmount is 0), so any amount
    exceeds what is refundable — the closest code, exact in meaning.
    """
    cents = amount_cents(amount)
    if status is not CreditTransactionStatus.SETTLED:
        raise CreditRuleViolation.single(
            "amount",
            CreditErrorCode.AMOUNT_EXCEEDS_REFUNDABLE,
            message("AMOUNT_EXCEEDS_REFUNDABLE.notSettled", status=status.value),
        )
    refundable = settled_cents - refunded_cents
    if cents > refundable:
        raise CreditRuleViolation.single(
            "amount",
            CreditErrorCode.AMOUNT_EXCEEDS_REFUNDABLE,
            message("AMOUNT_EXCEEDS_REFUNDABLE", refundable=cents_to_decimal(max(refundable, 0))),
        )
    reductions, excess = spread_refund(cents, invoices)
    return RefundPlan(cents, reductions, excess, refunded_cents + cents)


# --- invoices -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InvoiceTransition:
    """An invoice's new status and the one statement entry that records it."""

    status: InvoiceStatus
    entry_kind: StatementEntryKind
    entry_amount_cents: int


def pay_invoice(status: InvoiceStatus, amount_cents: int) -> InvoiceTransition:
    """OPEN → PAID with a PAYMENT entry of +amount (what was still due). A PAID or CANCELLED
    invoice is INVOICE_NOT_OPEN (the contract keeps INVOICE_PAID for cancelling a paid one)."""
    if status is not InvoiceStatus.OPEN:
        raise CreditRuleViolation.single(
            "invoiceId",
            CreditErrorCode.INVOICE_NOT_OPEN,
            message("INVOICE_NOT_OPEN", action=message("ACTION.paid"), status=status.value),
        )
    return InvoiceTransition(InvoiceStatus.PAID, StatementEntryKind.PAYMENT, amount_cents)


def cancel_invoice(status: InvoiceStatus, amount_cents: int) -> InvoiceTransition:
    """OPEN → CANCELLED with a CANCELLATION entry of +amount; PAID is INVOICE_PAID, CANCELLED INVOICE_NOT_OPEN."""
    if status is InvoiceStatus.PAID:
        raise CreditRuleViolation.single("invoiceId", CreditErrorCode.INVOICE_PAID, message("INVOICE_PAID"))
    if status is not InvoiceStatus.OPEN:
        raise CreditRuleViolation.single(
            "invoiceId",
            CreditErrorCode.INVOICE_NOT_OPEN,
            message("INVOICE_NOT_OPEN", action=message("ACTION.cancelled"), status=status.value),
        )
    return InvoiceTransition(InvoiceStatus.CANCELLED, StatementEntryKind.CANCELLATION, amount_cents)


def _require_postponement_enabled(postponement_enabled: bool) -> None:
    if not postponement_enabled:
        raise CreditRuleViolation.single(None, CreditErrorCode.POSTPONEMENT_DISABLED, message("POSTPONEMENT_DISABLED"))


def check_postponement(
    days: int, already_postponed_days: int, *, postponement_enabled: bool, max_postponement_days: int
) -> None:
    """The store allows postponing; days ≥ 1; the invoice's total postponement stays ≤ maxPostponementDays."""
    _require_postponement_enabled(postponement_enabled)
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise CreditRuleViolation.single("days", CreditErrorCode.INVALID_POSTPONEMENT, message("INVALID_POSTPONEMENT"))
    if already_postponed_days + days > max_postponement_days:
        left = max(max_postponement_days - already_postponed_days, 0)
        raise CreditRuleViolation.single(
            "days",
            CreditErrorCode.INVALID_POSTPONEMENT,
            message("INVALID_POSTPONEMENT.total", max=max_postponement_days, left=left),
        )


def postpone_invoice(
    *,
    status: InvoiceStatus,
    due_date: date,
    original_due_date: date,
    days: int,
    postponement_enabled: bool,
    max_postponement_days: int,
) -> date:
    """The new dueDate (originalDueDate stays). What was postponed before is dueDate − originalDueDate."""
    _require_postponement_enabled(postponement_enabled)
    if status is not InvoiceStatus.OPEN:
        raise CreditRuleViolation.single(
            "invoiceId",
            CreditErrorCode.INVOICE_NOT_OPEN,
            message("INVOICE_NOT_OPEN", action=message("ACTION.postponed"), status=status.value),
        )
    already = (due_date - original_due_date).days
    check_postponement(
        days, already, postponement_enabled=postponement_enabled, max_postponement_days=max_postponement_days
    )
    return due_date + timedelta(days=days)


def is_overdue(status: InvoiceStatus, due_date: date, today: date) -> bool:
    """OPEN and due before today (UTC): on its due date an invoice is not overdue yet."""
    return status is InvoiceStatus.OPEN and due_date < today


# --- idempotency ----------------------------------------------------------------------------------


def _canonical(value: object) -> object:
    """A JSON value that is equal exactly when the inputs are, tagged by kind so a string never
    passes for a number. Decimals go through cents ("10.0" and "10.00" are one amount); one with
    more places keeps its exact digits, trailing zeros dropped."""
    if value is None:
        return ["null"]
    if isinstance(value, bool):
        return ["bool", value]
    if isinstance(value, enum.Enum):
        return _canonical(value.value)
    if isinstance(value, str):
        return ["str", value]
    if isinstance(value, int):
        return ["int", value]
    if isinstance(value, Decimal):
        try:
            return ["cents", decimal_to_cents(value)]
        except (PrecisionError, MagnitudeError, ValueError):
            pass
        if not value.is_finite():
            return ["decimal", str(value)]
        sign, digits, exponent = value.as_tuple()
        assert isinstance(exponent, int)
        # digit strings, not int(): Python refuses int() of more than 4,300 digits
        significant = "".join(map(str, digits)).lstrip("0")  # never empty: zero is 0 cents above
        stripped = significant.rstrip("0")
        exponent += len(significant) - len(stripped)
        return ["decimal", f"{'-' if sign else ''}{stripped}E{exponent}"]
    if isinstance(value, date):
        return ["date", value.isoformat()]
    if isinstance(value, Mapping):
        return ["map", {str(k): _canonical(v) for k, v in value.items()}]
    if isinstance(value, list | tuple):
        return ["list", [_canonical(v) for v in value]]
    raise TypeError(f"cannot fingerprint a {type(value).__name__}")  # floats included: never money


def request_fingerprint(mutation_name: str, fields: Mapping[str, object]) -> str:
    """A stable SHA-256 hex digest of a mutation's input, without its idempotency key.

    Pass the input after defaults are applied (installments 1, say); a field given as None counts
    as not given, so REST's absent field and GraphQL's null match.
    """
    body = {
        name: _canonical(value)
        for name, value in fields.items()
        if name not in (IDEMPOTENCY_KEY_FIELD, "idempotency_key") and value is not None
    }
    text = json.dumps([mutation_name, body], sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def check_same_request(stored_fingerprint: str, fingerprint: str) -> None:
    """A key already used for this mutation: the same input replays its outcome, other input is refused."""
    if stored_fingerprint != fingerprint:
        raise CreditRuleViolation.single(
            IDEMPOTENCY_KEY_FIELD,
            CreditErrorCode.IDEMPOTENCY_KEY_REUSED,
            message("IDEMPOTENCY_KEY_REUSED"),
        )
