"""REST compatibility: PUT / GET / DELETE `/api/creditcontrol/accounts/{accountId}`.

JSON in the original Customer Credit API's shape, the same rules as GraphQL, errors as
`{code, message, field}` with 4xx statuses. Auth styles and scopes: test_rest_auth.py;
positions and filters: test_rest_list.py.
"""

from __future__ import annotations

import json
import re

import pytest

from tests.support.accounts import account_with_history, fetch_account
from tests.support.documents import CNPJ, CNPJ_COMPACT, CPF, CPF_COMPACT, OTHER_CPF

ACCOUNTS_URL = "/api/creditcontrol/accounts"
ISO_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
ACCOUNT_KEYS = {
    "id",
    "email",
    "document",
    "documentType",
    "creditLimit",
    "tolerance",
    "status",
    "description",
    "createdAt",
    "updatedAt",
    "version",
    "spendingLimit",
    "balance",
    "heldCredit",
    "availableCredit",
    "holders",
}

# Bodies are written as JSON text, so that numbers reach the server with exactly these digits.
FULL_BODY = (
    '{"email": "Ana.Souza@Example.com", "creditLimit": 1500.10, "tolerance": 0.0525, '
    f'"document": "{CPF}", "documentType": "CPF", "description": "First customer"}}'
)
EMAIL_ONLY_BODY = '{"email": "bruno@example.com"}'
LIMIT_CHANGE_BODY = '{"creditLimit": 2000}'
NULLS_BODY = '{"email": null, "creditLimit": null, "tolerance": null, "document": null, "documentType": null, "description": null}'
UNICODE_BODY = '{"email": "josé.ñandú@exemplo.com.br", "description": "Crédito 🚀 日本語 «aspas»"}'
THREE_DECIMALS_BODY = '{"email": "c@example.com", "creditLimit": 1500.105}'
EMPTY_OBJECT_BODY = "{}"
ALL_BAD_BODY = '{"email": "not-an-email", "creditLimit": -1, "tolerance": 2, "document": "123", "documentType": "CPF"}'
LONE_SURROGATE_BODY = '{"email": "d@example.com", "description": "\\ud800"}'


def account_url(account_id: str) -> str:
    return f"{ACCOUNTS_URL}/{account_id}"


async def put(client, account_id: str, body: str):
    return await client.put(
        account_url(account_id), content=body.encode("utf-8"), headers={"Content-Type": "application/json"}
    )


async def opened(client, account_id: str, body: str = EMAIL_ONLY_BODY) -> dict:
    response = await put(client, account_id, body)
    assert response.status_code == 201, response.text
    return response.json()


def assert_error(response, status: int, code: str, field: str | None = None) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["code"] == code
    assert body["message"]
    if field is not None:
        assert body["field"] == field


# --- PUT: open or change ---------------------------------------------------------------------


async def test_put_with_an_unknown_id_opens_the_account_with_201_and_its_location(client):
    response = await put(client, "acc-1", FULL_BODY)

    assert response.status_code == 201
    assert response.headers["location"] == account_url("acc-1")
    assert response.json()["id"] == "acc-1"


async def test_put_answers_in_the_original_api_shape(client):
    account = await opened(client, "acc-1", FULL_BODY)

    assert set(account) == ACCOUNT_KEYS
    assert account["email"] == "Ana.Souza@example.com"
    assert account["document"] == CPF_COMPACT
    assert account["documentType"] == "CPF"
    assert account["status"] == "Open"
    assert account["description"] == "First customer"
    assert ISO_UTC.fullmatch(account["createdAt"]) and account["createdAt"] == account["updatedAt"]
    assert account["version"] == 1
    # 1500.10 × 1.0525 = 1578.85525, rounded down to the cent; nothing owed or held yet
    assert (account["spendingLimit"], account["balance"], account["heldCredit"], account["availableCredit"]) == (
        1578.85,
        0,
        0,
        1578.85,
    )


