from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from customer_credit.csv.values import (
    parse_amount,
    parse_document_type,
    parse_status,
    parse_tolerance,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1500", "1500"),
        ("1500.50", "1500.50"),
        ("1500,50", "1500.50"),
        ("1500,5", "1500.5"),
        ("1.500,50", "1500.50"),
        ("1,500.50", "1500.50"),
        ("1.234.567", "1234567"),
        ("1,234,567", "1234567"),
        ("1.234.567,89", "1234567.89"),
        ("1,234,567.89", "1234567.89"),
        ("  1500  ", "1500"),
        ("R$ 1.500,00", "1500.00"),
        ("R$1500", "1500"),
        ("R$\u00a01.500,00", "1500.00"),
        ("r$ 10", "10"),
        ("$1,500.50", "1500.50"),
        ("-1500", "-1500"),
        ("-R$ 1.500,00", "-1500.00"),
        ("R$ -10", "-10"),
        ("0", "0"),
        ("0.00", "0.00"),
        ("1,5000", "1.5000"),
        ("1000000000.00", "1000000000.00"),
    ],
)
def test_amount_formats(text, expected):
    result = parse_amount(text)
    assert str(result) == expected


def test_amount_keeps_its_decimal_places():
    assert parse_amount("1500.505").as_tuple().exponent == -3


def test_negative_zero_is_zero():
    assert str(parse_amount("-0,00")) == "0.00"


@pytest.mark.parametrize("text", ["0,055", "0.500"])
def test_zero_whole_part_with_three_decimals_is_not_ambiguous(text):
    assert parse_amount(text) == Decimal(text.replace(",", "."))


def test_separator_after_more_than_three_digits_is_a_decimal_mark():
    assert parse_amount("1500,500") == Decimal("1500.5")


@pytest.mark.parametrize("text", ["1,500", "1.500", "12,345", "999.999", "-1,500", "R$ 1.500"])
def test_single_separator_before_three_digits_is_ambiguous(text):
    with pytest.raises(ValueError, match="ambiguous"):
        parse_amount(text)


@pytest.mark.parametrize("text", ["1.500.00,5", "1,500.50.3", "1,5.5", "1.500,50,1"])
def test_separators_in_the_wrong_order_are_rejected(text):
    with pytest.raises(ValueError):
        parse_amount(text)


@pytest.mark.parametrize("text", ["1.50.000", "1,50,000", "12.34.567", "1234.567.890", "0.500.000"])
def test_group_sizes_other_than_three_are_rejected(text):
    with pytest.raises(ValueError, match="3 digits"):
        parse_amount(text)


@pytest.mark.parametrize(
    "text",
    [
        "NaN",
        "nan",
        "sNaN",
        "Infinity",
        "-Infinity",
        "inf",
        "1e5",
        "1E5",
        "1.5e3",
        "0x10",
        "",
        "   ",
        "abc",
        "1 500",
        "+5",
        "--5",
        "1.",
        ".5",
        ",5",
        "R$",
        "5%",
        "1_000",
        "\u0663",
        "１２",
    ],
)
def test_not_a_number_is_rejected(text):
    with pytest.raises(ValueError):
        parse_amount(text)


def test_very_long_number_is_rejected():
    with pytest.raises(ValueError, match="too long"):
        parse_amount("1" * 100)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0.05", "0.05"),
        ("0,05", "0.05"),
        ("5%", "0.05"),
        ("5 %", "0.05"),
        ("5,5 %", "0.055"),
        ("5.5%", "0.055"),
        ("0%", "0"),
        ("100%", "1"),
        ("0.0525", "0.0525"),
        ("1", "1"),
    ],
)
def test_tolerance_formats(text, expected):
    assert parse_tolerance(text) == Decimal(expected)


def test_tolerance_percent_is_exact():
    assert str(parse_tolerance("5%")) == "0.05"
    assert parse_tolerance("5%") == Decimal("5") / 100


@pytest.mark.parametrize("text", ["R$ 5", "5%%", "%", "", "five", "1,500%", "5e-2"])
def test_bad_tolerance_is_rejected(text):
    with pytest.raises(ValueError):
        parse_tolerance(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Open", "OPEN"),
        ("OPEN", "OPEN"),
        (" open ", "OPEN"),
        ("Aberta", "OPEN"),
        ("ABERTO", "OPEN"),
        ("Closed", "CLOSED"),
        ("closed", "CLOSED"),
        ("Fechada", "CLOSED"),
        ("fechado", "CLOSED"),
    ],
)
def test_status_spellings(text, expected):
    assert parse_status(text) == expected


@pytest.mark.parametrize("text", ["", "Ativa", "Opened", "Close", "1"])
def test_unknown_status_is_rejected(text):
    with pytest.raises(ValueError, match="Open or Closed"):
        parse_status(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("CPF", "CPF"), ("cpf", "CPF"), ("Cnpj", "CNPJ"), ("Other", "OTHER"), ("OUTRO", "OTHER"), (" outro ", "OTHER")],
)
def test_document_type_spellings(text, expected):
    assert parse_document_type(text) == expected


@pytest.mark.parametrize("text", ["", "RG", "C.P.F."])
def test_unknown_document_type_is_rejected(text):
    with pytest.raises(ValueError, match="CPF, CNPJ or Other"):
        parse_document_type(text)


@given(
    st.sampled_from([0, 1, 2]).flatmap(
        lambda places: st.decimals(min_value=0, max_value=10**12, places=places, allow_nan=False)
    )
)
def test_amount_round_trips_its_own_text(value):
    parsed = parse_amount(str(value))
    assert parsed == value
    assert str(parsed) == str(value)


@given(st.text())
@pytest.mark.parametrize("parser", [parse_amount, parse_tolerance, parse_status, parse_document_type])
def test_parsers_only_raise_value_error(parser, text):
    try:
        result = parser(text)
    except ValueError as exc:
        assert str(exc)
    else:
        assert isinstance(result, (Decimal, str))


@given(st.text(alphabet="0123456789.,-R$% ", max_size=20))
@pytest.mark.parametrize("parser", [parse_amount, parse_tolerance])
def test_number_parsers_only_raise_value_error_on_number_like_text(parser, text):
    try:
        assert isinstance(parser(text), Decimal)
    except ValueError:
        pass
