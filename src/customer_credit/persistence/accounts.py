"""Accounts and their history events in MongoDB.

Consistency without transactions: every change is one conditional update of
the account document (matched on its version) that also stores the change's
event inside the document as `last_event`. The event is then inserted into
`account_events` under the idempotent key `<accountId>:<version>`. If the
process dies between the two writes, the event is still in the account: the
next change of the account and every history read insert it again (a
duplicate key is a no-op), so `history.totalCount == version` always holds.
An import relies on that repair for the accounts it opens: their first event
stays in the account until then (account_batches.py), one write fewer per row.
"""

from __future__ import annotations

import asyncio
import re
from itertools import combinations
from typing import Any

from motor.motor_asyncio import AsyncIOMotorCollection
from pymongo import ASCENDING, DESCENDING
from pymongo.errors import BulkWriteError, DuplicateKeyError

from customer_credit.domain.account_planner import AccountChange, in_use
from customer_credit.domain.accounts import (
    Account,
    AccountEvent,
    AccountFields,
    AccountOrderField,
    AccountQuery,
    AccountStatus,
    DocumentType,
    EventSource,
    FieldChange,
    Holder,
    compact_document,
    email_key,
    lookup_email_key,
)
from customer_credit.domain.credit import spending_limit_cents
from customer_credit.domain.credit_records import Hold
from customer_credit.domain.errors import AccountRuleViolation
from customer_credit.persistence.counting import at_least, count
from customer_credit.persistence.database import ACCOUNT_EVENTS, ACCOUNTS, Database
from customer_credit.persistence.email_claims import EmailClaims
from customer_credit.persistence.errors import DUPLICATE_KEY
from customer_credit.persistence.ledger import HEADROOM, HEADROOM_PLAIN, ledger_fields
from customer_credit.persistence.upgrades import add_missing_field

# Each order has one stored key that is unique per account (the value, then the id), so a keyset
# page is a single range condition on one indexed field: `{key: {$gt: last}}`. A compound
# `$or` condition would scan the whole collection on the embedded server.
SORT_FIELDS = {
    AccountOrderField.CREATED_AT: "created_sort",
    AccountOrderField.UPDATED_AT: "updated_sort",
    AccountOrderField.EMAIL: "email_sort",
    AccountOrderField.CREDIT_LIMIT: "limit_sort",
}

# Strings that start with a prefix sort below prefix + this (the last code point; UTF-8 and code point order agree).
LAST_CHARACTER = chr(0x10FFFF)

# How many accounts one way of matching a search must match before a page walks its order instead of
# reading them all. Reading the range costs each match, walking about 50 x store / matches accounts, at about
# the same cost per account on the embedded server (~4 us): they break even near 7 x sqrt(store) matches
# (700 at 10,000 accounts, 7,300 at 1,000,000). At 2,000 neither exceeds ~100 ms up to 1,000,000 accounts;
# whether a way holds 2,000 is one `find` that skips to the 2,000th (counting.at_least). README, Performance.
WALK_FROM_MATCHES = 2_000

# An open account has an `email_key` (removed on close): the open accounts as an index range.
OPEN_BY_INDEX: dict[str, Any] = {"email_key": {"$gt": ""}}
# A closed account (a close is final) has a `closed_key` under a sparse index, which holds the closed
# accounts only: the closed accounts as an index range, at no cost to opening an account.
CLOSED_KEY = "closed_key"
CLOSED_MARK = "closed"
CLOSED_BY_INDEX: dict[str, Any] = {CLOSED_KEY: {"$gt": ""}}
# What a count asks instead of `status` (in no index), by status.
BY_INDEX = {AccountStatus.OPEN.value: OPEN_BY_INDEX, AccountStatus.CLOSED.value: CLOSED_BY_INDEX}

# Where each attribute of the Account record is stored, for projections.
STORED_KEYS = {
    "id": "_id",
    "email": "email",
    "document_type": "document_type",
    "document": "document",
    "credit_limit_cents": "credit_limit_cents",
    "tolerance_units": "tolerance_units",
    "description": "description",
    "status": "status",
    "version": "version",
    "created_at_ms": "created_at",
    "updated_at_ms": "updated_at",
    "last_event": "last_event",
    "balance_cents": "balance_cents",
    "held_cents": "held_cents",
    "holds": "holds",
    "holders": "holders",
}

