"""File-level import errors: the whole file is rejected before any row is applied."""

from __future__ import annotations

import enum

from customer_credit.domain.messages import Message


class ImportCsvErrorCode(str, enum.Enum):
    EMPTY_FILE = "EMPTY_FILE"
    NOT_CSV = "NOT_CSV"
    ENCODING = "ENCODING"
    TOO_LARGE = "TOO_LARGE"
    TOO_MANY_ROWS = "TOO_MANY_ROWS"
    MISSING_REQUIRED_COLUMN = "MISSING_REQUIRED_COLUMN"
    UNKNOWN_COLUMN = "UNKNOWN_COLUMN"
    DUPLICATE_COLUMN = "DUPLICATE_COLUMN"
    UNSUPPORTED_MODE = "UNSUPPORTED_MODE"


class CsvFileError(Exception):
    """Raised for a file that cannot be imported at all; `message` is shown to the user, in their language."""

    def __init__(self, code: ImportCsvErrorCode, message: Message) -> None:
        super().__init__(message.english)
        self.code = code
        self.message = message

    def __repr__(self) -> str:
        return f"CsvFileError({self.code.value}, {self.message.english!r})"