async def test_put_with_a_known_id_changes_the_account_with_200(client):
    first = await opened(client, "acc-1", FULL_BODY)

    response = await put(client, "acc-1", LIMIT_CHANGE_BODY)

    assert response.status_code == 200
    changed = response.json()
    assert changed["creditLimit"] == 2000
    assert changed["version"] == first["version"] + 1
    assert {k: changed[k] for k in ("email", "document", "tolerance")} == {
        k: first[k] for k in ("email", "document", "tolerance")
    }


async def test_put_opens_with_the_same_defaults_as_graphql(client):
    account = await opened(client, "acc-1")

    assert account["creditLimit"] == 100
    assert account["tolerance"] == 0
    assert account["document"] is None and account["documentType"] is None and account["description"] is None


async def test_put_with_null_members_leaves_the_fields_unchanged(client):
    first = await opened(client, "acc-1", FULL_BODY)

    response = await put(client, "acc-1", NULLS_BODY)

    assert response.status_code == 200
    assert response.json() == first


async def test_money_keeps_its_exact_digits_in_the_json_text(client):
    response = await put(client, "acc-1", FULL_BODY)

    assert '"creditLimit":1500.10' in response.text
    assert '"tolerance":0.0525' in response.text


async def test_the_four_credit_numbers_keep_their_exact_digits(client):
    response = await put(client, "acc-1", FULL_BODY)

    assert '"spendingLimit":1578.85,"balance":0.00,"heldCredit":0.00,"availableCredit":1578.85' in response.text


async def test_money_is_stored_exactly_as_graphql_shows_it(client):
    await opened(client, "acc-1", FULL_BODY)

    account = await fetch_account(client, "acc-1")

    assert account["creditLimit"] == "1500.10"
    assert account["tolerance"] == "0.0525"


async def test_credit_limit_with_three_decimal_places_is_refused_not_rounded(client, unchanged_store):
    async with unchanged_store():
        response = await put(client, "acc-1", THREE_DECIMALS_BODY)

    assert_error(response, 400, "INVALID_CREDIT_LIMIT", "creditLimit")


async def test_cnpj_and_its_type_are_accepted_with_punctuation(client):
    account = await opened(
        client, "acc-1", json.dumps({"email": "e@example.com", "document": CNPJ, "documentType": "cnpj"})
    )

    assert (account["document"], account["documentType"]) == (CNPJ_COMPACT, "CNPJ")


async def test_other_document_type_is_written_other(client):
    account = await opened(
        client, "acc-1", json.dumps({"email": "f@example.com", "document": "AB-123", "documentType": "Other"})
    )

    assert (account["document"], account["documentType"]) == ("AB123", "Other")


async def test_an_empty_document_type_is_not_given(client):
    account = await opened(client, "acc-1", json.dumps({"email": "g@example.com", "documentType": ""}))

    assert (account["document"], account["documentType"]) == (None, None)


async def test_unicode_text_round_trips_as_utf8(client):
    account = await opened(client, "acc-1", UNICODE_BODY)
    response = await client.get(account_url("acc-1"))

    assert account["description"] == "Crédito 🚀 日本語 «aspas»"
    assert response.json()["email"] == account["email"] == "josé.ñandú@exemplo.com.br"
    assert "Crédito 🚀".encode() in response.content


async def test_put_records_a_history_event_with_the_key_name_and_source_api(client):
    await opened(client, "acc-1", FULL_BODY)
    await put(client, "acc-1", LIMIT_CHANGE_BODY)

    history = (await account_with_history(client, "acc-1"))["history"]

    assert history["totalCount"] == 2
    latest = history["nodes"][0]
    assert (latest["actor"], latest["source"]) == ("tester", "API")
    assert latest["changes"] == [{"field": "creditLimit", "from": "1500.10", "to": "2000.00"}]


async def test_put_without_email_on_open_is_required(client, unchanged_store):
    async with unchanged_store():
        response = await put(client, "acc-1", EMPTY_OBJECT_BODY)

    assert_error(response, 400, "REQUIRED", "email")


async def test_put_reports_every_bad_field_at_once(client, unchanged_store):
    async with unchanged_store():
        response = await put(client, "acc-1", ALL_BAD_BODY)

    assert_error(response, 400, "INVALID_EMAIL", "email")
    assert {(e["field"], e["code"]) for e in response.json()["errors"]} == {
        ("email", "INVALID_EMAIL"),
        ("document", "INVALID_DOCUMENT"),
        ("creditLimit", "INVALID_CREDIT_LIMIT"),
        ("tolerance", "INVALID_TOLERANCE"),
    }


