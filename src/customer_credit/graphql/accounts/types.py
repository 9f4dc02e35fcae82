"""Account types. Scalars are plain attributes filled from the stored document,
so graphql-core resolves them without a Python call per field."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from decimal import Decimal

import strawberry
from strawberry.types import Info

from customer_credit.domain.accounts import Account as AccountRecord
from customer_credit.domain.accounts import AccountOrderField as OrderField
from customer_credit.domain.accounts import AccountStatus, DocumentType, EventSource
from customer_credit.domain.errors import AccountErrorCode
from customer_credit.domain.money import cents_to_decimal, tolerance_units_to_decimal
from customer_credit.domain.pii import mask_document, mask_email
from customer_credit.graphql.core.connection import Connection, known
from customer_credit.graphql.core.pagination import check_page_size, decode_cursor, encode_cursor

DocumentTypeEnum = strawberry.enum(DocumentType, name="DocumentType")
AccountStatusEnum = strawberry.enum(AccountStatus, name="AccountStatus")
AccountEventSourceEnum = strawberry.enum(EventSource, name="AccountEventSource")
AccountErrorCodeEnum = strawberry.enum(AccountErrorCode, name="AccountErrorCode")


@strawberry.enum
class OrderDirection(enum.Enum):
    ASC = "ASC"
    DESC = "DESC"


AccountOrderField = strawberry.enum(OrderField, name="AccountOrderField")


def from_epoch_ms(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1000, tz=UTC)


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


PII_FIELDS = {"email", "document"}


def masked_change(change, pii: bool) -> FieldChange:
    if pii or change.field not in PII_FIELDS:
        return FieldChange(field=change.field, from_=change.before, to=change.after)
    mask = mask_email if change.field == "email" else mask_document
    return FieldChange(
        field=change.field,
        from_=mask(change.before) if change.before else None,
        to=mask(change.after) if change.after else None,
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
            record=account,
        )

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
                encode_cursor(scope, [event.version]),
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
        return Connection.of(found, has_next_page=len(events) > first, after=after, count=known(self.record.version))


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
    direction: OrderDirection


@strawberry.type
class AccountError:
    field: str | None
    code: AccountErrorCodeEnum
    message: str


@strawberry.type
class OpenOrChangeAccountPayload:
    account: Account | None
    created: bool
    errors: list[AccountError]


@strawberry.type
class CloseAccountPayload:
    account: Account | None
    errors: list[AccountError]


@strawberry.input
class OpenOrChangeAccountInput:
    id: strawberry.ID | None = strawberry.field(
        default=None, description="Omit to open a new account (a UUID is generated)."
    )
    email: str
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
