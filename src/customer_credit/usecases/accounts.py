"""Opening, changing and closing accounts: domain rules first, then one conditional write.

Plain async functions over the services, so GraphQL and the REST adapter share them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from customer_credit.domain.accounts import (
    DEFAULT_CREDIT_LIMIT_CENTS,
    AccountEvent,
    AccountRequest,
    EventSource,
    close,
    diff,
    new_account_id,
    validate_account_id,
    validate_request,
    without_masked_echoes,
)
from customer_credit.domain.errors import AccountErrorCode, AccountRuleViolation
from customer_credit.persistence.accounts import (
    AccountAlreadyExists,
    AccountQuery,
    AccountRepository,
    fields_from_document,
)

# Optimistic retries of a change the caller did not pin to a version. Every failed attempt
# means another change of the same account succeeded, so N concurrent writers of one account
# all get through within N attempts; the bound only stops a pathological hot spot.
MAX_ATTEMPTS = 64


@dataclass(frozen=True)
class AccountOutcome:
    account: dict[str, Any]
    created: bool


def now_ms() -> int:
    return int(time.time() * 1000)


def version_conflict(expected: int | None, stored: int | None) -> AccountRuleViolation:
    return AccountRuleViolation.single(
        "expectedVersion",
        AccountErrorCode.VERSION_CONFLICT,
        f"Expected version {expected}, but the account is at version {stored or 0}.",
    )


def too_busy() -> AccountRuleViolation:
    return AccountRuleViolation.single(
        None,
        AccountErrorCode.VERSION_CONFLICT,
        f"The account changed {MAX_ATTEMPTS} times while this change was being applied; try again.",
    )


def not_found(account_id: str) -> AccountRuleViolation:
    return AccountRuleViolation.single("id", AccountErrorCode.NOT_FOUND, f"No account has the id {account_id!r}.")


async def open_or_change_account(
    accounts: AccountRepository,
    *,
    account_id: str | None,
    request: AccountRequest,
    actor: str,
    expected_version: int | None = None,
    default_credit_limit_cents: int = DEFAULT_CREDIT_LIMIT_CENTS,
    source: EventSource = EventSource.API,
    can_read_pii: bool = True,
) -> AccountOutcome:
    """Open the account when the id is new (or not given), otherwise change it.

    Insert-first: a concurrent open of the same id turns into a change, and a
    concurrent change is retried on the new version unless the caller pinned one.
    """
    generated = account_id is None
    account_id = new_account_id() if generated else validate_account_id(account_id)
    for _ in range(MAX_ATTEMPTS):
        current = None if generated else await accounts.get(account_id)
        if current is None:
            if expected_version not in (None, 0):
                raise version_conflict(expected_version, None)
            fields = validate_request(request, current=None, default_credit_limit_cents=default_credit_limit_cents)
            event = AccountEvent(account_id, 1, now_ms(), actor, source, tuple(diff(None, fields)))
            try:
                return AccountOutcome(await accounts.insert(account_id, fields, event), created=True)
            except AccountAlreadyExists:
                generated = False
                continue
        if expected_version is not None and current["version"] != expected_version:
            raise version_conflict(expected_version, current["version"])
        before = fields_from_document(current)
        wanted = request if can_read_pii else without_masked_echoes(request, before)
        after = validate_request(wanted, current=before)
        changes = diff(before, after)
        if not changes:
            return AccountOutcome(current, created=False)
        event = AccountEvent(account_id, current["version"] + 1, now_ms(), actor, source, tuple(changes))
        updated = await accounts.update(current, after, event)
        if updated is not None:
            return AccountOutcome(updated, created=False)
        if expected_version is not None:
            raise version_conflict(expected_version, current["version"] + 1)
    raise too_busy()


async def close_account(accounts: AccountRepository, *, account_id: str, actor: str) -> dict[str, Any]:
    validate_account_id(account_id)
    for _ in range(MAX_ATTEMPTS):
        current = await accounts.get(account_id)
        if current is None:
            raise not_found(account_id)
        before = fields_from_document(current)
        after = close(before)
        event = AccountEvent(
            account_id, current["version"] + 1, now_ms(), actor, EventSource.API, tuple(diff(before, after))
        )
        updated = await accounts.update(current, after, event)
        if updated is not None:
            return updated
    raise too_busy()


@dataclass(frozen=True)
class AccountPage:
    documents: list[dict[str, Any]]
    has_next_page: bool


async def list_accounts(
    accounts: AccountRepository,
    query: AccountQuery,
    *,
    first: int,
    after: str | None,
    projection: list[str] | None,
) -> AccountPage:
    """One page by keyset: fetch one document more than asked, to know whether another page follows.

    `first: 0` still asks whether any account follows (a count-only query learns it that way).
    """
    limit_projection = ["_id"] if first == 0 else projection
    documents = await accounts.find_page(query, limit=first + 1, after=after, projection=limit_projection)
    return AccountPage(documents[:first], has_next_page=len(documents) > first)
