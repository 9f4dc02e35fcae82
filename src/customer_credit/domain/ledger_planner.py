"""Each money operation, decided without a database: from the account's Ledger as read, the
operation to record (`LedgerOp`) and what it changes (`LedgerEffect`), or a CreditRuleViolation.

The persistence layer applies the effect in one conditional update pinned on what was read,
so a plan made from a stale read is never applied (the caller reads again and plans again).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from customer_credit.domain.credit import (
    AuthorizationInput,
    CreditErrorCode,
    CreditRuleViolation,
    CreditTransactionStatus,
    InvoiceDue,
    InvoiceStatus,
    StatementEntryKind,
    cancel_invoice,
    pay_invoice,
    plan_refund,
    plan_settlement,
    postpone_invoice,
    utc_date,
)
from customer_credit.domain.credit_records import (
    CreditTransaction,
    Hold,
    Invoice,
    Ledger,
    LedgerEffect,
    LedgerOp,
    OpenInvoice,
    OpKind,
    StatementEntry,
)
from customer_credit.domain.messages import message
from customer_credit.domain.settings_rules import StoreSettings

Plan = tuple[LedgerOp, LedgerEffect]


def entry_id(account_id: str, revision: int, index: int) -> str:
    """Entries sort by id in the order they were applied: the revision that wrote them, then their place.
    The `e:` prefix keeps an id from ever reading as a date (an account may be named `2026-01-05`)."""
    return f"e:{account_id}:{revision:010d}:{index:02d}"


def plan_authorization(
    account_id: str, op_id: str, inputs: AuthorizationInput, *, order_id: str | None, actor: str, now_ms: int
) -> Plan:
    """A hold of the amount; the transaction's id is the operation's, so a retry names the same one."""
    transaction = CreditTransaction(
        id=op_id,
        account_id=account_id,
        amount_cents=inputs.amount_cents,
        installments=inputs.installments,
        order_id=order_id,
        status=CreditTransactionStatus.AUTHORIZED,
        created_at_ms=now_ms,
        expires_at_ms=inputs.expires_at_ms,
        actor=actor,
    )
    hold = Hold(op_id, inputs.amount_cents, inputs.expires_at_ms)
    op = LedgerOp(op_id, OpKind.AUTHORIZE, account_id, now_ms, actor, op_id, transaction=transaction)
    return op, LedgerEffect(add_hold=hold)


def _hold_of(ledger: Ledger, transaction: CreditTransaction) -> tuple[Hold | None, CreditTransactionStatus]:
    """The transaction's hold on the account and its status as the account decides it: a transaction
    is AUTHORIZED exactly while its hold is on the account."""
    hold = ledger.holds.get(transaction.id)
    if hold is not None:
        return hold, CreditTransactionStatus.AUTHORIZED
    status = transaction.status
    if status is CreditTransactionStatus.AUTHORIZED:  # released by an operation whose documents lag behind
        status = CreditTransactionStatus.EXPIRED
    return None, status


def plan_settle(
    ledger: Ledger,
    transaction: CreditTransaction,
    amount: Decimal,
    *,
    op_id: str,
    settings: StoreSettings,
    actor: str,
    now_ms: int,
) -> Plan:
    hold, status = _hold_of(ledger, transaction)
    plan = plan_settlement(
        transaction_id=transaction.id,
        status=status,
        authorized_cents=hold.amount_cents if hold else transaction.amount_cents,
        expires_at_ms=hold.expires_at_ms if hold else transaction.expires_at_ms,
        installments=transaction.installments,
        amount=amount,
        now_ms=now_ms,
        invoice_due_days=settings.invoice_due_days,
    )
    assert hold is not None  # plan_settlement refuses anything but an AUTHORIZED transaction
    revision = ledger.revision + 1
    balance = ledger.balance_cents
    invoices, entries = [], []
    for index, planned in enumerate(plan.invoices):
        balance += planned.entry_amount_cents
        invoices.append(
            Invoice(
                id=planned.id,
                account_id=ledger.account_id,
                transaction_id=transaction.id,
                order_id=transaction.order_id,
                installment=planned.installment,
                number_of_installments=planned.number_of_installments,
                amount_cents=planned.amount_cents,
                original_amount_cents=planned.amount_cents,
                status=InvoiceStatus.OPEN,
                due_date=planned.due_date,
                original_due_date=planned.due_date,
                created_at_ms=now_ms,
            )
        )
        entries.append(
            StatementEntry(
                id=entry_id(ledger.account_id, revision, index),
                account_id=ledger.account_id,
                at_ms=now_ms,
                kind=StatementEntryKind.INVOICE,
                amount_cents=planned.entry_amount_cents,
                balance_after_cents=balance,
                actor=actor,
                transaction_id=transaction.id,
                invoice_id=planned.id,
            )
        )
    settled = replace(
        transaction,
        status=CreditTransactionStatus.SETTLED,
        settled_cents=plan.amount_cents,
        settled_at_ms=now_ms,
        invoice_ids=tuple(invoice.id for invoice in invoices),
    )
    op = LedgerOp(
        op_id,
        OpKind.SETTLE,
        ledger.account_id,
        now_ms,
        actor,
        transaction.id,
        revision=revision,
        transaction=settled,
        invoices=tuple(invoices),
        entries=tuple(entries),
    )
    effect = LedgerEffect(
        balance_delta_cents=plan.balance_delta_cents,
        remove_hold=hold,
        set_open_invoices=tuple(OpenInvoice(i.id, i.amount_cents, i.due_date) for i in invoices),
        set_refundable=((transaction.id, plan.amount_cents),),
    )
    return op, effect


def _release(
    ledger: Ledger,
    transaction: CreditTransaction,
    status: CreditTransactionStatus,
    kind: OpKind,
    *,
    op_id: str,
    actor: str,
    now_ms: int,
) -> Plan:
    hold = ledger.holds[transaction.id]
    op = LedgerOp(
        op_id,
        kind,
        ledger.account_id,
        now_ms,
        actor,
        transaction.id,
        revision=ledger.revision + 1,
        transaction=replace(transaction, status=status),
    )
    return op, LedgerEffect(remove_hold=hold)


def plan_cancel(ledger: Ledger, transaction: CreditTransaction, *, op_id: str, actor: str, now_ms: int) -> Plan:
    """AUTHORIZED → CANCELLED, its hold released. One past its expiry has already expired."""
    hold, status = _hold_of(ledger, transaction)
    if hold is not None and hold.expires_at_ms <= now_ms:
        status = CreditTransactionStatus.EXPIRED
    if status is CreditTransactionStatus.EXPIRED:
        raise CreditRuleViolation.single(
            "transactionId", CreditErrorCode.TRANSACTION_EXPIRED, message("TRANSACTION_EXPIRED.nothingHeld")
        )
    if status is not CreditTransactionStatus.AUTHORIZED:
        raise CreditRuleViolation.single(
            "transactionId",
            CreditErrorCode.TRANSACTION_NOT_AUTHORIZED,
            message("TRANSACTION_NOT_AUTHORIZED", action=message("ACTION.cancelled"), status=status.value),
        )
    return _release(
        ledger, transaction, CreditTransactionStatus.CANCELLED, OpKind.CANCEL, op_id=op_id, actor=actor, now_ms=now_ms
    )


def plan_expiry(ledger: Ledger, transaction: CreditTransaction, *, op_id: str, now_ms: int) -> Plan | None:
    """The background worker's release of a hold past its expiry; None when there is nothing to release."""
    hold = ledger.holds.get(transaction.id)
    if hold is None or hold.expires_at_ms > now_ms:
        return None
    return _release(
        ledger, transaction, CreditTransactionStatus.EXPIRED, OpKind.EXPIRE, op_id=op_id, actor="system", now_ms=now_ms
    )


