"""A document written in another script's digits is the same document (or refused): it must never
open a second account with a CPF/CNPJ that an open account already has."""

from __future__ import annotations

import pytest

from tests.support.documents import full_width, math_bold
from tests.support.graphql import graphql
from tests.unit.domain.test_account_rules_properties import lookalikes_accepted

OPEN = """
mutation Open($input: OpenOrChangeAccountInput!) {
  openOrChangeAccount(input: $input) { account { id document } errors { field code } }
}
"""
FIND = "query Find($document: String) { accounts(filter: {document: $document}) { totalCount } }"

LOOKALIKE_DIGITS = (
    "known bug: domain/accounts.normalize_document keeps the full-width and mathematical digits that"
    " python-stdnum accepts, so the same CPF/CNPJ gets a second document_key (fix: NFKC, then ASCII only)"
)


CASES = [
    ("CPF", "529.982.247-25", full_width("529.982.247-25")),
    ("CPF", "529.982.247-25", math_bold("52998224725")),
    ("CNPJ", "11.222.333/0001-81", full_width("11.222.333/0001-81")),
]


@pytest.mark.xfail(lookalikes_accepted(), strict=True, reason=LOOKALIKE_DIGITS)
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

    codes = [e["code"] for e in second["data"]["openOrChangeAccount"]["errors"]]
    assert codes in (["DOCUMENT_IN_USE"], ["INVALID_DOCUMENT"])
