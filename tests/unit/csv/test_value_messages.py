"""What a cell parser answers for text it refuses: the message is the row error a person reads."""

from __future__ import annotations

from decimal import Decimal

import pytest

from customer_credit.csv.values import parse_amount, parse_document_type, parse_status, parse_tolerance


def refusal(parse, text: str) -> str:
    with pytest.raises(ValueError) as error:
        parse(text)
    return str(error.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("  ", "A number is required"),
        ("abc", '"abc" is not a number; write it like 1500, 1500.50 or 1.500,50'),
        ("1.50.000", '"1.50.000" is not a number: the groups between "." must have 3 digits'),
        ("1.500,50.3", '"1.500,50.3" is not a number: "." appears more than once'),
        ("1,5.5", '"1,5.5" is not a number: the groups between "," must have 3 digits, and "." must come last'),
        (
            "1,500",
            '"1,500" is ambiguous: it could be 1500 or 1.5. Write whole numbers without a thousands separator '
            "(1500) and decimals with their decimal part (1500.00 or 1.5)",
        ),
    ],
)
def test_an_amount_is_refused_with_a_message_that_quotes_it_and_says_why(text, message):
    assert refusal(parse_amount, text) == message


def test_a_tolerance_is_refused_with_its_own_examples():
    assert refusal(parse_tolerance, "five") == '"five" is not a number; write it like 0.05 or 5%'
    assert refusal(parse_tolerance, "five%") == '"five" is not a number; write it like 0.05 or 5%'


@pytest.mark.parametrize("text", ["R$ 5%", "$5%", "R$ 0.05"])
def test_a_tolerance_in_currency_is_not_a_tolerance(text):
    assert "is not a number" in refusal(parse_tolerance, text)


def test_a_number_of_64_characters_is_read_and_one_of_65_is_too_long():
    assert parse_amount("1" * 64) == Decimal("1" * 64)
    assert refusal(parse_amount, "1" * 65) == "The number is too long"


def test_the_length_limit_applies_to_the_text_without_surrounding_spaces():
    assert parse_amount(" " * 10 + "1" * 64 + " " * 10) == Decimal("1" * 64)


def test_a_status_is_refused_with_the_words_it_accepts():
    assert refusal(parse_status, "Ativa") == '"Ativa" is not a status; write Open or Closed (Aberta or Fechada)'


def test_a_document_type_is_refused_with_the_words_it_accepts():
    assert refusal(parse_document_type, " RG ") == '"RG" is not a document type; write CPF, CNPJ or Other'


def test_a_refused_cell_of_40_characters_is_quoted_whole():
    text = "x" * 40

    assert refusal(parse_status, text).startswith(f'"{text}" is not a status')


def test_a_longer_refused_cell_is_quoted_cut_to_40_characters():
    text = "y" * 40 + "z"

    assert refusal(parse_document_type, text).startswith('"' + "y" * 40 + '…" is not a document type')


@pytest.mark.parametrize("parser", [parse_amount, parse_tolerance, parse_status, parse_document_type])
@pytest.mark.parametrize("text", ["", "1.2.3", "1.5,5", "1,500", "1.500,50.3", "x" * 70])
def test_a_refusal_always_says_what_is_wrong(parser, text):
    message = refusal(parser, text)

    assert message and "None" not in message
