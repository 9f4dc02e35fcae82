"""`openOrChangeAccount`, `closeAccount` and the holder mutations: rule violations come back in the payload."""

from __future__ import annotations

from collections.abc import Awaitable

import strawberry
from strawberry.types import Info

from customer_credit.domain.accounts import Account as AccountRecord
from customer_credit.domain.accounts import AccountRequest
from customer_credit.domain.errors import AccountRuleViolation, FieldError
from customer_credit.domain.money import decimal_to_cents
from customer_credit.graphql.accounts.types import (
    Account,
    AccountError,
    AccountHolderPayload,
    CloseAccountPayload,
    OpenOrChangeAccountInput,
    OpenOrChangeAccountPayload,
)
from customer_credit.graphql.core.permissions import requires
from customer_credit.usecases.accounts import add_holder, close_account, open_or_change_account, remove_holder


def account_errors(errors: list[FieldError]) -> list[AccountError]:
    return [AccountError(field=e.field, code=e.code, text=e.message) for e in errors]


def account_request(input: OpenOrChangeAccountInput) -> AccountRequest:
    return AccountRequest(
        email=input.email,
        document_type=input.document_type.value if input.document_type else None,
        document=input.document,
        credit_limit=input.credit_limit,
        tolerance=input.tolerance,
        description=input.description,
    )


async def holder_payload(info: Info, change: Awaitable[AccountRecord]) -> AccountHolderPayload:
    try:
        account = await change
    except AccountRuleViolation as violation:
        return AccountHolderPayload(account=None, errors=account_errors(violation.errors))
    return AccountHolderPayload(account=Account.of(account, pii=info.context.can_read_pii), errors=[])


@strawberry.type
class AccountMutations:
    @strawberry.mutation(permission_classes=[requires("accounts:write")])
    async def open_or_change_account(self, info: Info, input: OpenOrChangeAccountInput) -> OpenOrChangeAccountPayload:
        context = info.context
        try:
            outcome = await open_or_change_account(
                context.services.accounts,
                account_id=str(input.id) if input.id is not None else None,
                request=account_request(input),
                actor=context.caller.name,
                expected_version=input.expected_version,
                default_credit_limit_cents=decimal_to_cents(context.settings.default_credit_limit),
                can_read_pii=context.can_read_pii,
            )
        except AccountRuleViolation as violation:
            return OpenOrChangeAccountPayload(account=None, created=False, errors=account_errors(violation.errors))
        account = Account.of(outcome.account, pii=context.can_read_pii)
        return OpenOrChangeAccountPayload(account=account, created=outcome.created, errors=[])

    @strawberry.mutation(permission_classes=[requires("accounts:write")])
    async def close_account(self, info: Info, id: strawberry.ID) -> CloseAccountPayload:
        context = info.context
        try:
            account = await close_account(context.services.accounts, account_id=str(id), actor=context.caller.name)
        except AccountRuleViolation as violation:
            return CloseAccountPayload(account=None, errors=account_errors(violation.errors))
        return CloseAccountPayload(account=Account.of(account, pii=context.can_read_pii), errors=[])

    @strawberry.mutation(
        permission_classes=[requires("accounts:write")],
        description="Add a holder email (at most 10); an email already among the holders changes nothing.",
    )
    async def add_account_holder(self, info: Info, account_id: strawberry.ID, email: str) -> AccountHolderPayload:
        context = info.context

        async def added() -> AccountRecord:
            outcome = await add_holder(
                context.services.accounts, account_id=str(account_id), email=email, actor=context.caller.name
            )
            return outcome.account

        return await holder_payload(info, added())

    @strawberry.mutation(
        permission_classes=[requires("accounts:write")],
        description="Remove a holder email (as typed: case-insensitive); it becomes free for another account.",
    )
    async def remove_account_holder(self, info: Info, account_id: strawberry.ID, email: str) -> AccountHolderPayload:
        context = info.context
        removed = remove_holder(
            context.services.accounts, account_id=str(account_id), email=email, actor=context.caller.name
        )
        return await holder_payload(info, removed)
