"""`importRunProgress`: the run each time its progress changes, until it ends."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator

import strawberry
from strawberry.types import Info

from customer_credit.domain.messages import message
from customer_credit.graphql.core.errors import RequestError
from customer_credit.graphql.core.permissions import requires
from customer_credit.graphql.imports.types import ImportRun

POLL_SECONDS = 0.2


@strawberry.type
class ImportSubscriptions:
    @strawberry.subscription(permission_classes=[requires("imports:read")])
    async def import_run_progress(self, info: Info, id: strawberry.ID) -> AsyncGenerator[ImportRun, None]:
        runs = info.context.services.imports
        last = None
        while True:
            run = await runs.get(str(id))
            if run is None:
                raise RequestError(message("NOT_FOUND.importRun", id=repr(id)), "NOT_FOUND")
            state = (run.status, run.counters.processed_rows)
            if state != last:
                last = state
                yield ImportRun.of(run)
                if run.status.finished:
                    return
            await asyncio.sleep(POLL_SECONDS)
