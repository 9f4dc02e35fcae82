"""Using an account's credit: holds, settlement, cancellation, refunds, invoices and adjustments.

Every operation follows one path (`run`): its idempotency key names one operation id (a retry
with the key, or a concurrent call with it, gets the same id); if that operation was already
decided, its outcome is answered again; otherwise the account's ledger is read, the operation
planned by the pure planner and applied in one conditional update, and its documents written.
A business refusal is recorded on the account too, so a retry answers it again and the
operation can never apply later.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol, TypeVar

from customer_credit.domain.clock import now_ms
from customer_credit.domain.credit import (
    CreditError,
    CreditErrorCode,
    CreditRuleViolation,
    available_credit_cents,
    check_same_request,
    check_sufficient_credit,
    idempotency_key,
    request_fingerprint,
    spending_limit_cents,
    utc_date,
    validate_adjustment,
    validate_authorization,
)
from customer_credit.domain.credit_records import (
    CreditTransaction,
    Invoice,
    InvoiceQuery,
    InvoiceTotals,
    Ledger,
    LedgerOp,
    OpKind,
    StatementEntry,
)
from customer_credit.domain.ledger_planner import (
    Plan,
    plan_adjustment,
    plan_authorization,
    plan_cancel,
    plan_expiry,
    plan_invoice_settlement,
    plan_postponement,
    plan_refund_of,
    plan_settle,
)
from customer_credit.domain.messages import message
from customer_credit.domain.settings_rules import StoreSettings
from customer_credit.persistence.accounts import AccountRepository
from customer_credit.persistence.ledger import LedgerRepository

# Attempts of an operation whose account moved on between its read and its write. Each failed
# attempt means another operation on the account was applied, so this only bounds a hot spot.
MAX_ATTEMPTS = 32
IDEMPOTENCY_TTL_MS = 48 * 3_600_000
# What an account remembers of its decided operations outlives the keys that name them.
FORGET_AFTER_MS = 2 * IDEMPOTENCY_TTL_MS


@dataclass(frozen=True)
class Outcome:
    """What a money mutation answers: the account it touched and what it made or changed."""

    account_id: str
    result_id: str
    op: LedgerOp | None = None  # the operation, when this call applied it (its documents are fresh)


def not_found(field: str, what: str, value: str) -> CreditRuleViolation:
    return CreditRuleViolation.single(field, CreditErrorCode.NOT_FOUND, message(f"NOT_FOUND.{what}", id=repr(value)))


class LedgerBusy(Exception):
    """The account kept changing while an operation was being applied; nothing was applied, and a
    retry with the same idempotency key is safe."""


@dataclass
class Ledgers:
    """The repositories and the store settings an operation needs."""

    ledger: LedgerRepository
    accounts: AccountRepository
    settings: StoreSettings


async def complete_pending(ledger: LedgerRepository, account_id: str) -> None:
    """Write the documents of operations applied to the account but not yet followed through (after a crash)."""
    for op in await ledger.pending_of(account_id):
        await ledger.complete(op)


@dataclass(frozen=True)
class Claim:
    """The operation an idempotency key names, and whether this call named it first (`fresh`): a
    fresh operation cannot have been decided yet, so its first attempt skips looking."""

    op_id: str
    fresh: bool


async def operation_id(
    ledger: LedgerRepository,
    *,
    mutation: str,
    key: str | None,
    fingerprint: str,
    account_id: str,
) -> Claim:
    """The operation a key names: the first call's (the same input is required), or a new one."""
    op_id = str(uuid.uuid4())
    if key is None:
        return Claim(op_id, fresh=True)
    record = await ledger.claim_key(f"{mutation}:{key}", fingerprint, op_id, account_id, now_ms())
    check_same_request(record["fingerprint"], fingerprint)
    return Claim(str(record["op_id"]), fresh=record["op_id"] == op_id)