# The stored unique keys, and the field of the request each one comes from.
UNIQUE_KEYS = {"email_key": "email", "document_key": "document"}

# A change that clashed on a unique key whose holder then let go of it is tried again this often.
CLASH_ATTEMPTS = 3


class AccountAlreadyExists(Exception):
    """An insert met an account with the same id (a concurrent open)."""


def sort_key(query: AccountQuery) -> str:
    return SORT_FIELDS[query.order_field]


def sort_keys(account_id: str, fields: AccountFields, *, updated_at: int) -> dict[str, str]:
    """Fixed-width values first, so string order is (value, id) order; `\x01` sorts below any email character."""
    return {
        "updated_sort": f"{updated_at:013d}|{account_id}",
        "email_sort": f"{fields.email_key}\x01{account_id}",
        "limit_sort": f"{fields.credit_limit_cents:015d}|{account_id}",
    }


def event_document(event: AccountEvent) -> dict[str, Any]:
    document: dict[str, Any] = {
        "account_id": event.account_id,
        "version": event.version,
        "at": event.at_ms,
        "actor": event.actor,
        "source": event.source.value,
        "changes": [{"field": c.field, "from": c.before, "to": c.after} for c in event.changes],
    }
    if event.import_run_id is not None:
        document["import_run_id"] = event.import_run_id
        document["import_row"] = event.import_row
    return document


def event_from_document(document: dict[str, Any]) -> AccountEvent:
    return AccountEvent(
        account_id=document["account_id"],
        version=document["version"],
        at_ms=document["at"],
        actor=document["actor"],
        source=EventSource(document["source"]),
        changes=tuple(FieldChange(c["field"], c.get("from"), c.get("to")) for c in document["changes"]),
        import_run_id=document.get("import_run_id"),
        import_row=document.get("import_row"),
    )


def field_values(fields: AccountFields) -> tuple[dict[str, Any], list[str]]:
    """The stored form of the fields: values to set, and keys to remove."""
    values: dict[str, Any] = {
        "email": fields.email,
        "document_type": fields.document_type.value if fields.document_type else None,
        "document": fields.document,
        "credit_limit_cents": fields.credit_limit_cents,
        "tolerance_units": fields.tolerance_units,
        "description": fields.description,
        "status": fields.status.value,
        "holders": {h.id: {"email": h.email, "at": h.added_at_ms} for h in fields.holders},
    }
    removed = []
    if fields.status is AccountStatus.OPEN:
        values["email_key"] = fields.email_key
        if fields.document_key:
            values["document_key"] = fields.document_key
        else:
            removed.append("document_key")
    else:
        removed += ["email_key", "document_key"]
        values[CLOSED_KEY] = CLOSED_MARK
    return values, removed


def spending(fields: AccountFields) -> tuple[int, int]:
    """The spending limit with and without tolerance (the store setting toleranceEnabled picks one)."""
    return (
        spending_limit_cents(fields.credit_limit_cents, fields.tolerance_units, True),
        spending_limit_cents(fields.credit_limit_cents, fields.tolerance_units, False),
    )


def account_document(change: AccountChange) -> dict[str, Any]:
    """The document that opens an account."""
    values, _ = field_values(change.after)
    at, account_id = change.event.at_ms, change.account_id
    return {
        "_id": account_id,
        **values,
        **ledger_fields(*spending(change.after)),
        **sort_keys(account_id, change.after, updated_at=at),
        "created_sort": f"{at:013d}|{account_id}",
        "created_at": at,
        "updated_at": at,
        "version": change.version,
        "last_event": event_document(change.event),
        **id_key(account_id),
    }


def id_key(account_id: str) -> dict[str, str]:
    """The id lower-cased: a search by id prefix in any case is one range of its index (the embedded
    server answers no range of `_id` from an index: a prefix of `_id` read the whole collection)."""
    return {"id_key": account_id.lower()}


