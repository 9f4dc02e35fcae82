"""Hostile and careless input: always a clear 4xx or payload error, never a 500, nothing written."""

from __future__ import annotations

import json

import pytest

from tests.support.accounts import OPEN_OR_CHANGE, fetch_account, open_account, open_or_change
from tests.support.graphql import codes, error_codes, graphql, post_raw, request_body

ACCOUNTS = """
query Accounts($filter: AccountFilter) { accounts(filter: $filter) { totalCount nodes { id } } }
"""

ACCOUNT_ID = """
query Account($id: ID!) { account(id: $id) { id } }
"""

OPEN_WITH_LITERALS = """
mutation { openOrChangeAccount(input: {email: "lit@example.com", creditLimit: %s}) { errors { field code } account { creditLimit } } }
"""


def assert_refused_cleanly(result: dict) -> None:
    """A request-level refusal: top-level errors, no data, nothing internal."""
    assert result.get("data") is None
    assert result["errors"] and all(e["message"] for e in result["errors"])
    assert "INTERNAL_SERVER_ERROR" not in error_codes(result)


# --- the HTTP body ---------------------------------------------------------------------


@pytest.mark.parametrize("body", [b"{", b"", b"\xff\xfe", b'{"query": "{ accounts { totalCount } }"'], ids=range(4))
async def test_malformed_json_is_400(lenient, unchanged_store, body):
    async with unchanged_store():
        response = await post_raw(lenient, body)

    assert response.status_code == 400


@pytest.mark.parametrize(
    "body",
    [b'{"query": 5}', b'{"query": "{ __typename }", "variables": [1]}', b"[]"],
    ids=range(3),
)
async def test_json_of_the_wrong_shape_is_400(lenient, body):
    response = await post_raw(lenient, body)

    assert response.status_code == 400


@pytest.mark.parametrize("body", [b"null", b"5"], ids=range(2))
async def test_json_body_that_is_not_an_object_is_400(lenient, body):
    response = await post_raw(lenient, body)

    assert response.status_code == 400


async def test_number_with_thousands_of_digits_is_400(lenient, unchanged_store):
    body = b'{"query": "mutation($i: OpenOrChangeAccountInput!) { openOrChangeAccount(input: $i) { created } }",'
    body += b' "variables": {"i": {"email": "big@example.com", "creditLimit": ' + b"9" * 5000 + b"}}}"

    async with unchanged_store():
        response = await post_raw(lenient, body)

    assert response.status_code == 400


async def test_body_that_is_not_text_in_any_json_encoding_is_400(lenient):
    response = await post_raw(lenient, b"\xff\xfe\x00")

    assert response.status_code == 400


async def test_deeply_nested_json_is_400(lenient):
    response = await post_raw(
        lenient, b'{"query": "{ __typename }", "variables": {"x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}}"
    )

    assert response.status_code == 400


async def test_unsupported_content_type_is_400(lenient):
    response = await post_raw(lenient, json.dumps({"query": ACCOUNTS}), content_type="text/plain")

    assert response.status_code == 400


# --- variables of the wrong type or shape ----------------------------------------------


@pytest.mark.parametrize(
    "input",
    [
        {"email": 5},
        {"id": ["a"]},
        {"id": {"$ne": None}, "email": "a@example.com"},
        {"email": "a@example.com", "bogus": 1},
        {"email": "a@example.com", "creditLimit": True},
        {"email": "a@example.com", "creditLimit": {"$gt": 0}},
        {"email": "a@example.com", "creditLimit": ""},
        {"email": "a@example.com", "creditLimit": "1,50"},
        {"email": "a@example.com", "tolerance": "5%"},
        {"email": "a@example.com", "expectedVersion": "1"},
        {"email": "a@example.com", "expectedVersion": 2**31},
        # INVALID_DOCUMENT_TYPE is not reachable here: the enum refuses the value first.
        {"email": "a@example.com", "documentType": "FOO", "document": "1"},
        {"email": "a@example.com", "documentType": "cpf", "document": "52998224725"},
    ],
    ids=range(13),
)
async def test_wrong_variable_is_refused_before_any_write(client, unchanged_store, input):
    async with unchanged_store():
        result = await graphql(client, OPEN_OR_CHANGE, input=input)

    assert_refused_cleanly(result)


