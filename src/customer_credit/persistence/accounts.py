"""Accounts and their history events in MongoDB.

Consistency without transactions: every change is one conditional update of
the account document (matched on its version) that also stores the change's
event inside the document as `last_event`. The event is then inserted into
`account_events` under the idempotent key `<accountId>:<version>`. If the
process dies between the two writes, the event is still in the account: the
next change of the account and every history read insert it again (a
duplicate key is a no-op), so `history.totalCount == version` always holds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.errors import BulkWriteError, DuplicateKeyError

from customer_credit.domain.accounts import (
    AccountEvent,
    AccountFields,
    AccountStatus,
    DocumentType,
    EventSource,
    FieldChange,
    compact_document,
)
from customer_credit.domain.errors import AccountErrorCode, AccountRuleViolation, FieldError
from customer_credit.persistence.database import ACCOUNT_EVENTS, ACCOUNTS, Database

# Each order has one stored key that is unique per account (the value, then the id), so a keyset
# page is a single range condition on one indexed field: `{key: {$gt: last}}`. A compound
# `$or` condition would scan the whole collection on the embedded server.
SORT_FIELDS = {
    "CREATED_AT": "created_sort",
    "UPDATED_AT": "updated_sort",
    "EMAIL": "email_sort",
    "CREDIT_LIMIT": "limit_sort",
}


def sort_keys(account_id: str, fields: AccountFields, *, updated_at: int) -> dict[str, str]:
    """Fixed-width values first, so string order is (value, id) order; `\x01` sorts below any email character."""
    return {
        "updated_sort": f"{updated_at:013d}|{account_id}",
        "email_sort": f"{fields.email_key}\x01{account_id}",
        "limit_sort": f"{fields.credit_limit_cents:015d}|{account_id}",
    }


IN_USE = {
    "email_key": ("email", AccountErrorCode.EMAIL_IN_USE, "The email is used by another open account."),
    "document_key": ("document", AccountErrorCode.DOCUMENT_IN_USE, "The document is used by another open account."),
}


# A change that clashed on a unique key whose holder then let go of it is tried again this often.
CLASH_ATTEMPTS = 3


class AccountAlreadyExists(Exception):
    """An insert met an account with the same id (a concurrent open)."""


def event_document(event: AccountEvent) -> dict[str, Any]:
    document = {
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
    return values, removed


def account_document(account_id: str, fields: AccountFields, event: AccountEvent) -> dict[str, Any]:
    values, _ = field_values(fields)
    return {
        "_id": account_id,
        **values,
        **sort_keys(account_id, fields, updated_at=event.at_ms),
        "created_sort": f"{event.at_ms:013d}|{account_id}",
        "created_at": event.at_ms,
        "updated_at": event.at_ms,
        "version": event.version,
        "last_event": event_document(event),
    }


def fields_from_document(document: dict[str, Any]) -> AccountFields:
    return AccountFields(
        email=document["email"],
        document_type=DocumentType(document["document_type"]) if document.get("document_type") else None,
        document=document.get("document"),
        credit_limit_cents=document["credit_limit_cents"],
        tolerance_units=document["tolerance_units"],
        description=document.get("description"),
        status=AccountStatus(document["status"]),
    )


def update_operation(fields: AccountFields, event: AccountEvent) -> dict[str, Any]:
    values, removed = field_values(fields)
    operation: dict[str, Any] = {
        "$set": {
            **values,
            **sort_keys(event.account_id, fields, updated_at=event.at_ms),
            "updated_at": event.at_ms,
            "version": event.version,
            "last_event": event_document(event),
        }
    }
    if removed:
        operation["$unset"] = {key: "" for key in removed}
    return operation


@dataclass(frozen=True)
class AccountQuery:
    """A filter and an order, in the API's terms."""

    email: str | None = None
    document: str | None = None
    document_type: str | None = None
    status: str | None = None
    search: str | None = None
    order_field: str = "CREATED_AT"
    descending: bool = True

    @property
    def sort_key(self) -> str:
        return SORT_FIELDS[self.order_field]

    def to_filter(self) -> dict[str, Any]:
        conditions: list[dict[str, Any]] = []
        if self.email is not None:
            # email_sort is "<lower-cased email>\x01<id>": one indexed range finds every account with the email.
            email = self.email.strip().lower()
            conditions.append({"email_sort": {"$gt": email + "\x01", "$lt": email + "\x02"}})
        if self.document is not None:
            conditions.append({"document": compact_document(self.document)})
        if self.document_type is not None:
            conditions.append({"document_type": self.document_type})
        if self.status is not None:
            conditions.append({"status": self.status})
        if self.search:
            text = self.search.strip()
            conditions.append(
                {
                    "$or": [
                        {"_id": {"$regex": "^" + re.escape(text), "$options": "i"}},
                        {"email_sort": {"$regex": "^" + re.escape(text.lower())}},
                        {"document": {"$regex": "^" + re.escape(compact_document(text))}},
                    ]
                }
            )
        if not conditions:
            return {}
        return conditions[0] if len(conditions) == 1 else {"$and": conditions}

    def after_filter(self, last_key: str) -> dict[str, Any]:
        return {self.sort_key: {"$lt" if self.descending else "$gt": last_key}}


