"""The import's database writes without the service: what bounds row 1 from below on a given server.

The same account documents as the floor, written step by step closer to what a CREATE import writes per
batch: the accounts with every index the service declares, the email claims (`email_claims`, one per
account), the run's lease renewal and checkpoint. The creation events the import no longer writes are
measured last, for comparison. Each step writes into fresh collections of its own.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import harness
from customer_credit.persistence.database import ACCOUNT_EVENTS, ACCOUNTS, INDEXES, Database, connect
from customer_credit.settings import Settings

FLOOR_BATCH = 1_000
IMPORT_BATCH: int = Settings.model_fields["import_batch_size"].default  # the runner's batch, by default


@dataclass(frozen=True)
class WriteStep:
    label: str
    seconds: float
    server_cpu: float | None


def claims_of(documents: list[dict]) -> list[dict]:
    """The email claims an import makes for these accounts (persistence/email_claims.py's shape)."""
    return [{"_id": d["email_key"], "account_id": d["_id"], "version": 1, "at": d["created_at"]} for d in documents]


@dataclass(frozen=True)
class Writes:
    """Which writes of a CREATE import's batch to make besides the accounts."""

    claims: bool = True
    run: bool = True
    events: bool = False


IMPORT_WRITES = Writes()


async def timed(label: str, action: Callable[[], Awaitable[None]], db_pid: int | None) -> WriteStep:
    cpu = harness.cpu_seconds(db_pid)
    started = time.perf_counter()
    await action()
    seconds = time.perf_counter() - started
    after = harness.cpu_seconds(db_pid)
    return WriteStep(label, seconds, after - cpu if cpu is not None and after is not None else None)


async def write_like_import(db: Database, name: str, documents: list[dict], *, batch: int, writes: Writes) -> None:
    """The documents written a batch at a time as the import writes them, into fresh collections `name_*`."""
    accounts, claimed = db.db[f"{name}_accounts"], db.db[f"{name}_claims"]
    account_events, runs = db.db[f"{name}_events"], db.db[f"{name}_runs"]
    await accounts.create_indexes(INDEXES[ACCOUNTS])
    await account_events.create_indexes(INDEXES[ACCOUNT_EVENTS])
    await runs.insert_one({"_id": "run", "processed_rows": 0, "lease_until": 0})
    for start in range(0, len(documents), batch):
        part = documents[start : start + batch]
        if writes.run:  # the runner renews its lease before it writes a batch
            await runs.update_one({"_id": "run"}, {"$set": {"lease_until": start}})
        if writes.claims:
            await claimed.insert_many(claims_of(part), ordered=False)
        await accounts.insert_many([dict(d) for d in part], ordered=False)
        if writes.events:
            events = [{"_id": f"{d['_id']}:1", **d["last_event"]} for d in part]
            await account_events.insert_many(events, ordered=False)
        if writes.run:
            await runs.update_one({"_id": "run"}, {"$set": {"processed_rows": start + len(part)}})


async def import_write_set(
    uri: str, database: str, documents: list[dict], *, batch: int, db_pid: int | None
) -> WriteStep:
    """The import's whole write set for these documents, timed."""
    db = connect(uri, database)
    try:
        return await timed(
            "the import's write set",
            lambda: write_like_import(db, "ws", documents, batch=batch, writes=IMPORT_WRITES),
            db_pid,
        )
    finally:
        db.close()


async def write_set(
    uri: str, database: str, documents: list[dict], *, batch: int, db_pid: int | None
) -> list[WriteStep]:
    """The floor first, then each step adding one kind of write; seconds and database server CPU of each."""
    db = connect(uri, database)

    async def floor() -> None:
        collection = db.db["w0_accounts"]
        for start in range(0, len(documents), FLOOR_BATCH):
            await collection.insert_many([dict(d) for d in documents[start : start + FLOOR_BATCH]])

    def like_import(name: str, writes: Writes) -> Callable[[], Awaitable[None]]:
        return lambda: write_like_import(db, name, documents, batch=batch, writes=writes)

    indexes = len(INDEXES[ACCOUNTS]) + 1  # and `_id`
    steps = [
        (f"insert_many ×{FLOOR_BATCH:,} into a fresh collection (the floor)", floor),
        (
            f"…into `accounts` with its {indexes} indexes, ×{batch:,} unordered",
            like_import("w1", Writes(claims=False, run=False)),
        ),
        ("…plus the email claims", like_import("w2", Writes(run=False))),
        ("…plus the lease renewal and checkpoint per batch: the import's write set", like_import("w3", IMPORT_WRITES)),
        ("(…plus a creation event per account, as the import wrote before)", like_import("w4", Writes(events=True))),
    ]
    try:
        return [await timed(label, action, db_pid) for label, action in steps]
    finally:
        db.close()


async def index_costs(
    uri: str, database: str, documents: list[dict], *, batch: int, db_pid: int | None
) -> dict[str, WriteStep]:
    """The documents inserted into `accounts` with every index, then without each secondary index in turn."""
    db = connect(uri, database)
    models = INDEXES[ACCOUNTS]

    def insert(name: str, indexes: list) -> Callable[[], Awaitable[None]]:
        async def action() -> None:
            collection = db.db[f"x_{name}"]
            await collection.create_indexes(indexes)
            for start in range(0, len(documents), batch):
                await collection.insert_many([dict(d) for d in documents[start : start + batch]], ordered=False)

        return action

    costs: dict[str, WriteStep] = {}
    try:
        for left_out in [None, *models]:
            name = "all" if left_out is None else left_out.document["name"]
            costs[name] = await timed(name, insert(name, [m for m in models if m is not left_out]), db_pid)
    finally:
        db.close()
    return costs
