"""One CSV row becomes one account request: cells read by the header, parsed, and every bad cell
reported under its column as the file names it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from customer_credit.csv.columns import TEMPLATE_HEADER, map_header
from customer_credit.csv.rows import ImportRowErrorCode, RowCommand, RowError, column_label, map_row, unquote_cell
from customer_credit.domain.accounts import AccountRequest, DocumentType
from customer_credit.domain.messages import message

HEADER = map_header(list(TEMPLATE_HEADER), required=())
PORTUGUESE = map_header(
    ["Identificador", "E-mail", "Tipo de Documento", "Limite de Crédito", "Tolerância", "Situação"], required=()
)


def test_a_full_row_becomes_the_request_it_spells():
    row = ("acc-1", " ana@example.com ", "529.982.247-25", "cpf", "1.500,00", "5%", "Fechada", "VIP")

    command = map_row(7, row, HEADER)

    assert command == RowCommand(
        row=7,
        account_id="acc-1",
        request=AccountRequest(
            email="ana@example.com",
            document_type=DocumentType.CPF,
            document="529.982.247-25",
            credit_limit=Decimal("1500.00"),
            tolerance=Decimal("0.05"),
            description="VIP",
            close=True,
        ),
    )


def test_blank_and_missing_cells_ask_for_nothing():
    command = map_row(2, ("acc-1", "  ", ""), HEADER)

    assert command == RowCommand(row=2, account_id="acc-1", request=AccountRequest())


def test_status_open_does_not_close():
    assert map_row(2, ("acc-1", "", "", "", "", "", "Aberta", ""), HEADER).request.close is False


def test_blank_cells_after_the_header_are_ignored():
    command = map_row(2, ("acc-1", "ana@example.com", "", "", "", "", "", "", " ", ""), HEADER)

    assert command.errors == []
    assert command.request == AccountRequest(email="ana@example.com")


def test_a_row_with_more_filled_cells_than_the_header_is_malformed():
    command = map_row(4, ("acc-1", "ana@example.com", "", "", "", "", "", "", "", "stray"), HEADER)

    assert command == RowCommand(
        row=4,
        account_id="acc-1",
        request=AccountRequest(),
        errors=[RowError(4, None, ImportRowErrorCode.MALFORMED_ROW, message("MALFORMED_ROW.cells", cells=10, width=8))],
    )
    assert command.errors[0].message.english == "The row has 10 cells; the header has 8."


def test_every_bad_cell_is_reported_under_its_column_as_the_file_names_it():
    command = map_row(3, ("acc-1", "ana@example.com", "RG", "1,500", "R$ 5", "Ativa"), PORTUGUESE)

    assert [(e.row, e.column, e.code) for e in command.errors] == [
        (3, "Limite de Crédito", ImportRowErrorCode.INVALID_CREDIT_LIMIT),
        (3, "Tolerância", ImportRowErrorCode.INVALID_TOLERANCE),
        (3, "Tipo de Documento", ImportRowErrorCode.INVALID_DOCUMENT_TYPE),
        (3, "Situação", ImportRowErrorCode.INVALID_STATUS),
    ]
    assert command.errors[0].message.english.startswith('"1,500" is ambiguous: it could be 1500 or 1.5.')
    assert command.errors[3].message.english == '"Ativa" is not a status; write Open or Closed (Aberta or Fechada)'
    assert all(e.account_id is None for e in command.errors)


def test_a_blank_number_cell_does_not_stop_the_cells_after_it_being_read():
    command = map_row(2, ("acc-1", "", "", "", "", "0,5", "", ""), HEADER)

    assert command.request == AccountRequest(tolerance=Decimal("0.5"))


def test_the_cells_that_parse_are_still_asked_for_beside_the_bad_ones():
    command = map_row(3, ("acc-1", "ana@example.com", "RG", "10", "0.1", "Fechada"), PORTUGUESE)

    assert command.request == AccountRequest(
        email="ana@example.com", credit_limit=Decimal("10"), tolerance=Decimal("0.1"), close=True
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [("'=SUM(A1)", "=SUM(A1)"), ("'+55", "+55"), ("'-5", "-5"), ("'@x", "@x"), ("'abc", "'abc"), ("'", "'")],
)
def test_the_quote_an_export_puts_before_a_formula_character_is_removed(text, expected):
    assert unquote_cell(text) == expected


def test_a_quoted_formula_cell_reads_back_as_written_before_export():
    command = map_row(2, ("acc-1", "", "", "", "", "", "", "  '=1+1  "), HEADER)

    assert command.request.description == "=1+1"


@pytest.mark.parametrize(
    ("field", "label"),
    [("creditLimit", "Limite de Crédito"), ("id", "Identificador"), ("email", None), ("note", None), (None, None)],
)
def test_a_domain_field_is_named_by_its_header_in_the_file_or_not_at_all(field, label):
    header = map_header(["Identificador", "Limite de Crédito"], required=())

    assert column_label(header, field) == label
