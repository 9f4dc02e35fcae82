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
from customer_credit.persistence.database import ACCOUNT_EVENTS, ACCOUNTS, INDEXES, connect
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


async def write_set(
    uri: str, database: str, documents: list[dict], *, batch: int, db_pid: int | None
) -> list[WriteStep]:
    """The floor first, then each step adding one kind of write; seconds and database server CPU of each."""
    db = connect(uri, database)
    claims = claims_of(documents)
    events = [{"_id": f"{d['_id']}:1", **d["last_event"]} for d in documents]
    steps: list[WriteStep] = []

    async def timed(label: str, action: Callable[[], Awaitable[None]]) -> None:
        cpu = harness.cpu_seconds(db_pid)
        started = time.perf_counter()
        await action()
        seconds = time.perf_counter() - started
        after = harness.cpu_seconds(db_pid)
        steps.append(WriteStep(label, seconds, after - cpu if cpu is not None and after is not None else None))

    async def floor() -> None:
        collection = db.db["w0_accounts"]
        for start in range(0, len(documents), FLOOR_BATCH):
            await collection.insert_many([dict(d) for d in documents[start : start + FLOOR_BATCH]])

    def import_like(
        name: str, *, with_claims: bool, with_run: bool, with_events: bool
    ) -> Callable[[], Awaitable[None]]:
        async def action() -> None:
            accounts, claimed = db.db[f"{name}_accounts"], db.db[f"{name}_claims"]
            account_events, runs = db.db[f"{name}_events"], db.db[f"{name}_runs"]
            await accounts.create_indexes(INDEXES[ACCOUNTS])
            await account_events.create_indexes(INDEXES[ACCOUNT_EVENTS])
            await runs.insert_one({"_id": "run", "processed_rows": 0, "lease_until": 0})
            for start in range(0, len(documents), batch):
                end = start + batch
                if with_run:  # the runner renews its lease before it writes a batch
                    await runs.update_one({"_id": "run"}, {"$set": {"lease_until": start}})
                if with_claims:
                    await claimed.insert_many([dict(c) for c in claims[start:end]], ordered=False)
                await accounts.insert_many([dict(d) for d in documents[start:end]], ordered=False)
                if with_events:
                    await account_events.insert_many([dict(e) for e in events[start:end]], ordered=False)
                if with_run:
                    await runs.update_one({"_id": "run"}, {"$set": {"processed_rows": end}})

        return action

    indexes = len(INDEXES[ACCOUNTS]) + 1  # and `_id`
    try:
        await timed(f"insert_many ×{FLOOR_BATCH:,} into a fresh collection (the floor)", floor)
        await timed(
            f"…into `accounts` with its {indexes} indexes, ×{batch:,} unordered",
            import_like("w1", with_claims=False, with_run=False, with_events=False),
        )
        await timed("…plus the email claims", import_like("w2", with_claims=True, with_run=False, with_events=False))
        await timed(
            "…plus the lease renewal and checkpoint per batch: the import's write set",
            import_like("w3", with_claims=True, with_run=True, with_events=False),
        )
        await timed(
            "(…plus a creation event per account, as the import wrote before)",
            import_like("w4", with_claims=True, with_run=True, with_events=True),
        )
    finally:
        db.close()
    return steps


async def index_costs(
    uri: str, database: str, documents: list[dict], *, batch: int, db_pid: int | None
) -> dict[str, WriteStep]:
    """The documents inserted into `accounts` with every index, then without each secondary index in turn."""
    db = connect(uri, database)
    costs: dict[str, WriteStep] = {}
    try:
        models = INDEXES[ACCOUNTS]
        for left_out in [None, *models]:
            name = "all" if left_out is None else left_out.document["name"]
            collection = db.db[f"x_{name}"]
            await collection.create_indexes([m for m in models if m is not left_out])
            cpu = harness.cpu_seconds(db_pid)
            started = time.perf_counter()
            for start in range(0, len(documents), batch):
                await collection.insert_many([dict(d) for d in documents[start : start + batch]], ordered=False)
            after = harness.cpu_seconds(db_pid)
            server_cpu = after - cpu if cpu is not None and after is not None else None
            costs[name] = WriteStep(name, time.perf_counter() - started, server_cpu)
    finally:
        db.close()
    return costs
