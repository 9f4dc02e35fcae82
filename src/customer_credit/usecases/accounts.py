"""Opening, changing, closing and listing accounts: the planner decides, then one conditional write.

Plain async functions over the repositories, so GraphQL and the REST adapter share them.
"""

from __future__ import annotations

from dataclasses import dataclass

from customer_credit.domain.account_planner import (
    Origin,
    find_holder,
    plan_add_holder,
    plan_change,
    plan_close,
    plan_open,
    plan_remove_holder,
)
from customer_credit.domain.accounts import (
    DEFAULT_CREDIT_LIMIT_CENTS,
    Account,
    AccountQuery,
    AccountRequest,
    new_account_id,
    validate_account_id,
)
from customer_credit.domain.clock import now_ms
from customer_credit.domain.errors import AccountErrorCode, AccountRuleViolation
from customer_credit.domain.messages import message
from customer_credit.persistence.accounts import AccountAlreadyExists, AccountRepository

# Optimistic retries of a change the caller did not pin to a version. Every failed attempt
# means another change of the same account succeeded, so N concurrent writers of one account
# all get through within N attempts; the bound only stops a pathological hot spot.
MAX_ATTEMPTS = 64


@dataclass(frozen=True)
class AccountOutcome:
    account: Account
    created: bool


def version_conflict(expected: int | None, stored: int | None) -> AccountRuleViolation:
    return AccountRuleViolation.single(
        "expectedVersion",
        AccountErrorCode.VERSION_CONFLICT,
        message("VERSION_CONFLICT.expected", expected=str(expected), stored=stored or 0),
    )


def too_busy() -> AccountRuleViolation:
    return AccountRuleViolation.single(
        None,
        AccountErrorCode.VERSION_CONFLICT,
        message("VERSION_CONFLICT.busy", attempts=MAX_ATTEMPTS),
    )


def not_found(account_id: str) -> AccountRuleViolation:
    return AccountRuleViolation.single(
        "id", AccountErrorCode.NOT_FOUND, message("NOT_FOUND.account", id=repr(account_id))
    )


async def open_or_change_account(
    accounts: AccountRepository,
    *,
    account_id: str | None,
    request: AccountRequest,
    actor: str,
    expected_version: int | None = None,
    default_credit_limit_cents: int = DEFAULT_CREDIT_LIMIT_CENTS,
    can_read_pii: bool = True,
) -> AccountOutcome:
    """Open the account when the id is new (or not given), otherwise change it.

    Insert-first: a concurrent open of the same id turns into a change, and a
    concurrent change is retried on the new version unless the caller pinned one.
    """
    generated = account_id is None
    account_id = new_account_id() if account_id is None else validate_account_id(account_id)
    for _ in range(MAX_ATTEMPTS):
        current = None if generated else await accounts.get(account_id)
        origin = Origin(actor=actor, at_ms=now_ms())
        if current is None:
            if expected_version not in (None, 0):
                raise version_conflict(expected_version, None)
            change = plan_open(account_id, request, origin, default_credit_limit_cents=default_credit_limit_cents)
            try:
                return AccountOutcome(await accounts.insert(change), created=True)
            except AccountAlreadyExists:
                generated = False
                continue
        if expected_version is not None and current.version != expected_version:
            raise version_conflict(expected_version, current.version)
        planned = plan_change(current, request, origin, can_read_pii=can_read_pii)
        if planned is None:
            return AccountOutcome(current, created=False)
        updated = await accounts.update(planned)
        if updated is not None:
            return AccountOutcome(updated, created=False)
        if expected_version is not None:
            raise version_conflict(expected_version, current.version + 1)
    raise too_busy()


async def close_account(accounts: AccountRepository, *, account_id: str, actor: str) -> Account:
    validate_account_id(account_id)
    for _ in range(MAX_ATTEMPTS):
        current = await accounts.get(account_id)
        if current is None:
            raise not_found(account_id)
        updated = await accounts.update(plan_close(current, Origin(actor=actor, at_ms=now_ms())))
        if updated is not None:
            return updated
    raise too_busy()


@dataclass(frozen=True)
class HolderOutcome:
    account: Account
    added: bool  # False: the email already was one of the account's holders


async def add_holder(accounts: AccountRepository, *, account_id: str, email: str, actor: str) -> HolderOutcome:
    """Add a holder email; EMAIL_IN_USE if it is the email or a holder email of an open account
    (this one's own email included), TOO_MANY_HOLDERS past the tenth."""
    validate_account_id(account_id)
    for _ in range(MAX_ATTEMPTS):
        current = await accounts.get(account_id)
        if current is None:
            raise not_found(account_id)
        change = plan_add_holder(current, email, Origin(actor=actor, at_ms=now_ms()))
        if change is None:
            return HolderOutcome(current, added=False)
        updated = await accounts.update(change)
        if updated is not None:
            return HolderOutcome(updated, added=True)
    raise too_busy()


async def remove_holder(
    accounts: AccountRepository, *, account_id: str, actor: str, email: str | None = None, holder_id: str | None = None
) -> Account:
    """Remove the holder with this email (or, for REST, this id); its email becomes free."""
    validate_account_id(account_id)
    for _ in range(MAX_ATTEMPTS):
        current = await accounts.get(account_id)
        if current is None:
            raise not_found(account_id)
        holder = find_holder(current, email=email, holder_id=holder_id)
        updated = await accounts.update(plan_remove_holder(current, holder, Origin(actor=actor, at_ms=now_ms())))
        if updated is not None:
            return updated
    raise too_busy()


async def account_by_email(accounts: AccountRepository, email: str, fields: set[str] | None = None) -> Account | None:
    """The open account whose email or holder email this is."""
    return await accounts.by_email(email, fields)


@dataclass(frozen=True)
class AccountPage:
    """Accounts with their positions (for cursors), and whether another page follows."""

    entries: list[tuple[str, Account]]
    has_next_page: bool

    @property
    def accounts(self) -> list[Account]:
        return [account for _, account in self.entries]


async def list_accounts(
    accounts: AccountRepository,
    query: AccountQuery,
    *,
    first: int,
    after: str | None,
    fields: set[str] | None,
) -> AccountPage:
    """One page by keyset: fetch one account more than asked, to know whether another page follows.

    `first: 0` still asks whether any account follows (a count-only query learns it that way).
    """
    wanted = {"id"} if first == 0 else fields
    entries = await accounts.find_page(query, limit=first + 1, after=after, fields=wanted)
    return AccountPage(entries[:first], has_next_page=len(entries) > first)