async def decided(ledger: LedgerRepository, account_id: str, op_id: str) -> Outcome | None:
    """The outcome of an operation already decided on the account (its refusal raised again), else None."""
    pending, done = await ledger.decision(account_id, op_id)
    if pending is not None:
        await ledger.complete(pending)
        return Outcome(account_id, pending.result_id, pending)
    if done is None:
        return None
    if done.refusal is not None:
        raise CreditRuleViolation.single(
            done.field, CreditErrorCode(done.refusal), done.message or message(done.refusal)
        )
    return Outcome(account_id, done.result_id or "")


async def run(
    ledger: LedgerRepository,
    account_id: str,
    claim: Claim,
    plan: Callable[[Ledger], Awaitable[Plan]],
    *,
    keyed: bool,
    require_open: bool = False,
) -> Outcome:
    """Plan from a fresh read and apply, until the write meets the state it was planned from.

    With an idempotency key (`keyed`), a refusal is recorded on the account before it is answered."""
    op_id = claim.op_id
    for attempt in range(MAX_ATTEMPTS):
        outcome = None if attempt == 0 and claim.fresh else await decided(ledger, account_id, op_id)
        if outcome is not None:
            return outcome
        await complete_pending(ledger, account_id)
        current = await ledger.read(account_id)
        if current is None:
            raise not_found("accountId", "account", account_id)
        try:
            op, effect = await plan(current)
        except CreditRuleViolation as refusal:
            if not keyed:
                raise
            await ledger.refuse(account_id, op_id, refusal.errors[0], now_ms())
            continue  # answers the refusal recorded (or whatever a concurrent call decided first)
        forgotten = [o for o, done in current.done.items() if done.at_ms < now_ms() - FORGET_AFTER_MS]
        if await ledger.apply(current, op, effect, require_open=require_open, forget=forgotten):
            await ledger.complete(op)
            return Outcome(account_id, op.result_id, op)
    raise LedgerBusy(account_id)


# --- holds --------------------------------------------------------------------------------------


async def authorize_credit(
    ledgers: Ledgers,
    *,
    account_id: str,
    amount: Decimal,
    installments: int,
    expires_at_ms: int | None,
    order_id: str | None,
    key: str | None,
    actor: str,
) -> Outcome:
    """Hold the amount if it fits the available credit at the moment of the write.

    The write needs no read before it (`headroom ≥ amount`); only a refused write reads, to say
    why, after releasing holds already past their expiry (which the write still counts)."""
    ledger, settings = ledgers.ledger, ledgers.settings
    fingerprint = request_fingerprint(
        "authorizeCredit",
        {
            "accountId": account_id,
            "amount": amount,
            "installments": installments,
            "expiresAt": expires_at_ms,
            "orderId": order_id,
        },
    )
    try:
        inputs = validate_authorization(
            amount=amount,
            installments=installments,
            expires_at_ms=expires_at_ms,
            key=key if key is not None else "-",
            now_ms=now_ms(),
            max_installments=settings.max_installments,
            authorization_ttl_hours=settings.authorization_ttl_hours,
        )
    except CreditRuleViolation:
        # Valid once, perhaps (an expiry now in the past): a retry gets the first call's answer.
        replayed = await replay(ledger, "authorizeCredit", key, fingerprint)
        if replayed is not None:
            return replayed
        raise
    claim = await operation_id(
        ledger, mutation="authorizeCredit", key=key, fingerprint=fingerprint, account_id=account_id
    )
    op_id = claim.op_id
    for attempt in range(MAX_ATTEMPTS):
        outcome = None if attempt == 0 and claim.fresh else await decided(ledger, account_id, op_id)
        if outcome is not None:
            return outcome
        op, effect = plan_authorization(account_id, op_id, inputs, order_id=order_id, actor=actor, now_ms=now_ms())
        if await ledger.authorize(op, effect, tolerance_enabled=settings.tolerance_enabled):
            await ledger.complete(op)
            return Outcome(account_id, op.result_id, op)
        account = await ledgers.accounts.get(account_id)
        if account is None:
            raise not_found("accountId", "account", account_id)
        at = now_ms()
        if account.status.value != "OPEN":
            refusal = CreditError("accountId", CreditErrorCode.ACCOUNT_CLOSED, message("ACCOUNT_CLOSED"))
        elif any(hold.expires_at_ms <= at for hold in account.holds):
            await expire_holds(ledger, account_id)
            continue
        else:
            spending = spending_limit_cents(
                account.credit_limit_cents, account.tolerance_units, settings.tolerance_enabled
            )
            available = available_credit_cents(spending, account.balance_cents, account.held_now(at))
            try:
                check_sufficient_credit(inputs.amount_cents, available)
                continue  # credit was freed meanwhile: try the write again
            except CreditRuleViolation as violation:
                refusal = violation.errors[0]
        if key is None:
            raise CreditRuleViolation([refusal])
        await ledger.refuse(account_id, op_id, refusal, at)
    raise LedgerBusy(account_id)