@pytest.mark.parametrize("account_id", ["a.b", "x" * 65, "açaí", "a b"])
async def test_put_with_an_invalid_id_is_invalid_id(client, unchanged_store, account_id):
    async with unchanged_store():
        response = await put(client, account_id, EMAIL_ONLY_BODY)

    assert_error(response, 400, "INVALID_ID", "id")


async def test_email_of_another_open_account_is_409_email_in_use(client, unchanged_store):
    await opened(client, "acc-1", EMAIL_ONLY_BODY)

    async with unchanged_store():
        response = await put(client, "acc-2", '{"email": "BRUNO@example.com"}')

    assert_error(response, 409, "EMAIL_IN_USE", "email")


async def test_document_of_another_open_account_is_409_document_in_use(client, unchanged_store):
    await opened(client, "acc-1", FULL_BODY)

    async with unchanged_store():
        response = await put(
            client, "acc-2", json.dumps({"email": "g@example.com", "document": CPF_COMPACT, "documentType": "CPF"})
        )

    assert_error(response, 409, "DOCUMENT_IN_USE", "document")


async def test_stale_expected_version_is_409_version_conflict(client, unchanged_store):
    await opened(client, "acc-1")

    async with unchanged_store():
        response = await put(client, "acc-1", '{"creditLimit": 5, "expectedVersion": 7}')

    assert_error(response, 409, "VERSION_CONFLICT", "expectedVersion")


async def test_matching_expected_version_applies_the_change(client):
    await opened(client, "acc-1")

    response = await put(client, "acc-1", '{"creditLimit": 5, "expectedVersion": 1}')

    assert response.status_code == 200
    assert response.json()["version"] == 2


async def test_change_of_a_closed_account_is_409_account_closed(client, unchanged_store):
    await opened(client, "acc-1")
    await client.delete(account_url("acc-1"))

    async with unchanged_store():
        response = await put(client, "acc-1", LIMIT_CHANGE_BODY)

    assert_error(response, 409, "ACCOUNT_CLOSED")


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"   ",
        b"{",
        b'{"email": "a@example.com",}',
        b"[]",
        b"5",
        b'"text"',
        b"null",
        b'{"creditLimit": NaN}',
        b'{"creditLimit": Infinity}',
        b"\xff\xfe{}",
        b"[" * 100_000,
        b'{"creditLimit": ' + b"9" * 5000 + b"}",
    ],
    ids=[
        "empty",
        "blank",
        "unterminated",
        "trailing-comma",
        "array",
        "number",
        "string",
        "null",
        "nan",
        "infinity",
        "not-utf8",
        "deep-nesting",
        "huge-integer",
    ],
)
async def test_malformed_json_is_400_malformed_json(client, unchanged_store, body):
    async with unchanged_store():
        response = await client.put(account_url("acc-1"), content=body, headers={"Content-Type": "application/json"})

    assert_error(response, 400, "MALFORMED_JSON")


@pytest.mark.parametrize(
    ("member", "value", "code"),
    [
        ("creditLimit", '"1500.10"', "INVALID_CREDIT_LIMIT"),
        ("creditLimit", "true", "INVALID_CREDIT_LIMIT"),
        ("tolerance", "[0.05]", "INVALID_TOLERANCE"),
        ("email", "5", "INVALID_EMAIL"),
        ("document", "52998224725", "INVALID_DOCUMENT"),
        ("documentType", "{}", "INVALID_DOCUMENT_TYPE"),
        ("description", "false", "INVALID_DESCRIPTION"),
        ("expectedVersion", '"1"', "INVALID_PARAMETER"),
        ("expectedVersion", "1.5", "INVALID_PARAMETER"),
    ],
)
async def test_member_of_the_wrong_json_type_is_400_with_its_fields_code(client, unchanged_store, member, value, code):
    body = '{"email": "h@example.com", "%s": %s}' % (member, value) if member != "email" else '{"email": %s}' % value

    async with unchanged_store():
        response = await put(client, "acc-1", body)

    assert_error(response, 400, code, member)