def plan_refund_of(
    ledger: Ledger,
    transaction: CreditTransaction,
    invoices: list[Invoice],
    amount: Decimal,
    *,
    op_id: str,
    actor: str,
    now_ms: int,
) -> Plan:
    """The refund lowers the transaction's open invoices from the last one backwards; the rest is
    credit in the holder's favour. One REFUND entry of +amount."""
    refundable = ledger.refundable.get(transaction.id, 0)
    settled = transaction.settled_cents if transaction.status is CreditTransactionStatus.SETTLED else 0
    dues = []
    for invoice in invoices:
        open_invoice = ledger.open_invoices.get(invoice.id)
        if open_invoice is not None:
            dues.append(InvoiceDue(invoice.installment, open_invoice.amount_cents, InvoiceStatus.OPEN))
        else:
            closed = invoice.status if invoice.status is not InvoiceStatus.OPEN else InvoiceStatus.PAID
            dues.append(InvoiceDue(invoice.installment, 0, closed))
    plan = plan_refund(
        status=transaction.status,
        amount=amount,
        settled_cents=settled,
        refunded_cents=settled - refundable,
        invoices=dues,
    )
    by_installment = {invoice.installment: invoice for invoice in invoices}
    changed, still_open, closed_ids = [], [], []
    for reduction in plan.reductions:
        invoice = by_installment[reduction.installment]
        if reduction.status is InvoiceStatus.CANCELLED:
            changed.append(replace(invoice, amount_cents=0, status=InvoiceStatus.CANCELLED, cancelled_at_ms=now_ms))
            closed_ids.append(invoice.id)
        else:
            due = ledger.open_invoices[invoice.id].due_date
            changed.append(replace(invoice, amount_cents=reduction.amount_after_cents, due_date=due))
            still_open.append(OpenInvoice(invoice.id, reduction.amount_after_cents, due))
    revision = ledger.revision + 1
    entry = StatementEntry(
        id=entry_id(ledger.account_id, revision, 0),
        account_id=ledger.account_id,
        at_ms=now_ms,
        kind=StatementEntryKind.REFUND,
        amount_cents=plan.amount_cents,
        balance_after_cents=ledger.balance_cents + plan.balance_delta_cents,
        actor=actor,
        transaction_id=transaction.id,
    )
    op = LedgerOp(
        op_id,
        OpKind.REFUND,
        ledger.account_id,
        now_ms,
        actor,
        transaction.id,
        revision=revision,
        transaction=replace(transaction, refunded_cents=plan.refunded_after_cents),
        invoices=tuple(changed),
        entries=(entry,),
    )
    effect = LedgerEffect(
        balance_delta_cents=plan.balance_delta_cents,
        set_open_invoices=tuple(still_open),
        close_invoices=tuple(closed_ids),
        set_refundable=((transaction.id, refundable - plan.amount_cents),),
    )
    return op, effect


