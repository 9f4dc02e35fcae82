"""Logs are one JSON object per line, say who did what and how it went, and never carry an email,
a document or a secret, whatever the request held."""

from __future__ import annotations

import json
import logging

from customer_credit.observability.logs import JsonFormatter
from tests.support.clients import http_client
from tests.support.graphql import graphql
from tests.support.imports import import_and_wait

EMAIL = "Maria.Sigilosa@Example.com"
CPF = "529.982.247-25"
IMPORTED_EMAIL = "joana.reservada@example.org"
BAD_IMPORTED_EMAIL = "rejeitado.sigiloso@@example.org"
WRONG_SECRET = "cc_this-is-a-wrong-secret-that-must-never-be-logged"
VTEX_TOKEN = "vtex-app-token-that-must-never-be-logged"
DESCRIPTION = "Cliente desde 2019, telefone 11 99999-0000"

SENSITIVE = [
    EMAIL,
    EMAIL.lower(),
    "Maria.Sigilosa",
    "maria.sigilosa",
    CPF,
    "52998224725",
    "529982247",
    IMPORTED_EMAIL,
    "joana.reservada",
    "rejeitado.sigiloso",
    WRONG_SECRET,
    "this-is-a-wrong-secret",
    VTEX_TOKEN,
    "99999-0000",
]

OPEN = """
mutation OpenAccount($input: OpenOrChangeAccountInput!) {
  openOrChangeAccount(input: $input) { account { id email document } errors { code message } }
}
"""
ACCOUNT = "query ReadAccount($id: ID!) { account(id: $id) { id email document history { nodes { changes { field from to } } } } }"
FIND = "query FindAccounts($filter: AccountFilter) { accounts(filter: $filter) { nodes { id email document } } }"


async def run_pii_operations(app, client, database) -> None:
    opened = await graphql(
        client,
        OPEN,
        input={"id": "pii-1", "email": EMAIL, "documentType": "CPF", "document": CPF, "description": DESCRIPTION},
    )
    assert opened["data"]["openOrChangeAccount"]["errors"] == []
    await graphql(client, ACCOUNT, id="pii-1")
    await graphql(client, FIND, filter={"email": EMAIL})
    await graphql(client, FIND, filter={"document": CPF})
    await graphql(client, FIND, filter={"search": "maria.sigilosa"})
    # Refused requests echo the values back to the caller; they must not reach the log.
    await graphql(client, OPEN, input={"email": EMAIL, "documentType": "CPF", "document": CPF})  # EMAIL_IN_USE
    await client.post("/graphql", json={"query": OPEN, "variables": {"input": {"email": EMAIL, "emial": EMAIL}}})
    await client.get("/imports/template.csv", params={"email": EMAIL, "document": CPF})
    run = await import_and_wait(
        client,
        f"Email,Document,Document Type\r\n{IMPORTED_EMAIL},,\r\n{BAD_IMPORTED_EMAIL},,\r\n"
        f"{EMAIL},{CPF},CPF\r\n".encode(),
    )
    assert run["failedCount"] == 2
    await client.get(f"/imports/{run['id']}/errors.csv")
    async with http_client(app, WRONG_SECRET) as intruder:
        assert (
            await intruder.post("/graphql", json={"query": ACCOUNT, "variables": {"id": "pii-1"}})
        ).status_code == 401
    async with http_client(app, None) as intruder:
        response = await intruder.get(
            "/graphql", headers={"X-VTEX-API-AppKey": "tester", "X-VTEX-API-AppToken": VTEX_TOKEN}
        )
        assert response.status_code == 401


async def test_no_email_document_or_secret_appears_in_any_log_line(app, client, database, worker, json_log):
    await run_pii_operations(app, client, database)

    assert json_log.lines
    for line in json_log.lines:
        for value in SENSITIVE:
            assert value.lower() not in line.lower(), f"{value!r} logged in {line}"


