"""Account fields and the rules every entry point applies to them.

`validate_request` is the one place where a request to open or change an
account becomes a validated `AccountFields`; GraphQL, CSV rows and REST all
go through it.
"""

from __future__ import annotations

import enum
import re
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, TypeVar

from email_validator import EmailNotValidError, validate_email
from stdnum.br import cnpj, cpf

from customer_credit.domain.credit_records import Hold
from customer_credit.domain.errors import AccountErrorCode, AccountRuleViolation, FieldError
from customer_credit.domain.messages import message
from customer_credit.domain.money import (
    MAX_CREDIT_LIMIT_CENTS,
    TOLERANCE_SCALE,
    MagnitudeError,
    PrecisionError,
    cents_to_decimal,
    decimal_to_cents,
    decimal_to_tolerance_units,
    tolerance_units_to_decimal,
)
from customer_credit.domain.pii import mask_document, mask_email

ACCOUNT_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")
DOCUMENT_PUNCTUATION = re.compile(r"[.\-/\s]")
OTHER_DOCUMENT_PATTERN = re.compile(r"[A-Za-z0-9]{1,32}")
MAX_DESCRIPTION_LENGTH = 500
MAX_HOLDERS = 10
DEFAULT_CREDIT_LIMIT_CENTS = 100_00
T = TypeVar("T")


class DocumentType(str, enum.Enum):
    CPF = "CPF"
    CNPJ = "CNPJ"
    OTHER = "OTHER"


class AccountStatus(str, enum.Enum):
    OPEN = "OPEN"
    CLOSED = "CLOSED"


class EventSource(str, enum.Enum):
    API = "API"
    IMPORT = "IMPORT"


@dataclass(frozen=True)
class Holder:
    """A holder email of an account: who else shares its credit. `id` names it in REST paths."""

    id: str
    email: str
    added_at_ms: int

    @property
    def key(self) -> str:
        return email_key(self.email)


@dataclass(frozen=True)
class AccountFields:
    """The validated, normalised state of an account's editable fields."""

    email: str
    document_type: DocumentType | None
    document: str | None
    credit_limit_cents: int
    tolerance_units: int
    description: str | None
    status: AccountStatus = AccountStatus.OPEN
    holders: tuple[Holder, ...] = ()

    @property
    def email_key(self) -> str:
        return email_key(self.email)

    @property
    def claimed_keys(self) -> frozenset[str]:
        """The email keys this account holds among open accounts: its email's and its holders'
        (none once closed)."""
        if self.status is not AccountStatus.OPEN:
            return frozenset()
        return frozenset({self.email_key, *(holder.key for holder in self.holders)})

    @property
    def document_key(self) -> str | None:
        if self.document is None or self.document_type is None:
            return None
        return document_key(self.document_type, self.document)


@dataclass(frozen=True)
class AccountRequest:
    """What a caller asks for; None means "not given" (left unchanged on a change)."""

    email: str | None = None
    document_type: str | None = None
    document: str | None = None
    credit_limit: Decimal | None = None
    tolerance: Decimal | None = None
    description: str | None = None
    close: bool = False


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: str | None
    after: str | None


def new_account_id() -> str:
    return str(uuid.uuid4())


def validate_account_id(raw: str) -> str:
    if not isinstance(raw, str) or not ACCOUNT_ID_PATTERN.fullmatch(raw):
        raise AccountRuleViolation.single("id", AccountErrorCode.INVALID_ID, message("INVALID_ID"))
    return raw


