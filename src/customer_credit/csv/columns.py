"""The import's columns and how a file's header row maps onto them."""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from customer_credit.csv.errors import CsvFileError, ImportCsvErrorCode
from customer_credit.domain.messages import Message, message


class Column(str, enum.Enum):
    ID = "id"
    EMAIL = "email"
    DOCUMENT = "document"
    DOCUMENT_TYPE = "document_type"
    CREDIT_LIMIT = "credit_limit"
    TOLERANCE = "tolerance"
    STATUS = "status"
    DESCRIPTION = "description"
    INVOICE_ID = "invoice_id"


TEMPLATE_HEADER: tuple[str, ...] = (
    "Id",
    "Email",
    "Document",
    "Document Type",
    "Credit Limit",
    "Tolerance",
    "Status",
    "Description",
)
EXPORT_ONLY_HEADERS: tuple[str, ...] = ("Created At", "Updated At")
# The invoice export's columns; an invoice import reads only Invoice Id and Status, and ignores the others.
INVOICE_HEADER: tuple[str, ...] = (
    "Invoice Id",
    "Account Id",
    "Email",
    "Transaction Id",
    "Order Id",
    "Installment",
    "Amount",
    "Due Date",
    "Status",
)
# The columns the error report adds after the uploaded ones: ignored on import, so that a report whose
# cells were fixed can be uploaded again as it is.
REPORT_HEADERS: tuple[str, ...] = ("Row", "Error")
# A data row whose Id starts with this is a note (the template's example row), skipped on import.
NOTE_MARK = "#"

_TEMPLATE_LABEL: dict[Column, str] = {**dict(zip(Column, TEMPLATE_HEADER)), Column.INVOICE_ID: INVOICE_HEADER[0]}


def fold(text: str) -> str:
    """Case- and accent-insensitive form of `text`, so that `Crédito`, `CREDITO` and `credito` compare equal."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().strip()


_SEPARATORS = re.compile(r"[\s_\-]+")


def _header_key(header: str) -> str:
    # Dropping separators makes `Credit Limit`, `credit_limit`, `creditLimit` and `CREDIT-LIMIT` one key.
    return _SEPARATORS.sub("", fold(header))


_ALIASES: dict[Column, tuple[str, ...]] = {
    Column.ID: ("Id", "Identifier", "Account Id", "Identificador"),
    Column.EMAIL: ("Email", "E-mail", "Email Address", "Endereço de E-mail"),
    Column.DOCUMENT: ("Document", "Documento"),
    Column.DOCUMENT_TYPE: (
        "Document Type",
        "Tipo de Documento",
        "Tipo do Documento",
        "Tipo Documento",
        "Tipo",
    ),
    Column.CREDIT_LIMIT: ("Credit Limit", "Limit", "Limite de Crédito", "Limite Crédito", "Limite"),
    Column.TOLERANCE: ("Tolerance", "Tolerância"),
    Column.STATUS: ("Status", "Situação"),
    Column.DESCRIPTION: ("Description", "Descrição"),
}
_INVOICE_ALIASES: dict[Column, tuple[str, ...]] = {
    Column.INVOICE_ID: ("Invoice Id", "Invoice", "Fatura", "Id da Fatura"),
    Column.STATUS: _ALIASES[Column.STATUS],
}
_IGNORED_KEYS = frozenset(_header_key(h) for h in (*EXPORT_ONLY_HEADERS, "Criado em", "Atualizado em"))
_REPORT_KEYS = frozenset(_header_key(h) for h in REPORT_HEADERS)


@dataclass(frozen=True)
class Vocabulary:
    """The columns one kind of import reads, by every header that names them. `strict`: any other
    header is UNKNOWN_COLUMN (an account file); else it is ignored (the invoice export's read-only
    columns)."""

    by_key: dict[str, Column]
    template: tuple[str, ...]
    strict: bool


def _vocabulary(aliases: dict[Column, tuple[str, ...]], template: tuple[str, ...], *, strict: bool) -> Vocabulary:
    by_key = {_header_key(alias): column for column, names in aliases.items() for alias in names}
    return Vocabulary(by_key=by_key, template=template, strict=strict)


ACCOUNT_COLUMNS = _vocabulary(_ALIASES, TEMPLATE_HEADER, strict=True)
INVOICE_COLUMNS = _vocabulary(_INVOICE_ALIASES, INVOICE_HEADER, strict=False)


def column_for_header(header: str, vocabulary: Vocabulary = ACCOUNT_COLUMNS) -> Column | None:
    return vocabulary.by_key.get(_header_key(header))


def is_report_header(header: str) -> bool:
    """Whether `header` is one of the columns the error report adds (`Row`, `Error`)."""
    return _header_key(header.replace("\ufeff", "")) in _REPORT_KEYS


def column_letter(index: int) -> str:
    """Spreadsheet column name (0 -> A, 26 -> AA), to point at a cell the way the user sees it."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


