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

from customer_credit.domain.imports import (
    CsvLayout,
    ImportCounters,
    ImportKind,
    ImportMode,
    ImportRowError,
    ImportRun,
    ImportStatus,
)
from customer_credit.domain.messages import Message, verbatim
from customer_credit.persistence.counting import count
from customer_credit.persistence.database import IMPORT_CHUNKS, IMPORT_ROW_ERRORS, IMPORT_RUNS, Database
from customer_credit.persistence.errors import DUPLICATE_KEY

ACTIVE_STATUSES = (ImportStatus.QUEUED.value, ImportStatus.RUNNING.value)
COUNTERS = ("processed_rows", "created_count", "updated_count", "unchanged_count", "failed_count")


def counters_document(counters: ImportCounters) -> dict[str, int]:
    return {name: getattr(counters, name) for name in COUNTERS}


def run_document(run: ImportRun) -> dict[str, Any]:
    return {
        "_id": run.id,
        "mode": run.mode.value,
        "kind": run.kind.value,
        "dry_run": run.dry_run,
        "file_name": run.file_name,
        "file_size": run.file_size,
        "file_sha256": run.file_sha256,
        "status": run.status.value,
        "total_rows": run.total_rows,
        **counters_document(run.counters),
        "created_at": run.created_at_ms,
        "started_at": run.started_at_ms,
        "finished_at": run.finished_at_ms,
        "actor": run.actor,
        "format": {"encoding": run.layout.encoding, "delimiter": run.layout.delimiter},
        "columns": dict(run.layout.columns),
        "header": list(run.layout.header),
        "position": run.position,
        "lease_owner": run.lease_owner,
        "lease_until": run.lease_until_ms,
    }


def run_from_document(document: dict[str, Any]) -> ImportRun:
    """A run as stored; the history's list leaves out the header, which only the worker and the report read."""
    get = document.get
    file_format = get("format") or {}
    return ImportRun(
        id=document["_id"],
        mode=ImportMode(document["mode"]),
        dry_run=document["dry_run"],
        file_name=document["file_name"],
        file_size=document["file_size"],
        file_sha256=document["file_sha256"],
        status=ImportStatus(document["status"]),
        total_rows=get("total_rows"),
        counters=ImportCounters(**{name: get(name, 0) for name in COUNTERS}),
        created_at_ms=document["created_at"],
        actor=document["actor"],
        layout=CsvLayout(
            encoding=file_format.get("encoding", "utf-8"),
            delimiter=file_format.get("delimiter", ","),
            columns=dict(get("columns") or {}),
            header=tuple(get("header") or ()),
        ),
        started_at_ms=get("started_at"),
        finished_at_ms=get("finished_at"),
        position=get("position", 1),
        lease_owner=get("lease_owner"),
        lease_until_ms=get("lease_until", 0),
        batch_size=get("batch_size"),
        failure=get("failure"),
        kind=ImportKind(get("kind") or ImportKind.ACCOUNTS.value),
    )


def row_error_document(error: ImportRowError) -> dict[str, Any]:
    document: dict[str, Any] = {
        "_id": f"{error.run_id}:{error.row}:{error.seq}",
        "run_id": error.run_id,
        "row": error.row,
        "seq": error.seq,
        "column": error.column,
        "code": error.code,
        "message": error.message.english,
        "text": error.message.stored(),
        "account_id": error.account_id,
    }
    if error.cells is not None:
        document["cells"] = list(error.cells)
    return document


