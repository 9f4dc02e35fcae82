"""`count` answers the same whichever way it counts: a few matches from their ids, `limit` or more from a
find that skips to the limit-th, the rest with `$match` + `$count`. Both backends, on either side of each
boundary."""

from __future__ import annotations

import pytest

from customer_credit.persistence.counting import FEW, at_least, count

SIZES = [0, 1, FEW - 1, FEW, FEW + 1, 3 * FEW]
LIMITS = [None, 1, FEW - 1, FEW, FEW + 1, 2 * FEW, 3 * FEW, 4 * FEW]


async def collection_of(database, matching: int):
    """`matching` documents with a key in range, as many again outside it."""
    collection = database.collection("counted")
    await collection.create_index("key")
    await collection.insert_many([{"key": f"in-{n:03d}"} for n in range(matching)] + [{"key": "out"} for _ in range(5)])
    return collection


IN_RANGE = {"key": {"$gte": "in-", "$lt": "in-\U0010ffff"}}


@pytest.mark.parametrize("matching", SIZES)
@pytest.mark.parametrize("limit", LIMITS)
async def test_a_count_is_every_match_or_its_limit_whichever_is_fewer(database, matching, limit):
    collection = await collection_of(database, matching)

    expected = matching if limit is None else min(matching, limit)
    assert await count(collection, IN_RANGE, limit) == expected


@pytest.mark.parametrize("matching", SIZES)
async def test_at_least_says_whether_that_many_match(database, matching):
    collection = await collection_of(database, matching)

    asked = [1, matching, matching + 1] if matching else [1, 2]
    assert [await at_least(collection, IN_RANGE, n) for n in asked] == [n <= matching for n in asked]
