"""CSV written back to people: the error report (and exports) are safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Iterable

from customer_credit.domain.imports import ImportRowError

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(text: str | None) -> str:
    """Neutralise formula injection: a cell a spreadsheet would evaluate gets a leading quote."""
    if not text:
        return ""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def csv_line(cells: Iterable[str | None]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow([safe_cell(c) for c in cells])
    return buffer.getvalue()


async def error_report(header: tuple[str, ...], errors: AsyncIterator[ImportRowError]) -> AsyncIterator[bytes]:
    """The failed rows as uploaded, plus `Row` and `Error` (all of the row's messages), streamed."""
    yield ("\ufeff" + csv_line([*header, "Row", "Error"])).encode("utf-8")
    row: int | None = None
    cells: tuple[str, ...] = ()
    messages: list[str] = []
    async for error in errors:
        if error.row != row:
            if row is not None:
                yield report_line(header, cells, row, messages)
            row, cells, messages = error.row, error.cells or (), []
        messages.append(f"{error.column}: {error.message}" if error.column else error.message)
    if row is not None:
        yield report_line(header, cells, row, messages)


def report_line(header: tuple[str, ...], cells: tuple[str, ...], row: int, messages: list[str]) -> bytes:
    """The row's cells under their headers, then Row and Error; cells beyond the header (a malformed
    row) follow, so that nothing the user uploaded is lost from the report."""
    width = len(header)
    return csv_line(padded(cells, width) + [str(row), " | ".join(messages)] + list(cells[width:])).encode("utf-8")


def padded(cells: tuple[str, ...], width: int) -> list[str]:
    return list(cells[:width]) + [""] * (width - len(cells))