async def test_unknown_field_in_the_selection_is_refused(client):
    result = await graphql(client, "{ accounts { nodes { id password } } }")

    assert_refused_cleanly(result)


async def test_filter_given_an_object_is_refused(client):
    result = await graphql(client, ACCOUNTS, filter={"email": {"$ne": None}})

    assert_refused_cleanly(result)


async def test_too_many_aliases_are_refused(client):
    query = "{ " + " ".join(f'a{n}: account(id: "x") {{ id }}' for n in range(40)) + " }"

    result = await graphql(client, query)

    assert_refused_cleanly(result)


# --- numbers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["1e400", 10**30, 1e30, "NaN", "sNaN", "Infinity", "-Infinity", "-1", "10.005", 0.001, "1e-999999999"],
    ids=range(11),
)
async def test_credit_limit_that_is_huge_not_a_number_negative_or_too_precise_is_refused(
    client, unchanged_store, value
):
    async with unchanged_store():
        payload = await open_or_change(client, email="n@example.com", creditLimit=value)

    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("creditLimit", "INVALID_CREDIT_LIMIT")]


@pytest.mark.parametrize("value", ["1e400", 10**30, "NaN", "-0.0001", "1.00001"], ids=range(5))
async def test_tolerance_that_is_huge_not_a_number_negative_or_too_precise_is_refused(client, unchanged_store, value):
    async with unchanged_store():
        payload = await open_or_change(client, email="n@example.com", tolerance=value)

    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("tolerance", "INVALID_TOLERANCE")]


@pytest.mark.parametrize("literal", ["1e400", "NaN"])
async def test_non_finite_numbers_in_raw_json_are_refused(client, unchanged_store, literal):
    # Python's JSON reader turns these into float inf/nan; they must not become a credit limit.
    body = request_body(OPEN_OR_CHANGE, input={"email": "n@example.com", "creditLimit": "PLACEHOLDER"})
    async with unchanged_store():
        response = await post_raw(client, body.replace(b'"PLACEHOLDER"', literal.encode()))

    assert response.status_code == 200
    assert codes(response.json()["data"]["openOrChangeAccount"]) == ["INVALID_CREDIT_LIMIT"]


@pytest.mark.parametrize("literal", ["10.005", "1e400"])
async def test_numbers_written_in_the_query_text_follow_the_same_rules(client, unchanged_store, literal):
    async with unchanged_store():
        result = await graphql(client, OPEN_WITH_LITERALS % literal)

    assert result["data"]["openOrChangeAccount"]["errors"] == [{"field": "creditLimit", "code": "INVALID_CREDIT_LIMIT"}]


async def test_three_decimal_places_are_refused_not_rounded(client):
    await open_account(client, id="a1", email="a@example.com", creditLimit="10.00")

    payload = await open_or_change(client, id="a1", email="a@example.com", creditLimit="10.004")

    assert codes(payload) == ["INVALID_CREDIT_LIMIT"]
    assert (await fetch_account(client, "a1"))["creditLimit"] == "10.00"


@pytest.mark.timeout(10)
@pytest.mark.parametrize("field", ["creditLimit", "tolerance"])
async def test_zero_with_an_enormous_exponent_is_zero_at_once(client, field):
    account = await open_account(client, email="z@example.com", **{field: "0E+999999999999"})

    assert account[field] in ("0.00", "0")


async def test_numbers_given_as_json_numbers_are_read_exactly(client):
    account = await open_account(client, email="n@example.com", creditLimit=1234.56, tolerance=0.05)

    assert (account["creditLimit"], account["tolerance"]) == ("1234.56", "0.05")