def _invoice_state(ledger: Ledger, invoice: Invoice) -> tuple[OpenInvoice | None, InvoiceStatus]:
    """An invoice is OPEN exactly while the account lists it as open."""
    open_invoice = ledger.open_invoices.get(invoice.id)
    if open_invoice is not None:
        return open_invoice, InvoiceStatus.OPEN
    return None, invoice.status if invoice.status is not InvoiceStatus.OPEN else InvoiceStatus.PAID


def plan_invoice_settlement(
    ledger: Ledger, invoice: Invoice, kind: OpKind, *, op_id: str, actor: str, now_ms: int
) -> Plan:
    """payInvoice (PAYMENT) or cancelInvoice (CANCELLATION): OPEN → PAID or CANCELLED, one entry of +amount."""
    open_invoice, status = _invoice_state(ledger, invoice)
    due = open_invoice.amount_cents if open_invoice else invoice.amount_cents
    if kind is OpKind.PAY_INVOICE:
        transition = pay_invoice(status, due)
        after = replace(invoice, status=transition.status, paid_at_ms=now_ms)
    else:
        transition = cancel_invoice(status, due)
        after = replace(invoice, status=transition.status, cancelled_at_ms=now_ms)
    assert open_invoice is not None
    after = replace(after, amount_cents=open_invoice.amount_cents, due_date=open_invoice.due_date)
    entry = StatementEntry(
        id=entry_id(ledger.account_id, ledger.revision + 1, 0),
        account_id=ledger.account_id,
        at_ms=now_ms,
        kind=transition.entry_kind,
        amount_cents=transition.entry_amount_cents,
        balance_after_cents=ledger.balance_cents + transition.entry_amount_cents,
        actor=actor,
        transaction_id=invoice.transaction_id,
        invoice_id=invoice.id,
    )
    op = LedgerOp(
        op_id,
        kind,
        ledger.account_id,
        now_ms,
        actor,
        invoice.id,
        revision=ledger.revision + 1,
        invoices=(after,),
        entries=(entry,),
    )
    effect = LedgerEffect(balance_delta_cents=transition.entry_amount_cents, close_invoices=(invoice.id,))
    return op, effect


def plan_postponement(
    ledger: Ledger, invoice: Invoice, days: int, *, settings: StoreSettings, op_id: str, actor: str, now_ms: int
) -> Plan:
    open_invoice, status = _invoice_state(ledger, invoice)
    due_date: date = open_invoice.due_date if open_invoice else invoice.due_date
    new_due = postpone_invoice(
        status=status,
        due_date=due_date,
        original_due_date=invoice.original_due_date,
        days=days,
        postponement_enabled=settings.postponement_enabled,
        max_postponement_days=settings.max_postponement_days,
    )
    assert open_invoice is not None
    after = replace(invoice, amount_cents=open_invoice.amount_cents, due_date=new_due)
    op = LedgerOp(
        op_id,
        OpKind.POSTPONE_INVOICE,
        ledger.account_id,
        now_ms,
        actor,
        invoice.id,
        revision=ledger.revision + 1,
        invoices=(after,),
    )
    return op, LedgerEffect(set_open_invoices=(OpenInvoice(invoice.id, open_invoice.amount_cents, new_due),))


def plan_adjustment(ledger: Ledger, amount_cents: int, note: str, *, op_id: str, actor: str, now_ms: int) -> Plan:
    entry = StatementEntry(
        id=entry_id(ledger.account_id, ledger.revision + 1, 0),
        account_id=ledger.account_id,
        at_ms=now_ms,
        kind=StatementEntryKind.ADJUSTMENT,
        amount_cents=amount_cents,
        balance_after_cents=ledger.balance_cents + amount_cents,
        actor=actor,
        note=note,
    )
    op = LedgerOp(
        op_id,
        OpKind.ADJUST,
        ledger.account_id,
        now_ms,
        actor,
        entry.id,
        revision=ledger.revision + 1,
        entries=(entry,),
    )
    return op, LedgerEffect(balance_delta_cents=amount_cents)


def today(now_ms: int) -> date:
    return utc_date(now_ms)
