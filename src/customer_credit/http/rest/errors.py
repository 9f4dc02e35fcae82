"""The REST API's errors: `{code, message, field?}` (and every error in `errors`) with a 4xx, or,
for a failure the client can only retry or report, `{code, message, errorId}` with a 503 or 500.

Every operation's route takes these answers as Starlette exception handlers
(`Route(..., middleware=ROUTE_ERRORS)`): the operations' handlers raise, none catches by hand.

Statuses: 404 for NOT_FOUND; 409 when the request is well formed but the stored state refuses it
(`CONFLICT_CODES`); 503 TRY_AGAIN when an account kept changing while a money operation was being
applied (`LedgerBusy`: nothing was applied, a retry is safe); 400 for everything else the request
itself gets wrong (the domain's INVALID_* codes, MALFORMED_JSON, INVALID_PARAMETER, UNKNOWN_MEMBER).
"""

from __future__ import annotations

import enum
import logging
import uuid
from dataclasses import dataclass
from typing import Any

from starlette.middleware import Middleware
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from customer_credit.accept_language import request_language
from customer_credit.domain.api_keys import MissingScope
from customer_credit.domain.credit import CreditErrorCode, CreditRuleViolation
from customer_credit.domain.errors import AccountErrorCode, AccountRuleViolation
from customer_credit.domain.messages import Language, Message, message
from customer_credit.http.errors import (
    DATABASE_UNAVAILABLE,
    INTERNAL_SERVER_ERROR,
    ErrorIds,
    log_fields,
    rendered,
    route_name,
)
from customer_credit.usecases.credit import LedgerBusy

# Codes the REST layer adds to the AccountErrorCode and CreditErrorCode values (extend, never rename).
FORBIDDEN = "FORBIDDEN"
NOT_FOUND = "NOT_FOUND"
METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
MALFORMED_JSON = "MALFORMED_JSON"
INVALID_PARAMETER = "INVALID_PARAMETER"
UNKNOWN_MEMBER = "UNKNOWN_MEMBER"
TOO_LARGE = "TOO_LARGE"  # written by the BodySizeLimit middleware, before any route
TRY_AGAIN = "TRY_AGAIN"
RETRY_BUSY_SECONDS = "1"

CONFLICT_CODES = frozenset(
    code.value
    for code in (
        AccountErrorCode.EMAIL_IN_USE,
        AccountErrorCode.DOCUMENT_IN_USE,
        AccountErrorCode.VERSION_CONFLICT,
        AccountErrorCode.ACCOUNT_CLOSED,
        AccountErrorCode.OPEN_BALANCE,
        AccountErrorCode.TOO_MANY_HOLDERS,
        CreditErrorCode.ACCOUNT_CLOSED,
        CreditErrorCode.INSUFFICIENT_CREDIT,
        CreditErrorCode.TRANSACTION_NOT_AUTHORIZED,
        CreditErrorCode.TRANSACTION_EXPIRED,
        CreditErrorCode.INVOICE_NOT_OPEN,
        CreditErrorCode.INVOICE_PAID,
        CreditErrorCode.POSTPONEMENT_DISABLED,
        CreditErrorCode.IDEMPOTENCY_KEY_REUSED,
    )
)

ERROR_CODES: tuple[str, ...] = tuple(
    dict.fromkeys(
        (
            *(code.value for code in AccountErrorCode),
            *(code.value for code in CreditErrorCode),
            FORBIDDEN,
            METHOD_NOT_ALLOWED,
            MALFORMED_JSON,
            INVALID_PARAMETER,
            UNKNOWN_MEMBER,
            TOO_LARGE,
            TRY_AGAIN,
            DATABASE_UNAVAILABLE,
            INTERNAL_SERVER_ERROR,
        )
    )
)

# The credit rules name the GraphQL input fields; a REST request names them as the original API does.
CREDIT_FIELD_NAMES = {
    "amount": "value",
    "expiresAt": "expirationDate",
    "days": "dueDays",
    "idempotencyKey": "Idempotency-Key",
}