async def test_lone_surrogate_in_a_string_is_400_not_500(client, unchanged_store):
    async with unchanged_store():
        response = await put(client, "acc-1", LONE_SURROGATE_BODY)

    assert_error(response, 400, "INVALID_DESCRIPTION", "description")


async def test_unknown_members_are_400_unknown_member_naming_each(client, unchanged_store):
    async with unchanged_store():
        response = await put(client, "acc-1", '{"email": "i@example.com", "balance": 10, "creditLimt": 3}')

    assert_error(response, 400, "UNKNOWN_MEMBER", "balance")
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [
        ("balance", "UNKNOWN_MEMBER"),
        ("creditLimt", "UNKNOWN_MEMBER"),
    ]


# --- GET -------------------------------------------------------------------------------------


async def test_get_returns_the_account_as_put_returned_it(client):
    account = await opened(client, "acc-1", FULL_BODY)

    response = await client.get(account_url("acc-1"))

    assert response.status_code == 200
    assert response.json() == account


async def test_get_of_an_unknown_id_is_404_not_found(client):
    response = await client.get(account_url("nobody"))

    assert_error(response, 404, "NOT_FOUND", "id")


async def test_get_of_an_invalid_id_is_400_invalid_id(client):
    response = await client.get(account_url("a.b"))

    assert_error(response, 400, "INVALID_ID", "id")


# --- DELETE: close ---------------------------------------------------------------------------


async def test_delete_closes_the_account_and_returns_it_with_200(client):
    account = await opened(client, "acc-1", FULL_BODY)

    response = await client.delete(account_url("acc-1"))

    assert response.status_code == 200
    closed = response.json()
    assert closed["status"] == "Closed"
    assert closed["version"] == account["version"] + 1
    assert (await fetch_account(client, "acc-1"))["status"] == "CLOSED"


async def test_delete_of_an_unknown_id_is_404_not_found(client, unchanged_store):
    async with unchanged_store():
        response = await client.delete(account_url("nobody"))

    assert_error(response, 404, "NOT_FOUND")


async def test_delete_of_a_closed_account_is_409_account_closed(client, unchanged_store):
    await opened(client, "acc-1")
    await client.delete(account_url("acc-1"))

    async with unchanged_store():
        response = await client.delete(account_url("acc-1"))

    assert_error(response, 409, "ACCOUNT_CLOSED")


async def test_delete_frees_the_email_and_document_for_a_new_account(client):
    await opened(client, "acc-1", FULL_BODY)
    await client.delete(account_url("acc-1"))

    response = await put(client, "acc-2", FULL_BODY)

    assert response.status_code == 201


# --- masking ---------------------------------------------------------------------------------


async def test_without_pii_read_email_and_document_are_masked(client, client_with):
    await opened(client, "acc-1", FULL_BODY)
    reader = await client_with("accounts:read")

    account = (await reader.get(account_url("acc-1"))).json()

    assert account["email"] == "A***@example.com"
    assert account["document"] == "***.***.*47-25"


async def test_without_pii_read_a_write_answers_masked_too(client_with):
    writer = await client_with("accounts:write")

    account = await opened(
        writer, "acc-1", json.dumps({"email": "zoe@example.com", "document": OTHER_CPF, "documentType": "CPF"})
    )

    assert account["email"] == "z***@example.com"
    assert account["document"] == "***.***.*77-35"


# --- the rest of the prefix ------------------------------------------------------------------


async def test_unknown_path_under_the_prefix_is_a_json_404(client):
    response = await client.get("/api/creditcontrol/balances")

    assert_error(response, 404, "NOT_FOUND")


async def test_unsupported_method_is_a_json_405_with_allow(client):
    response = await client.patch(account_url("acc-1"), content=EMAIL_ONLY_BODY)

    assert_error(response, 405, "METHOD_NOT_ALLOWED")
    assert set(response.headers["allow"].split(", ")) == {"GET", "HEAD", "PUT", "DELETE"}
