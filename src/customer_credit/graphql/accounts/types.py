"""Account types. Scalars are plain attributes filled from the stored document,
so graphql-core resolves them without a Python call per field."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Annotated

import strawberry
from strawberry.types import Info

from customer_credit.domain.accounts import Account as AccountRecord
from customer_credit.domain.accounts import AccountOrderField as OrderField
from customer_credit.domain.accounts import AccountStatus, DocumentType, EventSource, Holder
from customer_credit.domain.clock import now_ms
from customer_credit.domain.credit import spending_limit_cents
from customer_credit.domain.credit_records import InvoiceQuery
from customer_credit.domain.errors import AccountErrorCode
from customer_credit.domain.messages import Message
from customer_credit.domain.money import cents_to_decimal, tolerance_units_to_decimal
from customer_credit.domain.pii import mask_document, mask_email
from customer_credit.graphql.core.connection import Connection, known
from customer_credit.graphql.core.errors import rendered
from customer_credit.graphql.core.pagination import check_page_size, decode_cursor
from customer_credit.graphql.core.permissions import requires
from customer_credit.graphql.core.time import from_epoch_ms
from customer_credit.graphql.credit.lists import invoices_page, statement_of, transactions_of
from customer_credit.graphql.credit.types import (
    CreditTransaction,
    CreditTransactionStatusEnum,
    Invoice,
    InvoiceStatusEnum,
    StatementEntry,
)

strawberry.enum(DocumentType, name="DocumentType")
DocumentTypeEnum = DocumentType
strawberry.enum(AccountStatus, name="AccountStatus")
AccountStatusEnum = AccountStatus
strawberry.enum(EventSource, name="AccountEventSource")
AccountEventSourceEnum = EventSource
strawberry.enum(AccountErrorCode, name="AccountErrorCode")
AccountErrorCodeEnum = AccountErrorCode


@strawberry.enum
class OrderDirection(enum.Enum):
    ASC = "ASC"
    DESC = "DESC"


strawberry.enum(OrderField, name="AccountOrderField")
AccountOrderField = OrderField


@strawberry.type
class FieldChange:
    field: str
    from_: str | None = strawberry.field(name="from")
    to: str | None


@strawberry.type
class AccountEvent:
    at: datetime
    version: int = strawberry.field(description="The account's version after this change.")
    actor: str = strawberry.field(description="The API key's name.")
    source: AccountEventSourceEnum
    import_run_id: strawberry.ID | None
    changes: list[FieldChange]


PII_FIELDS = {"email", "document", "holders"}


def masked_change(change, pii: bool) -> FieldChange:
    if pii or change.field not in PII_FIELDS:
        return FieldChange(field=change.field, from_=change.before, to=change.after)
    mask = mask_document if change.field == "document" else mask_email
    return FieldChange(
        field=change.field,
        from_=mask(change.before) if change.before else None,
        to=mask(change.after) if change.after else None,
    )


@strawberry.type
class AccountHolder:
    id: strawberry.ID = strawberry.field(description="Names the holder in the REST API's paths.")
    email: str = strawberry.field(description="Masked without pii:read.")
    added_at: datetime

    @classmethod
    def of(cls, holder: Holder, *, pii: bool) -> AccountHolder:
        return cls(
            id=strawberry.ID(holder.id),
            email=holder.email if pii else mask_email(holder.email),
            added_at=from_epoch_ms(holder.added_at_ms),
        )


@strawberry.type
class Account:
    id: strawberry.ID
    email: str
    document_type: DocumentTypeEnum | None
    document: str | None
    credit_limit: Decimal
    tolerance: Decimal = strawberry.field(description="Fraction: 0.05 = the holder may spend 5% over the limit.")
    status: AccountStatusEnum
    description: str | None
    created_at: datetime
    updated_at: datetime
    version: int = strawberry.field(description="+1 on every change.")
    holders: list[AccountHolder] = strawberry.field(
        description="The other emails that share this account's credit, in the order they were added; at most 10."
    )
    record: strawberry.Private[AccountRecord]

    @classmethod
    def of(cls, account: AccountRecord, *, pii: bool) -> Account:
        """From a possibly projected record: only the selected fields are read from it."""
        return cls(
            id=strawberry.ID(account.id),
            email=account.email if pii else mask_email(account.email),
            document_type=account.document_type,
            document=account.document if pii or account.document is None else mask_document(account.document),
            credit_limit=cents_to_decimal(account.credit_limit_cents),
            tolerance=tolerance_units_to_decimal(account.tolerance_units),
            status=account.status,
            description=account.description,
            created_at=from_epoch_ms(account.created_at_ms),
            updated_at=from_epoch_ms(account.updated_at_ms),
            version=account.version,
            holders=[AccountHolder.of(holder, pii=pii) for holder in account.holders],
            record=account,
        )

    @strawberry.field(
        description="creditLimit × (1 + tolerance), rounded down to the cent; the limit alone while the "
        "store's toleranceEnabled is false."
    )
    async def spending_limit(self, info: Info) -> Decimal:
        return cents_to_decimal(await self.spending_cents(info))

    @strawberry.field(description="Negative: the holder owes the store; positive: credit in the holder's favour.")
    def balance(self) -> Decimal:
        return cents_to_decimal(self.record.balance_cents)

    @strawberry.field(description="The AUTHORIZED transactions' amounts, those past their expiry left out.")
    def held_credit(self) -> Decimal:
        return cents_to_decimal(self.record.held_now(now_ms()))

    @strawberry.field(description="spendingLimit + balance − heldCredit; negative after a limit was lowered.")
    async def available_credit(self, info: Info) -> Decimal:
        record = self.record
        return cents_to_decimal(await self.spending_cents(info) + record.balance_cents - record.held_now(now_ms()))

    async def spending_cents(self, info: Info) -> int:
        settings = await info.context.store_settings()
        record = self.record
        return spending_limit_cents(record.credit_limit_cents, record.tolerance_units, settings.tolerance_enabled)

    @strawberry.field(description="Newest first.", permission_classes=[requires("credit:read")])
    async def transactions(
        self,
        info: Info,
        first: int | None = 20,
        after: str | None = None,
        status: CreditTransactionStatusEnum | None = None,
    ) -> Connection[CreditTransaction]:
        return await transactions_of(info, self.record.id, first=first, after=after, status=status)

    @strawberry.field(description="By due date.", permission_classes=[requires("credit:read")])
    async def invoices(
        self,
        info: Info,
        first: int | None = 20,
        after: str | None = None,
        status: InvoiceStatusEnum | None = None,
    ) -> Connection[Invoice]:
        return await invoices_page(
            info, InvoiceQuery(account_id=self.record.id, status=status), first=first, after=after
        )

    @strawberry.field(description="Newest first.", permission_classes=[requires("credit:read")])
    async def statement(
        self,
        info: Info,
        first: int | None = 50,
        after: str | None = None,
        from_: Annotated[datetime | None, strawberry.argument(name="from")] = None,
        to: datetime | None = None,
    ) -> Connection[StatementEntry]:
        return await statement_of(info, self.record.id, first=first, after=after, from_=from_, to=to)

    @strawberry.field(description="Newest first.")
    async def history(self, info: Info, first: int | None = 20, after: str | None = None) -> Connection[AccountEvent]:
        context = info.context
        first = check_page_size(first, context.settings.max_page_size)
        scope = f"history:{self.id}"
        before_version = None
        if after is not None:
            (before_version,) = decode_cursor(after, scope, int)
        events = await context.services.accounts.history(self.record, limit=first + 1, before_version=before_version)
        pii = context.can_read_pii
        found = [
            (
                [event.version],
                AccountEvent(
                    at=from_epoch_ms(event.at_ms),
                    version=event.version,
                    actor=event.actor,
                    source=event.source,
                    import_run_id=strawberry.ID(event.import_run_id) if event.import_run_id else None,
                    changes=[masked_change(change, pii) for change in event.changes],
                ),
            )
            for event in events[:first]
        ]
        return Connection.of(
            found, scope=scope, has_next_page=len(events) > first, after=after, counter=known(self.record.version)
        )


@strawberry.input
class AccountFilter:
    email: str | None = strawberry.field(default=None, description="Exact, case-insensitive.")
    document: str | None = strawberry.field(default=None, description="Exact, punctuation ignored.")
    document_type: DocumentTypeEnum | None = None
    status: AccountStatusEnum | None = None
    search: str | None = strawberry.field(default=None, description="Case-insensitive prefix of id, email or document.")


@strawberry.input
class AccountOrder:
    field: AccountOrderField
    direction: OrderDirection = strawberry.field(
        default=OrderDirection.ASC, description="ASC unless given (without orderBy: CREATED_AT DESC)."
    )


@strawberry.type
class AccountError:
    field: str | None
    code: AccountErrorCodeEnum
    text: strawberry.Private[Message]

    @strawberry.field
    def message(self, info: Info) -> str:
        return rendered(info, self.text)


@strawberry.type
class OpenOrChangeAccountPayload:
    account: Account | None
    created: bool
    errors: list[AccountError]


@strawberry.type
class CloseAccountPayload:
    account: Account | None
    errors: list[AccountError]


@strawberry.type
class AccountHolderPayload:
    account: Account | None
    errors: list[AccountError]


@strawberry.input
class OpenOrChangeAccountInput:
    id: strawberry.ID | None = strawberry.field(
        default=None, description="Omit to open a new account (a UUID is generated)."
    )
    email: str | None = strawberry.field(default=None, description="Required to open; on change, omitted = unchanged.")
    document_type: DocumentTypeEnum | None = None
    document: str | None = None
    credit_limit: Decimal | None = strawberry.field(
        default=None,
        description="On open, default 100.00 (setting DEFAULT_CREDIT_LIMIT); on change, omitted = unchanged.",
    )
    tolerance: Decimal | None = strawberry.field(
        default=None, description="On open, default 0; on change, omitted = unchanged."
    )
    description: str | None = None
    expected_version: int | None = strawberry.field(
        default=None, description="If given and not the stored version: VERSION_CONFLICT, nothing written."
    )
