"""Start-up upgrades of documents written by an earlier version (accounts without a ledger, emails
without claims): each is a scan of the whole collection, so it runs until it has completed once and
is then only looked up.

Each upgrade is idempotent: two processes starting together may both run it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from customer_credit.domain.clock import now_ms
from customer_credit.persistence.database import UPGRADES, Database


async def run_once(database: Database, name: str, upgrade: Callable[[], Awaitable[int]]) -> int | None:
    """Run `upgrade` unless it completed before; how many documents it brought over (None: not run)."""
    done = database.collection(UPGRADES)
    if await done.find_one({"_id": name}) is not None:
        return None
    brought = await upgrade()
    await done.update_one({"_id": name}, {"$set": {"at": now_ms(), "brought": brought}}, upsert=True)
    return brought
