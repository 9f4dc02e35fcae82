import pytest

from customer_credit.csv.columns import (
    EXPORT_ONLY_HEADERS,
    TEMPLATE_HEADER,
    Column,
    column_for_header,
    map_header,
)
from customer_credit.csv.errors import CsvFileError, ImportCsvErrorCode


@pytest.mark.parametrize(
    ("header", "column"),
    [
        ("Id", Column.ID),
        ("ID", Column.ID),
        ("id", Column.ID),
        ("Email", Column.EMAIL),
        ("E-mail", Column.EMAIL),
        ("e_mail", Column.EMAIL),
        ("EMAIL", Column.EMAIL),
        ("Document", Column.DOCUMENT),
        ("Documento", Column.DOCUMENT),
        ("Document Type", Column.DOCUMENT_TYPE),
        ("documentType", Column.DOCUMENT_TYPE),
        ("document_type", Column.DOCUMENT_TYPE),
        ("Tipo de Documento", Column.DOCUMENT_TYPE),
        ("Tipo", Column.DOCUMENT_TYPE),
        ("Credit Limit", Column.CREDIT_LIMIT),
        ("creditLimit", Column.CREDIT_LIMIT),
        ("credit_limit", Column.CREDIT_LIMIT),
        ("CREDIT-LIMIT", Column.CREDIT_LIMIT),
        ("Limite de Crédito", Column.CREDIT_LIMIT),
        ("LIMITE DE CREDITO", Column.CREDIT_LIMIT),
        ("Limite", Column.CREDIT_LIMIT),
        ("Tolerance", Column.TOLERANCE),
        ("Tolerância", Column.TOLERANCE),
        ("tolerancia", Column.TOLERANCE),
        ("Status", Column.STATUS),
        ("STATUS", Column.STATUS),
        ("Description", Column.DESCRIPTION),
        ("Descrição", Column.DESCRIPTION),
        ("DESCRICAO", Column.DESCRIPTION),
        ("  Email  ", Column.EMAIL),
        ("Limite\u00a0de\u00a0Crédito", Column.CREDIT_LIMIT),
    ],
)
def test_header_spelling_maps_to_column(header, column):
    assert column_for_header(header) is column


def test_decomposed_accents_match_like_composed_ones():
    assert column_for_header("Descric\u0327a\u0303o") is Column.DESCRIPTION


@pytest.mark.parametrize("header", ["", "   ", "Foo", "Email Addr", "\x00", "Créd"])
def test_unknown_header_maps_to_none(header):
    assert column_for_header(header) is None


def test_template_header_maps_every_column_in_order():
    header = map_header(list(TEMPLATE_HEADER), required=[Column.EMAIL])
    assert header.columns == {column: index for index, column in enumerate(Column) if column is not Column.INVOICE_ID}
    assert header.headers == TEMPLATE_HEADER


def test_label_is_the_header_as_written():
    header = map_header([" E-mail ", "Limite de Crédito"], required=[])
    assert header.label(Column.EMAIL) == "E-mail"
    assert header.label(Column.CREDIT_LIMIT) == "Limite de Crédito"


def test_label_of_absent_column_is_the_template_name():
    header = map_header(["Email"], required=[])
    assert header.label(Column.DOCUMENT_TYPE) == "Document Type"


def test_export_only_headers_are_ignored():
    header = map_header([*TEMPLATE_HEADER, *EXPORT_ONLY_HEADERS], required=[Column.EMAIL])
    assert len(header.columns) == len(TEMPLATE_HEADER)
    assert header.headers[-2:] == EXPORT_ONLY_HEADERS


def test_trailing_blank_header_cells_are_ignored():
    header = map_header(["Email", "Id", "", "  "], required=[Column.EMAIL])
    assert header.columns == {Column.EMAIL: 0, Column.ID: 1}
    assert header.headers == ("Email", "Id")


def test_blank_header_cell_between_columns_is_unknown_column():
    with pytest.raises(CsvFileError) as caught:
        map_header(["Email", "", "Id"], required=[])
    assert caught.value.code is ImportCsvErrorCode.UNKNOWN_COLUMN
    assert "column B has no header" in caught.value.message.english


def test_unknown_column_names_the_header_as_written():
    with pytest.raises(CsvFileError) as caught:
        map_header(["Email", "Apelido"], required=[Column.EMAIL])
    assert caught.value.code is ImportCsvErrorCode.UNKNOWN_COLUMN
    assert '"Apelido" (column B)' in caught.value.message.english


def test_unknown_columns_are_all_named():
    with pytest.raises(CsvFileError) as caught:
        map_header(["Foo", "Email", "Bar"], required=[])
    assert '"Foo"' in caught.value.message.english and '"Bar"' in caught.value.message.english


def test_duplicate_column_names_both_spellings():
    with pytest.raises(CsvFileError) as caught:
        map_header(["Email", "Id", "E-mail"], required=[Column.EMAIL])
    assert caught.value.code is ImportCsvErrorCode.DUPLICATE_COLUMN
    assert '"Email" (column A)' in caught.value.message.english
    assert '"E-mail" (column C)' in caught.value.message.english


def test_missing_required_column_names_it():
    with pytest.raises(CsvFileError) as caught:
        map_header(["Id", "Credit Limit"], required=[Column.EMAIL])
    assert caught.value.code is ImportCsvErrorCode.MISSING_REQUIRED_COLUMN
    assert '"Email"' in caught.value.message.english


def test_required_columns_may_be_a_one_shot_iterator():
    with pytest.raises(CsvFileError) as caught:
        map_header(["Id"], required=iter([Column.ID, Column.EMAIL]))
    assert caught.value.code is ImportCsvErrorCode.MISSING_REQUIRED_COLUMN


def test_unknown_column_is_reported_before_missing_column():
    with pytest.raises(CsvFileError) as caught:
        map_header(["Emial"], required=[Column.EMAIL])
    assert caught.value.code is ImportCsvErrorCode.UNKNOWN_COLUMN


def test_column_letters_go_past_z():
    cells = ["Email", *[""] * 26, "Foo"]
    with pytest.raises(CsvFileError) as caught:
        map_header(cells, required=[])
    assert '"Foo" (column AB)' in caught.value.message.english