def update_operation(change: AccountChange) -> dict[str, Any]:
    values, removed = field_values(change.after)
    operation: dict[str, Any] = {
        "$set": {
            **values,
            **sort_keys(change.account_id, change.after, updated_at=change.event.at_ms),
            "updated_at": change.event.at_ms,
            "version": change.version,
            "last_event": event_document(change.event),
        }
    }
    if removed:
        operation["$unset"] = {key: "" for key in removed}
    assert change.before is not None
    (with_tolerance, plain), (before_tolerance, before_plain) = spending(change.after), spending(change.before.fields)
    if (with_tolerance, plain) != (before_tolerance, before_plain):
        # A new limit moves what is free by the difference, whatever is held or owed meanwhile.
        operation["$inc"] = {HEADROOM: with_tolerance - before_tolerance, HEADROOM_PLAIN: plain - before_plain}
    return operation


def update_condition(change: AccountChange) -> dict[str, Any]:
    """Only the version the change was planned from may be changed; a close, only with nothing held or owed
    (authorizations and settlements do not move the version, so this is checked in the same update)."""
    assert change.before is not None
    condition: dict[str, Any] = {"_id": change.account_id, "version": change.before.version}
    if change.closes:
        condition.update(held_cents=0, balance_cents={"$gte": 0})
    return condition


def account_from_document(document: dict[str, Any]) -> Account:
    """The record of a stored account; a projected document leaves unselected fields at their defaults."""
    get = document.get
    document_type = get("document_type")
    last_event = get("last_event")
    return Account(
        id=document["_id"],
        email=get("email", ""),
        document_type=DocumentType(document_type) if document_type else None,
        document=get("document"),
        credit_limit_cents=get("credit_limit_cents", 0),
        tolerance_units=get("tolerance_units", 0),
        description=get("description"),
        status=AccountStatus(get("status", AccountStatus.OPEN.value)),
        version=get("version", 0),
        created_at_ms=get("created_at", 0),
        updated_at_ms=get("updated_at", 0),
        last_event=event_from_document(last_event) if last_event else None,
        balance_cents=get("balance_cents", 0),
        held_cents=get("held_cents", 0),
        holds=tuple(Hold(t, h["a"], h["x"]) for t, h in (get("holds") or {}).items()),
        holders=holders_from_document(get("holders") or {}),
    )


def holders_from_document(holders: dict[str, Any]) -> tuple[Holder, ...]:
    """In the order they were added."""
    found = [Holder(id=hid, email=h["email"], added_at_ms=h["at"]) for hid, h in holders.items()]
    return tuple(sorted(found, key=lambda holder: (holder.added_at_ms, holder.id)))


def projection(fields: set[str] | None, *extra: str) -> list[str] | None:
    """The stored keys behind the record attributes `fields` (None: the whole document)."""
    if fields is None:
        return None
    return sorted({"_id", *extra, *(STORED_KEYS[name] for name in fields)})


def prefix_range(prefix: str) -> dict[str, str]:
    """Every string that starts with `prefix`, as one index range (an anchored `$regex` scans on the
    embedded server)."""
    return {"$gte": prefix, "$lt": prefix + LAST_CHARACTER}


def prefix_test(prefix: str) -> dict[str, str]:
    """Every string that starts with `prefix`, as a test of each document (no index range on the
    embedded server)."""
    return {"$regex": "^" + re.escape(prefix)}


def base_conditions(query: AccountQuery) -> list[dict[str, Any]]:
    """The filter's conditions but `search`."""
    conditions: list[dict[str, Any]] = []
    if query.email is not None:
        # email_sort is "<email key>\x01<id>": one indexed range finds every account with the email.
        key = lookup_email_key(query.email)
        conditions.append({"email_sort": prefix_range(key + "\x01")})
    if query.document is not None:
        conditions.append({"document": compact_document(query.document)})
    if query.document_type is not None:
        conditions.append({"document_type": query.document_type.value})
    if query.status is not None:
        conditions.append({"status": query.status.value})
    return conditions


