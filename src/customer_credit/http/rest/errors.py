"""The REST API's errors: `{code, message, field?}` (and every error in `errors`) with an HTTP status."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from customer_credit.domain.errors import AccountErrorCode, AccountRuleViolation, FieldError

# Codes the REST layer adds to the AccountErrorCode values (extend, never rename).
FORBIDDEN = "FORBIDDEN"
NOT_FOUND = "NOT_FOUND"
METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
MALFORMED_JSON = "MALFORMED_JSON"
INVALID_PARAMETER = "INVALID_PARAMETER"
TOO_LARGE = "TOO_LARGE"  # written by the BodySizeLimit middleware, before any route
DATABASE_UNAVAILABLE = "DATABASE_UNAVAILABLE"
INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"

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


@dataclass(frozen=True)
class ApiError(Exception):
    """A failure the client caused or can act on: `{code, message, field?}` with an HTTP status."""

    status: int
    errors: tuple[FieldError, ...]
    headers: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, status: int, code: str, message: str, field: str | None = None) -> ApiError:
        return cls(status, (FieldError(field, code, message),))  # type: ignore[arg-type]

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
