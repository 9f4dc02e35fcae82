"""The `account`, `accountByEmail` and `accounts` queries."""

from __future__ import annotations

from collections.abc import Iterable

import strawberry
from strawberry.types import Info

from customer_credit.domain.accounts import ACCOUNT_ID_PATTERN, AccountQuery, is_unicode_text
from customer_credit.domain.messages import message
from customer_credit.graphql.accounts.types import (
    Account,
    AccountFilter,
    AccountOrder,
    AccountOrderField,
    OrderDirection,
)
from customer_credit.graphql.core.connection import Connection
from customer_credit.graphql.core.errors import RequestError
from customer_credit.graphql.core.pagination import check_page_size, decode_cursor, fingerprint
from customer_credit.graphql.core.permissions import requires
from customer_credit.graphql.core.selection import connection_selection, field_names
from customer_credit.usecases.accounts import account_by_email, list_accounts

# The record attributes behind each GraphQL field of Account, so reads fetch only what is selected.
RECORD_FIELDS = {
    "id": ["id"],
    "email": ["email"],
    "documentType": ["document_type"],
    "document": ["document"],
    "creditLimit": ["credit_limit_cents"],
    "tolerance": ["tolerance_units"],
    "status": ["status"],
    "description": ["description"],
    "createdAt": ["created_at_ms"],
    "updatedAt": ["updated_at_ms"],
    "version": ["version"],
    "holders": ["holders"],
    "history": ["version", "last_event"],
    "spendingLimit": ["credit_limit_cents", "tolerance_units"],
    "balance": ["balance_cents"],
    "heldCredit": ["holds"],
    "availableCredit": ["credit_limit_cents", "tolerance_units", "balance_cents", "holds"],
}


def fields_for(selected: Iterable[str]) -> set[str]:
    """The record attributes behind the selected GraphQL fields (partners select few)."""
    fields = {"id"}
    for name in selected:
        fields.update(RECORD_FIELDS.get(name, ()))
    return fields


def account_query(filter: AccountFilter | None, order_by: AccountOrder | None) -> AccountQuery:
    filter = filter or AccountFilter()
    for name, value in (("email", filter.email), ("document", filter.document), ("search", filter.search)):
        if value is not None and not is_unicode_text(value):
            raise RequestError(message("BAD_USER_INPUT", name=name), "BAD_USER_INPUT")
    return AccountQuery(
        email=filter.email,
        document=filter.document,
        document_type=filter.document_type,
        status=filter.status,
        search=filter.search,
        order_field=order_by.field if order_by else AccountOrderField.CREATED_AT,
        descending=(order_by.direction if order_by else OrderDirection.DESC) is OrderDirection.DESC,
    )


@strawberry.type
class AccountQueries:
    @strawberry.field(permission_classes=[requires("accounts:read")])
    async def account(self, info: Info, id: strawberry.ID) -> Account | None:
        if not ACCOUNT_ID_PATTERN.fullmatch(str(id)):
            return None  # no account can have it; and a lone surrogate would not even reach the store
        selected = field_names(info.selected_fields[0].selections)
        account = await info.context.services.accounts.get(str(id), fields_for(selected))
        return Account.of(account, pii=info.context.can_read_pii) if account is not None else None

    @strawberry.field(
        permission_classes=[requires("accounts:read")],
        description="The OPEN account whose email or holder email this is (case-insensitive).",
    )
    async def account_by_email(self, info: Info, email: str) -> Account | None:
        if not is_unicode_text(email):
            return None  # no stored email can be it
        selected = field_names(info.selected_fields[0].selections)
        account = await account_by_email(info.context.services.accounts, email, fields_for(selected))
        return Account.of(account, pii=info.context.can_read_pii) if account is not None else None

    @strawberry.field(permission_classes=[requires("accounts:read")])
    async def accounts(
        self,
        info: Info,
        first: int | None = 20,
        after: str | None = None,
        filter: AccountFilter | None = None,
        order_by: AccountOrder | None = None,
    ) -> Connection[Account]:
        context = info.context
        first = check_page_size(first, context.settings.max_page_size)
        query = account_query(filter, order_by)
        query_id = fingerprint("accounts", query)
        position = decode_cursor(after, query_id, str)[0] if after is not None else None
        _, node_fields = connection_selection(info)
        page = await list_accounts(
            context.services.accounts,
            query,
            first=first,
            after=position,
            fields=fields_for(node_fields),
        )
        pii = context.can_read_pii
        nodes = [([key], Account.of(account, pii=pii)) for key, account in page.entries]

        async def counter(limit: int | None) -> int:
            return await context.services.accounts.count(query, limit)

        return Connection.of(nodes, scope=query_id, has_next_page=page.has_next_page, after=after, counter=counter)
