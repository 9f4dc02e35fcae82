"""One CSV row -> one account request, through the same domain rules as the API.

Cells are parsed here (numbers, status words, document types); everything
else (email syntax, check digits, ranges) is `domain.validate_request`'s job,
so a row and an `openOrChangeAccount` call can never disagree.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from customer_credit.csv.columns import Column, HeaderMap
from customer_credit.csv.values import CellError, parse_amount, parse_document_type, parse_status, parse_tolerance
from customer_credit.csv.writer import FORMULA_PREFIXES
from customer_credit.domain.accounts import AccountRequest, AccountStatus
from customer_credit.domain.messages import Message, message


class ImportRowErrorCode(str, enum.Enum):
    """Every AccountErrorCode (a row goes through the same rules), then the codes only a file can
    produce. tests/unit/csv/test_rows.py keeps the first part in step with AccountErrorCode."""

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
    ACCOUNT_EXISTS = "ACCOUNT_EXISTS"
    DUPLICATE_IN_FILE = "DUPLICATE_IN_FILE"
    INVALID_STATUS = "INVALID_STATUS"
    MALFORMED_ROW = "MALFORMED_ROW"
    INVOICE_NOT_OPEN = "INVOICE_NOT_OPEN"
    INVOICE_PAID = "INVOICE_PAID"


# The codes of an invoice row that payInvoice and cancelInvoice answer (the same rules).
INVOICE_CODES = (ImportRowErrorCode.INVOICE_NOT_OPEN, ImportRowErrorCode.INVOICE_PAID)
FILE_ONLY_CODES = (
    ImportRowErrorCode.ACCOUNT_EXISTS,
    ImportRowErrorCode.DUPLICATE_IN_FILE,
    ImportRowErrorCode.INVALID_STATUS,
    ImportRowErrorCode.MALFORMED_ROW,
)


FIELD_COLUMNS = {
    "id": Column.ID,
    "email": Column.EMAIL,
    "document": Column.DOCUMENT,
    "documentType": Column.DOCUMENT_TYPE,
    "creditLimit": Column.CREDIT_LIMIT,
    "tolerance": Column.TOLERANCE,
    "status": Column.STATUS,
    "description": Column.DESCRIPTION,
}


@dataclass(frozen=True)
class RowError:
    row: int
    column: str | None
    code: ImportRowErrorCode
    message: Message
    account_id: str | None = None


@dataclass
class RowCommand:
    """A parsed row: what it asks for, or why it cannot be applied."""

    row: int
    account_id: str | None
    request: AccountRequest
    errors: list[RowError] = field(default_factory=list)

    def fail(self, column: str | None, code: ImportRowErrorCode, text: Message, account_id: str | None = None) -> None:
        self.errors.append(RowError(self.row, column, code, text, account_id))


def unquote_cell(text: str) -> str:
    """Undo `safe_cell`: an exported `'=...` (or `'+`, `'-`, `'@`) is read back as `=...`."""
    return text[1:] if text[:1] == "'" and text[1:].startswith(FORMULA_PREFIXES) else text


def cell(cells: tuple[str, ...], header: HeaderMap, column: Column) -> str | None:
    """The cell's text, stripped and without the quote `safe_cell` puts before a formula
    character (so an export imports back unchanged); None when blank or absent."""
    index = header.columns.get(column)
    if index is None or index >= len(cells):
        return None
    text = unquote_cell(cells[index].strip())
    return text or None


def map_row(row: int, cells: tuple[str, ...], header: HeaderMap) -> RowCommand:
    width = len(header.headers)
    extra = cells[width:]
    request_values: dict[str, Any] = {}
    command = RowCommand(row=row, account_id=cell(cells, header, Column.ID), request=AccountRequest())
    if any(value.strip() for value in extra):
        command.fail(
            None, ImportRowErrorCode.MALFORMED_ROW, message("MALFORMED_ROW.cells", cells=len(cells), width=width)
        )
        return command

    parsers = (
        (Column.CREDIT_LIMIT, "credit_limit", parse_amount, ImportRowErrorCode.INVALID_CREDIT_LIMIT),
        (Column.TOLERANCE, "tolerance", parse_tolerance, ImportRowErrorCode.INVALID_TOLERANCE),
        (Column.DOCUMENT_TYPE, "document_type", parse_document_type, ImportRowErrorCode.INVALID_DOCUMENT_TYPE),
    )
    for column, name, parse, code in parsers:
        text = cell(cells, header, column)
        if text is None:
            continue
        try:
            request_values[name] = parse(text)
        except CellError as exc:
            command.fail(header.label(column), code, exc.message)

    close = False
    status = cell(cells, header, Column.STATUS)
    if status is not None:
        try:
            close = parse_status(status) is AccountStatus.CLOSED
        except CellError as exc:
            command.fail(header.label(Column.STATUS), ImportRowErrorCode.INVALID_STATUS, exc.message)

    command.request = AccountRequest(
        email=cell(cells, header, Column.EMAIL),
        document=cell(cells, header, Column.DOCUMENT),
        description=cell(cells, header, Column.DESCRIPTION),
        close=close,
        **request_values,
    )
    return command


def column_label(header: HeaderMap, field_name: str | None) -> str | None:
    """The header as written in the file for a domain field name (`creditLimit` -> `Limite de Crédito`)."""
    column = FIELD_COLUMNS.get(field_name or "")
    if column is None or column not in header.columns:
        return None
    return header.label(column)
