"""The header row's edges: a byte-order mark, report and export columns before real ones, and
messages that name one column or several."""

from __future__ import annotations

import pytest

from customer_credit.csv.columns import Column, is_report_header, map_header
from customer_credit.csv.errors import CsvFileError


def header_error(cells: list[str], required: tuple[Column, ...] = ()) -> str:
    with pytest.raises(CsvFileError) as error:
        map_header(cells, required=required)
    return error.value.message.english


def test_a_byte_order_mark_before_the_first_header_is_not_part_of_it():
    header = map_header(["\ufeffId", "Email"], required=())

    assert header.columns == {Column.ID: 0, Column.EMAIL: 1}
    assert header.headers == ("Id", "Email")


def test_a_report_column_with_a_byte_order_mark_is_still_a_report_column():
    assert is_report_header("\ufeffRow")


@pytest.mark.parametrize("ignored", ["Created At", "Row", "Error"])
def test_columns_after_an_ignored_one_are_still_read(ignored):
    assert map_header(["Id", ignored, "Email"], required=()).columns == {Column.ID: 0, Column.EMAIL: 2}


def test_one_unknown_column_is_named_in_the_singular():
    assert header_error(["Id", "Phone"]).startswith('Unknown column: "Phone" (column B). The accepted columns are ')


def test_several_unknown_columns_are_named_in_the_plural():
    assert header_error(["Phone", "Fax"]).startswith('Unknown columns: "Phone" (column A); "Fax" (column B).')


def test_one_missing_required_column_is_named_in_the_singular():
    assert header_error(["Email"], (Column.ID,)) == 'The required column is missing from the header row: "Id".'


def test_several_missing_required_columns_are_named_in_the_plural():
    assert header_error(["Status"], (Column.ID, Column.EMAIL)) == (
        'The required columns are missing from the header row: "Id", "Email".'
    )


def test_a_row_is_a_note_when_its_id_starts_with_a_hash_after_spaces_and_tabs_only():
    header = map_header(["Id", "Email"], required=())

    assert header.is_note((" \t# example", ""))
    assert not header.is_note(("X#1", ""))