async def test_every_log_line_is_one_json_object(app, client, database, worker, json_log):
    await run_pii_operations(app, client, database)

    for line in json_log.lines:
        entry = json.loads(line)
        assert isinstance(entry, dict)
        assert {"time", "level", "logger", "message"} <= set(entry)


REQUIRED = {"time", "level", "request_id", "key_name", "operation", "duration_ms", "outcome"}


async def test_access_lines_say_who_what_how_long_and_how_it_went(client, json_log):
    response = await client.post("/graphql", json={"query": FIND, "variables": {"filter": {"email": EMAIL}}})

    [access] = json_log.entries("customer_credit.access")
    assert REQUIRED <= set(access)
    assert access["request_id"] == response.headers["x-request-id"]
    assert access["key_name"] == "tester"
    assert access["operation"] == "FindAccounts"
    assert access["outcome"] == "ok"
    assert access["route"] == "/graphql" and access["status"] == 200
    assert isinstance(access["duration_ms"], float)


async def test_operation_lines_say_who_what_how_long_and_how_it_went(client, json_log):
    response = await client.post("/graphql", json={"query": FIND, "variables": {"filter": {"email": EMAIL}}})

    [operation] = json_log.entries("customer_credit.graphql")
    assert REQUIRED <= set(operation)
    assert operation["request_id"] == response.headers["x-request-id"]
    assert operation["key_name"] == "tester"
    assert operation["operation"] == "FindAccounts"
    assert operation["outcome"] == "ok"


async def test_a_refused_operation_logs_its_error_codes_as_the_outcome(client_with, json_log):
    reader = await client_with("accounts:read")

    await reader.post("/graphql", json={"query": OPEN, "variables": {"input": {"email": EMAIL}}})

    [operation] = json_log.entries("customer_credit.graphql")
    [access] = json_log.entries("customer_credit.access")
    assert operation["outcome"] == access["outcome"] == "FORBIDDEN"
    assert operation["key_name"].startswith("key-")


async def test_a_request_without_a_key_logs_client_error_and_no_key_name(app, json_log):
    async with http_client(app, WRONG_SECRET) as intruder:
        await intruder.post("/graphql", json={"query": ACCOUNT, "variables": {"id": "x"}})

    [access] = json_log.entries("customer_credit.access")
    assert access["status"] == 401 and access["outcome"] == "client_error"
    assert access["route"] == "/graphql"
    assert access["key_name"] is None and access["operation"] is None


async def test_an_operation_name_that_is_not_a_graphql_name_is_not_logged(client, json_log):
    await client.post("/graphql", json={"query": "{ __typename }", "operationName": EMAIL})

    assert json_log.lines
    for line in json_log.lines:
        assert EMAIL.lower() not in line.lower()


def test_formatter_redacts_emails_documents_and_secrets_from_free_text():
    record = logging.makeLogRecord(
        {
            "name": "pymongo",
            "levelname": "ERROR",
            "levelno": logging.ERROR,
            "msg": 'E11000 duplicate key error dup key: { email_key: "%s" } doc %s auth Bearer %s',
            "args": (EMAIL, CPF, WRONG_SECRET),
        }
    )

    line = JsonFormatter().format(record)

    for value in (EMAIL, CPF, WRONG_SECRET):
        assert value not in line
    assert json.loads(line)["message"].startswith("E11000 duplicate key error")


def test_served_logging_is_json_and_silences_uvicorns_raw_access_log():
    """`serve` configures logging with this: uvicorn's access log prints the raw path and query
    string (`/accounts/export.csv?email=...`), so it is off; AccessLogMiddleware logs instead."""
    from customer_credit.observability.logs import uvicorn_log_config

    config = uvicorn_log_config("INFO")

    assert config["formatters"]["json"]["()"] is JsonFormatter
    assert config["root"]["handlers"] == ["stderr"]
    access = config["loggers"]["uvicorn.access"]
    assert access["handlers"] == [] and access["propagate"] is False and access["level"] == "CRITICAL"
