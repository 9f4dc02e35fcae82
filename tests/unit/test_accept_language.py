"""Accept-Language → the language of the messages: Portuguese for any Portuguese preference that
outranks English, English otherwise (the default)."""

from __future__ import annotations

import pytest

from customer_credit.accept_language import language_of, request_language
from customer_credit.domain.messages import Language


@pytest.mark.parametrize(
    "header",
    ["pt-BR", "pt-br", "pt", "pt-PT", "pt-BR,pt;q=0.9,en;q=0.8", "fr, pt;q=0.5", "en;q=0.3, pt-BR;q=0.7"],
)
def test_portuguese_preferences_get_portuguese(header):
    assert language_of(header) is Language.PT_BR


@pytest.mark.parametrize(
    "header", [None, "", "en", "en-US,en;q=0.9,pt;q=0.8", "fr", "*", "pt-BR;q=0", ";;q=x,", "es-ES, de"]
)
def test_anything_else_gets_english(header):
    assert language_of(header) is Language.EN


def test_a_request_without_headers_gets_english():
    assert request_language(None) is Language.EN
    assert request_language({"accept-language": "pt-BR"}) is Language.PT_BR