def status_for(code: str) -> int:
    """400 for a bad request, 404 for an unknown object, 409 for a clash with the stored state."""
    if code == NOT_FOUND:
        return 404
    if code in CONFLICT_CODES:
        return 409
    return 400


@dataclass(frozen=True)
class ErrorDetail:
    field: str | None
    code: str
    message: Message

    def json(self, language: Language) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message.render(language)}
        if self.field is not None:
            body["field"] = self.field
        return body


def code_text(code: str | enum.Enum) -> str:
    return str(code.value) if isinstance(code, enum.Enum) else code


class ApiError(Exception):
    """A failure the client caused or can act on: `{code, message, field?}` with an HTTP status.

    Not a frozen dataclass: Starlette clears a handled exception's `__traceback__`, which a frozen
    dataclass refuses."""

    def __init__(self, status: int, errors: tuple[ErrorDetail, ...], headers: dict[str, str] | None = None):
        super().__init__(errors[0].message.english)
        self.status = status
        self.errors = errors
        self.headers = headers or {}

    @classmethod
    def of(
        cls, status: int, code: str, text: Message, field: str | None = None, headers: dict[str, str] | None = None
    ) -> ApiError:
        return cls(status, (ErrorDetail(field, code, text),), headers)

    @classmethod
    def from_violation(
        cls, violation: AccountRuleViolation | CreditRuleViolation, fields: dict[str, str] | None = None
    ) -> ApiError:
        """The violation's errors, their fields renamed by `fields` (a domain name → the request's)."""
        names = fields or {}
        errors = tuple(
            ErrorDetail(names.get(e.field, e.field) if e.field else None, code_text(e.code), e.message)
            for e in violation.errors
        )
        return cls(status_for(errors[0].code), errors)

    def body(self, language: Language) -> dict[str, Any]:
        """The JSON body, every message in `language` (the codes are the same in every language)."""
        return {**self.errors[0].json(language), "errors": [error.json(language) for error in self.errors]}


def invalid_parameter(name: str, text: Message) -> ApiError:
    return ApiError.of(400, INVALID_PARAMETER, text, name)


async def api_error(request: Request, exc: Exception) -> Response:
    """Every REST error body is written here, in the language of the request's Accept-Language."""
    assert isinstance(exc, ApiError)
    return JSONResponse(exc.body(request_language(request.headers)), exc.status, headers=exc.headers)


async def rule_violation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AccountRuleViolation)
    return await api_error(request, ApiError.from_violation(exc))


async def credit_violation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, CreditRuleViolation)
    return await api_error(request, ApiError.from_violation(exc, CREDIT_FIELD_NAMES))


async def forbidden(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, MissingScope)
    return await api_error(request, ApiError.of(403, FORBIDDEN, exc.text))


ERROR_IDS = ErrorIds(logging.getLogger("customer_credit.rest"))


async def ledger_busy(request: Request, exc: Exception) -> Response:
    """An account kept changing while a money operation was applied: nothing was applied; retry."""
    error_id = uuid.uuid4().hex
    ERROR_IDS.logger.warning(
        "ledger busy [error_id=%s %s]: %r", error_id, route_name(request), exc, extra=log_fields(request, error_id)
    )
    body = {
        "code": TRY_AGAIN,
        "message": rendered(request, message("TRY_AGAIN.rest")),
        "errorId": error_id,
    }
    return JSONResponse(body, 503, headers={"Retry-After": RETRY_BUSY_SECONDS})


HANDLERS = {
    ApiError: api_error,
    AccountRuleViolation: rule_violation,
    CreditRuleViolation: credit_violation,
    LedgerBusy: ledger_busy,
    MissingScope: forbidden,
    **ERROR_IDS.handlers(),
}
ROUTE_ERRORS = [Middleware(ExceptionMiddleware, handlers=HANDLERS)]