async def replay(ledger: LedgerRepository, mutation: str, key: str | None, fingerprint: str) -> Outcome | None:
    """A key seen before: its first call's outcome (the same input required), whatever the input
    checks say now, so a retry long after (an expiry now in the past, say) gets the original answer."""
    if key is None:
        return None
    idempotency_key(key)
    record = await ledger.find_key(f"{mutation}:{key}")
    if record is None:
        return None
    check_same_request(record["fingerprint"], fingerprint)
    return await decided(ledger, record["account_id"], record["op_id"])


async def expire_holds(ledger: LedgerRepository, account_id: str) -> int:
    """Release the account's holds past their expiry (the background worker does this within a minute)."""
    released = 0
    current = await ledger.read(account_id)
    if current is None:
        return 0
    for hold in current.expired_holds(now_ms()):
        transaction = await ledger.transaction(hold.transaction_id)
        if transaction is None:
            await complete_pending(ledger, account_id)
            transaction = await ledger.transaction(hold.transaction_id)
        if transaction is None:
            continue
        released += await expire(ledger, transaction)
    return released


async def expire(ledger: LedgerRepository, transaction: CreditTransaction) -> int:
    """Release one expired hold; 1 when this call released it."""
    account_id = transaction.account_id
    for _ in range(MAX_ATTEMPTS):
        await complete_pending(ledger, account_id)
        current = await ledger.read(account_id)
        if current is None:
            return 0
        planned = plan_expiry(current, transaction, op_id=str(uuid.uuid4()), now_ms=now_ms())
        if planned is None:
            return 0
        op, effect = planned
        if await ledger.apply(current, op, effect):
            await ledger.complete(op)
            return 1
    return 0


async def transaction_of(ledger: LedgerRepository, transaction_id: str) -> CreditTransaction:
    transaction = await ledger.transaction(transaction_id)
    if transaction is None:
        raise not_found("transactionId", "transaction", transaction_id)
    return transaction


class OnAccount(Protocol):
    @property
    def account_id(self) -> str: ...


Subject = TypeVar("Subject", bound=OnAccount)


async def _operation_on(
    ledgers: Ledgers,
    mutation: str,
    key: str | None,
    request: Mapping[str, object],
    load: Callable[[], Awaitable[Subject]],
    plan: Callable[[Ledger, Subject, str], Awaitable[Plan]],
) -> Outcome:
    """An operation on one transaction or invoice (`load` reads it afresh): replayed for a known key,
    else planned against its account's ledger and applied."""
    ledger = ledgers.ledger
    fingerprint = request_fingerprint(mutation, request)
    replayed = await replay(ledger, mutation, key, fingerprint)
    if replayed is not None:
        return replayed
    account_id = (await load()).account_id
    claim = await operation_id(ledger, mutation=mutation, key=key, fingerprint=fingerprint, account_id=account_id)

    async def planned(current: Ledger) -> Plan:
        return await plan(current, await load(), claim.op_id)

    return await run(ledger, account_id, claim, planned, keyed=key is not None)


