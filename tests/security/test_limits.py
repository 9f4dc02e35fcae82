"""Query and request limits: each is a setting, and going over it is a clear refusal, never a 500,
never a silent truncation, and never a partial execution."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from customer_credit.persistence.database import ACCOUNTS
from customer_credit.settings import Settings
from tests.support.graphql import error_codes, graphql
from tests.support.imports import IMPORT_CSV, upload_csv

MAX_DEPTH = 6
MAX_ALIASES = 4
MAX_TOKENS = 300
MAX_BODY_BYTES = 8 * 1024
MAX_UPLOAD_BYTES = 64 * 1024


@pytest.fixture
def settings() -> Settings:
    """Small limits, so that each can be crossed cheaply; the page size keeps its default (100)."""
    return Settings(
        mongodb_uri="mongodb://unused",
        data_dir=Path("/nonexistent"),
        max_query_depth=MAX_DEPTH,
        max_aliases=MAX_ALIASES,
        max_query_tokens=MAX_TOKENS,
        max_body_bytes=MAX_BODY_BYTES,
        max_upload_bytes=MAX_UPLOAD_BYTES,
    )


OPEN = """
mutation Open($input: OpenOrChangeAccountInput!) { openOrChangeAccount(input: $input) { account { id } errors { code } } }
"""


async def account_count(database) -> int:
    return await database.collection(ACCOUNTS).count_documents({})


def messages(result: dict) -> str:
    return " ".join(error["message"] for error in result.get("errors", []))


# --- depth ------------------------------------------------------------------------------------

# accounts > edges > node > history > edges > node > changes > field: 8 levels.
DEEP = "query Deep { accounts { edges { node { history { edges { node { changes { field } } } } } } } }"
# accounts > nodes > history > nodes > version: 5 levels.
SHALLOW = "query Shallow { accounts { nodes { history { nodes { version } } } } }"


async def test_query_deeper_than_max_query_depth_is_refused(client):
    result = await graphql(client, DEEP)

    assert result.get("data") is None
    assert f"exceeds maximum operation depth of {MAX_DEPTH}" in messages(result)


async def test_query_within_max_query_depth_runs(client):
    result = await graphql(client, SHALLOW)

    assert "errors" not in result, result
    assert result["data"]["accounts"]["nodes"] == []


async def test_depth_through_fragments_counts_too(client):
    query = """
    query Deep { accounts { edges { ...Edge } } }
    fragment Edge on AccountEdge { node { history { edges { node { changes { field } } } } } }
    """
    result = await graphql(client, query)

    assert result.get("data") is None
    assert f"exceeds maximum operation depth of {MAX_DEPTH}" in messages(result)


async def test_fragment_cycle_is_refused_not_a_crash(lenient):
    query = "query Loop { ...A } fragment A on Query { ...B } fragment B on Query { ...A }"
    response = await lenient.post("/graphql", json={"query": query})

    assert response.status_code in (200, 400)
    result = response.json()
    assert result.get("data") is None and result["errors"]
    assert "INTERNAL_SERVER_ERROR" not in error_codes(result)


# --- aliases ----------------------------------------------------------------------------------


def aliased(count: int) -> str:
    fields = " ".join(f"a{i}: accounts(first: 1) {{ totalCount }}" for i in range(count))
    return f"query Aliases {{ {fields} }}"


async def test_more_aliases_than_max_aliases_are_refused(client):
    result = await graphql(client, aliased(MAX_ALIASES + 1))

    assert result.get("data") is None
    assert f"Allowed: {MAX_ALIASES}" in messages(result)


async def test_aliases_up_to_max_aliases_run(client):
    result = await graphql(client, aliased(MAX_ALIASES))

    assert "errors" not in result, result
    assert len(result["data"]) == MAX_ALIASES


async def test_aliased_mutations_over_the_limit_write_nothing(client, database):
    fields = " ".join(
        f'm{i}: openOrChangeAccount(input: {{email: "alias{i}@example.com"}}) {{ created }}'
        for i in range(MAX_ALIASES + 1)
    )
    result = await graphql(client, f"mutation Many {{ {fields} }}")

    assert result.get("data") is None
    assert await account_count(database) == 0


# --- tokens -----------------------------------------------------------------------------------


async def test_query_with_more_than_max_query_tokens_is_refused(client):
    # Each `__typename` is one token; the braces and the operation's name add a few.
    query = "query Tokens { " + " ".join(["__typename"] * MAX_TOKENS) + " }"
    result = await graphql(client, query)

    assert result.get("data") is None
    assert f"more than {MAX_TOKENS} tokens" in messages(result)


async def test_query_under_max_query_tokens_runs(client):
    query = "query Tokens { " + " ".join(["__typename"] * (MAX_TOKENS - 10)) + " }"
    result = await graphql(client, query)

    assert "errors" not in result, result


# --- page size --------------------------------------------------------------------------------

PAGE_QUERIES = {
    "accounts": "query Page($first: Int) { accounts(first: $first) { totalCount } }",
    "history": "query Page($id: ID!, $first: Int) { account(id: $id) { history(first: $first) { totalCount } } }",
    "importRuns": "query Page($first: Int) { importRuns(first: $first) { totalCount } }",
    "errors": "query Page($id: ID!, $first: Int) { importRun(id: $id) { errors(first: $first) { totalCount } } }",
}


@pytest.fixture
async def page_targets(client) -> dict:
    """An account and an import run, so that `history` and `errors` are reached."""
    opened = await graphql(client, OPEN, input={"id": "page-account", "email": "page@example.com"})
    assert opened["data"]["openOrChangeAccount"]["errors"] == []
    run = (await upload_csv(client, b"Email\r\nrun@example.com\r\n"))["data"]["importCsv"]["importRun"]
    return {"history": {"id": "page-account"}, "errors": {"id": run["id"]}}


@pytest.mark.parametrize("connection", list(PAGE_QUERIES))
async def test_first_over_one_hundred_is_a_page_size_error_on_every_connection(client, page_targets, connection):
    result = await graphql(client, PAGE_QUERIES[connection], first=101, **page_targets.get(connection, {}))

    assert error_codes(result) == ["PAGE_SIZE"]
    assert "100" in result["errors"][0]["message"]


@pytest.mark.parametrize("connection", list(PAGE_QUERIES))
async def test_first_of_exactly_one_hundred_is_served(client, page_targets, connection):
    result = await graphql(client, PAGE_QUERIES[connection], first=100, **page_targets.get(connection, {}))

    assert "errors" not in result, result


@pytest.mark.parametrize("first", [-1, 2**31 - 1])
async def test_negative_or_huge_first_is_a_page_size_error(client, first):
    result = await graphql(client, PAGE_QUERIES["accounts"], first=first)

    assert error_codes(result) == ["PAGE_SIZE"]


# --- batching ---------------------------------------------------------------------------------


async def test_json_array_of_operations_is_refused_with_400(client):
    body = [{"query": "{ __typename }"}, {"query": "{ __typename }"}]
    response = await client.post("/graphql", json=body)

    assert response.status_code == 400


async def test_batched_mutations_are_not_executed(client, database):
    body = [{"query": OPEN, "variables": {"input": {"email": f"batch{i}@example.com"}}} for i in range(3)]
    response = await client.post("/graphql", json=body)

    assert response.status_code == 400
    assert await account_count(database) == 0


async def test_multipart_batch_is_refused_with_400(client, database):
    operations = [{"query": IMPORT_CSV, "variables": {"file": None, "mode": "CREATE"}}] * 2
    response = await client.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["0.variables.file"]})},
        files={"0": ("a.csv", b"Email\r\nbatch@example.com\r\n", "text/csv")},
        headers={"Apollo-Require-Preflight": "true"},
    )

    assert response.status_code == 400


# --- request body size ------------------------------------------------------------------------


def open_body(size: int) -> bytes:
    """A JSON request opening an account, padded (with spaces) to exactly `size` bytes."""
    body = json.dumps({"query": OPEN, "variables": {"input": {"email": "big@example.com"}}}).encode()
    return body[:-1] + b" " * (size - len(body)) + b"}"


async def test_json_body_over_max_body_bytes_is_413_and_writes_nothing(client, database):
    response = await client.post(
        "/graphql", content=open_body(MAX_BODY_BYTES + 1), headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 413
    assert response.json()["code"] == "TOO_LARGE"
    assert await account_count(database) == 0


async def test_json_body_of_exactly_max_body_bytes_is_served(client, database):
    response = await client.post(
        "/graphql", content=open_body(MAX_BODY_BYTES), headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 200, response.text
    assert await account_count(database) == 1


async def test_streamed_json_body_without_content_length_over_the_cap_is_413(client, database):
    body = open_body(MAX_BODY_BYTES * 3)

    async def chunks():
        for start in range(0, len(body), 1024):
            yield body[start : start + 1024]

    response = await client.post("/graphql", content=chunks(), headers={"Content-Type": "application/json"})

    assert response.status_code == 413
    assert await account_count(database) == 0


async def test_body_that_lies_about_its_length_is_still_capped(client, database):
    """A small Content-Length does not lift the cap: the bytes that arrive are counted."""
    body = open_body(MAX_BODY_BYTES * 2)

    async def chunks():
        yield body

    response = await client.post(
        "/graphql", content=chunks(), headers={"Content-Type": "application/json", "Content-Length": "10"}
    )

    assert response.status_code in (400, 413)
    assert await account_count(database) == 0


async def test_upload_over_the_json_cap_but_under_the_upload_cap_is_accepted(client):
    content = b"Email,Description\r\nbig@example.com," + b"x" * (MAX_BODY_BYTES * 2) + b"\r\n"
    assert MAX_BODY_BYTES < len(content) < MAX_UPLOAD_BYTES

    payload = (await upload_csv(client, content))["data"]["importCsv"]

    assert payload["errors"] == []
    assert payload["importRun"]["fileSize"] == len(content)


async def test_upload_over_the_upload_cap_is_413(client, database):
    content = b"Email,Description\r\nbig@example.com," + b"x" * (MAX_UPLOAD_BYTES + 128 * 1024) + b"\r\n"
    operations = {"query": IMPORT_CSV, "variables": {"file": None, "mode": "CREATE"}}
    response = await client.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.file"]})},
        files={"0": ("big.csv", content, "text/csv")},
        headers={"Apollo-Require-Preflight": "true"},
    )

    assert response.status_code == 413


async def test_json_body_is_not_given_the_upload_cap_by_a_disguised_content_type(client, database):
    """Only a real multipart request gets the larger upload cap."""
    response = await client.post(
        "/graphql",
        content=open_body(MAX_BODY_BYTES + 1),
        headers={"Content-Type": "application/json; boundary=multipart/form-data", "Apollo-Require-Preflight": "1"},
    )

    assert response.status_code == 413
    assert await account_count(database) == 0


# --- the settings themselves ------------------------------------------------------------------

DOCUMENTED_DEFAULTS = {
    "max_page_size": 100,
    "max_query_depth": 12,
    "max_aliases": 30,
    "max_query_tokens": 2000,
    "max_body_bytes": 1_000_000,
    "max_upload_bytes": 52_428_800,
    "max_import_rows": 1_000_000,
    "introspection_enabled": True,
    "graphiql_enabled": True,
}


@pytest.mark.parametrize(("name", "default"), DOCUMENTED_DEFAULTS.items())
def test_each_limit_has_its_documented_default(monkeypatch, name, default):
    monkeypatch.delenv(name.upper(), raising=False)

    assert Settings.model_fields[name].get_default(call_default_factory=True) == default


@pytest.mark.parametrize("name", [n for n in DOCUMENTED_DEFAULTS if n.startswith("max_")])
def test_each_limit_is_read_from_its_environment_variable(monkeypatch, name):
    monkeypatch.setenv(name.upper(), "1000" if name == "max_page_size" else "4321")

    assert getattr(Settings(), name) == (1000 if name == "max_page_size" else 4321)


# --- metrics cardinality ----------------------------------------------------------------------


async def test_client_chosen_operation_names_cannot_grow_the_metrics_without_bound(app, client):
    from customer_credit.observability.metrics import Metrics

    for i in range(Metrics.MAX_OPERATION_LABELS + 50):
        await client.post("/graphql", json={"query": f"query Op{i} {{ __typename }}"})

    rendered = (await client.get("/metrics")).text
    labels = {
        line.split('operation="')[1].split('"')[0]
        for line in rendered.splitlines()
        if line.startswith("customer_credit_graphql_operations_total{")
    }
    assert len(labels) <= Metrics.MAX_OPERATION_LABELS + 1
    assert "other" in labels
