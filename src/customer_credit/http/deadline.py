"""The database work of an API request is bounded by MONGODB_TIMEOUT_MS, so that a database that
accepts connections but stops answering is a 503 within that bound, not a call that hangs until the
driver's heartbeat notices. File uploads and CSV downloads stream for as long as their file takes:
they are not bounded."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from customer_credit.http.csrf import is_multipart
from customer_credit.persistence.database import database_deadline


def streams(scope: Scope) -> bool:
    """An upload (multipart) or a CSV download: its database work lasts as long as its file."""
    return scope["path"].endswith(".csv") or is_multipart(Headers(scope=scope))


class DatabaseDeadline:
    def __init__(self, app: ASGIApp, *, seconds: float):
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or streams(scope):
            await self.app(scope, receive, send)
            return
        with database_deadline(self.seconds):
            await self.app(scope, receive, send)
