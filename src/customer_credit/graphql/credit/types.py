"""Credit types: transactions, invoices, statement entries and the mutations' payloads."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Protocol

import strawberry
from strawberry.types import Info

from customer_credit.domain.credit import CreditTransactionStatus, InvoiceStatus, StatementEntryKind
from customer_credit.domain.credit_records import CreditTransaction as TransactionRecord
from customer_credit.domain.credit_records import Invoice as InvoiceRecord
from customer_credit.domain.credit_records import InvoiceTotals as InvoiceTotalsRecord
from customer_credit.domain.credit_records import StatementEntry as EntryRecord
from customer_credit.domain.money import cents_to_decimal
from customer_credit.graphql.core.time import from_epoch_ms
from customer_credit.graphql.credit.errors import CreditError
from customer_credit.usecases.credit import today_utc

if TYPE_CHECKING:
    from customer_credit.graphql.accounts.types import Account

strawberry.enum(CreditTransactionStatus, name="CreditTransactionStatus")
CreditTransactionStatusEnum = CreditTransactionStatus
strawberry.enum(InvoiceStatus, name="InvoiceStatus")
InvoiceStatusEnum = InvoiceStatus
strawberry.enum(StatementEntryKind, name="StatementEntryKind")
StatementEntryKindEnum = StatementEntryKind


def optional_time(epoch_ms: int | None) -> datetime | None:
    return from_epoch_ms(epoch_ms) if epoch_ms is not None else None


@strawberry.type
class Invoice:
    id: strawberry.ID = strawberry.field(description='"<transactionId>-01", "-02", … one per installment.')
    account_id: strawberry.ID
    transaction_id: strawberry.ID
    order_id: str | None
    installment: int
    number_of_installments: int
    amount: Decimal = strawberry.field(description="What is still due on it (lowered by refunds).")
    original_amount: Decimal
    status: InvoiceStatusEnum
    overdue: bool = strawberry.field(description="OPEN and dueDate before today (UTC).")
    due_date: date
    original_due_date: date
    created_at: datetime
    paid_at: datetime | None
    cancelled_at: datetime | None

    @classmethod
    def of(cls, invoice: InvoiceRecord) -> Invoice:
        return cls(
            id=strawberry.ID(invoice.id),
            account_id=strawberry.ID(invoice.account_id),
            transaction_id=strawberry.ID(invoice.transaction_id),
            order_id=invoice.order_id,
            installment=invoice.installment,
            number_of_installments=invoice.number_of_installments,
            amount=cents_to_decimal(invoice.amount_cents),
            original_amount=cents_to_decimal(invoice.original_amount_cents),
            status=invoice.status,
            overdue=invoice.overdue(today_utc()),
            due_date=invoice.due_date,
            original_due_date=invoice.original_due_date,
            created_at=from_epoch_ms(invoice.created_at_ms),
            paid_at=optional_time(invoice.paid_at_ms),
            cancelled_at=optional_time(invoice.cancelled_at_ms),
        )


@strawberry.type(description="Totals of every invoice the filter matches, whatever page a list shows.")
class InvoiceTotals:
    count: int
    amount: Decimal = strawberry.field(description="The sum of their amounts (Invoice.amount).")
    open_count: int
    open_amount: Decimal = strawberry.field(description="The sum of the OPEN ones' amounts.")
    paid_amount: Decimal = strawberry.field(description="The sum of the PAID ones' amounts.")

    @classmethod
    def of(cls, totals: InvoiceTotalsRecord) -> InvoiceTotals:
        return cls(
            count=totals.count,
            amount=cents_to_decimal(totals.amount_cents),
            open_count=totals.open_count,
            open_amount=cents_to_decimal(totals.open_amount_cents),
            paid_amount=cents_to_decimal(totals.paid_amount_cents),
        )


@strawberry.type
class CreditTransaction:
    id: strawberry.ID
    account_id: strawberry.ID
    amount: Decimal = strawberry.field(description="Authorized.")
    settled_amount: Decimal
    refunded_amount: Decimal
    installments: int
    order_id: str | None
    status: CreditTransactionStatusEnum
    created_at: datetime
    expires_at: datetime = strawberry.field(
        description="An AUTHORIZED hold not settled by then expires and is released."
    )
    settled_at: datetime | None
    actor: str = strawberry.field(description="The API key's name.")
    record: strawberry.Private[TransactionRecord]

    @classmethod
    def of(cls, transaction: TransactionRecord, now_ms: int) -> CreditTransaction:
        return cls(
            id=strawberry.ID(transaction.id),
            account_id=strawberry.ID(transaction.account_id),
            amount=cents_to_decimal(transaction.amount_cents),
            settled_amount=cents_to_decimal(transaction.settled_cents),
            refunded_amount=cents_to_decimal(transaction.refunded_cents),
            installments=transaction.installments,
            order_id=transaction.order_id,
            status=transaction.status_at(now_ms),
            created_at=from_epoch_ms(transaction.created_at_ms),
            expires_at=from_epoch_ms(transaction.expires_at_ms),
            settled_at=optional_time(transaction.settled_at_ms),
            actor=transaction.actor,
            record=transaction,
        )

    @strawberry.field
    async def invoices(self, info: Info) -> list[Invoice]:
        if not self.record.invoice_ids:
            return []
        found = await info.context.services.ledger.invoices_of(self.record.id)
        return [Invoice.of(invoice) for invoice in found]


@strawberry.type
class StatementEntry:
    id: strawberry.ID
    at: datetime
    kind: StatementEntryKindEnum
    amount: Decimal = strawberry.field(description="Signed, as applied to the balance (an invoice is negative).")
    balance_after: Decimal
    transaction_id: strawberry.ID | None
    invoice_id: strawberry.ID | None
    actor: str
    note: str | None

    @classmethod
    def of(cls, entry: EntryRecord) -> StatementEntry:
        return cls(
            id=strawberry.ID(entry.id),
            at=from_epoch_ms(entry.at_ms),
            kind=entry.kind,
            amount=cents_to_decimal(entry.amount_cents),
            balance_after=cents_to_decimal(entry.balance_after_cents),
            transaction_id=strawberry.ID(entry.transaction_id) if entry.transaction_id else None,
            invoice_id=strawberry.ID(entry.invoice_id) if entry.invoice_id else None,
            actor=entry.actor,
            note=entry.note,
        )


# The account type refers to these ones (its transactions, invoices, statement): imported lazily.
AccountRef = Annotated["Account", strawberry.lazy("customer_credit.graphql.accounts.types")]


class ChangesAnAccount(Protocol):
    account_id: str | None


async def changed_account(root: strawberry.Parent[ChangesAnAccount], info: Info) -> AccountRef | None:
    """The account the mutation changed, read only when the selection asks for it."""
    return await info.context.account(root.account_id) if root.account_id else None


@strawberry.type
class CreditTransactionPayload:
    transaction: CreditTransaction | None
    account: AccountRef | None = strawberry.field(resolver=changed_account)
    errors: list[CreditError]
    account_id: strawberry.Private[str | None] = None


@strawberry.type
class InvoicePayload:
    invoice: Invoice | None
    account: AccountRef | None = strawberry.field(resolver=changed_account)
    errors: list[CreditError]
    account_id: strawberry.Private[str | None] = None


@strawberry.type
class AdjustBalancePayload:
    entry: StatementEntry | None
    account: AccountRef | None = strawberry.field(resolver=changed_account)
    errors: list[CreditError]
    account_id: strawberry.Private[str | None] = None


@strawberry.input
class InvoiceFilter:
    account_id: strawberry.ID | None = None
    status: InvoiceStatusEnum | None = None
    overdue: bool | None = None
    due_from: date | None = None
    due_to: date | None = None
    transaction_id: strawberry.ID | None = None
    order_id: str | None = None


@strawberry.input
class AuthorizeCreditInput:
    account_id: strawberry.ID
    amount: Decimal
    idempotency_key: str
    order_id: str | None = None
    installments: int = 1
    expires_at: datetime | None = None


@strawberry.input
class SettleCreditInput:
    transaction_id: strawberry.ID
    amount: Decimal
    idempotency_key: str


@strawberry.input
class CancelCreditInput:
    transaction_id: strawberry.ID
    idempotency_key: str


@strawberry.input
class RefundCreditInput:
    transaction_id: strawberry.ID
    amount: Decimal
    idempotency_key: str


@strawberry.input
class InvoiceActionInput:
    invoice_id: strawberry.ID
    idempotency_key: str


@strawberry.input
class PostponeInvoiceInput:
    invoice_id: strawberry.ID
    days: int
    idempotency_key: str


@strawberry.input
class AdjustBalanceInput:
    account_id: strawberry.ID
    amount: Decimal
    note: str
    idempotency_key: str
