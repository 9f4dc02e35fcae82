"""Unexpected failures reach the client as an error id, never as a message, a trace or a driver's
words; the log has the full story under the same id. Expected errors keep their messages."""

from __future__ import annotations

import pytest
from pymongo.errors import AutoReconnect, NetworkTimeout, ServerSelectionTimeoutError

from customer_credit.persistence.accounts import AccountRepository
from customer_credit.persistence.imports import ImportRunRepository
from tests.support.graphql import error_codes, graphql

SECRET_DETAIL = "secret detail: db password hunter2 at /srv/app/internal.py"
DRIVER_MESSAGE = "mongo-internal-7.example.net:27017: timed out, Topology Description: <TopologyDescription id: 65f>"

ACCOUNT = 'query Account { account(id: "a1") { id email } }'
ACCOUNTS = "query Accounts { accounts { totalCount nodes { id } } }"
OPEN = 'mutation Open { openOrChangeAccount(input: {id: "a1", email: "ana@example.com"}) { created errors { code } } }'
IMPORT_RUN = 'query Run { importRun(id: "r1") { id } }'


def fail_with(monkeypatch, owner, method: str, error: Exception) -> None:
    async def failing(*args, **kwargs):
        raise error

    monkeypatch.setattr(owner, method, failing)


@pytest.mark.parametrize(
    ("method", "query", "owner"),
    [
        ("get", ACCOUNT, AccountRepository),
        ("find_page", ACCOUNTS, AccountRepository),
        ("insert", OPEN, AccountRepository),
        ("get", IMPORT_RUN, ImportRunRepository),
    ],
    ids=["account", "accounts", "openOrChangeAccount", "importRun"],
)
async def test_unexpected_exception_is_masked_with_an_error_id(client, monkeypatch, method, query, owner):
    fail_with(monkeypatch, owner, method, RuntimeError(SECRET_DETAIL))

    response = await client.post("/graphql", json={"query": query})

    assert response.status_code == 200
    [error] = response.json()["errors"]
    assert error["message"] == "Internal server error."
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert len(error["extensions"]["errorId"]) == 32
    assert set(error) <= {"message", "locations", "path", "extensions"}
    assert set(error["extensions"]) == {"code", "errorId"}
    for fragment in ("secret detail", "hunter2", "RuntimeError", "Traceback", "internal.py"):
        assert fragment not in response.text


async def test_masked_error_id_is_in_the_log_with_the_full_detail(client, monkeypatch, json_log):
    fail_with(monkeypatch, AccountRepository, "get", RuntimeError(SECRET_DETAIL))

    result = await graphql(client, ACCOUNT)

    error_id = result["errors"][0]["extensions"]["errorId"]
    [logged] = [line for line in json_log.entries() if line.get("error_id") == error_id]
    assert logged["level"] == "ERROR"
    assert error_id in logged["message"]
    assert "RuntimeError" in logged["exception"] and "secret detail" in logged["exception"]
    assert logged["path"] == "account"
    assert logged["request_id"]


async def test_each_failure_gets_its_own_error_id(client, monkeypatch):
    fail_with(monkeypatch, AccountRepository, "get", RuntimeError(SECRET_DETAIL))

    first = await graphql(client, ACCOUNT)
    second = await graphql(client, ACCOUNT)

    assert first["errors"][0]["extensions"]["errorId"] != second["errors"][0]["extensions"]["errorId"]


@pytest.mark.parametrize(
    "error",
    [ServerSelectionTimeoutError(DRIVER_MESSAGE), AutoReconnect(DRIVER_MESSAGE), NetworkTimeout(DRIVER_MESSAGE)],
    ids=["server-selection-timeout", "auto-reconnect", "network-timeout"],
)
async def test_driver_connection_error_is_database_unavailable_without_driver_internals(client, monkeypatch, error):
    fail_with(monkeypatch, AccountRepository, "find_page", error)

    response = await client.post("/graphql", json={"query": ACCOUNTS})

    assert response.status_code == 200
    result = response.json()
    assert error_codes(result) == ["DATABASE_UNAVAILABLE"]
    assert result["errors"][0]["extensions"]["errorId"]
    for fragment in ("mongo-internal", "27017", "Topology", type(error).__name__):
        assert fragment not in response.text


async def test_database_unavailable_is_logged_with_the_driver_message(client, monkeypatch, json_log):
    fail_with(monkeypatch, AccountRepository, "find_page", ServerSelectionTimeoutError(DRIVER_MESSAGE))

    result = await graphql(client, ACCOUNTS)

    error_id = result["errors"][0]["extensions"]["errorId"]
    [logged] = [line for line in json_log.entries() if line.get("error_id") == error_id]
    assert logged["level"] == "WARNING"
    assert "mongo-internal-7.example.net" in logged["message"]


async def test_failure_in_a_plain_http_route_is_a_500_with_only_an_error_id(client, monkeypatch, json_log):
    fail_with(monkeypatch, ImportRunRepository, "get", RuntimeError(SECRET_DETAIL))

    response = await client.get("/imports/r1/errors.csv")

    assert response.status_code == 500
    body = response.json()
    assert body == {"code": "INTERNAL_SERVER_ERROR", "message": "Internal server error.", "errorId": body["errorId"]}
    assert "secret" not in response.text and "RuntimeError" not in response.text
    [logged] = [line for line in json_log.entries() if line.get("error_id") == body["errorId"]]
    assert logged["level"] == "ERROR" and "secret detail" in logged["exception"]
    assert logged["route"] == "/imports/{run_id}/errors.csv"
    assert logged["request_id"] == response.headers["x-request-id"]


# --- expected errors keep their words ---------------------------------------------------------


async def test_payload_errors_keep_their_codes_and_messages(client):
    result = await graphql(
        client,
        'mutation { openOrChangeAccount(input: {email: "not-an-email", creditLimit: "1.001"}) '
        "{ account { id } errors { field code message } } }",
    )

    assert "errors" not in result
    errors = result["data"]["openOrChangeAccount"]["errors"]
    assert {e["code"] for e in errors} == {"INVALID_EMAIL", "INVALID_CREDIT_LIMIT"}
    assert all(e["message"] and e["message"] != "Internal server error." for e in errors)


async def test_forbidden_keeps_its_message(client_with):
    reader = await client_with("accounts:read")

    result = await graphql(reader, OPEN)

    assert error_codes(result) == ["FORBIDDEN"]
    assert result["errors"][0]["message"] == "This API key lacks the scope 'accounts:write'."
    assert "errorId" not in result["errors"][0]["extensions"]


async def test_request_errors_keep_their_messages(client):
    result = await graphql(client, 'query { accounts(after: "not-a-cursor") { totalCount } }')

    assert error_codes(result) == ["INVALID_CURSOR"]
    assert "cursor" in result["errors"][0]["message"]


async def test_validation_errors_keep_their_messages(client):
    result = await graphql(client, "query { accounts { nope } }")

    assert "Cannot query field 'nope'" in result["errors"][0]["message"]
    assert "INTERNAL_SERVER_ERROR" not in error_codes(result)


async def test_bad_scalar_value_is_a_validation_error_not_an_internal_one(client):
    result = await graphql(
        client,
        "mutation Open($input: OpenOrChangeAccountInput!) { openOrChangeAccount(input: $input) { created } }",
        input={"email": "a@example.com", "creditLimit": "twelve"},
    )

    assert result["errors"]
    assert "INTERNAL_SERVER_ERROR" not in error_codes(result)