def search_prefixes(query: AccountQuery) -> list[tuple[str, str]]:
    """`search` as (stored field, prefix) pairs, one per way an account can match: by id (in any case),
    email or document. An account matches if any one matches; empty prefixes match nothing."""
    text = (query.search or "").strip()
    if not text:
        return []
    lowered = text.lower()
    pairs = [
        ("id_key", lowered),
        ("email_sort", email_key(text)),
        ("document", compact_document(text)),
    ]
    return [(field, prefix) for field, prefix in pairs if prefix]


def all_of(conditions: list[dict[str, Any]]) -> dict[str, Any]:
    if not conditions:
        return {}
    return conditions[0] if len(conditions) == 1 else {"$and": conditions}


def counted_conditions(query: AccountQuery) -> list[dict[str, Any]]:
    """`base_conditions` as a count wants them: `status` is in no index, but an open account is one that
    has an `email_key` and a closed one one that has a `closed_key`, each an index range. A page keeps
    `status`, so that it walks its order's index instead of sorting every account of that status."""
    return [BY_INDEX.get(condition.get("status", ""), condition) for condition in base_conditions(query)]


class AccountRepository:
    def __init__(self, database: Database, *, walk_from_matches: int = WALK_FROM_MATCHES):
        self.walk_from_matches = walk_from_matches
        self.accounts = database.collection(ACCOUNTS)
        self.events = database.collection(ACCOUNT_EVENTS)
        self.claims = EmailClaims(database)

    async def get(self, account_id: str, fields: set[str] | None = None) -> Account | None:
        document = await self.accounts.find_one({"_id": account_id}, projection(fields))
        return account_from_document(document) if document is not None else None

    async def insert(self, change: AccountChange) -> Account:
        """Open the account: its email claimed first (EMAIL_IN_USE if another open account holds it)."""
        await self.claims.claim(change.account_id, change.new_keys, change.version)
        try:
            await self.insert_claimed(change)
        except Exception:
            await self.claims.undo(change.account_id, change.new_keys, change.version)
            raise
        return change.applied()

    async def insert_claimed(self, change: AccountChange) -> None:
        document = account_document(change)
        try:
            await self.accounts.insert_one(document)
        except DuplicateKeyError:
            violation = await self.in_use_by_others(change.account_id, document)
            if violation:
                raise violation from None
            # The id is taken (a concurrent open), or the other holder of the email or
            # document has just been closed: either way the caller's next attempt decides.
            raise AccountAlreadyExists(change.account_id) from None
        await self.record_events([document["last_event"]])

    async def update(self, change: AccountChange) -> Account | None:
        """Apply the change if the account is still at the version it was planned from; None if it moved on.

        The emails the change adds (a new email, a holder) are claimed before the write, and those it
        lets go of (an old email, a holder removed, every one on a close) released after it."""
        await self.claims.claim(change.account_id, change.new_keys, change.version)
        try:
            applied = await self.update_claimed(change)
        except Exception:
            await self.claims.undo(change.account_id, change.new_keys, change.version)
            raise
        if not applied:
            await self.claims.undo(change.account_id, change.new_keys, change.version)
            return None
        await self.claims.release(change.account_id, change.released_keys, change.version)
        return change.applied()

    async def update_claimed(self, change: AccountChange) -> bool:
        operation = update_operation(change)
        for attempt in range(CLASH_ATTEMPTS):
            try:
                result = await self.accounts.update_one(update_condition(change), operation)
                break
            except DuplicateKeyError:
                violation = await self.in_use_by_others(change.account_id, operation["$set"])
                if violation:
                    raise violation from None
                # The other holder let go of the key between the write and the read: the
                # conditional update is safe to repeat.
                if attempt == CLASH_ATTEMPTS - 1:
                    raise
        if result.matched_count == 0:
            return False
        await self.record_events(pending_events(change))
        return True

    async def by_email(self, email: str, fields: set[str] | None = None) -> Account | None:
        """The open account whose email or holder email this is (as typed: normalised, case-insensitive):
        the email's claim, found by its key, names the account."""
        key = lookup_email_key(email)
        claims = await self.claims.find({key})
        if not claims:
            return None
        wanted = None if fields is None else {*fields, "status", "email", "holders"}
        account = await self.get(claims[0].account_id, wanted)
        return account if account is not None and key in account.fields.claimed_keys else None

    async def claim_unclaimed_emails(self) -> int:
        """Claims for the emails of accounts opened before claims existed; how many accounts."""
        return await self.claims.claim_unclaimed()

    async def add_id_keys(self) -> int:
        """The lower-cased id (`id_key`) for accounts opened before it was kept; returns how many."""
        return await add_missing_field(self.accounts, "id_key", id_key)

    async def add_closed_keys(self) -> int:
        """The `closed_key` for accounts closed before it was kept; returns how many."""
        result = await self.accounts.update_many(
            {"status": AccountStatus.CLOSED.value, CLOSED_KEY: {"$exists": False}}, {"$set": {CLOSED_KEY: CLOSED_MARK}}
        )
        return result.modified_count

    async def add_missing_ledgers(self) -> int:
        """Give accounts opened before the credit ledger existed their (empty) ledger; returns how many."""
        added = 0
        async for document in self.accounts.find({HEADROOM: {"$exists": False}}):
            fields = ledger_fields(*spending(account_from_document(document).fields))
            result = await self.accounts.update_one(
                {"_id": document["_id"], HEADROOM: {"$exists": False}}, {"$set": fields}
            )
            added += result.modified_count
        return added

    async def in_use_by_others(self, account_id: str, values: dict[str, Any]) -> AccountRuleViolation | None:
        """After a duplicate-key error: which of `values`' unique keys another account holds.

        Asked of the store rather than read from the error, because backends disagree on
        what the error says: mongomock-motor names the wrong index when an update clashes
        (its first unique index the document has a value for), and the embedded server
        names only the first constraint it met, `_id` or not. Uniqueness itself is still
        enforced by the unique indexes; this read only explains a write that failed.
        """
        errors = []
        for key, field in UNIQUE_KEYS.items():
            if values.get(key) is None:
                continue
            holder = await self.accounts.find_one({key: values[key], "_id": {"$ne": account_id}}, {"_id": 1})
            if holder is not None:
                errors.append(in_use(field))
        return AccountRuleViolation(errors) if errors else None

    async def record_events(self, documents: list[dict[str, Any]]) -> None:
        await record_events(self.events, documents)

    async def find_page(
        self,
        query: AccountQuery,
        *,
        limit: int,
        after: str | None = None,
        fields: set[str] | None = None,
    ) -> list[tuple[str, Account]]:
        """A page after the position `after`, each account with its own position (for the next page's cursor).

        With `search`, each way of matching is its own query (`find_by_prefix`) and the pages are merged:
        an `$or` of ranges is not planned from the indexes on the embedded server.
        """
        key = sort_key(query)
        conditions = base_conditions(query)
        if after is not None:
            conditions.append({key: {"$lt" if query.descending else "$gt": after}})
        keep = projection(fields, key)
        prefixes = search_prefixes(query)
        if not prefixes:
            return await self.find_matches(query, conditions, limit, keep)
        pages = await asyncio.gather(
            *(self.find_by_prefix(query, conditions, field, prefix, limit, keep) for field, prefix in prefixes)
        )
        merged = {account.id: (position, account) for page in pages for position, account in page}
        ordered = sorted(merged.values(), key=lambda entry: entry[0], reverse=query.descending)
        return ordered[:limit]

    async def find_by_prefix(
        self,
        query: AccountQuery,
        conditions: list[dict[str, Any]],
        field: str,
        prefix: str,
        limit: int,
        keep: list[str] | None,
    ) -> list[tuple[str, Account]]:
        """One way of matching a search. Its range costs the embedded server every match (read whole, then
        sorted); once it holds `walk_from_matches` of them, walking the page's order and testing the prefix
        on each account stops after `limit` matches, which for a frequent prefix reads far fewer documents
        (README, Performance). The same accounts either way."""
        ranged = [*conditions, {field: prefix_range(prefix)}]
        if await at_least(self.accounts, all_of(ranged), self.walk_from_matches):
            return await self.find_matches(query, [*conditions, {field: prefix_test(prefix)}], limit, keep)
        return await self.find_matches(query, ranged, limit, keep)

    async def find_matches(
        self, query: AccountQuery, conditions: list[dict[str, Any]], limit: int, keep: list[str] | None
    ) -> list[tuple[str, Account]]:
        key = sort_key(query)
        direction = DESCENDING if query.descending else ASCENDING
        cursor = self.accounts.find(all_of(conditions), keep).sort(key, direction)
        documents = await cursor.limit(limit).to_list(length=limit)
        return [(document[key], account_from_document(document)) for document in documents]

    async def count(self, query: AccountQuery, limit: int | None = None) -> int:
        """How many accounts the filter matches, or `limit` if at least that many."""
        conditions = counted_conditions(query)
        prefixes = search_prefixes(query)
        if conditions == [OPEN_BY_INDEX] and not prefixes and limit is None:
            # Every account is open or closed: the whole collection and the closed accounts' sparse index
            # are counted faster than every open account's email key.
            every, closed = await asyncio.gather(count(self.accounts, {}), count(self.accounts, CLOSED_BY_INDEX))
            return every - closed
        if not prefixes:
            return await count(self.accounts, all_of(conditions), limit)
        return await self.count_union(conditions, [{field: prefix_range(prefix)} for field, prefix in prefixes], limit)

    async def count_union(
        self, conditions: list[dict[str, Any]], branches: list[dict[str, Any]], limit: int | None
    ) -> int:
        """The accounts that match the conditions and any of the branches, by inclusion-exclusion of counts
        (the branches alone, then together): every count is answered from an index range and no account
        is read, where collecting the matching ids to merge them read every match. An account matching
        two branches (an id and an email that start alike) is counted once."""

        async def counted(parts: tuple[dict[str, Any], ...], bound: int | None) -> int:
            return await count(self.accounts, all_of([*conditions, *parts]), bound)

        alone = await asyncio.gather(*(counted((branch,), limit) for branch in branches))
        if limit is not None and max(alone) >= limit:
            return limit
        present = [branch for branch, found in zip(branches, alone, strict=True) if found]
        total = sum(alone)
        for size in range(2, len(present) + 1):
            overlaps = await asyncio.gather(*(counted(parts, None) for parts in combinations(present, size)))
            total += (-1) ** (size + 1) * sum(overlaps)
        return total if limit is None else min(total, limit)

    async def history(self, account: Account, *, limit: int, before_version: int | None) -> list[AccountEvent]:
        """Newest first. A latest event whose insert was lost is taken from the account and stored again.

        `account` needs its `version` and `last_event`."""
        conditions: dict[str, Any] = {"account_id": account.id}
        if before_version is not None:
            conditions["version"] = {"$lt": before_version}
        cursor = self.events.find(conditions).sort("version", DESCENDING).limit(limit)
        events = [event_from_document(document) async for document in cursor]
        latest = account.last_event
        newest_wanted = before_version is None or before_version > account.version
        if latest and newest_wanted and (not events or events[0].version < latest.version):
            await self.record_events([event_document(latest)])
            events = [latest, *events][:limit]
        return events


def pending_events(change: AccountChange) -> list[dict[str, Any]]:
    """The change's event, and the one before it if its insert may have been lost (it lives on in `last_event`)."""
    documents = [event_document(change.event)]
    if change.before is not None and change.before.last_event is not None:
        documents.insert(0, event_document(change.before.last_event))
    return documents


async def record_events(events: AsyncIOMotorCollection, documents: list[dict[str, Any]]) -> None:
    """Insert events idempotently under `<accountId>:<version>`: one already stored is a no-op."""
    if not documents:
        return
    keyed = [{"_id": f"{d['account_id']}:{d['version']}", **d} for d in documents]
    try:
        await events.insert_many(keyed, ordered=False)
    except BulkWriteError as exc:
        if any(error.get("code") != DUPLICATE_KEY for error in exc.details.get("writeErrors", [])):
            raise
