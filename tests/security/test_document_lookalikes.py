"""A document written in another script's digits (full-width, mathematical) is the same document
(NFKC, then ASCII only): it never opens a second account with a CPF/CNPJ that an open account has."""

from __future__ import annotations

import pytest

from tests.support.documents import full_width, math_bold
from tests.support.graphql import codes, graphql, payload_of

OPEN = """
mutation Open($input: OpenOrChangeAccountInput!) {
  openOrChangeAccount(input: $input) { account { id document } errors { field code } }
}
"""

CASES = [
    ("CPF", "529.982.247-25", full_width("529.982.247-25")),
    ("CPF", "529.982.247-25", math_bold("52998224725")),
    ("CNPJ", "11.222.333/0001-81", full_width("11.222.333/0001-81")),
]


@pytest.mark.parametrize(
    ("document_type", "document", "lookalike"), CASES, ids=["cpf-full-width", "cpf-math-bold", "cnpj-full-width"]
)
async def test_lookalike_digits_never_open_a_second_account_with_the_same_document(
    client, document_type, document, lookalike
):
    first = await graphql(
        client, OPEN, input={"email": "first@example.com", "documentType": document_type, "document": document}
    )
    assert first["data"]["openOrChangeAccount"]["errors"] == []

    second = await graphql(
        client, OPEN, input={"email": "second@example.com", "documentType": document_type, "document": lookalike}
    )

    assert codes(payload_of(second, "openOrChangeAccount")) == ["DOCUMENT_IN_USE"]
