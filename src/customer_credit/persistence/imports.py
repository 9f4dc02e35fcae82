"""Import runs, their uploaded files and their row errors in MongoDB.

The file is stored as numbered chunks of `bson.Binary` in a plain collection
(GridFS is not available on every backend). A run is claimed by one worker
at a time through a lease (`lease_owner`, `lease_until` in epoch ms); every
checkpoint renews it, and a run whose lease expired is claimed again and
resumed from its checkpoint.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from bson import Binary
from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.errors import BulkWriteError

from customer_credit.persistence.database import IMPORT_CHUNKS, IMPORT_ROW_ERRORS, IMPORT_RUNS, Database

ACTIVE_STATUSES = ("QUEUED", "RUNNING")
COUNTERS = ("processed_rows", "created_count", "updated_count", "unchanged_count", "failed_count")


class ImportRunRepository:
    def __init__(self, database: Database):
        self.runs = database.collection(IMPORT_RUNS)
        self.chunks = database.collection(IMPORT_CHUNKS)
        self.row_errors = database.collection(IMPORT_ROW_ERRORS)

    async def store_chunks(self, run_id: str, pieces: list[bytes], first_index: int) -> None:
        documents = [
            {"_id": f"{run_id}:{first_index + i}", "run_id": run_id, "n": first_index + i, "data": Binary(piece)}
            for i, piece in enumerate(pieces)
        ]
        if documents:
            await self.chunks.insert_many(documents)

    async def file_chunks(self, run_id: str) -> AsyncIterator[bytes]:
        """The stored file, a chunk at a time, so a large file is never held whole."""
        cursor = self.chunks.find({"run_id": run_id}, {"data": 1}).sort("n", ASCENDING).batch_size(4)
        async for document in cursor:
            yield bytes(document["data"])

    async def create(self, run: dict[str, Any]) -> None:
        await self.runs.insert_one(run)

    async def get(self, run_id: str) -> dict[str, Any] | None:
        return await self.runs.find_one({"_id": run_id})

    async def find_page(
        self, conditions: dict[str, Any], *, limit: int, after: tuple[int, str] | None
    ) -> list[dict[str, Any]]:
        """Newest first, by (created_at, _id) keyset."""
        if after is not None:
            created_at, run_id = after
            keyset = {"$or": [{"created_at": {"$lt": created_at}}, {"created_at": created_at, "_id": {"$lt": run_id}}]}
            conditions = {"$and": [conditions, keyset]} if conditions else keyset
        cursor = self.runs.find(conditions, {"header": 0}).sort([("created_at", DESCENDING), ("_id", DESCENDING)])
        return await cursor.limit(limit).to_list(length=limit)

    async def count(self, conditions: dict[str, Any]) -> int:
        return await self.runs.count_documents(conditions)

    async def claim(self, owner: str, *, now_ms: int, lease_ms: int) -> dict[str, Any] | None:
        """Take the oldest queued run, or a running one whose worker's lease expired."""
        return await self.runs.find_one_and_update(
            {
                "status": {"$in": list(ACTIVE_STATUSES)},
                "$or": [{"lease_until": {"$lt": now_ms}}, {"lease_owner": owner}],
            },
            {"$set": {"status": "RUNNING", "lease_owner": owner, "lease_until": now_ms + lease_ms}},
            sort=[("created_at", ASCENDING)],
            return_document=ReturnDocument.AFTER,
        )

    async def mark_started(self, run_id: str, owner: str, now_ms: int, *, batch_size: int) -> None:
        """The first start sets `started_at`; every attempt records its batch size, which bounds what a
        resumed attempt must check for rows already applied after the last checkpoint."""
        await self.runs.update_one({"_id": run_id, "lease_owner": owner}, {"$set": {"batch_size": batch_size}})
        await self.runs.update_one(
            {"_id": run_id, "lease_owner": owner, "started_at": None}, {"$set": {"started_at": now_ms}}
        )

    async def checkpoint(
        self, run_id: str, owner: str, *, counters: dict[str, int], position: int, lease_until: int
    ) -> bool:
        """Save progress after a batch; False when this worker no longer holds the run."""
        result = await self.runs.update_one(
            {"_id": run_id, "lease_owner": owner},
            {"$set": {**counters, "position": position, "lease_until": lease_until}},
        )
        return result.matched_count == 1

    async def holds(self, run_id: str, owner: str, *, lease_until: int) -> bool:
        """Renew the lease; False when another worker has taken the run over meanwhile."""
        result = await self.runs.update_one(
            {"_id": run_id, "lease_owner": owner}, {"$set": {"lease_until": lease_until}}
        )
        return result.matched_count == 1

    async def finish(
        self, run_id: str, owner: str, *, status: str, counters: dict[str, int], now_ms: int, failure: str | None = None
    ) -> bool:
        values: dict[str, Any] = {**counters, "status": status, "finished_at": now_ms, "lease_until": 0}
        if failure is not None:
            values["failure"] = failure
        result = await self.runs.update_one({"_id": run_id, "lease_owner": owner}, {"$set": values})
        return result.matched_count == 1

    async def release(self, run_id: str, owner: str) -> None:
        """Give the run back at once (graceful shutdown), so another worker can take it."""
        await self.runs.update_one({"_id": run_id, "lease_owner": owner}, {"$set": {"lease_until": 0}})

    async def add_row_errors(self, documents: list[dict[str, Any]]) -> None:
        """Idempotent: a batch re-applied after a crash writes the same ids again."""
        if not documents:
            return
        try:
            await self.row_errors.insert_many(documents, ordered=False)
        except BulkWriteError as exc:
            if any(error.get("code") != 11000 for error in exc.details.get("writeErrors", [])):
                raise

    async def row_errors_page(self, run_id: str, *, limit: int, after: tuple[int, int] | None) -> list[dict[str, Any]]:
        conditions: dict[str, Any] = {"run_id": run_id}
        if after is not None:
            row, seq = after
            conditions["$or"] = [{"row": {"$gt": row}}, {"row": row, "seq": {"$gt": seq}}]
        cursor = self.row_errors.find(conditions, {"cells": 0}).sort([("row", ASCENDING), ("seq", ASCENDING)])
        return await cursor.limit(limit).to_list(length=limit)

    async def count_row_errors(self, run_id: str) -> int:
        return await self.row_errors.count_documents({"run_id": run_id})

    async def all_row_errors(self, run_id: str) -> AsyncIterator[dict[str, Any]]:
        cursor = self.row_errors.find({"run_id": run_id}).sort([("row", ASCENDING), ("seq", ASCENDING)]).batch_size(500)
        async for document in cursor:
            yield document
