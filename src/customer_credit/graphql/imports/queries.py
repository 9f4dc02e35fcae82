"""`importRun` and `importRuns` (the import history, newest first)."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info

from customer_credit.graphql.core.pagination import PageInfo, check_page_size, decode_cursor, encode_cursor, fingerprint
from customer_credit.graphql.core.permissions import requires
from customer_credit.graphql.imports.types import ImportRun, ImportRunConnection, ImportRunEdge, ImportRunFilter


def run_filter(filter: ImportRunFilter | None) -> dict[str, Any]:
    conditions: dict[str, Any] = {}
    if filter and filter.status:
        conditions["status"] = filter.status.value
    if filter and filter.mode:
        conditions["mode"] = filter.mode.value
    return conditions


@strawberry.type
class ImportQueries:
    @strawberry.field(permission_classes=[requires("imports:read")])
    async def import_run(self, info: Info, id: strawberry.ID) -> ImportRun | None:
        run = await info.context.services.imports.get(str(id))
        return ImportRun.from_document(run) if run else None

    @strawberry.field(permission_classes=[requires("imports:read")], description="The import history, newest first.")
    async def import_runs(
        self, info: Info, first: int | None = 20, after: str | None = None, filter: ImportRunFilter | None = None
    ) -> ImportRunConnection:
        context = info.context
        first = check_page_size(first, context.settings.max_page_size)
        conditions = run_filter(filter)
        query_id = fingerprint("importRuns", conditions)
        position = tuple(decode_cursor(after, query_id, int, str)) if after is not None else None
        runs = context.services.imports
        documents = await runs.find_page(conditions, limit=first + 1, after=position) if first else []
        edges = [
            ImportRunEdge(cursor=encode_cursor(query_id, [d["created_at"], d["_id"]]), node=ImportRun.from_document(d))
            for d in documents[:first]
        ]

        async def count() -> int:
            return await runs.count(conditions)

        return ImportRunConnection(
            edges=edges,
            nodes=[e.node for e in edges],
            page_info=PageInfo.of(edges, has_next_page=len(documents) > first, after=after),
            count=count,
        )
