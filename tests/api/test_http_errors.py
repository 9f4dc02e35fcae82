"""Each transport answers a failure in its own envelope: REST `{code, message, field}`, GraphQL's
`errors`, the plain routes' JSON `{code, message}`. A failure the client can only retry or report
also carries an `errorId`, and the log line with the detail carries the same id.

A database outage is simulated in process (`database_down`): the repositories raise what the driver
raises when it cannot reach the database. In a real outage the API-key lookup, before any route,
fails first; tests/integration/test_reliability_database.py checks that with a stopped database.
"""

from __future__ import annotations

import logging
import re

import pytest

from customer_credit.http import imports as import_downloads
from customer_credit.persistence.accounts import AccountRepository
from customer_credit.persistence.imports import ImportRunRepository
from tests.support.faults import DRIVER_DETAIL
from tests.support.graphql import error_codes, graphql

UNAVAILABLE_MESSAGE = "The database is unavailable; try again shortly."
SECRET_DETAIL = "secret detail: db password hunter2 at /srv/app/internal.py"
ERROR_ID = re.compile(r"[0-9a-f]{32}")

REST_CALLS = [
    ("PUT", "/api/creditcontrol/accounts/acc-1", b'{"email": "ana@example.com"}'),
    ("GET", "/api/creditcontrol/accounts/acc-1", None),
    ("DELETE", "/api/creditcontrol/accounts/acc-1", None),
    ("GET", "/api/creditcontrol/accounts?from=1&to=10", None),
    ("GET", "/api/creditcontrol/openapi.json", None),
    ("GET", "/api/creditcontrol/no-such-thing", None),
    ("GET", "/accounts/export.csv", None),
]
PLAIN_ROUTES = ["/imports/template.csv", "/imports/run-1/errors.csv", "/metrics"]
COUNT = "query Count { accounts(first: 1) { totalCount } }"


def logged(caplog: pytest.LogCaptureFixture, error_id: str) -> logging.LogRecord:
    [record] = [record for record in caplog.records if getattr(record, "error_id", None) == error_id]
    return record


def assert_error_id_answer(response, status: int, code: str, message: str) -> str:
    """A `{code, message, errorId}` body and nothing else: no driver message, no trace."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body == {"code": code, "message": message, "errorId": body["errorId"]}
    assert ERROR_ID.fullmatch(body["errorId"])
    for fragment in ("db-7.internal", "27017", "Topology", "secret detail", "Traceback", "RuntimeError"):
        assert fragment not in response.text
    return body["errorId"]


# --- a database outage --------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "url", "body"), REST_CALLS, ids=[f"{m} {u}" for m, u, _ in REST_CALLS])
async def test_rest_during_an_outage_is_503_database_unavailable_in_the_rest_envelope(
    client, database_down, caplog, method, url, body
):
    database_down()

    response = await client.request(method, url, content=body)

    error_id = assert_error_id_answer(response, 503, "DATABASE_UNAVAILABLE", UNAVAILABLE_MESSAGE)
    assert response.headers["retry-after"] == "5"
    record = logged(caplog, error_id)
    assert (record.name, record.levelname) == ("customer_credit.rest", "WARNING")
    assert DRIVER_DETAIL in record.getMessage()


async def test_graphql_during_an_outage_keeps_the_graphql_envelope(client, database_down, caplog):
    database_down()

    response = await client.post("/graphql", json={"query": COUNT})

    assert response.status_code == 503
    result = response.json()
    assert set(result) == {"errors"}
    assert error_codes(result) == ["DATABASE_UNAVAILABLE"]
    assert result["errors"][0]["message"] == UNAVAILABLE_MESSAGE
    assert logged(caplog, result["errors"][0]["extensions"]["errorId"]).name == "customer_credit.errors"
    assert "db-7.internal" not in response.text


@pytest.mark.parametrize("url", PLAIN_ROUTES)
async def test_each_plain_route_during_an_outage_is_503_logged_with_its_error_id(client, database_down, caplog, url):
    database_down()

    response = await client.get(url)

    error_id = assert_error_id_answer(response, 503, "DATABASE_UNAVAILABLE", UNAVAILABLE_MESSAGE)
    assert response.headers["retry-after"] == "5"
    record = logged(caplog, error_id)
    assert (record.name, record.levelname) == ("customer_credit.errors", "WARNING")
    assert DRIVER_DETAIL in record.getMessage()
    assert record.route == url.replace("run-1", "{run_id}")


@pytest.mark.parametrize(
    ("url", "repository", "logger"),
    [
        ("/imports/run-1/errors.csv", "imports", "customer_credit.errors"),
        ("/accounts/export.csv", "accounts", "customer_credit.rest"),
    ],
    ids=["error-report", "export"],
)
async def test_a_csv_download_whose_read_fails_is_503_logged_with_its_error_id(
    client, database_down, caplog, url, repository, logger
):
    """The key lookup still works: the route's own read meets the outage, before the status line."""
    database_down(repository)

    response = await client.get(url)

    error_id = assert_error_id_answer(response, 503, "DATABASE_UNAVAILABLE", UNAVAILABLE_MESSAGE)
    assert logged(caplog, error_id).name == logger


async def test_public_routes_answer_during_an_outage(anonymous, database_down):
    database_down()

    assert (await anonymous.get("/healthz")).status_code == 200


# --- an unexpected exception ----------------------------------------------------------------------


def raise_secret(*args, **kwargs):
    raise RuntimeError(SECRET_DETAIL)


async def raise_secret_async(*args, **kwargs):
    raise RuntimeError(SECRET_DETAIL)


@pytest.mark.parametrize(
    ("url", "owner", "method"),
    [
        ("/imports/template.csv", import_downloads, "template_csv"),
        ("/imports/run-1/errors.csv", ImportRunRepository, "get"),
        ("/accounts/export.csv", AccountRepository, "find_page"),
    ],
    ids=["template", "error-report", "export"],
)
async def test_an_unexpected_exception_in_a_csv_route_is_a_500_with_the_error_id_in_the_log(
    client, monkeypatch, caplog, url, owner, method
):
    monkeypatch.setattr(owner, method, raise_secret if method == "template_csv" else raise_secret_async)

    response = await client.get(url)

    error_id = assert_error_id_answer(response, 500, "INTERNAL_SERVER_ERROR", "Internal server error.")
    record = logged(caplog, error_id)
    assert record.levelname == "ERROR"
    assert record.exc_info is not None and SECRET_DETAIL in str(record.exc_info[1])


# --- a missing scope: one check, each transport's envelope ----------------------------------------


async def test_a_missing_scope_is_forbidden_in_each_transports_envelope(client_with):
    writer = await client_with("accounts:write")
    message = "This API key lacks the scope 'accounts:read'."

    plain = await writer.get("/imports/run-1/errors.csv")
    rest = await writer.get("/api/creditcontrol/accounts/acc-1")
    result = await graphql(writer, 'query { account(id: "acc-1") { id } }')

    assert (plain.status_code, plain.json()) == (
        403,
        {"code": "FORBIDDEN", "message": "This API key lacks the scope 'imports:read'."},
    )
    forbidden = {"code": "FORBIDDEN", "message": message}
    assert (rest.status_code, rest.json()) == (403, {**forbidden, "errors": [forbidden]})
    assert error_codes(result) == ["FORBIDDEN"] and result["errors"][0]["message"] == message