@dataclass(frozen=True)
class HeaderMap:
    columns: dict[Column, int]
    headers: tuple[str, ...]

    def label(self, column: Column) -> str:
        """The header as written in the file; the template's name for a column the file lacks."""
        index = self.columns.get(column)
        return _TEMPLATE_LABEL[column] if index is None else self.headers[index]

    def is_note(self, cells: tuple[str, ...]) -> bool:
        """Whether a data row is a note, as the template's example row is: its Id starts with `#`.

        No Id can (an Id is `A-Z a-z 0-9 _ -`), so no account is ever skipped this way. A note is not
        imported, counted or reported; it still takes its row number, so numbers match the spreadsheet.
        `#`, space and tab are the same bytes in every accepted encoding, so cells read as Latin-1 (while the
        encoding is not known yet) answer the same.
        """
        index = self.columns.get(Column.ID)
        return index is not None and index < len(cells) and cells[index].lstrip(" \t").startswith(NOTE_MARK)


def map_header(cells: list[str], *, required: Iterable[Column], vocabulary: Vocabulary = ACCOUNT_COLUMNS) -> HeaderMap:
    headers = [cell.replace("\ufeff", "").strip() for cell in cells]
    while headers and not headers[-1]:
        headers.pop()  # spreadsheets often save empty trailing columns

    columns: dict[Column, int] = {}
    unknown: list[Message] = []
    duplicates: list[Message] = []
    for index, header in enumerate(headers):
        where = column_letter(index)
        if not header:
            unknown.append(message("COLUMN.noHeader", column=where))
            continue
        if _header_key(header) in _IGNORED_KEYS or is_report_header(header):
            continue
        column = column_for_header(header, vocabulary)
        if column is None and not vocabulary.strict:
            continue
        if column is None:
            unknown.append(message("COLUMN.unknown", header=header, column=where))
        elif column in columns:
            first = columns[column]
            duplicates.append(
                message(
                    "COLUMN.duplicate",
                    first=headers[first],
                    first_column=column_letter(first),
                    second=header,
                    second_column=where,
                    label=_TEMPLATE_LABEL[column],
                )
            )
        else:
            columns[column] = index

    if unknown:
        key = "UNKNOWN_COLUMN.one" if len(unknown) == 1 else "UNKNOWN_COLUMN"
        raise CsvFileError(
            ImportCsvErrorCode.UNKNOWN_COLUMN,
            message(key, columns=tuple(unknown), accepted=", ".join(vocabulary.template)),
        )
    if duplicates:
        raise CsvFileError(
            ImportCsvErrorCode.DUPLICATE_COLUMN,
            message("DUPLICATE_COLUMN", columns=tuple(duplicates)),
        )
    needed = set(required)
    missing = [_TEMPLATE_LABEL[c] for c in Column if c in needed and c not in columns]
    if missing:
        names = ", ".join(f'"{name}"' for name in missing)
        key = "MISSING_REQUIRED_COLUMN.one" if len(missing) == 1 else "MISSING_REQUIRED_COLUMN"
        raise CsvFileError(ImportCsvErrorCode.MISSING_REQUIRED_COLUMN, message(key, names=names))
    return HeaderMap(columns=columns, headers=tuple(headers))
