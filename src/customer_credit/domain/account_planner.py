"""Opening, changing and closing an account, decided without a database.

The one planner of these changes: GraphQL, REST and the CSV import all ask it what a
request does to the stored account, and write what it answers (the new fields and the
event that records them) with one conditional write on the version it was planned from.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace

from customer_credit.domain.accounts import (
    DEFAULT_CREDIT_LIMIT_CENTS,
    MAX_HOLDERS,
    Account,
    AccountEvent,
    AccountFields,
    AccountRequest,
    AccountStatus,
    EventSource,
    Holder,
    asks_nothing_new,
    close,
    diff,
    email_key,
    lookup_email_key,
    normalize_email,
    validate_request,
    without_masked_echoes,
)
from customer_credit.domain.errors import AccountErrorCode, AccountRuleViolation, FieldError
from customer_credit.domain.messages import message


@dataclass(frozen=True)
class Origin:
    """Who asks for a change, through which entry point, and when."""

    actor: str
    at_ms: int
    source: EventSource = EventSource.API
    import_run_id: str | None = None
    import_row: int | None = None


@dataclass(frozen=True)
class AccountChange:
    """What one open, change or close writes: the account's new fields and the event recording them.

    `before` is the stored account it was planned from (None when opening); the write must be
    conditional on `before.version`, so a change planned from a stale read is never applied.
    """

    account_id: str
    before: Account | None
    after: AccountFields
    event: AccountEvent

    @property
    def version(self) -> int:
        return self.event.version

    @property
    def new_keys(self) -> frozenset[str]:
        """The email keys this change makes the account hold: each must be claimed before it is written."""
        held = self.before.fields.claimed_keys if self.before is not None else frozenset()
        return self.after.claimed_keys - held

    @property
    def released_keys(self) -> frozenset[str]:
        """The email keys the account holds no more once this change is written."""
        held = self.before.fields.claimed_keys if self.before is not None else frozenset()
        return held - self.after.claimed_keys

    @property
    def closes(self) -> bool:
        return (
            self.before is not None
            and self.before.status is AccountStatus.OPEN
            and self.after.status is AccountStatus.CLOSED
        )

    def applied(self) -> Account:
        """The stored account once this change is written."""
        fields = self.after
        created_at = self.before.created_at_ms if self.before is not None else self.event.at_ms
        return Account(
            id=self.account_id,
            email=fields.email,
            document_type=fields.document_type,
            document=fields.document,
            credit_limit_cents=fields.credit_limit_cents,
            tolerance_units=fields.tolerance_units,
            description=fields.description,
            status=fields.status,
            version=self.event.version,
            created_at_ms=created_at,
            updated_at_ms=self.event.at_ms,
            last_event=self.event,
            balance_cents=self.before.balance_cents if self.before else 0,
            held_cents=self.before.held_cents if self.before else 0,
            holds=self.before.holds if self.before else (),
            holders=fields.holders,
        )


def _event(
    account_id: str, version: int, origin: Origin, before: AccountFields | None, after: AccountFields
) -> AccountEvent:
    return AccountEvent(
        account_id=account_id,
        version=version,
        at_ms=origin.at_ms,
        actor=origin.actor,
        source=origin.source,
        changes=tuple(diff(before, after)),
        import_run_id=origin.import_run_id,
        import_row=origin.import_row,
    )


def plan_open(
    account_id: str,
    request: AccountRequest,
    origin: Origin,
    *,
    default_credit_limit_cents: int = DEFAULT_CREDIT_LIMIT_CENTS,
) -> AccountChange:
    """A new account at version 1. Raises AccountRuleViolation with every bad field."""
    if request.close:
        raise AccountRuleViolation.single(
            "status", AccountErrorCode.ACCOUNT_CLOSED, message("ACCOUNT_CLOSED.opensOpen")
        )
    fields = validate_request(request, current=None, default_credit_limit_cents=default_credit_limit_cents)
    return AccountChange(account_id, None, fields, _event(account_id, 1, origin, None, fields))


def plan_change(
    current: Account, request: AccountRequest, origin: Origin, *, can_read_pii: bool = True
) -> AccountChange | None:
    """The change `request` makes to `current`; None when it changes nothing.

    A closed account is never changed (ACCOUNT_CLOSED), but a request that asks exactly for
    what a closed account already is (its row in an export, imported back) changes nothing.
    A caller without `pii:read` that sends the masked email or document back means "unchanged".
    """
    before = current.fields
    if before.status is AccountStatus.CLOSED and asks_nothing_new(request, before):
        return None
    wanted = request if can_read_pii else without_masked_echoes(request, before)
    after = validate_request(wanted, current=before)
    if not diff(before, after):
        return None
    if any(holder.key == after.email_key for holder in after.holders):
        raise AccountRuleViolation.single("email", AccountErrorCode.EMAIL_IN_USE, message("EMAIL_IN_USE.ownHolder"))
    if after.status is AccountStatus.CLOSED:
        check_closable(current)
    return AccountChange(current.id, current, after, _event(current.id, current.version + 1, origin, before, after))


def check_closable(current: Account) -> None:
    """A closed account keeps its ledger readable, so nothing may be left in flight: no hold, nothing owed."""
    if current.held_cents > 0 or current.balance_cents < 0:
        raise AccountRuleViolation.single(
            None,
            AccountErrorCode.OPEN_BALANCE,
            message("OPEN_BALANCE"),
        )


def plan_close(current: Account, origin: Origin) -> AccountChange:
    before = current.fields
    after = close(before)
    check_closable(current)
    return AccountChange(current.id, current, after, _event(current.id, current.version + 1, origin, before, after))


def plan_add_holder(current: Account, raw_email: str, origin: Origin) -> AccountChange | None:
    """A holder email added to an open account; None when it already is one of its holders.

    Whether another open account holds the email is for the email claims to say when the change is
    written; the account's own email is refused here."""
    if current.status is AccountStatus.CLOSED:
        raise AccountRuleViolation.single(None, AccountErrorCode.ACCOUNT_CLOSED, message("ACCOUNT_CLOSED.change"))
    if not raw_email.strip():
        raise AccountRuleViolation.single("email", AccountErrorCode.REQUIRED, message("REQUIRED.email"))
    email = normalize_email(raw_email)
    key = email_key(email)
    before = current.fields
    if any(holder.key == key for holder in before.holders):
        return None
    if key == before.email_key:
        raise AccountRuleViolation.single("email", AccountErrorCode.EMAIL_IN_USE, message("EMAIL_IN_USE.ownEmail"))
    if len(before.holders) >= MAX_HOLDERS:
        raise AccountRuleViolation.single(
            "email", AccountErrorCode.TOO_MANY_HOLDERS, message("TOO_MANY_HOLDERS", max=MAX_HOLDERS)
        )
    holder = Holder(id=uuid.uuid4().hex, email=email, added_at_ms=origin.at_ms)
    after = replace(before, holders=(*before.holders, holder))
    return AccountChange(current.id, current, after, _event(current.id, current.version + 1, origin, before, after))


