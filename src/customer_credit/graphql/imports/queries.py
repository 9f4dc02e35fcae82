"""`importRun` and `importRuns` (the import history, newest first)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from customer_credit.graphql.core.connection import Connection
from customer_credit.graphql.core.pagination import check_page_size, decode_cursor, fingerprint
from customer_credit.graphql.core.permissions import requires
from customer_credit.graphql.imports.types import ImportRun, ImportRunFilter


@strawberry.type
class ImportQueries:
    @strawberry.field(permission_classes=[requires("imports:read")])
    async def import_run(self, info: Info, id: strawberry.ID) -> ImportRun | None:
        run = await info.context.services.imports.get(str(id))
        return ImportRun.of(run) if run else None

    @strawberry.field(permission_classes=[requires("imports:read")], description="The import history, newest first.")
    async def import_runs(
        self, info: Info, first: int | None = 20, after: str | None = None, filter: ImportRunFilter | None = None
    ) -> Connection[ImportRun]:
        context = info.context
        first = check_page_size(first, context.settings.max_page_size)
        status, mode, kind = (filter.status, filter.mode, filter.kind) if filter else (None, None, None)
        query_id = fingerprint(
            "importRuns", {"status": status and status.value, "mode": mode and mode.value, "kind": kind and kind.value}
        )
        position = decode_cursor(after, query_id, int, str) if after is not None else None
        runs = context.services.imports
        found = (
            await runs.find_page(
                status=status,
                mode=mode,
                kind=kind,
                limit=first + 1,
                after=(position[0], position[1]) if position else None,
            )
            if first
            else []
        )
        page = [([run.created_at_ms, run.id], ImportRun.of(run)) for run in found[:first]]

        async def counter(limit: int | None) -> int:
            return await runs.count(status=status, mode=mode, kind=kind, limit=limit)

        return Connection.of(page, scope=query_id, has_next_page=len(found) > first, after=after, counter=counter)
