"""One typed connection for every list: edges, nodes, page info, and totals counted only when asked.

`Connection[Account]` is named `AccountConnection` in the schema (and `Edge[Account]`,
`AccountEdge`), so each list gets its own types without writing them out again.

Two totals: `totalCount` is exact, and on some filters its cost grows with the matching set;
`count(limit:)` stops counting at `limit` (Shopify's `count(limit:)` with `precision`), so
its cost is bounded whatever the size of the store. Which list is which: README, Performance.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

import strawberry

from customer_credit.domain.messages import message
from customer_credit.graphql.core.errors import RequestError
from customer_credit.graphql.core.pagination import PageInfo

NodeType = TypeVar("NodeType")

# Counts the list's matching set, stopping after `limit` items when a limit is given.
Counter = Callable[[int | None], Awaitable[int]]

DEFAULT_COUNT_LIMIT = 1_000
MAX_COUNT_LIMIT = 100_000


@strawberry.enum(description="Whether a bounded count is the exact size of the set or a lower bound.")
class CountPrecision(enum.Enum):
    EXACT = "EXACT"
    AT_LEAST = "AT_LEAST"


@strawberry.type(description="A count that stopped at a limit: EXACT, or AT_LEAST when the set is larger.")
class Count:
    count: int
    precision: CountPrecision


@strawberry.type
class Edge(Generic[NodeType]):
    cursor: str
    node: NodeType


@strawberry.type
class Connection(Generic[NodeType]):
    edges: list[Edge[NodeType]]
    nodes: list[NodeType]
    page_info: PageInfo
    counter: strawberry.Private[Counter]

    @strawberry.field(description="The exact number of items the filter matches (all pages).")
    async def total_count(self) -> int:
        return await self.counter(None)

    @strawberry.field(
        description=(
            "The number of items the filter matches, counted up to `limit` (1 to 100000): "
            "EXACT when there are at most `limit`, otherwise `limit` with precision AT_LEAST. "
            "Its cost does not grow with the store; `null` counts everything, like totalCount."
        )
    )
    async def count(self, limit: int | None = DEFAULT_COUNT_LIMIT) -> Count:
        if limit is None:
            return Count(count=await self.counter(None), precision=CountPrecision.EXACT)
        if not 1 <= limit <= MAX_COUNT_LIMIT:
            raise RequestError(message("BAD_COUNT_LIMIT", limit=limit, max=MAX_COUNT_LIMIT), "BAD_USER_INPUT")
        counted = await self.counter(limit + 1)
        if counted > limit:
            return Count(count=limit, precision=CountPrecision.AT_LEAST)
        return Count(count=counted, precision=CountPrecision.EXACT)

    @classmethod
    def of(
        cls,
        page: list[tuple[str, NodeType]],
        *,
        has_next_page: bool,
        after: str | None,
        counter: Counter,
    ) -> Connection[NodeType]:
        """A page of (cursor, node) pairs; `counter` runs only if the query selects a total."""
        edges = [Edge(cursor=cursor, node=node) for cursor, node in page]
        return cls(
            edges=edges,
            nodes=[edge.node for edge in edges],
            page_info=PageInfo.of(edges, has_next_page=has_next_page, after=after),
            counter=counter,
        )


def known(total: int) -> Counter:
    """A total that is already known (no query needed)."""

    async def counter(limit: int | None) -> int:
        return total if limit is None else min(total, limit)

    return counter
