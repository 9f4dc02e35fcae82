"""The registry of REST operations: one `Operation` per (method, path).

An operation carries what the OpenAPI document says about it (parameters, request and
response schemas, statuses, scopes) and the handler that serves it, so the Starlette
routes and the document are built from the same objects. `Operation.route()` adds what every
operation shares: its scopes, checked before the handler runs, and the REST error handlers
(`errors.py`), so that no stack trace or driver message ever reaches the client.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from customer_credit.domain.api_keys import Caller
from customer_credit.http.auth import caller_of
from customer_credit.http.rest.errors import ROUTE_ERRORS
from customer_credit.http.scopes import requires_scopes

Handler = Callable[[Request, Caller], Awaitable[Response]]


@dataclass(frozen=True)
class Parameter:
    name: str
    location: str  # "path" or "query"
    schema: dict[str, Any]
    description: str
    required: bool = False


@dataclass(frozen=True)
class Outcome:
    """One documented response: a JSON body (a component name), another media type, or no body."""

    description: str
    component: str | None = None
    media_type: str = "application/json"
    schema: dict[str, Any] | None = None  # inline schema, for media types other than JSON components
    headers: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    operation_id: str
    summary: str
    description: str
    tag: str
    handler: Handler
    responses: dict[int, Outcome]
    scopes: tuple[str, ...] = ()
    parameters: tuple[Parameter, ...] = ()
    request_component: str | None = None

    def route(self) -> Route:
        @requires_scopes(*self.scopes)
        async def serve(request: Request) -> Response:
            return await self.handler(request, caller_of(request))

        return Route(self.path, serve, methods=[self.method], name=self.operation_id, middleware=ROUTE_ERRORS)

    def all_responses(self) -> dict[int, Outcome]:
        """The operation's own responses plus the ones every keyed operation can give (the key
        lookup itself needs the database)."""
        responses = dict(self.responses)
        responses.setdefault(401, UNAUTHORIZED)
        if self.scopes:
            responses.setdefault(403, Outcome("The API key lacks a scope the operation needs.", "Error"))
        responses.setdefault(503, Outcome("The database is unavailable; try again shortly.", "Error"))
        return dict(sorted(responses.items()))


UNAUTHORIZED = Outcome(
    "No API key, or a wrong one. Nothing else is said: the body is empty.",
    media_type="",
    headers={"WWW-Authenticate": {"schema": {"type": "string"}}},
)