def row_error_from_document(document: dict[str, Any]) -> ImportRowError:
    cells = document.get("cells")
    return ImportRowError(
        run_id=document["run_id"],
        row=document["row"],
        seq=document["seq"],
        column=document.get("column"),
        code=document["code"],
        message=Message.from_stored(document["text"]) if document.get("text") else verbatim(document["message"]),
        account_id=document.get("account_id"),
        cells=tuple(cells) if cells is not None else None,
    )


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

    async def create(self, run: ImportRun) -> None:
        await self.runs.insert_one(run_document(run))

    async def get(self, run_id: str) -> ImportRun | None:
        document = await self.runs.find_one({"_id": run_id})
        return run_from_document(document) if document is not None else None

    async def find_page(
        self,
        *,
        status: ImportStatus | None,
        mode: ImportMode | None,
        kind: ImportKind | None = None,
        limit: int,
        after: tuple[int, str] | None,
    ) -> list[ImportRun]:
        """Newest first, by (created_at, _id) keyset."""
        conditions = run_conditions(status, mode, kind)
        if after is not None:
            created_at, run_id = after
            keyset = {"$or": [{"created_at": {"$lt": created_at}}, {"created_at": created_at, "_id": {"$lt": run_id}}]}
            conditions = {"$and": [conditions, keyset]} if conditions else keyset
        cursor = self.runs.find(conditions, {"header": 0}).sort([("created_at", DESCENDING), ("_id", DESCENDING)])
        return [run_from_document(document) for document in await cursor.limit(limit).to_list(length=limit)]

    async def count(
        self,
        *,
        status: ImportStatus | None,
        mode: ImportMode | None,
        kind: ImportKind | None = None,
        limit: int | None = None,
    ) -> int:
        return await count(self.runs, run_conditions(status, mode, kind), limit)

    async def claim(self, owner: str, *, now_ms: int, lease_ms: int) -> ImportRun | None:
        """Take the oldest queued run, or a running one whose worker's lease expired."""
        document = await self.runs.find_one_and_update(
            {
                "status": {"$in": list(ACTIVE_STATUSES)},
                "$or": [{"lease_until": {"$lt": now_ms}}, {"lease_owner": owner}],
            },
            {"$set": {"status": ImportStatus.RUNNING.value, "lease_owner": owner, "lease_until": now_ms + lease_ms}},
            sort=[("created_at", ASCENDING)],
            return_document=ReturnDocument.AFTER,
        )
        return run_from_document(document) if document is not None else None

    async def mark_started(self, run_id: str, owner: str, now_ms: int, *, batch_size: int) -> None:
        """The first start sets `started_at`; every attempt records its batch size, which bounds what a
        resumed attempt must check for rows already applied after the last checkpoint."""
        await self.runs.update_one({"_id": run_id, "lease_owner": owner}, {"$set": {"batch_size": batch_size}})
        await self.runs.update_one(
            {"_id": run_id, "lease_owner": owner, "started_at": None}, {"$set": {"started_at": now_ms}}
        )

    async def checkpoint(
        self, run_id: str, owner: str, *, counters: ImportCounters, position: int, lease_until: int
    ) -> bool:
        """Save progress after a batch; False when this worker no longer holds the run."""
        result = await self.runs.update_one(
            {"_id": run_id, "lease_owner": owner},
            {"$set": {**counters_document(counters), "position": position, "lease_until": lease_until}},
        )
        return result.matched_count == 1

    async def holds(self, run_id: str, owner: str, *, lease_until: int) -> bool:
        """Renew the lease; False when another worker has taken the run over meanwhile."""
        result = await self.runs.update_one(
            {"_id": run_id, "lease_owner": owner}, {"$set": {"lease_until": lease_until}}
        )
        return result.matched_count == 1

    async def finish(
        self,
        run_id: str,
        owner: str,
        *,
        status: ImportStatus,
        counters: ImportCounters | None,
        now_ms: int,
        failure: str | None = None,
    ) -> bool:
        values: dict[str, Any] = {"status": status.value, "finished_at": now_ms, "lease_until": 0}
        if counters is not None:
            values.update(counters_document(counters))
        if failure is not None:
            values["failure"] = failure
        result = await self.runs.update_one({"_id": run_id, "lease_owner": owner}, {"$set": values})
        return result.matched_count == 1

    async def release(self, run_id: str, owner: str) -> None:
        """Give the run back at once (graceful shutdown), so another worker can take it."""
        await self.runs.update_one({"_id": run_id, "lease_owner": owner}, {"$set": {"lease_until": 0}})

    async def add_row_errors(self, errors: list[ImportRowError]) -> None:
        """Idempotent: a batch re-applied after a crash writes the same ids again."""
        if not errors:
            return
        try:
            await self.row_errors.insert_many([row_error_document(e) for e in errors], ordered=False)
        except BulkWriteError as exc:
            if any(error.get("code") != DUPLICATE_KEY for error in exc.details.get("writeErrors", [])):
                raise

    async def row_errors_page(self, run_id: str, *, limit: int, after: tuple[int, int] | None) -> list[ImportRowError]:
        conditions: dict[str, Any] = {"run_id": run_id}
        if after is not None:
            row, seq = after
            conditions["$or"] = [{"row": {"$gt": row}}, {"row": row, "seq": {"$gt": seq}}]
        cursor = self.row_errors.find(conditions, {"cells": 0}).sort([("row", ASCENDING), ("seq", ASCENDING)])
        return [row_error_from_document(d) for d in await cursor.limit(limit).to_list(length=limit)]

    async def count_row_errors(self, run_id: str, limit: int | None = None) -> int:
        return await count(self.row_errors, {"run_id": run_id}, limit)

    async def all_row_errors(self, run_id: str) -> AsyncIterator[ImportRowError]:
        cursor = self.row_errors.find({"run_id": run_id}).sort([("row", ASCENDING), ("seq", ASCENDING)]).batch_size(500)
        async for document in cursor:
            yield row_error_from_document(document)


def run_conditions(status: ImportStatus | None, mode: ImportMode | None, kind: ImportKind | None) -> dict[str, Any]:
    """Runs stored before kinds existed have no `kind`: they are account imports."""
    conditions: dict[str, Any] = {}
    if status is not None:
        conditions["status"] = status.value
    if mode is not None:
        conditions["mode"] = mode.value
    if kind is ImportKind.ACCOUNTS:
        conditions["kind"] = {"$in": [ImportKind.ACCOUNTS.value, None]}
    elif kind is not None:
        conditions["kind"] = kind.value
    return conditions
