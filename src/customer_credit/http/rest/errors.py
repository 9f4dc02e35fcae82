"""The REST API's errors: `{code, message, field?}` (and every error in `errors`) with a 4xx, or,
for a failure the client can only retry or report, `{code, message, errorId}` with a 503 or 500.

Every operation's route takes these answers as Starlette exception handlers
(`Route(..., middleware=ROUTE_ERRORS)`): the operations' handlers raise, none catches by hand.
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.middleware import Middleware
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from customer_credit.domain.api_keys import MissingScope
from customer_credit.domain.errors import AccountErrorCode, AccountRuleViolation, FieldError
from customer_credit.http.errors import DATABASE_UNAVAILABLE, INTERNAL_SERVER_ERROR, ErrorIds

# Codes the REST layer adds to the AccountErrorCode values (extend, never rename).
FORBIDDEN = "FORBIDDEN"
NOT_FOUND = "NOT_FOUND"
METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
MALFORMED_JSON = "MALFORMED_JSON"
INVALID_PARAMETER = "INVALID_PARAMETER"
TOO_LARGE = "TOO_LARGE"  # written by the BodySizeLimit middleware, before any route

CONFLICT_CODES = frozenset(
    code.value
    for code in (
        AccountErrorCode.EMAIL_IN_USE,
        AccountErrorCode.DOCUMENT_IN_USE,
        AccountErrorCode.VERSION_CONFLICT,
        AccountErrorCode.ACCOUNT_CLOSED,
    )
)

ERROR_CODES: tuple[str, ...] = (
    *(code.value for code in AccountErrorCode),
    FORBIDDEN,
    METHOD_NOT_ALLOWED,
    MALFORMED_JSON,
    INVALID_PARAMETER,
    TOO_LARGE,
    DATABASE_UNAVAILABLE,
    INTERNAL_SERVER_ERROR,
)


def status_for(code: str) -> int:
    """400 for a bad request, 404 for an unknown account, 409 for a clash with the stored state."""
    code = code.value if isinstance(code, AccountErrorCode) else code
    if code == NOT_FOUND:
        return 404
    if code in CONFLICT_CODES:
        return 409
    return 400


class ApiError(Exception):
    """A failure the client caused or can act on: `{code, message, field?}` with an HTTP status.

    Not a frozen dataclass: Starlette clears a handled exception's `__traceback__`, which a frozen
    dataclass refuses."""

    def __init__(self, status: int, errors: tuple[FieldError, ...], headers: dict[str, str] | None = None):
        super().__init__(errors[0].message)
        self.status = status
        self.errors = errors
        self.headers = headers or {}

    @classmethod
    def of(
        cls, status: int, code: str, message: str, field: str | None = None, headers: dict[str, str] | None = None
    ) -> ApiError:
        return cls(status, (FieldError(field, code, message),), headers)  # type: ignore[arg-type]

    @classmethod
    def from_violation(cls, violation: AccountRuleViolation) -> ApiError:
        errors = tuple(violation.errors)
        return cls(status_for(errors[0].code), errors)

    def body(self) -> dict[str, Any]:
        first = self.errors[0]
        return {**error_json(first), "errors": [error_json(error) for error in self.errors]}


def error_json(error: FieldError) -> dict[str, Any]:
    code = error.code.value if isinstance(error.code, AccountErrorCode) else str(error.code)
    body: dict[str, Any] = {"code": code, "message": error.message}
    if error.field is not None:
        body["field"] = error.field
    return body


def invalid_parameter(name: str, message: str) -> ApiError:
    return ApiError.of(400, INVALID_PARAMETER, message, name)


async def api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return JSONResponse(exc.body(), exc.status, headers=exc.headers)


async def rule_violation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AccountRuleViolation)
    return await api_error(request, ApiError.from_violation(exc))


async def forbidden(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, MissingScope)
    return await api_error(request, ApiError.of(403, FORBIDDEN, exc.message))


ERROR_IDS = ErrorIds(logging.getLogger("customer_credit.rest"))
HANDLERS = {ApiError: api_error, AccountRuleViolation: rule_violation, MissingScope: forbidden, **ERROR_IDS.handlers()}
ROUTE_ERRORS = [Middleware(ExceptionMiddleware, handlers=HANDLERS)]
