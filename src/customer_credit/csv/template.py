"""The downloadable CSV template: the header and one example row."""

from __future__ import annotations

import csv
import io

from customer_credit.csv.columns import TEMPLATE_HEADER

EXAMPLE_ROW = ("", "maria.silva@example.com", "529.982.247-25", "CPF", "1500.00", "0.05", "Open", "Example account")


def template_csv() -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(TEMPLATE_HEADER)
    writer.writerow(EXAMPLE_ROW)
    return buffer.getvalue().encode("utf-8")