def normalize_email(raw: str) -> str:
    """The address as the maintained validator normalises it (domain lower-cased, IDNA applied)."""
    try:
        return validate_email(raw.strip(), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise AccountRuleViolation.single(
            "email", AccountErrorCode.INVALID_EMAIL, message("INVALID_EMAIL.reason", reason=str(exc))
        ) from None


def email_key(email: str) -> str:
    """The key an email is unique and searched by: NFKC-normalised and case-folded, so a
    full-width or differently cased spelling is the same email. The unique index, the email
    claims, the filters and the import's duplicate detection all use this one function."""
    return unicodedata.normalize("NFKC", email.strip()).casefold()


def lookup_email_key(raw: str) -> str:
    """The key of an email as a caller typed it: normalised like a stored email when it is a
    valid address (so the domain's IDNA form matches), else just folded."""
    try:
        return email_key(normalize_email(raw))
    except AccountRuleViolation:
        return email_key(raw)


def compact_document(raw: str) -> str:
    """Punctuation and spaces removed, upper-cased, and NFKC-folded first: full-width or
    mathematical digits are the same document as their ASCII spelling."""
    return DOCUMENT_PUNCTUATION.sub("", unicodedata.normalize("NFKC", raw)).upper()


def document_key(document_type: DocumentType | str | None, document: str) -> str:
    """The key a document is unique by among open accounts: its type and its compact form."""
    kind = document_type.value if isinstance(document_type, DocumentType) else (document_type or "").strip().upper()
    return f"{kind}:{compact_document(document)}"


def parse_document_type(raw: str) -> DocumentType:
    try:
        return DocumentType(raw.strip().upper())
    except (ValueError, AttributeError):
        raise AccountRuleViolation.single(
            "documentType", AccountErrorCode.INVALID_DOCUMENT_TYPE, message("INVALID_DOCUMENT_TYPE")
        ) from None


def normalize_document(document_type: DocumentType, raw: str) -> str:
    """Strip punctuation and check the document against its type's rules."""
    # NFKC first (compact_document): full-width or mathematical digits would pass the
    # check-digit test and be stored as a second spelling of the same document.
    document = compact_document(raw)
    if document_type is DocumentType.CPF:
        valid = document.isascii() and len(document) == 11 and len(set(document)) > 1 and cpf.is_valid(document)
    elif document_type is DocumentType.CNPJ:
        valid = document.isascii() and len(document) == 14 and len(set(document)) > 1 and cnpj.is_valid(document)
    else:
        valid = OTHER_DOCUMENT_PATTERN.fullmatch(document) is not None
    if not valid:
        raise AccountRuleViolation.single(
            "document", AccountErrorCode.INVALID_DOCUMENT, message(f"INVALID_DOCUMENT.{document_type.value}")
        )
    return document


def in_range(convert: Callable[[Decimal], int], value: Decimal, highest: int) -> int | None:
    """`value` converted, if it converts and lies in 0..highest; else None. The callers build their error
    only when they raise it: a valid value, every row of an import, renders no message."""
    try:
        converted = convert(value)
    except (PrecisionError, MagnitudeError, ValueError):
        return None
    return converted if 0 <= converted <= highest else None


def credit_limit_cents(value: Decimal) -> int:
    cents = in_range(decimal_to_cents, value, MAX_CREDIT_LIMIT_CENTS)
    if cents is None:
        raise AccountRuleViolation.single(
            "creditLimit", AccountErrorCode.INVALID_CREDIT_LIMIT, message("INVALID_CREDIT_LIMIT")
        )
    return cents


def tolerance_units(value: Decimal) -> int:
    units = in_range(decimal_to_tolerance_units, value, TOLERANCE_SCALE)
    if units is None:
        raise AccountRuleViolation.single("tolerance", AccountErrorCode.INVALID_TOLERANCE, message("INVALID_TOLERANCE"))
    return units


def is_unicode_text(text: str) -> bool:
    """False for strings with lone surrogates: JSON can carry them, UTF-8 (and so BSON) cannot."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def normalize_description(raw: str) -> str | None:
    text = raw.strip()
    if not is_unicode_text(text):
        raise AccountRuleViolation.single(
            "description", AccountErrorCode.INVALID_DESCRIPTION, message("INVALID_DESCRIPTION.unicode")
        )
    if len(text) > MAX_DESCRIPTION_LENGTH:
        raise AccountRuleViolation.single(
            "description",
            AccountErrorCode.INVALID_DESCRIPTION,
            message("INVALID_DESCRIPTION.length", max=MAX_DESCRIPTION_LENGTH),
        )
    return text or None


def without_masked_echoes(request: AccountRequest, current: AccountFields) -> AccountRequest:
    """A caller without `pii:read` sees masked email and document; sending them back unchanged
    (as an edit form does) must not overwrite the real values with the masks."""
    email = None if request.email is not None and request.email == mask_email(current.email) else request.email
    document = request.document
    if document is not None and current.document is not None and document == mask_document(current.document):
        document = None
    return replace(request, email=email, document=document)


def validate_request(
    request: AccountRequest,
    *,
    current: AccountFields | None,
    default_credit_limit_cents: int = DEFAULT_CREDIT_LIMIT_CENTS,
) -> AccountFields:
    """Merge a request into the current fields (None: opening) and check every rule.

    All failures are collected, so a caller sees every bad field at once.
    """
    errors: list[FieldError] = []

    def attempt(check: Callable[..., T], *args: Any) -> T | None:
        try:
            return check(*args)
        except AccountRuleViolation as violation:
            errors.extend(violation.errors)
            return None

    if current is not None and current.status is AccountStatus.CLOSED:
        raise AccountRuleViolation.single(None, AccountErrorCode.ACCOUNT_CLOSED, message("ACCOUNT_CLOSED.change"))

    email = current.email if current else None
    if (request.email is None and current is None) or (request.email is not None and not request.email.strip()):
        errors.append(FieldError("email", AccountErrorCode.REQUIRED, message("REQUIRED.email")))
    elif request.email is not None:
        email = attempt(normalize_email, request.email)

    type_given = bool(request.document_type and request.document_type.strip())
    document_given = bool(request.document and request.document.strip())
    document_type = current.document_type if current else None
    document = current.document if current else None
    if type_given:
        document_type = attempt(parse_document_type, request.document_type)
    if type_given or document_given:
        raw_document = request.document if document_given else document
        if raw_document is None:
            errors.append(FieldError("document", AccountErrorCode.REQUIRED, message("REQUIRED.document")))
        elif document_type is None:
            if not type_given:
                errors.append(FieldError("documentType", AccountErrorCode.REQUIRED, message("REQUIRED.documentType")))
        else:
            document = attempt(normalize_document, document_type, raw_document)

    if request.credit_limit is not None:
        limit = attempt(credit_limit_cents, request.credit_limit)
    else:
        limit = current.credit_limit_cents if current else default_credit_limit_cents

    if request.tolerance is not None:
        tolerance = attempt(tolerance_units, request.tolerance)
    else:
        tolerance = current.tolerance_units if current else 0

    if request.description is not None:
        description = attempt(normalize_description, request.description)
    else:
        description = current.description if current else None

    if errors:
        raise AccountRuleViolation(errors)
    assert email is not None and limit is not None and tolerance is not None  # else an error was collected
    status = AccountStatus.CLOSED if request.close else AccountStatus.OPEN
    return AccountFields(
        email=email,
        document_type=document_type if document is not None else None,
        document=document,
        credit_limit_cents=limit,
        tolerance_units=tolerance,
        description=description,
        status=status,
        holders=current.holders if current else (),
    )


def close(fields: AccountFields) -> AccountFields:
    if fields.status is AccountStatus.CLOSED:
        raise AccountRuleViolation.single(None, AccountErrorCode.ACCOUNT_CLOSED, message("ACCOUNT_CLOSED.already"))
    return replace(fields, status=AccountStatus.CLOSED)


def asks_nothing_new(request: AccountRequest, current: AccountFields) -> bool:
    """Whether `request` would leave `current` exactly as it is, status included.

    A closed account's row in an export, imported back with its Status Closed, is such a
    request: not a change, so not one to refuse as ACCOUNT_CLOSED.
    """
    if request.close != (current.status is AccountStatus.CLOSED):
        return False
    try:
        merged = validate_request(request, current=replace(current, status=AccountStatus.OPEN))
    except AccountRuleViolation:
        return False
    return merged == current


def _display(fields: AccountFields | None) -> dict[str, str | None]:
    if fields is None:
        return {}
    return {
        "email": fields.email,
        "documentType": fields.document_type.value if fields.document_type else None,
        "document": fields.document,
        "creditLimit": str(cents_to_decimal(fields.credit_limit_cents)),
        "tolerance": str(tolerance_units_to_decimal(fields.tolerance_units)),
        "description": fields.description,
        "status": fields.status.value,
    }


def diff(before: AccountFields | None, after: AccountFields) -> list[FieldChange]:
    """The changed fields, by GraphQL name, with display values before and after; a holder added
    is a `holders` change from null to its email, one removed from its email to null."""
    old, new = _display(before), _display(after)
    changes = [
        FieldChange(field, old.get(field), value)
        for field, value in new.items()
        if old.get(field) != value and not (before is None and value is None)
    ]
    old_holders = {holder.id: holder.email for holder in before.holders} if before else {}
    new_holders = {holder.id: holder.email for holder in after.holders}
    changes += [FieldChange("holders", email, None) for hid, email in old_holders.items() if hid not in new_holders]
    changes += [FieldChange("holders", None, email) for hid, email in new_holders.items() if hid not in old_holders]
    return changes


@dataclass(frozen=True)
class AccountEvent:
    """One change of an account: the state after it is the account at `version`."""

    account_id: str
    version: int
    at_ms: int
    actor: str
    source: EventSource
    changes: tuple[FieldChange, ...]
    import_run_id: str | None = None
    import_row: int | None = None


@dataclass(frozen=True)
class Account:
    """An account as stored: its fields plus what the service keeps about them.

    A read that selects some fields only (a projection pushed down to the database) leaves
    the others at these defaults; only the selected ones may be read from such a record.
    """

    id: str
    email: str = ""
    document_type: DocumentType | None = None
    document: str | None = None
    credit_limit_cents: int = 0
    tolerance_units: int = 0
    description: str | None = None
    status: AccountStatus = AccountStatus.OPEN
    version: int = 0
    created_at_ms: int = 0
    updated_at_ms: int = 0
    last_event: AccountEvent | None = None
    balance_cents: int = 0
    held_cents: int = 0  # every hold on the account, an expired one included until it is released
    holds: tuple[Hold, ...] = ()
    holders: tuple[Holder, ...] = ()

    def held_now(self, now_ms: int) -> int:
        """heldCredit: the holds not past their expiry."""
        return sum(h.amount_cents for h in self.holds if h.expires_at_ms > now_ms)

    @property
    def fields(self) -> AccountFields:
        return AccountFields(
            email=self.email,
            document_type=self.document_type,
            document=self.document,
            credit_limit_cents=self.credit_limit_cents,
            tolerance_units=self.tolerance_units,
            description=self.description,
            status=self.status,
            holders=self.holders,
        )


class AccountOrderField(str, enum.Enum):
    CREATED_AT = "CREATED_AT"
    UPDATED_AT = "UPDATED_AT"
    EMAIL = "EMAIL"
    CREDIT_LIMIT = "CREDIT_LIMIT"


@dataclass(frozen=True)
class AccountQuery:
    """Which accounts a list asks for, and in which order, in the API's terms."""

    email: str | None = None
    document: str | None = None
    document_type: DocumentType | None = None
    status: AccountStatus | None = None
    search: str | None = None
    order_field: AccountOrderField = AccountOrderField.CREATED_AT
    descending: bool = True