def find_holder(current: Account, *, email: str | None = None, holder_id: str | None = None) -> Holder:
    """The holder with this email (as typed: normalised, case-insensitive) or this id; NOT_FOUND otherwise."""
    key = lookup_email_key(email) if email is not None else None
    for holder in current.holders:
        if holder.key == key or holder.id == holder_id:
            return holder
    raise AccountRuleViolation.single(
        "email" if email is not None else "holderId",
        AccountErrorCode.NOT_FOUND,
        message("NOT_FOUND.holder"),
    )


def plan_remove_holder(current: Account, holder: Holder, origin: Origin) -> AccountChange:
    """One of the account's holders removed; its email becomes free."""
    if current.status is AccountStatus.CLOSED:
        raise AccountRuleViolation.single(None, AccountErrorCode.ACCOUNT_CLOSED, message("ACCOUNT_CLOSED.change"))
    before = current.fields
    after = replace(before, holders=tuple(h for h in before.holders if h.id != holder.id))
    return AccountChange(current.id, current, after, _event(current.id, current.version + 1, origin, before, after))


IN_USE = {
    "email": FieldError("email", AccountErrorCode.EMAIL_IN_USE, message("EMAIL_IN_USE")),
    "document": FieldError("document", AccountErrorCode.DOCUMENT_IN_USE, message("DOCUMENT_IN_USE")),
}


def in_use(field: str) -> FieldError:
    """The error for an email or document (`field`) that another open account holds."""
    return IN_USE[field]
