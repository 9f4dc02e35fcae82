"""Accounts in the original Customer Credit API's JSON shape, both ways.

The field lists here (`ACCOUNT_FIELDS`, `REQUEST_FIELDS`) are the single source for both the
mapping code and the OpenAPI schemas (`openapi.py` builds the schemas from them), so the
document cannot drift from what the routes do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from customer_credit.csv.export import iso_datetime
from customer_credit.csv.vocabulary import DOCUMENT_TYPE_TEXT, STATUS_TEXT
from customer_credit.domain.accounts import (
    ACCOUNT_ID_PATTERN,
    MAX_DESCRIPTION_LENGTH,
    Account,
    AccountRequest,
)
from customer_credit.domain.errors import AccountErrorCode, FieldError
from customer_credit.domain.money import MAX_CREDIT_LIMIT_CENTS, cents_to_decimal, tolerance_units_to_decimal
from customer_credit.domain.pii import mask_document, mask_email
from customer_credit.http.rest.errors import INVALID_PARAMETER, MALFORMED_JSON, ApiError
from customer_credit.http.rest.exact_json import load_json

# The original API's words for the domain's enums (the same as the files').
STATUS_FROM_TEXT = {text: status for status, text in STATUS_TEXT.items()}

ACCOUNT_ID_SCHEMA = {"type": "string", "pattern": f"^{ACCOUNT_ID_PATTERN.pattern}$", "minLength": 1, "maxLength": 64}


# --- accounts out -----------------------------------------------------------------------------


@dataclass(frozen=True)
class OutputField:
    name: str
    schema: dict[str, Any]
    read: Callable[[Account, bool], Any]  # (the account, caller may read PII) -> JSON value


def _email(account: Account, pii: bool) -> str:
    return account.email if pii else mask_email(account.email)


def _document(account: Account, pii: bool) -> str | None:
    value = account.document
    return value if pii or value is None else mask_document(value)


def _document_type(account: Account, pii: bool) -> str | None:
    return DOCUMENT_TYPE_TEXT[account.document_type] if account.document_type else None


ACCOUNT_FIELDS: tuple[OutputField, ...] = (
    OutputField("id", ACCOUNT_ID_SCHEMA, lambda a, pii: a.id),
    OutputField(
        "email",
        {"type": "string", "description": "Masked (`j***@example.com`) for a key without the scope pii:read."},
        _email,
    ),
    OutputField(
        "document",
        {"type": ["string", "null"], "description": "Without punctuation; masked for a key without pii:read."},
        _document,
    ),
    OutputField(
        "documentType", {"type": ["string", "null"], "enum": [*DOCUMENT_TYPE_TEXT.values(), None]}, _document_type
    ),
    OutputField(
        "creditLimit",
        {
            "type": "number",
            "minimum": 0,
            "maximum": MAX_CREDIT_LIMIT_CENTS // 100,
            "description": "Exact, with two decimal places (1500.10).",
        },
        lambda a, pii: cents_to_decimal(a.credit_limit_cents),
    ),
    OutputField(
        "tolerance",
        {
            "type": "number",
            "minimum": 0,
            "maximum": 1,
            "description": "A fraction: 0.05 = the holder may spend 5% over the limit.",
        },
        lambda a, pii: tolerance_units_to_decimal(a.tolerance_units),
    ),
    OutputField(
        "status",
        {"type": "string", "enum": list(STATUS_TEXT.values())},
        lambda a, pii: STATUS_TEXT[a.status],
    ),
    OutputField(
        "description",
        {"type": ["string", "null"], "maxLength": MAX_DESCRIPTION_LENGTH},
        lambda a, pii: a.description,
    ),
    OutputField("createdAt", {"type": "string", "format": "date-time"}, lambda a, pii: iso_datetime(a.created_at_ms)),
    OutputField("updatedAt", {"type": "string", "format": "date-time"}, lambda a, pii: iso_datetime(a.updated_at_ms)),
    OutputField(
        "version", {"type": "integer", "minimum": 1, "description": "+1 on every change."}, lambda a, pii: a.version
    ),
)


def account_json(account: Account, *, pii: bool) -> dict[str, Any]:
    return {field.name: field.read(account, pii) for field in ACCOUNT_FIELDS}


# --- accounts in ------------------------------------------------------------------------------


class WrongType(Exception):
    pass


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise WrongType("must be a string")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate escaped in the JSON (`"\ud800"`)
        raise WrongType("must be valid Unicode text") from None
    return value


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise WrongType("must be a JSON number")
    return Decimal(value)


def _integer(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise WrongType("must be an integer")
    return value


@dataclass(frozen=True)
class InputField:
    name: str  # the JSON member
    attribute: str | None  # the AccountRequest attribute it fills (None: handled by the route)
    convert: Callable[[Any], Any]
    code: str  # the error code for a value of the wrong JSON type
    schema: dict[str, Any]


REQUEST_FIELDS: tuple[InputField, ...] = (
    InputField(
        "email",
        "email",
        _text,
        AccountErrorCode.INVALID_EMAIL.value,
        {
            "type": ["string", "null"],
            "format": "email",
            "description": "Required to open an account; omitted or null on a change: unchanged. "
            "Checked by a maintained validator (internationalised addresses are accepted) and stored normalised.",
        },
    ),
    InputField(
        "creditLimit",
        "credit_limit",
        _decimal,
        AccountErrorCode.INVALID_CREDIT_LIMIT.value,
        {
            "type": ["number", "null"],
            "description": "0 to 1000000000.00, at most two decimal places (never rounded). "
            "On open, omitted: the default credit limit; on a change, omitted: unchanged.",
        },
    ),
    InputField(
        "document",
        "document",
        _text,
        AccountErrorCode.INVALID_DOCUMENT.value,
        {"type": ["string", "null"], "description": "Punctuation (. - / spaces) is accepted and stripped."},
    ),
    InputField(
        "documentType",
        "document_type",
        _text,
        AccountErrorCode.INVALID_DOCUMENT_TYPE.value,
        {
            "type": ["string", "null"],
            "description": "CPF, CNPJ or Other (any case); required with a document.",
            "examples": list(DOCUMENT_TYPE_TEXT.values()),
        },
    ),
    InputField(
        "tolerance",
        "tolerance",
        _decimal,
        AccountErrorCode.INVALID_TOLERANCE.value,
        {"type": ["number", "null"], "description": "A fraction from 0 to 1, at most four decimal places (0.05 = 5%)."},
    ),
    InputField(
        "description",
        "description",
        _text,
        AccountErrorCode.INVALID_DESCRIPTION.value,
        {"type": ["string", "null"], "description": f'At most {MAX_DESCRIPTION_LENGTH} characters; "" clears it.'},
    ),
    InputField(
        "expectedVersion",
        None,
        _integer,
        INVALID_PARAMETER,
        {
            "type": ["integer", "null"],
            "description": "If given and not the stored version: 409 VERSION_CONFLICT, nothing written "
            "(0: the account must not exist yet).",
        },
    ),
)


@dataclass(frozen=True)
class AccountBody:
    request: AccountRequest
    expected_version: int | None


def parse_account_body(body: bytes) -> AccountBody:
    """The PUT body as an AccountRequest. JSON null or an absent member means "not given".

    Only JSON types are checked here; every value rule is the domain's (`validate_request`).
    """
    data = load_json(body)
    if not isinstance(data, dict):
        raise ApiError.of(400, MALFORMED_JSON, "The request body must be a JSON object.")
    values: dict[str, Any] = {}
    errors: list[FieldError] = []
    for field in REQUEST_FIELDS:
        raw = data.get(field.name)
        if raw is None:
            continue
        try:
            values[field.name] = field.convert(raw)
        except WrongType as wrong:
            errors.append(FieldError(field.name, field.code, f"{field.name} {wrong}."))  # type: ignore[arg-type]
    if errors:
        raise ApiError(400, tuple(errors))
    request = AccountRequest(
        **{field.attribute: values[field.name] for field in REQUEST_FIELDS if field.attribute and field.name in values}
    )
    return AccountBody(request, values.get("expectedVersion"))
