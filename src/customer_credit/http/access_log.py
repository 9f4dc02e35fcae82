"""One access-log line and one metric sample per HTTP request."""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from customer_credit.observability.logs import request_id, request_notes
from customer_credit.observability.metrics import Metrics

access_logger = logging.getLogger("customer_credit.access")


def matched_route(scope: Scope) -> BaseRoute | None:
    """The route the request is for. A request refused before routing (a 401, a 413, an outage
    during the key lookup) has none in its scope yet: the app's routes are matched against it."""
    route: BaseRoute | None = scope.get("route")
    if route is not None:
        return route
    candidates: list[BaseRoute] = getattr(scope.get("app"), "routes", [])
    for candidate in candidates:
        try:
            match, _ = candidate.matches(scope)
        except Exception:  # a route that cannot judge this scope does not name it
            continue
        if match is Match.FULL:
            return candidate
    return None


def route_template(scope: Scope) -> str:
    """The route's path template (`/imports/{run_id}/errors.csv`), never the raw path."""
    return getattr(matched_route(scope), "path", None) or "unmatched"


def outcome_of(status: int) -> str:
    if status < 400:
        return "ok"
    return "client_error" if status < 500 else "server_error"


class AccessLogMiddleware:
    """One line per HTTP request: method, route template, status, duration, key name, and for
    GraphQL the operation's name and outcome. Never the raw path, query string or body."""

    def __init__(self, app: ASGIApp, metrics: Metrics):
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = uuid.uuid4().hex
        token = request_id.set(rid)
        notes: dict[str, Any] = {}
        notes_token = request_notes.set(notes)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", []).append((b"x-request-id", rid.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = route_template(scope)
            caller = scope.get("state", {}).get("caller")
            self.metrics.requests.labels(route, scope["method"], str(status)).inc()
            self.metrics.latency.labels(route, scope["method"]).observe(elapsed)
            outcome = outcome_of(status)
            if outcome == "ok" and notes.get("outcome"):
                outcome = notes["outcome"]
            access_logger.log(
                logging.ERROR if status >= 500 else logging.INFO,
                "request",
                extra={
                    "method": scope["method"],
                    "route": route,
                    "status": status,
                    "operation": notes.get("operation"),
                    "outcome": outcome,
                    "duration_ms": round(elapsed * 1000, 2),
                    "key_name": caller.name if caller else None,
                },
            )
            request_notes.reset(notes_token)
            request_id.reset(token)
