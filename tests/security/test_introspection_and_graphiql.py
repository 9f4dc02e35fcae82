"""Introspection and GraphiQL: on by default for callers with a key, each with a setting to turn it
off in production; with introspection off, error messages stop suggesting field names."""

from __future__ import annotations

from pathlib import Path

import pytest

from customer_credit.http.app import create_app
from customer_credit.settings import Settings
from tests.support.clients import http_client, make_key
from tests.support.graphql import error_codes, graphql

SCHEMA_QUERY = "query Introspect { __schema { queryType { name } types { name } } }"
TYPE_QUERY = 'query Type { __type(name: "Account") { fields { name } } }'
HTML = {"Accept": "text/html"}


@pytest.fixture
async def client_for(database):
    """An admin client of an app built with the given setting overrides."""
    opened = []

    async def build(**overrides):
        settings = Settings(mongodb_uri="mongodb://unused", data_dir=Path("/nonexistent"), **overrides)
        app = create_app(settings, database=database)
        c = http_client(app, await make_key(database, f"k{len(opened)}", {"admin"}))
        opened.append(c)
        return c

    yield build
    for c in opened:
        await c.aclose()


# --- defaults ---------------------------------------------------------------------------------


async def test_introspection_is_on_by_default_for_a_caller_with_a_key(client):
    result = await graphql(client, SCHEMA_QUERY)

    assert "errors" not in result
    assert result["data"]["__schema"]["queryType"]["name"] == "Query"


async def test_introspection_needs_a_key(anonymous):
    response = await anonymous.post("/graphql", json={"query": SCHEMA_QUERY})

    assert response.status_code == 401
    assert response.content == b""


async def test_graphiql_page_is_served_by_default(anonymous):
    response = await anonymous.get("/graphql", headers=HTML)

    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


async def test_suggestions_are_given_while_introspection_is_on(client):
    result = await graphql(client, "query { acounts { totalCount } }")

    assert "Did you mean 'accounts'" in result["errors"][0]["message"]


# --- INTROSPECTION_ENABLED=false --------------------------------------------------------------


@pytest.mark.parametrize("query", [SCHEMA_QUERY, TYPE_QUERY], ids=["__schema", "__type"])
async def test_introspection_is_refused_when_turned_off(client_for, query):
    client = await client_for(introspection_enabled=False)

    result = await graphql(client, query)

    assert result.get("data") is None
    assert "introspection" in result["errors"][0]["message"].lower()


async def test_typename_still_works_with_introspection_off(client_for):
    client = await client_for(introspection_enabled=False)

    result = await graphql(client, "query { accounts { __typename } }")

    assert result["data"]["accounts"]["__typename"] == "AccountConnection"


async def test_introspection_hidden_in_a_fragment_is_refused_too(client_for):
    client = await client_for(introspection_enabled=False)

    result = await graphql(client, "query { ...F } fragment F on Query { __schema { types { name } } }")

    assert result.get("data") is None


SUGGESTING = {
    "field": ("query { acounts { totalCount } }", {}),
    "argument": ("query { accounts(frist: 1) { totalCount } }", {}),
    "enum-literal": ("query { accounts(filter: {status: OPN}) { totalCount } }", {}),
    "type-condition": ("query { accounts { nodes { ... on Acount { id } } } }", {}),
    "input-field-in-variables": (
        "mutation M($input: OpenOrChangeAccountInput!) { openOrChangeAccount(input: $input) { created } }",
        {"input": {"email": "a@example.com", "emial": "b@example.com", "creditLimt": "1"}},
    ),
    "enum-in-variables": (
        "query Q($filter: AccountFilter) { accounts(filter: $filter) { totalCount } }",
        {"filter": {"status": "OPN"}},
    ),
}


@pytest.mark.parametrize(("query", "variables"), SUGGESTING.values(), ids=SUGGESTING.keys())
async def test_no_suggestions_with_introspection_off(client_for, query, variables):
    client = await client_for(introspection_enabled=False)

    result = await graphql(client, query, **variables)

    assert result["errors"]
    for error in result["errors"]:
        assert "did you mean" not in error["message"].lower()
        said = error["message"].split(" Found: ")[0]  # after it, the caller's own value is echoed
        for name in ("'accounts'", "'first'", "'OPEN'", "'Account'", "'email'", "'creditLimit'"):
            assert name not in said


async def test_errors_still_say_what_is_wrong_without_suggestions(client_for):
    client = await client_for(introspection_enabled=False)

    result = await graphql(client, "query { acounts { totalCount } }")

    assert result["errors"][0]["message"] == "Cannot query field 'acounts' on type 'Query'."


async def test_turning_introspection_off_keeps_expected_errors_intact(client_for):
    client = await client_for(introspection_enabled=False)

    result = await graphql(client, "query { accounts(first: 101) { totalCount } }")

    assert error_codes(result) == ["PAGE_SIZE"]


# --- GRAPHIQL_ENABLED=false -------------------------------------------------------------------


async def test_graphiql_page_is_gone_when_turned_off(client_for):
    client = await client_for(graphiql_enabled=False)

    response = await client.get("/graphql", headers=HTML)

    assert response.status_code in (401, 404, 405)
    assert "graphiql" not in response.text.lower()


async def test_graphiql_page_is_gone_for_anonymous_callers_when_turned_off(client_for):
    client = await client_for(graphiql_enabled=False)
    client.headers.pop("Authorization")

    response = await client.get("/graphql", headers=HTML)

    assert response.status_code in (401, 404)
    assert "graphiql" not in response.text.lower()


async def test_api_works_with_graphiql_and_introspection_off(client_for):
    client = await client_for(graphiql_enabled=False, introspection_enabled=False)

    result = await graphql(client, "query { accounts { totalCount } }")

    assert result == {"data": {"accounts": {"totalCount": 0}}}


# --- the settings -----------------------------------------------------------------------------


@pytest.mark.parametrize("variable", ["INTROSPECTION_ENABLED", "GRAPHIQL_ENABLED"])
@pytest.mark.parametrize(("value", "expected"), [("false", False), ("0", False), ("true", True)])
def test_each_switch_is_read_from_its_environment_variable(monkeypatch, variable, value, expected):
    monkeypatch.setenv(variable, value)

    assert getattr(Settings(), variable.lower()) is expected
