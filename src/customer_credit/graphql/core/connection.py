"""One typed connection for every list: edges, nodes, page info and a total counted only when asked.

`Connection[Account]` is named `AccountConnection` in the schema (and `Edge[Account]`,
`AccountEdge`), so each list gets its own types without writing them out again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

import strawberry

from customer_credit.graphql.core.pagination import PageInfo

NodeType = TypeVar("NodeType")


@strawberry.type
class Edge(Generic[NodeType]):
    cursor: str
    node: NodeType


@strawberry.type
class Connection(Generic[NodeType]):
    edges: list[Edge[NodeType]]
    nodes: list[NodeType]
    page_info: PageInfo
    count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field
    async def total_count(self) -> int:
        return await self.count()

    @classmethod
    def of(
        cls,
        page: list[tuple[str, NodeType]],
        *,
        has_next_page: bool,
        after: str | None,
        count: Callable[[], Awaitable[int]],
    ) -> Connection[NodeType]:
        """A page of (cursor, node) pairs; `count` runs only if the query selects `totalCount`."""
        edges = [Edge(cursor=cursor, node=node) for cursor, node in page]
        return cls(
            edges=edges,
            nodes=[edge.node for edge in edges],
            page_info=PageInfo.of(edges, has_next_page=has_next_page, after=after),
            count=count,
        )


def known(total: int) -> Callable[[], Awaitable[int]]:
    """A total that is already known (no query needed)."""

    async def count() -> int:
        return total

    return count
