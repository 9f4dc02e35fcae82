"""The registry of plain-HTTP operations: one `Operation` per (method, path).

An operation carries what the OpenAPI document says about it (parameters, request and
response schemas, statuses, scopes) and the handler that serves it, so the Starlette
routes and the document are built from the same objects. `endpoint()` wraps a handler with
what every operation shares: the scope check (403), the translation of rule violations to
4xx, and no stack trace or driver message ever reaching the client.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from customer_credit.domain.api_keys import Caller
from customer_credit.domain.errors import AccountRuleViolation
from customer_credit.http.rest.errors import DATABASE_UNAVAILABLE, FORBIDDEN, INTERNAL_SERVER_ERROR, ApiError
from customer_credit.http.rest.exact_json import json_response
from customer_credit.persistence.database import UNAVAILABLE as DATABASE_ERRORS

logger = logging.getLogger("customer_credit.rest")

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
        return Route(self.path, endpoint(self), methods=[self.method], name=self.operation_id)

    def all_responses(self) -> dict[int, Outcome]:
        """The operation's own responses plus the ones every keyed operation can give."""
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


def error_response(error: ApiError) -> Response:
    return json_response(error.body(), error.status, dict(error.headers))


def caller_of(request: Request) -> Caller:
    """The ApiKeyMiddleware has authenticated the request before any route runs."""
    return request.scope["state"]["caller"]


def endpoint(operation: Operation) -> Callable[[Request], Awaitable[Response]]:
    async def serve(request: Request) -> Response:
        caller = caller_of(request)
        for scope in operation.scopes:
            if not caller.has(scope):
                return error_response(ApiError.of(403, FORBIDDEN, f"This API key lacks the scope '{scope}'."))
        try:
            return await operation.handler(request, caller)
        except ApiError as error:
            return error_response(error)
        except AccountRuleViolation as violation:
            return error_response(ApiError.from_violation(violation))
        except DATABASE_ERRORS as exc:
            error_id = uuid.uuid4().hex
            logger.warning("database unavailable [error_id=%s %s]: %r", error_id, operation.operation_id, exc)
            return json_response(
                {
                    "code": DATABASE_UNAVAILABLE,
                    "message": "The database is unavailable; try again shortly.",
                    "errorId": error_id,
                },
                503,
                {"Retry-After": "5"},
            )
        except Exception:
            error_id = uuid.uuid4().hex
            logger.exception("unexpected error [error_id=%s %s]", error_id, operation.operation_id)
            return json_response(
                {"code": INTERNAL_SERVER_ERROR, "message": "Internal server error.", "errorId": error_id}, 500
            )

    serve.__name__ = operation.operation_id
    return serve
