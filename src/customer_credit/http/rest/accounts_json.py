"""Accounts in the original Customer Credit API's JSON shape, both ways.

The field lists here (`ACCOUNT_FIELDS`, `REQUEST_FIELDS`) are the single source for both the
mapping code and the OpenAPI schemas (`openapi.py` builds the schemas from them), so the
document cannot drift from what the routes do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from customer_credit.csv.export import iso_datetime
from customer_credit.csv.vocabulary import DOCUMENT_TYPE_TEXT, STATUS_TEXT
from customer_credit.domain.accounts import (
    ACCOUNT_ID_PATTERN,
    MAX_DESCRIPTION_LENGTH,
    Account,
    AccountRequest,
)
from customer_credit.domain.credit import spending_limit_cents
from customer_credit.domain.errors import AccountErrorCode
from customer_credit.domain.money import MAX_CREDIT_LIMIT_CENTS, cents_to_decimal, tolerance_units_to_decimal
from customer_credit.domain.pii import mask_document, mask_email
from customer_credit.http.rest.bodies import InputField, WrongType, integer, number, parse_object, text
from customer_credit.http.rest.errors import INVALID_PARAMETER

# The original API's words for the domain's enums (the same as the files').
STATUS_FROM_TEXT = {word: status for status, word in STATUS_TEXT.items()}

ACCOUNT_ID_SCHEMA = {"type": "string", "pattern": f"^{ACCOUNT_ID_PATTERN.pattern}$", "minLength": 1, "maxLength": 64}
MONEY = "Exact, with two decimal places (1500.10)."
# What the request members accept, as JSON Schema says it: a generated client sends what the rules take.
CREDIT_LIMIT_RANGE = {"minimum": 0, "maximum": MAX_CREDIT_LIMIT_CENTS // 100, "multipleOf": 0.01}
TOLERANCE_RANGE = {"minimum": 0, "maximum": 1, "multipleOf": 0.0001}
# Punctuation and white space are stripped (an empty document is none); what is left, its type checks.
DOCUMENT_PATTERN = r"^[0-9A-Za-z./\s-]*$"


# --- accounts out -----------------------------------------------------------------------------


@dataclass(frozen=True)
class AccountView:
    """What an account's JSON depends on besides the account: whether the caller may read PII,
    whether the store counts tolerance in the spending limit, and the moment (holds past their
    expiry are not held)."""

    pii: bool
    tolerance_enabled: bool
    now_ms: int

    def spending_cents(self, account: Account) -> int:
        return spending_limit_cents(account.credit_limit_cents, account.tolerance_units, self.tolerance_enabled)

    def available_cents(self, account: Account) -> int:
        return self.spending_cents(account) + account.balance_cents - account.held_now(self.now_ms)


@dataclass(frozen=True)
class OutputField:
    name: str
    schema: dict[str, Any]
    read: Callable[[Account, AccountView], Any]


def _email(account: Account, view: AccountView) -> str:
    return account.email if view.pii else mask_email(account.email)


def _document(account: Account, view: AccountView) -> str | None:
    value = account.document
    return value if view.pii or value is None else mask_document(value)


def _holders(account: Account, view: AccountView) -> list[dict[str, str]]:
    return [
        {
            "id": holder.id,
            "email": holder.email if view.pii else mask_email(holder.email),
            "addedAt": iso_datetime(holder.added_at_ms),
        }
        for holder in account.holders
    ]


HOLDER_SCHEMA = {
    "type": "object",
    "required": ["id", "email", "addedAt"],
    "properties": {
        "id": {"type": "string", "description": "The holderId of DELETE /accounts/{accountId}/holders/{holderId}."},
        "email": {"type": "string", "description": "Masked for a key without the scope pii:read."},
        "addedAt": {"type": "string", "format": "date-time"},
    },
}


def _document_type(account: Account, view: AccountView) -> str | None:
    return DOCUMENT_TYPE_TEXT[account.document_type] if account.document_type else None


ACCOUNT_FIELDS: tuple[OutputField, ...] = (
    OutputField("id", ACCOUNT_ID_SCHEMA, lambda a, v: a.id),
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
        {"type": "number", "minimum": 0, "maximum": MAX_CREDIT_LIMIT_CENTS // 100, "description": MONEY},
        lambda a, v: cents_to_decimal(a.credit_limit_cents),
    ),
    OutputField(
        "tolerance",
        {
            "type": "number",
            "minimum": 0,
            "maximum": 1,
            "description": "A fraction: 0.05 = the holder may spend 5% over the limit.",
        },
        lambda a, v: tolerance_units_to_decimal(a.tolerance_units),
    ),
    OutputField(
        "status",
        {"type": "string", "enum": list(STATUS_TEXT.values())},
        lambda a, v: STATUS_TEXT[a.status],
    ),
    OutputField(
        "description",
        {"type": ["string", "null"], "maxLength": MAX_DESCRIPTION_LENGTH},
        lambda a, v: a.description,
    ),
    OutputField("createdAt", {"type": "string", "format": "date-time"}, lambda a, v: iso_datetime(a.created_at_ms)),
    OutputField("updatedAt", {"type": "string", "format": "date-time"}, lambda a, v: iso_datetime(a.updated_at_ms)),
    OutputField(
        "version", {"type": "integer", "minimum": 1, "description": "+1 on every change."}, lambda a, v: a.version
    ),
    OutputField(
        "spendingLimit",
        {
            "type": "number",
            "minimum": 0,
            "description": "creditLimit × (1 + tolerance), rounded down to the cent; creditLimit alone while "
            f"the store setting toleranceEnabled is false. {MONEY}",
        },
        lambda a, v: cents_to_decimal(v.spending_cents(a)),
    ),
    OutputField(
        "balance",
        {
            "type": "number",
            "description": "Signed: negative, the holder owes the store (open invoices); positive, credit in "
            f"the holder's favour. {MONEY}",
        },
        lambda a, v: cents_to_decimal(a.balance_cents),
    ),
    OutputField(
        "heldCredit",
        {
            "type": "number",
            "minimum": 0,
            "description": f"The Authorized transactions' values, those past their expirationDate left out. {MONEY}",
        },
        lambda a, v: cents_to_decimal(a.held_now(v.now_ms)),
    ),
    OutputField(
        "availableCredit",
        {
            "type": "number",
            "description": "spendingLimit + balance − heldCredit; negative after a limit was lowered below what "
            f"is in use (then no authorization succeeds). {MONEY}",
        },
        lambda a, v: cents_to_decimal(v.available_cents(a)),
    ),
    OutputField(
        "holders",
        {
            "type": "array",
            "items": HOLDER_SCHEMA,
            "description": "The other emails that share the account's credit (at most 10), in the order added.",
        },
        _holders,
    ),
)


def account_json(account: Account, view: AccountView) -> dict[str, Any]:
    return {field.name: field.read(account, view) for field in ACCOUNT_FIELDS}


# --- accounts in ------------------------------------------------------------------------------


REQUEST_FIELDS: tuple[InputField, ...] = (
    InputField(
        "email",
        text,
        AccountErrorCode.INVALID_EMAIL.value,
        {
            "type": ["string", "null"],
            "format": "email",
            "minLength": 1,
            "examples": ["maria@example.com"],
            "description": "Required to open an account; omitted or null on a change: unchanged. "
            "Checked by a maintained validator (internationalised addresses are accepted) and stored normalised.",
        },
        attribute="email",
    ),
    InputField(
        "creditLimit",
        number,
        AccountErrorCode.INVALID_CREDIT_LIMIT.value,
        {
            "type": ["number", "null"],
            **CREDIT_LIMIT_RANGE,
            "examples": [1500.5],
            "description": "0 to 1000000000.00, at most two decimal places (never rounded). "
            "On open, omitted: the default credit limit; on a change, omitted: unchanged.",
        },
        attribute="credit_limit",
    ),
    InputField(
        "document",
        text,
        AccountErrorCode.INVALID_DOCUMENT.value,
        {
            "type": ["string", "null"],
            "pattern": DOCUMENT_PATTERN,
            "examples": ["529.982.247-25"],
            "description": "Punctuation (. - / spaces) is accepted and stripped. CPF: 11 digits with valid check "
            "digits; CNPJ: 14 characters with valid check digits; Other: 1 to 32 letters or digits.",
        },
        attribute="document",
    ),
    InputField(
        "documentType",
        text,
        AccountErrorCode.INVALID_DOCUMENT_TYPE.value,
        {
            "type": ["string", "null"],
            "enum": [*DOCUMENT_TYPE_TEXT.values(), "", None],
            "examples": ["CPF"],
            "description": 'CPF, CNPJ or Other (any case); required with a document. "" or null: not given '
            "(a change keeps the current type).",
        },
        attribute="document_type",
    ),
    InputField(
        "tolerance",
        number,
        AccountErrorCode.INVALID_TOLERANCE.value,
        {
            "type": ["number", "null"],
            **TOLERANCE_RANGE,
            "examples": [0.05],
            "description": "A fraction from 0 to 1, at most four decimal places (0.05 = 5%).",
        },
        attribute="tolerance",
    ),
    InputField(
        "description",
        text,
        AccountErrorCode.INVALID_DESCRIPTION.value,
        {"type": ["string", "null"], "description": f'At most {MAX_DESCRIPTION_LENGTH} characters; "" clears it.'},
        attribute="description",
    ),
    InputField(
        "expectedVersion",
        integer,
        INVALID_PARAMETER,
        {
            "type": ["integer", "null"],
            "minimum": 0,
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
    """The PUT body as an AccountRequest. JSON null or an absent member means "not given"; a member
    that is not one of REQUEST_FIELDS (the account's read-only members included) is refused.

    Only JSON types are checked here; every value rule is the domain's (`validate_request`).
    """
    values = parse_object(body, REQUEST_FIELDS)
    request = AccountRequest(
        **{field.attribute: values[field.name] for field in REQUEST_FIELDS if field.attribute and field.name in values}
    )
    return AccountBody(request, values.get("expectedVersion"))


# --- holders in -------------------------------------------------------------------------------


def holder_claims(value: Any) -> str:
    """`{"email": …}`, as the original API's holder body nests it."""
    if not isinstance(value, dict) or set(value) != {"email"}:
        raise WrongType("TYPE.holderClaims")
    return text(value["email"])


HOLDER_FIELDS: tuple[InputField, ...] = (
    InputField(
        "claims",
        holder_claims,
        AccountErrorCode.INVALID_EMAIL.value,
        {
            "type": "object",
            "required": ["email"],
            "additionalProperties": False,
            "properties": {"email": {"type": "string", "format": "email"}},
            "description": "The holder's email; it may not be the email or a holder email of any open account.",
        },
        required=True,
    ),
)


def parse_holder_body(body: bytes) -> str:
    """The email of a holder POST's body."""
    return parse_object(body, HOLDER_FIELDS)["claims"]