async def settle_credit(
    ledgers: Ledgers, *, transaction_id: str, amount: Decimal, key: str | None, actor: str
) -> Outcome:
    settings = ledgers.settings

    async def plan(current: Ledger, transaction: CreditTransaction, op_id: str) -> Plan:
        return plan_settle(current, transaction, amount, op_id=op_id, settings=settings, actor=actor, now_ms=now_ms())

    request = {"transactionId": transaction_id, "amount": amount}
    return await _operation_on(
        ledgers, "settleCredit", key, request, lambda: transaction_of(ledgers.ledger, transaction_id), plan
    )


async def cancel_credit(ledgers: Ledgers, *, transaction_id: str, key: str | None, actor: str) -> Outcome:
    async def plan(current: Ledger, transaction: CreditTransaction, op_id: str) -> Plan:
        return plan_cancel(current, transaction, op_id=op_id, actor=actor, now_ms=now_ms())

    request = {"transactionId": transaction_id}
    return await _operation_on(
        ledgers, "cancelCredit", key, request, lambda: transaction_of(ledgers.ledger, transaction_id), plan
    )


async def refund_credit(
    ledgers: Ledgers, *, transaction_id: str, amount: Decimal, key: str | None, actor: str
) -> Outcome:
    ledger = ledgers.ledger

    async def plan(current: Ledger, transaction: CreditTransaction, op_id: str) -> Plan:
        invoices = await ledger.invoices_of(transaction.id)
        return plan_refund_of(current, transaction, invoices, amount, op_id=op_id, actor=actor, now_ms=now_ms())

    request = {"transactionId": transaction_id, "amount": amount}
    return await _operation_on(
        ledgers, "refundCredit", key, request, lambda: transaction_of(ledgers.ledger, transaction_id), plan
    )


# --- invoices and adjustments -------------------------------------------------------------------


async def invoice_of(ledger: LedgerRepository, invoice_id: str) -> Invoice:
    """An invoice, its settlement's documents written first if a crash left them behind."""
    invoice = await ledger.invoice(invoice_id)
    if invoice is None:
        transaction = await ledger.transaction(invoice_id.rpartition("-")[0])
        if transaction is not None:
            await complete_pending(ledger, transaction.account_id)
            invoice = await ledger.invoice(invoice_id)
    if invoice is None:
        raise not_found("invoiceId", "invoice", invoice_id)
    return invoice


async def pay_invoice(ledgers: Ledgers, *, invoice_id: str, key: str | None, actor: str) -> Outcome:
    async def plan(current: Ledger, invoice: Invoice, op_id: str) -> Plan:
        return plan_invoice_settlement(current, invoice, OpKind.PAY_INVOICE, op_id=op_id, actor=actor, now_ms=now_ms())

    request = {"invoiceId": invoice_id}
    return await _operation_on(
        ledgers, "payInvoice", key, request, lambda: invoice_of(ledgers.ledger, invoice_id), plan
    )


async def cancel_invoice(ledgers: Ledgers, *, invoice_id: str, key: str | None, actor: str) -> Outcome:
    async def plan(current: Ledger, invoice: Invoice, op_id: str) -> Plan:
        return plan_invoice_settlement(
            current, invoice, OpKind.CANCEL_INVOICE, op_id=op_id, actor=actor, now_ms=now_ms()
        )

    request = {"invoiceId": invoice_id}
    return await _operation_on(
        ledgers, "cancelInvoice", key, request, lambda: invoice_of(ledgers.ledger, invoice_id), plan
    )


async def postpone_invoice(ledgers: Ledgers, *, invoice_id: str, days: int, key: str | None, actor: str) -> Outcome:
    settings = ledgers.settings

    async def plan(current: Ledger, invoice: Invoice, op_id: str) -> Plan:
        return plan_postponement(current, invoice, days, settings=settings, op_id=op_id, actor=actor, now_ms=now_ms())

    request = {"invoiceId": invoice_id, "days": days}
    return await _operation_on(
        ledgers, "postponeInvoice", key, request, lambda: invoice_of(ledgers.ledger, invoice_id), plan
    )


