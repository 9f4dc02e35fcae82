"""What the plain HTTP routes (health, metrics, the CSV downloads) answer when they fail.

JSON `{code, message}`. A failure the client can only retry or report (the database is
unavailable, anything unexpected) also gets an `errorId`, and is logged under that id with
the driver's message or the traceback; the client never sees either. The routes take these
answers as Starlette exception handlers: `Route(..., middleware=ROUTE_ERRORS)`.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from starlette.middleware import Middleware
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ExceptionHandler

from customer_credit.accept_language import request_language
from customer_credit.domain.api_keys import MissingScope
from customer_credit.domain.messages import Message, message
from customer_credit.http.access_log import matched_route, route_template
from customer_credit.persistence.database import UNAVAILABLE

DATABASE_UNAVAILABLE = "DATABASE_UNAVAILABLE"
INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"
RETRY_AFTER_SECONDS = "5"


class ErrorIds:
    """The answers that carry an error id, logged by `logger` under the same id. The REST API shares
    them (its 503 and 500 bodies are these); it logs to a logger of its own."""

    def __init__(self, logger: logging.Logger) -> None:
        self.logger = logger

    def handlers(self) -> dict[Any, ExceptionHandler]:
        return {**dict.fromkeys(UNAVAILABLE, self.database_unavailable), Exception: self.unexpected}

    async def database_unavailable(self, request: Request, exc: Exception) -> Response:
        error_id = uuid.uuid4().hex
        self.logger.warning(
            "database unavailable [error_id=%s %s]: %r",
            error_id,
            route_name(request),
            exc,
            extra=log_fields(request, error_id),
        )
        body = {
            "code": DATABASE_UNAVAILABLE,
            "message": rendered(request, message(DATABASE_UNAVAILABLE)),
            "errorId": error_id,
        }
        return JSONResponse(body, 503, headers={"Retry-After": RETRY_AFTER_SECONDS})

    async def unexpected(self, request: Request, exc: Exception) -> Response:
        error_id = uuid.uuid4().hex
        self.logger.error(
            "unexpected error [error_id=%s %s]",
            error_id,
            route_name(request),
            exc_info=exc,
            extra=log_fields(request, error_id),
        )
        text = rendered(request, message(INTERNAL_SERVER_ERROR))
        return JSONResponse({"code": INTERNAL_SERVER_ERROR, "message": text, "errorId": error_id}, 500)


def rendered(request: Request, text: Message) -> str:
    """A message in the language the request's Accept-Language asks for: what every HTTP error body says."""
    return text.render(request_language(request.headers))


def route_name(request: Request) -> str:
    """The route's name (a REST operation's is its operationId), for the log line's message."""
    return getattr(matched_route(request.scope), "name", None) or "unmatched"


def log_fields(request: Request, error_id: str) -> dict[str, Any]:
    return {"error_id": error_id, "route": route_template(request.scope)}


ERROR_IDS = ErrorIds(logging.getLogger("customer_credit.errors"))


async def forbidden(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, MissingScope)
    return JSONResponse({"code": "FORBIDDEN", "message": rendered(request, exc.text)}, 403)


HANDLERS = {MissingScope: forbidden, **ERROR_IDS.handlers()}
ROUTE_ERRORS = [Middleware(ExceptionMiddleware, handlers=HANDLERS)]
