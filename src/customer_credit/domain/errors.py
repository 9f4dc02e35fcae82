"""Error codes and the error value shared by every entry point (GraphQL, CSV, REST)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from customer_credit.domain.messages import Message


class AccountErrorCode(str, enum.Enum):
    REQUIRED = "REQUIRED"
    INVALID_ID = "INVALID_ID"
    INVALID_EMAIL = "INVALID_EMAIL"
    INVALID_DOCUMENT = "INVALID_DOCUMENT"
    INVALID_DOCUMENT_TYPE = "INVALID_DOCUMENT_TYPE"
    INVALID_CREDIT_LIMIT = "INVALID_CREDIT_LIMIT"
    INVALID_TOLERANCE = "INVALID_TOLERANCE"
    INVALID_DESCRIPTION = "INVALID_DESCRIPTION"
    EMAIL_IN_USE = "EMAIL_IN_USE"
    DOCUMENT_IN_USE = "DOCUMENT_IN_USE"
    ACCOUNT_CLOSED = "ACCOUNT_CLOSED"
    NOT_FOUND = "NOT_FOUND"
    VERSION_CONFLICT = "VERSION_CONFLICT"
    OPEN_BALANCE = "OPEN_BALANCE"
    TOO_MANY_HOLDERS = "TOO_MANY_HOLDERS"


@dataclass(frozen=True)
class FieldError:
    """One thing wrong with a request; `field` is the input field's GraphQL name, or None."""

    field: str | None
    code: AccountErrorCode
    message: Message


class AccountRuleViolation(Exception):
    """Raised by validation and persistence when a request breaks a business rule."""

    def __init__(self, errors: list[FieldError]):
        super().__init__("; ".join(e.message.english for e in errors))
        self.errors = errors

    @classmethod
    def single(cls, field: str | None, code: AccountErrorCode, message: Message) -> AccountRuleViolation:
        return cls([FieldError(field, code, message)])
