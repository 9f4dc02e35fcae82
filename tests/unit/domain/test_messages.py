"""The message catalog: every error code of every enum has a text in English and in Brazilian
Portuguese (so none can be missing), both texts of a key take the same parameters, and messages
render, store and load back in either language."""

from __future__ import annotations

import string
from decimal import Decimal

import pytest

from customer_credit.csv.errors import ImportCsvErrorCode
from customer_credit.csv.rows import ImportRowErrorCode
from customer_credit.domain.credit import CreditErrorCode
from customer_credit.domain.errors import AccountErrorCode
from customer_credit.domain.messages import CATALOG, Language, Message, message, verbatim
from customer_credit.http.rest.errors import ERROR_CODES

ERROR_ENUMS = (AccountErrorCode, CreditErrorCode, ImportRowErrorCode, ImportCsvErrorCode)
# The codes of GraphQL top-level errors the service raises with a message of its own.
REQUEST_CODES = ("FORBIDDEN", "TRY_AGAIN", "INVALID_CURSOR", "PAGE_SIZE", "BAD_USER_INPUT")
# Parameters that are English text (the email validator's reason): the Portuguese text leaves them out.
ENGLISH_ONLY_PARAMETERS = {"INVALID_EMAIL.reason": {"reason"}}


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize(
    "code",
    sorted({code.value for enum in ERROR_ENUMS for code in enum} | set(ERROR_CODES) | set(REQUEST_CODES)),
)
def test_every_code_has_an_english_and_a_portuguese_message(code):
    english, portuguese = CATALOG[code]

    assert english.strip() and portuguese.strip()
    assert english != portuguese


@pytest.mark.parametrize("key", sorted(CATALOG))
def test_both_texts_of_a_key_take_the_same_parameters(key):
    english, portuguese = CATALOG[key]

    assert english.strip() and portuguese.strip()
    assert placeholders(english) - ENGLISH_ONLY_PARAMETERS.get(key, set()) == placeholders(portuguese)


def test_a_message_renders_in_either_language_with_numbers_as_each_writes_them():
    text = message("INSUFFICIENT_CREDIT", amount=Decimal("1500.00"), available=Decimal("12.5"))

    assert text.render(Language.EN) == "The amount 1500.00 is more than the available credit 12.5."
    assert text.render(Language.PT_BR) == "O valor 1500,00 é maior que o crédito disponível, 12,5."
    assert text.english == text.render(Language.EN)


def test_grouped_numbers_use_each_language_s_separators():
    text = message("TOO_MANY_ROWS", max=100_000)

    assert text.render(Language.EN) == "The file has more than 100,000 data rows; split it into smaller files."
    assert text.render(Language.PT_BR).startswith("O arquivo tem mais de 100.000 linhas de dados")


def test_nested_messages_render_in_the_same_language():
    text = message("UNKNOWN_COLUMN", columns=(message("COLUMN.unknown", header="Apelido", column="B"),), accepted="Id")

    assert '"Apelido" (column B)' in text.render(Language.EN)
    assert '"Apelido" (coluna B)' in text.render(Language.PT_BR)


def test_a_stored_message_loads_back_equal():
    text = message(
        "UNKNOWN_COLUMN",
        columns=(message("COLUMN.noHeader", column="C"),),
        accepted="Id, Email",
    )
    amount = message("AMOUNT_EXCEEDS_AUTHORIZATION", authorized=Decimal("10.50"))

    assert Message.from_stored(text.stored()) == text
    assert Message.from_stored(amount.stored()) == amount


def test_a_verbatim_text_is_the_same_in_every_language():
    text = verbatim("Written before messages had keys.")

    assert text.render(Language.EN) == text.render(Language.PT_BR) == "Written before messages had keys."


def test_an_unknown_key_is_refused():
    with pytest.raises(KeyError):
        message("NO_SUCH_MESSAGE")
