"""`viewer { name scopes }`: the API key making the request, for any valid key, so a client (the admin
page) offers only what the key can do."""

from __future__ import annotations

from customer_credit.domain.api_keys import SCOPES
from tests.support.clients import http_client, make_key
from tests.support.graphql import graphql

VIEWER = "query Viewer { viewer { name scopes } }"


async def test_viewer_answers_the_keys_name_and_scopes_whatever_they_are(app, database):
    secret = await make_key(database, "partner-reader", {"pii:read", "accounts:read"})
    async with http_client(app, secret) as reader:
        result = await graphql(reader, VIEWER)

    assert "errors" not in result, result["errors"]
    assert result["data"]["viewer"] == {"name": "partner-reader", "scopes": ["accounts:read", "pii:read"]}


async def test_a_key_with_only_an_unrelated_scope_can_still_ask_who_it_is(app, database):
    secret = await make_key(database, "prometheus", {"metrics:read"})
    async with http_client(app, secret) as scraper:
        result = await graphql(scraper, VIEWER)

    assert result["data"]["viewer"] == {"name": "prometheus", "scopes": ["metrics:read"]}


async def test_an_admin_key_lists_every_scope_so_a_client_can_test_for_the_one_it_needs(app, database):
    secret = await make_key(database, "boss", {"admin"})
    async with http_client(app, secret) as admin:
        result = await graphql(admin, VIEWER)

    assert result["data"]["viewer"] == {"name": "boss", "scopes": list(SCOPES)}
    assert "accounts:write" in result["data"]["viewer"]["scopes"]


async def test_viewer_without_a_key_is_a_bare_401(anonymous):
    response = await anonymous.post("/graphql", json={"query": VIEWER})

    assert response.status_code == 401
