"""Start-up upgrades of documents written by an earlier version (accounts without a ledger, emails
without claims): each is a scan of the whole collection, so it runs until it has completed once and
is then only looked up.

Each upgrade is idempotent: two processes starting together may both run it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from motor.motor_asyncio import AsyncIOMotorCollection
from pymongo import UpdateOne

from customer_credit.domain.clock import now_ms
from customer_credit.persistence.database import UPGRADES, Database

# Documents an upgrade changes per bulk write.
UPGRADE_BATCH = 1_000


async def run_once(database: Database, name: str, upgrade: Callable[[], Awaitable[int]]) -> int | None:
    """Run `upgrade` unless it completed before; how many documents it brought over (None: not run)."""
    done = database.collection(UPGRADES)
    if await done.find_one({"_id": name}) is not None:
        return None
    brought = await upgrade()
    await done.update_one({"_id": name}, {"$set": {"at": now_ms(), "brought": brought}}, upsert=True)
    return brought


async def add_missing_field(
    collection: AsyncIOMotorCollection[Any], field: str, values_of: Callable[[str], dict[str, Any]]
) -> int:
    """`$set` `values_of(_id)` on each document without `field`, a batch at a time; returns how many."""
    return await update_each(
        collection,
        {field: {"$exists": False}},
        ["_id"],
        lambda document: UpdateOne({"_id": document["_id"]}, {"$set": values_of(document["_id"])}),
    )


async def update_each(
    collection: AsyncIOMotorCollection[Any],
    condition: dict[str, Any],
    fields: list[str],
    update_of: Callable[[dict[str, Any]], UpdateOne],
) -> int:
    """`update_of(document)` for each document that meets `condition` (read with `fields`), a batch at
    a time; returns how many changed."""
    changed = 0
    batch: list[UpdateOne] = []
    async for document in collection.find(condition, fields):
        batch.append(update_of(document))
        if len(batch) == UPGRADE_BATCH:
            changed += (await collection.bulk_write(batch, ordered=False)).modified_count
            batch = []
    if batch:
        changed += (await collection.bulk_write(batch, ordered=False)).modified_count
    return changed
