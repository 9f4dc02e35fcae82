"""Transactions, invoices, statement entries and the store configuration in the original API's
JSON shape, and the credit requests' bodies.

As in `accounts_json`, the member lists are the single source of the mapping code and of the
OpenAPI schemas. Money is `value` (a JSON number with its exact digits, two decimal places);
statuses and kinds are written as the original API writes them (`TRANSACTION_STATUS_TEXT`,
`INVOICE_STATUS_TEXT`, `ENTRY_KIND_TEXT`); moments are ISO-8601 UTC with milliseconds, calendar
dates ISO `YYYY-MM-DD` (UTC).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, TypeVar

from customer_credit.csv.export import iso_datetime
from customer_credit.csv.vocabulary import INVOICE_STATUS_TEXT
from customer_credit.domain.credit import (
    MAX_AMOUNT_CENTS,
    MAX_INSTALLMENTS,
    CreditErrorCode,
    CreditTransactionStatus,
    StatementEntryKind,
)
from customer_credit.domain.credit_records import CreditTransaction, Invoice, StatementEntry
from customer_credit.domain.errors import AccountErrorCode
from customer_credit.domain.money import cents_to_decimal
from customer_credit.domain.settings_rules import SETTING_FLAGS, SETTING_RANGES, StoreSettings
from customer_credit.http.rest.accounts_json import CREDIT_LIMIT_RANGE, TOLERANCE_RANGE
from customer_credit.http.rest.bodies import InputField, date_time, integer, number, text, whole
from customer_credit.http.rest.errors import INVALID_PARAMETER

T = TypeVar("T")

TRANSACTION_STATUS_TEXT = {
    CreditTransactionStatus.AUTHORIZED: "Authorized",
    CreditTransactionStatus.SETTLED: "Settled",
    CreditTransactionStatus.CANCELLED: "Cancelled",
    CreditTransactionStatus.EXPIRED: "Expired",
}
INVOICE_STATUS_FROM_TEXT = {word: status for status, word in INVOICE_STATUS_TEXT.items()}
ENTRY_KIND_TEXT = {
    StatementEntryKind.INVOICE: "Invoice",
    StatementEntryKind.PAYMENT: "Payment",
    StatementEntryKind.REFUND: "Refund",
    StatementEntryKind.CANCELLATION: "Cancellation",
    StatementEntryKind.ADJUSTMENT: "Adjustment",
}

MONEY = "Exact, with two decimal places."
MAX_VALUE = MAX_AMOUNT_CENTS // 100
VALUE_RANGE = {"minimum": 0.01, "maximum": MAX_VALUE, "multipleOf": 0.01}
MAX_POSTPONEMENT_DAYS = SETTING_RANGES["max_postponement_days"][2]  # the highest the setting may be
MOMENT = {"type": "string", "format": "date-time"}
OPTIONAL_MOMENT = {"type": ["string", "null"], "format": "date-time"}
DAY = {"type": "string", "format": "date"}
OPTIONAL_TEXT = {"type": ["string", "null"]}


@dataclass(frozen=True)
class Member(Generic[T]):
    """One member of a JSON object the API writes: its name, its schema, and how it is read."""

    name: str
    schema: dict[str, Any]
    read: Callable[[T], Any]


def written(members: Sequence[Member[T]], value: T) -> dict[str, Any]:
    return {member.name: member.read(value) for member in members}


def members_schema(members: Sequence[Member[Any]], description: str | None = None) -> dict[str, Any]:
    """The OpenAPI schema of an object the API writes: every member always present (null where allowed)."""
    schema: dict[str, Any] = {
        "type": "object",
        "required": [member.name for member in members],
        "properties": {member.name: member.schema for member in members},
    }
    if description:
        schema["description"] = description
    return schema


def _optional_moment(epoch_ms: int | None) -> str | None:
    return iso_datetime(epoch_ms) if epoch_ms is not None else None


# --- invoices -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class InvoiceState:
    invoice: Invoice
    today: date


INVOICE_MEMBERS: tuple[Member[InvoiceState], ...] = (
    Member(
        "id",
        {"type": "string", "description": '"<transactionId>-01", "-02", … one per installment.'},
        lambda s: s.invoice.id,
    ),
    Member("accountId", {"type": "string"}, lambda s: s.invoice.account_id),
    Member("transactionId", {"type": "string"}, lambda s: s.invoice.transaction_id),
    Member("orderId", OPTIONAL_TEXT, lambda s: s.invoice.order_id),
    Member("installment", {"type": "integer", "minimum": 1}, lambda s: s.invoice.installment),
    Member("numberOfInstallments", {"type": "integer", "minimum": 1}, lambda s: s.invoice.number_of_installments),
    Member(
        "value",
        {"type": "number", "minimum": 0, "description": f"What is still due on it (lowered by refunds). {MONEY}"},
        lambda s: cents_to_decimal(s.invoice.amount_cents),
    ),
    Member(
        "originalValue",
        {"type": "number", "minimum": 0, "description": f"As settled. {MONEY}"},
        lambda s: cents_to_decimal(s.invoice.original_amount_cents),
    ),
    Member(
        "status",
        {"type": "string", "enum": list(INVOICE_STATUS_TEXT.values())},
        lambda s: INVOICE_STATUS_TEXT[s.invoice.status],
    ),
    Member(
        "overdue",
        {"type": "boolean", "description": "Open and dueDate before today (UTC)."},
        lambda s: s.invoice.overdue(s.today),
    ),
    Member("dueDate", {**DAY, "description": "Moved by postponements."}, lambda s: s.invoice.due_date.isoformat()),
    Member("originalDueDate", DAY, lambda s: s.invoice.original_due_date.isoformat()),
    Member("createdAt", MOMENT, lambda s: iso_datetime(s.invoice.created_at_ms)),
    Member("paidAt", OPTIONAL_MOMENT, lambda s: _optional_moment(s.invoice.paid_at_ms)),
    Member("cancelledAt", OPTIONAL_MOMENT, lambda s: _optional_moment(s.invoice.cancelled_at_ms)),
)


def invoice_json(invoice: Invoice, today: date) -> dict[str, Any]:
    return written(INVOICE_MEMBERS, InvoiceState(invoice, today))


# --- transactions -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TransactionState:
    transaction: CreditTransaction
    invoices: Sequence[Invoice]
    now_ms: int
    today: date


TRANSACTION_MEMBERS: tuple[Member[TransactionState], ...] = (
    Member("id", {"type": "string", "description": "A UUID."}, lambda s: s.transaction.id),
    Member("accountId", {"type": "string"}, lambda s: s.transaction.account_id),
    Member(
        "value",
        {"type": "number", "minimum": 0, "description": f"The authorized value. {MONEY}"},
        lambda s: cents_to_decimal(s.transaction.amount_cents),
    ),
    Member(
        "settledValue",
        {"type": "number", "minimum": 0, "description": MONEY},
        lambda s: cents_to_decimal(s.transaction.settled_cents),
    ),
    Member(
        "refundedValue",
        {"type": "number", "minimum": 0, "description": MONEY},
        lambda s: cents_to_decimal(s.transaction.refunded_cents),
    ),
    Member("installments", {"type": "integer", "minimum": 1}, lambda s: s.transaction.installments),
    Member("orderId", OPTIONAL_TEXT, lambda s: s.transaction.order_id),
    Member(
        "status",
        {
            "type": "string",
            "enum": list(TRANSACTION_STATUS_TEXT.values()),
            "description": "An Authorized transaction past its expirationDate reads Expired (its hold is released).",
        },
        lambda s: TRANSACTION_STATUS_TEXT[s.transaction.status_at(s.now_ms)],
    ),
    Member("createdAt", MOMENT, lambda s: iso_datetime(s.transaction.created_at_ms)),
    Member(
        "expirationDate",
        {**MOMENT, "description": "An Authorized hold not settled by then expires and is released."},
        lambda s: iso_datetime(s.transaction.expires_at_ms),
    ),
    Member("settledAt", OPTIONAL_MOMENT, lambda s: _optional_moment(s.transaction.settled_at_ms)),
    Member(
        "actor",
        {"type": "string", "description": "The name of the API key that authorized it."},
        lambda s: s.transaction.actor,
    ),
    Member(
        "invoices",
        {
            "type": "array",
            "items": {"$ref": "#/components/schemas/Invoice"},
            "description": "One per installment, once settled.",
        },
        lambda s: [invoice_json(invoice, s.today) for invoice in s.invoices],
    ),
)


def transaction_json(
    transaction: CreditTransaction, invoices: Sequence[Invoice], *, now_ms: int, today: date
) -> dict[str, Any]:
    return written(TRANSACTION_MEMBERS, TransactionState(transaction, invoices, now_ms, today))


# --- statement entries --------------------------------------------------------------------------

ENTRY_MEMBERS: tuple[Member[StatementEntry], ...] = (
    Member("id", {"type": "string"}, lambda e: e.id),
    Member("date", {**MOMENT, "description": "When it was applied."}, lambda e: iso_datetime(e.at_ms)),
    Member("kind", {"type": "string", "enum": list(ENTRY_KIND_TEXT.values())}, lambda e: ENTRY_KIND_TEXT[e.kind]),
    Member(
        "value",
        {"type": "number", "description": f"Signed, as applied to the balance (an invoice is negative). {MONEY}"},
        lambda e: cents_to_decimal(e.amount_cents),
    ),
    Member(
        "balanceAfter",
        {"type": "number", "description": f"The account's balance right after it. {MONEY}"},
        lambda e: cents_to_decimal(e.balance_after_cents),
    ),
    Member("transactionId", OPTIONAL_TEXT, lambda e: e.transaction_id),
    Member("invoiceId", OPTIONAL_TEXT, lambda e: e.invoice_id),
    Member("actor", {"type": "string", "description": "The name of the API key that acted."}, lambda e: e.actor),
    Member("note", OPTIONAL_TEXT, lambda e: e.note),
)


def entry_json(entry: StatementEntry) -> dict[str, Any]:
    return written(ENTRY_MEMBERS, entry)


# --- the store configuration --------------------------------------------------------------------

SETTING_DESCRIPTIONS = {
    "invoiceDueDays": "Invoice k of a settlement is due k times this many days after it.",
    "maxInstallments": "The most installments an authorization may ask.",
    "authorizationTtlHours": "How long a hold lives when the authorization gives no expirationDate.",
    "toleranceEnabled": "Whether an account's tolerance counts in its spendingLimit.",
    "postponementEnabled": "Whether invoices may be postponed.",
    "maxPostponementDays": "The most days an invoice may be postponed, in total.",
}


def _setting_schema(name: str, lowest: int | None = None, highest: int | None = None) -> dict[str, Any]:
    if lowest is None:
        return {"type": "boolean", "description": SETTING_DESCRIPTIONS[name]}
    return {
        "type": "integer",
        "minimum": lowest,
        "maximum": highest,
        "description": f"{SETTING_DESCRIPTIONS[name]} {lowest} to {highest}.",
    }


def _setting_reader(attribute: str) -> Callable[[StoreSettings], Any]:
    return lambda settings: getattr(settings, attribute)


STORE_CONFIG_MEMBERS: tuple[Member[StoreSettings], ...] = (
    *(
        Member(name, _setting_schema(name, lowest, highest), _setting_reader(attribute))
        for attribute, (name, lowest, highest) in SETTING_RANGES.items()
    ),
    *(Member(name, _setting_schema(name), _setting_reader(attribute)) for attribute, name in SETTING_FLAGS.items()),
    Member(
        "updatedAt",
        {**OPTIONAL_MOMENT, "description": "Null while the defaults were never changed."},
        lambda s: _optional_moment(s.updated_at_ms),
    ),
    Member(
        "updatedBy",
        {**OPTIONAL_TEXT, "description": "The name of the API key that last changed them."},
        lambda s: s.updated_by,
    ),
)


def store_config_json(settings: StoreSettings) -> dict[str, Any]:
    return written(STORE_CONFIG_MEMBERS, settings)


# --- request bodies -----------------------------------------------------------------------------

INVALID_AMOUNT = CreditErrorCode.INVALID_AMOUNT.value


def _value_field(description: str) -> InputField:
    return InputField(
        "value",
        number,
        INVALID_AMOUNT,
        {"type": "number", **VALUE_RANGE, "description": description},
        required=True,
    )


AUTHORIZE_FIELDS: tuple[InputField, ...] = (
    _value_field(
        f"The value to hold: more than 0, at most {MAX_VALUE}.00, at most two decimal places (never rounded)."
    ),
    InputField(
        "installments",
        integer,
        CreditErrorCode.INVALID_INSTALLMENTS.value,
        {
            "type": ["integer", "null"],
            "minimum": 1,
            "maximum": MAX_INSTALLMENTS,
            "default": 1,
            "description": "How many invoices the settlement makes: 1 to the store's maxInstallments.",
        },
    ),
    InputField(
        "expirationDate",
        date_time,
        CreditErrorCode.INVALID_EXPIRY.value,
        {
            "type": ["string", "null"],
            "format": "date-time",
            "description": "When the hold expires if not settled: in the future and at most 30 days ahead, with a "
            "time zone. Default: now + the store's authorizationTtlHours.",
        },
    ),
    InputField("orderId", text, INVALID_PARAMETER, {"type": ["string", "null"], "description": "The store's order."}),
)
SETTLE_FIELDS: tuple[InputField, ...] = (
    _value_field("The value to settle: more than 0 and at most the authorized value; the whole hold is released."),
)
REFUND_FIELDS: tuple[InputField, ...] = (
    _value_field("The value to refund: more than 0 and at most settledValue − refundedValue."),
)
POSTPONEMENT_FIELDS: tuple[InputField, ...] = (
    InputField(
        "dueDays",
        integer,
        CreditErrorCode.INVALID_POSTPONEMENT.value,
        {
            "type": "integer",
            "minimum": 1,
            "maximum": MAX_POSTPONEMENT_DAYS,
            "description": "Days to move the due date by; an invoice's postponements add up to at most the "
            "store's maxPostponementDays.",
        },
        required=True,
    ),
)
CREDIT_LIMIT_FIELDS: tuple[InputField, ...] = (
    InputField(
        "value",
        number,
        AccountErrorCode.INVALID_CREDIT_LIMIT.value,
        {
            "type": "number",
            **CREDIT_LIMIT_RANGE,
            "description": "The new credit limit: 0 to 1000000000.00, at most two decimal places (never rounded).",
        },
        required=True,
    ),
)
TOLERANCE_FIELDS: tuple[InputField, ...] = (
    InputField(
        "value",
        number,
        AccountErrorCode.INVALID_TOLERANCE.value,
        {
            "type": "number",
            **TOLERANCE_RANGE,
            "description": "The new tolerance: a fraction from 0 to 1, at most four decimal places (0.05 = 5%).",
        },
        required=True,
    ),
)


def _as_is(value: Any) -> Any:
    """A setting's value as the JSON gave it: `apply_settings_update` checks types and ranges together,
    so that every bad setting is reported at once."""
    return value


STORE_CONFIG_FIELDS: tuple[InputField, ...] = (
    *(
        InputField(
            name,
            whole,
            CreditErrorCode.INVALID_SETTING.value,
            {**_setting_schema(name, lowest, highest), "type": ["integer", "null"]},
            attribute=attribute,
        )
        for attribute, (name, lowest, highest) in SETTING_RANGES.items()
    ),
    *(
        InputField(
            name,
            _as_is,
            CreditErrorCode.INVALID_SETTING.value,
            {**_setting_schema(name), "type": ["boolean", "null"]},
            attribute=attribute,
        )
        for attribute, name in SETTING_FLAGS.items()
    ),
)
