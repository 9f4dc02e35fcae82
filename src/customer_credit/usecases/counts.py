"""Counts that stop at a limit (Shopify's `count(limit:)` with `precision`), for the lists of every
transport: an exact total costs what it counts, and on some filters that grows with the store, while
a bounded count reads at most `limit + 1` matches (README, Performance)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

# Counts a list's matching set, stopping after `limit` items when a limit is given.
Counter = Callable[[int | None], Awaitable[int]]

DEFAULT_COUNT_LIMIT = 1_000
MAX_COUNT_LIMIT = 100_000


@dataclass(frozen=True)
class BoundedCount:
    count: int
    exact: bool  # False: the set holds more than `count` (AT_LEAST)


def valid_count_limit(limit: int) -> bool:
    return 1 <= limit <= MAX_COUNT_LIMIT


async def count_up_to(counter: Counter, limit: int | None) -> BoundedCount:
    """The set's size if at most `limit`, else `limit` as a lower bound; None counts everything. One more than
    `limit` is counted, so that a set of exactly `limit` is told from a larger one."""
    if limit is None:
        return BoundedCount(await counter(None), exact=True)
    counted = await counter(limit + 1)
    if counted > limit:
        return BoundedCount(limit, exact=False)
    return BoundedCount(counted, exact=True)
