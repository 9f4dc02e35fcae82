"""The downloadable CSV template: the header and one example row that teaches without writing data.

The example row's Id starts with `#`, which makes it a note (`HeaderMap.is_note`): the importer skips
it without counting or reporting it, so a template uploaded as downloaded imports nothing (EMPTY_FILE,
with a message that says why), and one filled in below the example imports only the rows written there.
"""

from __future__ import annotations

import csv
import io

from customer_credit.csv.columns import NOTE_MARK, TEMPLATE_HEADER

EXAMPLE_ROW = (
    f"{NOTE_MARK}example",
    "exemplo@example.com",
    "390.533.447-05",
    "CPF",
    "1500.00",
    "0.05",
    "Open",
    f"Example row, skipped on import because its Id starts with {NOTE_MARK}. Write one account per row below it;"
    " only Email is required, a blank Id is generated.",
)


def template_csv() -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(TEMPLATE_HEADER)
    writer.writerow(EXAMPLE_ROW)
    return buffer.getvalue().encode("utf-8")
