"""Reads and writes of many accounts at once, for imports: one query or one bulk write per batch."""

from __future__ import annotations

from typing import Any

from pymongo import UpdateOne
from pymongo.errors import BulkWriteError

from customer_credit.domain.accounts import AccountEvent, AccountFields
from customer_credit.persistence.accounts import AccountRepository, account_document, event_document, update_operation
from customer_credit.persistence.database import ACCOUNTS, Database
from customer_credit.persistence.errors import bulk_write_failures


class AccountBatchRepository:
    def __init__(self, database: Database):
        self.accounts = database.collection(ACCOUNTS)
        self.single = AccountRepository(database)

    async def _by(self, field: str, values: set[str]) -> dict[str, dict[str, Any]]:
        if not values:
            return {}
        cursor = self.accounts.find({field: {"$in": sorted(values)}})
        return {document[field]: document async for document in cursor}

    async def by_ids(self, ids: set[str]) -> dict[str, dict[str, Any]]:
        return await self._by("_id", ids)

    async def open_by_email_keys(self, keys: set[str]) -> dict[str, dict[str, Any]]:
        return await self._by("email_key", keys)

    async def open_by_document_keys(self, keys: set[str]) -> dict[str, dict[str, Any]]:
        return await self._by("document_key", keys)

    async def applied_rows(self, run_id: str, rows: list[int]) -> dict[int, int]:
        """Rows of this run already applied (row -> the version it wrote), found after a crash.

        The account document carries its latest event, and older ones are in the
        events collection, so both are asked. A latest event whose insert into the
        events collection was cut off by the crash is inserted now (idempotently).
        """
        if not rows:
            return {}
        applied: dict[int, int] = {}
        cursor = self.single.events.find(
            {"import_run_id": run_id, "import_row": {"$in": rows}}, {"import_row": 1, "version": 1}
        )
        async for event in cursor:
            applied[event["import_row"]] = event["version"]
        cursor = self.accounts.find(
            {"last_event.import_run_id": run_id, "last_event.import_row": {"$in": rows}}, {"last_event": 1}
        )
        unrecorded = []
        async for account in cursor:
            event = account["last_event"]
            if event["import_row"] not in applied:
                unrecorded.append(event)
            applied[event["import_row"]] = event["version"]
        if unrecorded:
            await self.single.record_events(unrecorded)
        return applied

    async def insert(self, accounts: list[tuple[str, AccountFields, AccountEvent]]) -> dict[int, str | None]:
        """Insert unordered; the failed positions with the unique field each clashed on."""
        if not accounts:
            return {}
        documents = [account_document(account_id, fields, event) for account_id, fields, event in accounts]
        try:
            await self.accounts.insert_many(documents, ordered=False)
            failures: dict[int, str | None] = {}
        except BulkWriteError as exc:
            failures = bulk_write_failures(exc)
        await self.single.record_events([d["last_event"] for i, d in enumerate(documents) if i not in failures])
        return failures

    async def update(
        self, changes: list[tuple[dict[str, Any], AccountFields, AccountEvent]]
    ) -> tuple[dict[int, str | None], set[int]]:
        """Conditional updates (each on the version it was computed from), unordered.

        Returns the positions that clashed on a unique field, and those whose
        account moved on meanwhile (to be retried one by one).
        """
        if not changes:
            return {}, set()
        operations = [
            UpdateOne({"_id": current["_id"], "version": current["version"]}, update_operation(fields, event))
            for current, fields, event in changes
        ]
        try:
            result = await self.accounts.bulk_write(operations, ordered=False)
            failures: dict[int, str | None] = {}
            matched = result.matched_count
        except BulkWriteError as exc:
            failures = bulk_write_failures(exc)
            matched = exc.details.get("nMatched", 0)
        stale: set[int] = set()
        if matched + len(failures) < len(changes):
            stale = await self._unapplied(changes, failures)
        events = []
        for i, (current, _, event) in enumerate(changes):
            if i in failures or i in stale:
                continue
            if current.get("last_event"):
                events.append(current["last_event"])
            events.append(event_document(event))
        await self.single.record_events(events)
        return failures, stale

    async def _unapplied(self, changes, failures) -> set[int]:
        wanted = {
            current["_id"]: (i, event.version) for i, (current, _, event) in enumerate(changes) if i not in failures
        }
        found = await self.by_ids(set(wanted))
        stale = set()
        for account_id, (i, version) in wanted.items():
            document = found.get(account_id)
            last = (document or {}).get("last_event") or {}
            event = changes[i][2]
            ours = last.get("import_run_id") == event.import_run_id and last.get("import_row") == event.import_row
            if document is None or document["version"] != version or not ours:
                stale.add(i)
        return stale
