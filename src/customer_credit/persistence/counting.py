"""Counting the documents that match a filter, as every backend answers it fast.

PyMongo's `count_documents` sends `$match` + `$group`, and a `$group` makes the embedded server
read every document of the collection whatever the filter (about 1.1 s per 100,000). `$match`
+ `$count` is answered from the indexes there, and is standard MongoDB (mongomock answers it too),
but a `$limit` before it makes the server read every document it counts, and it reads every match. A
`find` that skips to the n-th match and returns one `_id` stays under a millisecond at any size when an
index answers the filter: it answers "at least n?". (Each `$count` also used to count the whole
collection first, 0.5 ms at 10,000 documents and 1.2 ms at 100,000 even with nothing to count; the
embedded server no longer does: `embedded_process.py`.)
"""

from __future__ import annotations

from typing import Any

from motor.motor_asyncio import AsyncIOMotorCollection

# Matches counted from their ids when there are fewer (each returned `_id` costs the embedded server ~40 us).
FEW = 8


async def at_least(collection: AsyncIOMotorCollection[Any], conditions: dict[str, Any], matches: int) -> bool:
    """Whether at least `matches` (1 or more) documents match."""
    cursor = collection.find(conditions, {"_id": 1}).skip(matches - 1).limit(1)
    return bool(await cursor.to_list(length=1))


async def count(collection: AsyncIOMotorCollection[Any], conditions: dict[str, Any], limit: int | None = None) -> int:
    """The number of matching documents, or `limit` if there are at least that many. A few matches (one
    email, none at all) are counted from their ids; `limit` or more from one `at_least`."""
    few = len(await collection.find(conditions, {"_id": 1}).limit(FEW).to_list(length=FEW))
    if few < FEW:
        return few if limit is None else min(few, limit)
    if limit is not None and (limit <= FEW or await at_least(collection, conditions, limit)):
        return limit
    result = await collection.aggregate([{"$match": conditions}, {"$count": "n"}]).to_list(length=1)
    found = int(result[0]["n"]) if result else 0
    return found if limit is None else min(found, limit)
