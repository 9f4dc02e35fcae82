"""The money mutations. Rule violations come back in the payload's errors; every one takes an
idempotency key, and a retry with it answers the first call's outcome."""

from __future__ import annotations

from collections.abc import Awaitable

import strawberry
from strawberry.types import Info

from customer_credit.domain.clock import now_ms
from customer_credit.domain.credit import CreditRuleViolation
from customer_credit.domain.messages import message
from customer_credit.graphql.core.errors import RequestError
from customer_credit.graphql.core.permissions import requires
from customer_credit.graphql.credit.errors import credit_errors
from customer_credit.graphql.credit.types import (
    AdjustBalanceInput,
    AdjustBalancePayload,
    AuthorizeCreditInput,
    CancelCreditInput,
    CreditTransaction,
    CreditTransactionPayload,
    Invoice,
    InvoiceActionInput,
    InvoicePayload,
    PostponeInvoiceInput,
    RefundCreditInput,
    SettleCreditInput,
    StatementEntry,
)
from customer_credit.usecases import credit
from customer_credit.usecases.credit import LedgerBusy, Outcome


async def decide(call: Awaitable[Outcome]) -> Outcome | CreditRuleViolation:
    try:
        return await call
    except CreditRuleViolation as violation:
        return violation
    except LedgerBusy:
        raise RequestError(
            message("TRY_AGAIN"),
            "TRY_AGAIN",
        ) from None


async def transaction_payload(info: Info, call: Awaitable[Outcome]) -> CreditTransactionPayload:
    outcome = await decide(call)
    if isinstance(outcome, CreditRuleViolation):
        return CreditTransactionPayload(transaction=None, errors=credit_errors(outcome.errors))
    # The operation this call applied carries the transaction's state; only a replay reads it.
    found = outcome.op.transaction if outcome.op and outcome.op.transaction else None
    found = found or await credit.credit_transaction(info.context.services.ledger, outcome.result_id)
    transaction = CreditTransaction.of(found, now_ms()) if found is not None else None
    return CreditTransactionPayload(transaction=transaction, errors=[], account_id=outcome.account_id)


async def invoice_payload(info: Info, call: Awaitable[Outcome]) -> InvoicePayload:
    outcome = await decide(call)
    if isinstance(outcome, CreditRuleViolation):
        return InvoicePayload(invoice=None, errors=credit_errors(outcome.errors))
    found = outcome.op.invoices[0] if outcome.op and outcome.op.invoices else None
    found = found or await credit.invoice(info.context.services.ledger, outcome.result_id)
    return InvoicePayload(
        invoice=Invoice.of(found) if found is not None else None, errors=[], account_id=outcome.account_id
    )


@strawberry.type
class CreditMutations:
    @strawberry.mutation(permission_classes=[requires("credit:write")])
    async def authorize_credit(self, info: Info, input: AuthorizeCreditInput) -> CreditTransactionPayload:
        context = info.context
        expires_at = int(input.expires_at.timestamp() * 1000) if input.expires_at is not None else None
        call = credit.authorize_credit(
            await context.ledgers(),
            account_id=str(input.account_id),
            amount=input.amount,
            installments=input.installments,
            expires_at_ms=expires_at,
            order_id=input.order_id,
            key=input.idempotency_key,
            actor=context.caller.name,
        )
        return await transaction_payload(info, call)

    @strawberry.mutation(permission_classes=[requires("credit:write")])
    async def settle_credit(self, info: Info, input: SettleCreditInput) -> CreditTransactionPayload:
        context = info.context
        call = credit.settle_credit(
            await context.ledgers(),
            transaction_id=str(input.transaction_id),
            amount=input.amount,
            key=input.idempotency_key,
            actor=context.caller.name,
        )
        return await transaction_payload(info, call)

    @strawberry.mutation(permission_classes=[requires("credit:write")])
    async def cancel_credit(self, info: Info, input: CancelCreditInput) -> CreditTransactionPayload:
        context = info.context
        call = credit.cancel_credit(
            await context.ledgers(),
            transaction_id=str(input.transaction_id),
            key=input.idempotency_key,
            actor=context.caller.name,
        )
        return await transaction_payload(info, call)

    @strawberry.mutation(permission_classes=[requires("credit:write")])
    async def refund_credit(self, info: Info, input: RefundCreditInput) -> CreditTransactionPayload:
        context = info.context
        call = credit.refund_credit(
            await context.ledgers(),
            transaction_id=str(input.transaction_id),
            amount=input.amount,
            key=input.idempotency_key,
            actor=context.caller.name,
        )
        return await transaction_payload(info, call)

    @strawberry.mutation(permission_classes=[requires("invoices:write")])
    async def pay_invoice(self, info: Info, input: InvoiceActionInput) -> InvoicePayload:
        context = info.context
        call = credit.pay_invoice(
            await context.ledgers(),
            invoice_id=str(input.invoice_id),
            key=input.idempotency_key,
            actor=context.caller.name,
        )
        return await invoice_payload(info, call)

    @strawberry.mutation(permission_classes=[requires("invoices:write")])
    async def cancel_invoice(self, info: Info, input: InvoiceActionInput) -> InvoicePayload:
        context = info.context
        call = credit.cancel_invoice(
            await context.ledgers(),
            invoice_id=str(input.invoice_id),
            key=input.idempotency_key,
            actor=context.caller.name,
        )
        return await invoice_payload(info, call)

    @strawberry.mutation(permission_classes=[requires("invoices:write")])
    async def postpone_invoice(self, info: Info, input: PostponeInvoiceInput) -> InvoicePayload:
        context = info.context
        call = credit.postpone_invoice(
            await context.ledgers(),
            invoice_id=str(input.invoice_id),
            days=input.days,
            key=input.idempotency_key,
            actor=context.caller.name,
        )
        return await invoice_payload(info, call)

    @strawberry.mutation(permission_classes=[requires("invoices:write")])
    async def adjust_balance(self, info: Info, input: AdjustBalanceInput) -> AdjustBalancePayload:
        context = info.context
        outcome = await decide(
            credit.adjust_balance(
                await context.ledgers(),
                account_id=str(input.account_id),
                amount=input.amount,
                note=input.note,
                key=input.idempotency_key,
                actor=context.caller.name,
            )
        )
        if isinstance(outcome, CreditRuleViolation):
            return AdjustBalancePayload(entry=None, errors=credit_errors(outcome.errors))
        entry = outcome.op.entries[0] if outcome.op and outcome.op.entries else None
        entry = entry or await credit.statement_entry(context.services.ledger, outcome.result_id)
        return AdjustBalancePayload(
            entry=StatementEntry.of(entry) if entry is not None else None, errors=[], account_id=outcome.account_id
        )
