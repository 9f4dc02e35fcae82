"""CSV written back to people: the error report (and exports) are safe to open in a spreadsheet.

Both start with a UTF-8 byte-order mark, which is how Excel knows the file is UTF-8 (accents included)."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Iterable

from customer_credit.csv.columns import REPORT_HEADERS, is_report_header
from customer_credit.domain.imports import ImportRowError
from customer_credit.domain.messages import DEFAULT_LANGUAGE, Language

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(text: str | None) -> str:
    """Neutralise formula injection: a cell a spreadsheet would evaluate gets a leading quote."""
    if not text:
        return ""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def csv_line(cells: Iterable[str | None], delimiter: str = ",") -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerow([safe_cell(c) for c in cells])
    return buffer.getvalue()


async def error_report(
    header: tuple[str, ...],
    errors: AsyncIterator[ImportRowError],
    *,
    delimiter: str = ",",
    language: Language = DEFAULT_LANGUAGE,
) -> AsyncIterator[bytes]:
    """The failed rows as uploaded, plus `Row` and `Error` (all of the row's messages, in `language`), streamed.

    Written with the upload's delimiter, so that the spreadsheet that saved the file (Excel in
    Brazil saves `;`) opens the report in columns; the importer ignores `Row` and `Error`, so the
    report, once its cells are fixed, can be uploaded again as it is. The `Row` and `Error` of an
    uploaded report are left out: the new ones replace them."""
    kept = tuple(index for index, name in enumerate(header) if not is_report_header(name))
    yield ("\ufeff" + csv_line([*(header[i] for i in kept), *REPORT_HEADERS], delimiter)).encode("utf-8")
    row: int | None = None
    cells: tuple[str, ...] = ()
    messages: list[str] = []
    async for error in errors:
        if error.row != row:
            if row is not None:
                yield report_line(kept, len(header), cells, row, messages, delimiter)
            row, cells, messages = error.row, error.cells or (), []
        text = error.message.render(language)
        messages.append(f"{error.column}: {text}" if error.column else text)
    if row is not None:
        yield report_line(kept, len(header), cells, row, messages, delimiter)


def report_line(
    kept: tuple[int, ...], width: int, cells: tuple[str, ...], row: int, messages: list[str], delimiter: str
) -> bytes:
    """The row's cells under their headers (the `kept` ones of the `width` the header has), then Row and
    Error; cells beyond the header (a malformed row) follow, so that nothing the user uploaded is lost."""
    line = [cells[i] if i < len(cells) else "" for i in kept] + [str(row), " | ".join(messages)] + list(cells[width:])
    return csv_line(line, delimiter).encode("utf-8")
