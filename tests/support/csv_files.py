"""CSV files built from rows, as a spreadsheet writes them (fields quoted only when needed)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# The import template's columns, in its order.
HEADER = ("Id", "Email", "Document", "Document Type", "Credit Limit", "Tolerance", "Status", "Description")


def csv_text(
    rows: Iterable[Sequence[str]],
    header: Sequence[str] | None = HEADER,
    *,
    delimiter: str = ",",
    line_end: str = "\r\n",
) -> str:
    """The rows under `header` (none when None)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=line_end)
    if header is not None:
        writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def csv_file(
    rows: Iterable[Sequence[str]],
    header: Sequence[str] | None = HEADER,
    *,
    delimiter: str = ",",
    encoding: str = "utf-8",
    line_end: str = "\r\n",
) -> bytes:
    return csv_text(rows, header, delimiter=delimiter, line_end=line_end).encode(encoding)


def row(
    id: str = "",
    email: str = "",
    document: str = "",
    document_type: str = "",
    credit_limit: str = "",
    tolerance: str = "",
    status: str = "",
    description: str = "",
) -> tuple[str, ...]:
    """A row in the template's column order."""
    return (id, email, document, document_type, credit_limit, tolerance, status, description)


def accounts_with_a_bad_email(rows: int, bad_row_index: int, prefix: str) -> bytes:
    """A CREATE file of `rows` accounts whose row `bad_row_index` (0-based) has a bad email."""
    return csv_file(
        (
            (
                "not-an-email" if i == bad_row_index else f"{prefix}-{i:04d}@example.com",
                "",
                "",
                f"{100 + i}.00",
                "5%",
                "importada",
            )
            for i in range(rows)
        ),
        ("Email", "Document", "Document Type", "Credit Limit", "Tolerance", "Description"),
        line_end="\n",
    )


@dataclass(frozen=True)
class PlantedFile:
    """A CREATE file of `rows` data rows, some of them bad on purpose: an invalid email every
    `invalid_every` rows, and every `duplicate_every` rows the first row's email again (in another
    case), which is DUPLICATE_IN_FILE however far apart the rows are (a resumed run must rebuild
    what it had seen before the interruption). A third of the rows carry an Id; the others get
    one generated from (run, row)."""

    content: bytes
    rows: int
    invalid: int
    emails: frozenset[str]

    @property
    def valid(self) -> int:
        return self.rows - self.invalid


def planted_create_file(rows: int, tag: str, *, invalid_every: int = 50, duplicate_every: int = 173) -> PlantedFile:
    lines, emails, invalid = [], set(), 0
    for i in range(rows):
        if i % invalid_every == invalid_every - 1:
            lines.append(["", f"{tag}-bad-{i}", "100"])
            invalid += 1
        elif i % duplicate_every == duplicate_every - 1:
            lines.append(["", f"{tag}-0@EXAMPLE.com".upper(), "100"])
            invalid += 1
        else:
            email = f"{tag}-{i}@example.com"
            lines.append([f"{tag}-{i}" if i % 3 == 0 else "", email, "100"])
            emails.add(email)
    return PlantedFile(csv_file(lines, ["Id", "Email", "Credit Limit"]), rows, invalid, frozenset(emails))