class AccountRepository:
    def __init__(self, database: Database):
        self.accounts = database.collection(ACCOUNTS)
        self.events = database.collection(ACCOUNT_EVENTS)

    async def get(self, account_id: str, projection: list[str] | None = None) -> dict[str, Any] | None:
        return await self.accounts.find_one({"_id": account_id}, projection)

    async def insert(self, account_id: str, fields: AccountFields, event: AccountEvent) -> dict[str, Any]:
        document = account_document(account_id, fields, event)
        try:
            await self.accounts.insert_one(document)
        except DuplicateKeyError:
            violation = await self.in_use_by_others(account_id, document)
            if violation:
                raise violation from None
            # The id is taken (a concurrent open), or the other holder of the email or
            # document has just been closed: either way the caller's next attempt decides.
            raise AccountAlreadyExists(account_id) from None
        await self.record_events([document["last_event"]])
        return document

    async def update(
        self, current: dict[str, Any], fields: AccountFields, event: AccountEvent
    ) -> dict[str, Any] | None:
        """Apply the change if the account is still at `current`'s version; None if it moved on."""
        condition = {"_id": current["_id"], "version": current["version"]}
        operation = update_operation(fields, event)
        for attempt in range(CLASH_ATTEMPTS):
            try:
                result = await self.accounts.update_one(condition, operation)
                break
            except DuplicateKeyError:
                violation = await self.in_use_by_others(current["_id"], operation["$set"])
                if violation:
                    raise violation from None
                # The other holder let go of the key between the write and the read: the
                # conditional update is safe to repeat.
                if attempt == CLASH_ATTEMPTS - 1:
                    raise
        if result.matched_count == 0:
            return None
        pending = (
            [current["last_event"], event_document(event)] if current.get("last_event") else [event_document(event)]
        )
        await self.record_events(pending)
        values, removed = field_values(fields)
        document = {k: v for k, v in current.items() if k not in removed}
        document.update(values, updated_at=event.at_ms, version=event.version, last_event=event_document(event))
        return document

    async def in_use_by_others(self, account_id: str, values: dict[str, Any]) -> AccountRuleViolation | None:
        """After a duplicate-key error: which of `values`' unique keys another account holds.

        Asked of the store rather than read from the error, because backends disagree on
        what the error says: mongomock-motor names the wrong index when an update clashes
        (its first unique index the document has a value for), and the embedded server
        names only the first constraint it met, `_id` or not. Uniqueness itself is still
        enforced by the unique indexes; this read only explains a write that failed.
        """
        errors = []
        for key, (field, code, message) in IN_USE.items():
            if values.get(key) is None:
                continue
            holder = await self.accounts.find_one({key: values[key], "_id": {"$ne": account_id}}, {"_id": 1})
            if holder is not None:
                errors.append(FieldError(field, code, message))
        return AccountRuleViolation(errors) if errors else None

    async def record_events(self, documents: list[dict[str, Any]]) -> None:
        """Insert events idempotently under `<accountId>:<version>`: one already stored is a no-op."""
        if not documents:
            return
        keyed = [{"_id": f"{d['account_id']}:{d['version']}", **d} for d in documents]
        try:
            await self.events.insert_many(keyed, ordered=False)
        except BulkWriteError as exc:
            if any(error.get("code") != 11000 for error in exc.details.get("writeErrors", [])):
                raise

    async def find_page(
        self,
        query: AccountQuery,
        *,
        limit: int,
        after: str | None = None,
        projection: list[str] | None = None,
    ) -> list[dict[str, Any]]:
        """A page after the account whose sort key is `after` (the page's last document's `query.sort_key`)."""
        conditions = query.to_filter()
        if after is not None:
            keyset = query.after_filter(after)
            conditions = {"$and": [conditions, keyset]} if conditions else keyset
        direction = DESCENDING if query.descending else ASCENDING
        cursor = self.accounts.find(conditions, projection).sort(query.sort_key, direction)
        return await cursor.limit(limit).to_list(length=limit)

    async def count(self, query: AccountQuery) -> int:
        return await self.accounts.count_documents(query.to_filter())

    async def history(self, account: dict[str, Any], *, limit: int, before_version: int | None) -> list[AccountEvent]:
        """Newest first. A latest event whose insert was lost is taken from the account and stored again."""
        conditions: dict[str, Any] = {"account_id": account["_id"]}
        if before_version is not None:
            conditions["version"] = {"$lt": before_version}
        cursor = self.events.find(conditions).sort("version", DESCENDING).limit(limit)
        events = [event_from_document(document) async for document in cursor]
        latest = account.get("last_event")
        newest_wanted = before_version is None or before_version > account["version"]
        if latest and newest_wanted and (not events or events[0].version < latest["version"]):
            await self.record_events([latest])
            events = [event_from_document(latest), *events][:limit]
        return events