async def adjust_balance(
    ledgers: Ledgers, *, account_id: str, amount: Decimal, note: str, key: str | None, actor: str
) -> Outcome:
    ledger = ledgers.ledger
    fingerprint = request_fingerprint("adjustBalance", {"accountId": account_id, "amount": amount, "note": note})
    replayed = await replay(ledger, "adjustBalance", key, fingerprint)
    if replayed is not None:
        return replayed
    inputs = validate_adjustment(amount=amount, note=note, key=key if key is not None else "-")
    claim = await operation_id(
        ledger, mutation="adjustBalance", key=key, fingerprint=fingerprint, account_id=account_id
    )

    async def plan(current: Ledger) -> Plan:
        if not current.is_open:
            raise CreditRuleViolation.single("accountId", CreditErrorCode.ACCOUNT_CLOSED, message("ACCOUNT_CLOSED"))
        return plan_adjustment(
            current, inputs.amount_cents, inputs.note, op_id=claim.op_id, actor=actor, now_ms=now_ms()
        )

    return await run(ledger, account_id, claim, plan, keyed=key is not None, require_open=True)


# --- reads --------------------------------------------------------------------------------------


async def credit_transaction(ledger: LedgerRepository, transaction_id: str) -> CreditTransaction | None:
    transaction = await ledger.transaction(transaction_id)
    if transaction is not None:
        await complete_pending(ledger, transaction.account_id)
        transaction = await ledger.transaction(transaction_id)
    return transaction


async def invoice(ledger: LedgerRepository, invoice_id: str) -> Invoice | None:
    try:
        found = await invoice_of(ledger, invoice_id)
    except CreditRuleViolation:
        return None
    await complete_pending(ledger, found.account_id)
    return await ledger.invoice(invoice_id)


async def statement_entry(ledger: LedgerRepository, entry_id: str) -> StatementEntry | None:
    return await ledger.entry(entry_id)


async def invoice_totals(ledger: LedgerRepository, query: InvoiceQuery) -> InvoiceTotals:
    """The totals of the whole filtered set, so that a screen's sums do not follow its page."""
    if query.account_id is not None:
        await complete_pending(ledger, query.account_id)
    return await ledger.invoice_totals(query, today=today_utc())


def today_utc() -> date:
    return utc_date(now_ms())


async def sweep(ledger: LedgerRepository, *, batch: int = 200) -> int:
    """The background worker's pass: release expired holds, follow through operations a crash left
    pending, forget idempotency keys past their time. Returns how many holds it released."""
    released = 0
    for transaction in await ledger.expired_authorizations(now_ms(), batch):
        released += await expire(ledger, transaction)
    await follow_through(ledger, await ledger.stale_pending(now_ms() - 10_000, batch))
    await ledger.expire_keys(now_ms() - IDEMPOTENCY_TTL_MS)
    return released


async def flush_invoice_totals(ledger: LedgerRepository, *, rounds: int = 10) -> int:
    """Move the invoice totals' changes accounts carry into the kept totals, a batch at a time, until
    none is left or `rounds` batches have moved; how many accounts' changes moved."""
    moved = 0
    for _ in range(rounds):
        batch = await ledger.totals.flush()
        moved += batch
        if batch == 0:
            break
    return moved


async def keep_invoice_totals(ledger: LedgerRepository) -> int:
    """Start keeping invoice totals on a store written before they were kept (a start-up upgrade, run
    before this process applies any operation): the documents of every operation still pending are
    written, so that the invoices show them, then the invoices are counted. How many were counted."""
    await follow_through(ledger, await ledger.stale_pending(now_ms() + 1, 0))
    return await ledger.totals.build()


async def follow_through(ledger: LedgerRepository, account_ids: list[str]) -> None:
    """Write the documents of the accounts' pending operations, and forget their pending marks."""
    for account_id in account_ids:
        seen = await ledger.pending_mark(account_id)
        await complete_pending(ledger, account_id)
        if seen is not None:
            await ledger.clear_pending_mark(account_id, seen)