# --- strings ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "'; DROP TABLE accounts; --",
        '{"$gt": "", "$where": "sleep(1000)"}',
        "<script>alert(1)</script>",
        "null",
        "a\u0000b",
        "Olá, mundo 😀 — ünïcödé",
        "x" * 500,
    ],
    ids=range(7),
)
async def test_strange_description_is_stored_exactly(client, text):
    account = await open_account(client, id="s1", email="s@example.com", description=text)

    assert account["description"] == text
    assert (await fetch_account(client, "s1"))["description"] == text


async def test_description_over_five_hundred_characters_is_refused(client, unchanged_store):
    async with unchanged_store():
        payload = await open_or_change(client, email="s@example.com", description="x" * 501)

    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("description", "INVALID_DESCRIPTION")]


@pytest.mark.parametrize(
    ("input", "field", "code"),
    [
        ({"email": "s@example.com", "description": "a\ud800b"}, "description", "INVALID_DESCRIPTION"),
        ({"email": "s\udfff@example.com"}, "email", "INVALID_EMAIL"),
        ({"email": "s@example.com", "documentType": "OTHER", "document": "AB\ud800"}, "document", "INVALID_DOCUMENT"),
        ({"id": "a\ud800", "email": "s@example.com"}, "id", "INVALID_ID"),
    ],
    ids=range(4),
)
async def test_text_with_a_lone_surrogate_is_a_field_error(client, unchanged_store, input, field, code):
    async with unchanged_store():
        response = await post_raw(client, request_body(OPEN_OR_CHANGE, input=input))

    assert response.status_code == 200
    payload = response.json()["data"]["openOrChangeAccount"]
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [(field, code)]


@pytest.mark.parametrize("field", ["email", "document", "search"])
async def test_filter_with_a_lone_surrogate_is_refused(client, field):
    response = await post_raw(client, request_body(ACCOUNTS, filter={field: "a\ud800"}))

    assert response.status_code == 200
    result = response.json()
    assert_refused_cleanly(result)
    assert error_codes(result) == ["BAD_USER_INPUT"]


async def test_account_with_a_lone_surrogate_in_the_id_is_null(client):
    response = await post_raw(client, request_body(ACCOUNT_ID, id="a\ud800"))

    assert response.json() == {"data": {"account": None}}


@pytest.mark.parametrize("account_id", ["🙂", "ａｂｃ", "x" * 10_000])
async def test_id_with_unicode_or_too_long_is_invalid_id(client, unchanged_store, account_id):
    async with unchanged_store():
        payload = await open_or_change(client, id=account_id, email="u@example.com")

    assert codes(payload) == ["INVALID_ID"]


async def test_email_with_an_emoji_local_part_is_kept_exactly(client):
    account = await open_account(client, email="ana😀@example.com")

    assert account["email"] == "ana😀@example.com"


@pytest.mark.parametrize(
    "email",
    ["ana@exa😀mple.com", "ana@example.com\nBcc: x@y.com", "a" * 250 + "@example.com", "x@" + "a" * 300 + ".com"],
)
async def test_email_with_emoji_domain_or_over_length_is_invalid_email(client, unchanged_store, email):
    async with unchanged_store():
        payload = await open_or_change(client, email=email)

    assert codes(payload) == ["INVALID_EMAIL"]


async def test_filter_values_that_look_like_operators_match_nothing(client):
    await open_account(client, email="a@example.com")

    for account_filter in (
        {"email": '{"$ne": null}'},
        {"search": "$where"},
        {"search": "^"},
        {"document": "' OR 1=1 --"},
    ):
        result = await graphql(client, ACCOUNTS, filter=account_filter)
        assert result["data"]["accounts"]["totalCount"] == 0, account_filter


async def test_a_change_without_an_email_of_an_unknown_id_is_refused_as_required(client, unchanged_store):
    """`email` is optional in the input (a change needs only the fields it changes), so an open
    without it is the payload's REQUIRED, not a variable error."""
    async with unchanged_store():
        result = await graphql(client, OPEN_OR_CHANGE, input={"id": "a"})

    assert [(e["field"], e["code"]) for e in result["data"]["openOrChangeAccount"]["errors"]] == [("email", "REQUIRED")]
