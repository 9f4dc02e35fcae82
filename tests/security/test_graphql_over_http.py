"""GraphQL over HTTP as its spec says: the `application/graphql-response+json` media type (request
errors are then HTTP 400 without `data`), the legacy `application/json` answers unchanged, and GET for
queries only, behind the key like POST."""

from __future__ import annotations

import pytest

from customer_credit.persistence.database import ACCOUNTS

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
ASK_GRAPHQL_RESPONSE = {"Accept": GRAPHQL_RESPONSE_JSON}
ASK_JSON = {"Accept": "application/json"}
TYPENAME = "{ __typename }"
VIEWER = "query { viewer { name } }"
UNPARSABLE = "{"
INVALID = "{ noSuchField }"
COERCED = "query Account($id: ID!) { account(id: $id) { id } }"
NOT_AN_ID = {"id": {"not": "an id"}}
OPEN = 'mutation { openOrChangeAccount(input: {email: "get@example.com"}) { created } }'
FORBIDDEN_FOR_A_READER = 'mutation { closeAccount(id: "nobody") { account { id } } }'
# The `query` parameter's name with its `q` percent-encoded: the same parameter to the view.
ENCODED_QUERY_NAME = "/graphql?%71uery=%7B%20viewer%20%7B%20name%20%7D%20%7D"

REQUEST_ERRORS = [
    pytest.param({"query": UNPARSABLE}, id="parse"),
    pytest.param({"query": INVALID}, id="validation"),
    pytest.param({"query": COERCED, "variables": NOT_AN_ID}, id="variable-coercion"),
]


async def test_graphql_response_json_is_answered_in_that_media_type(client):
    response = await client.post("/graphql", json={"query": TYPENAME}, headers=ASK_GRAPHQL_RESPONSE)

    assert response.status_code == 200
    assert response.headers["content-type"] == GRAPHQL_RESPONSE_JSON
    assert response.json() == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize(
    "accept",
    [
        "application/json",
        "*/*",
        "application/json, application/graphql-response+json;q=0.5",
        "application/graphql-response+json;q=0",
    ],
)
async def test_a_client_not_preferring_graphql_response_json_gets_application_json(client, accept):
    response = await client.post("/graphql", json={"query": TYPENAME}, headers={"Accept": accept})

    assert response.headers["content-type"] == "application/json"


async def test_graphql_response_json_preferred_over_application_json_is_answered(client):
    accept = "application/json;q=0.9, application/graphql-response+json"

    response = await client.post("/graphql", json={"query": TYPENAME}, headers={"Accept": accept})

    assert response.headers["content-type"] == GRAPHQL_RESPONSE_JSON


@pytest.mark.parametrize("body", REQUEST_ERRORS)
async def test_a_request_error_with_graphql_response_json_is_400_without_data(client, body):
    response = await client.post("/graphql", json=body, headers=ASK_GRAPHQL_RESPONSE)

    assert response.status_code == 400
    assert response.headers["content-type"] == GRAPHQL_RESPONSE_JSON
    assert "data" not in response.json() and response.json()["errors"]


@pytest.mark.parametrize("body", REQUEST_ERRORS)
async def test_a_request_error_with_application_json_stays_200_with_data_null(client, body):
    response = await client.post("/graphql", json=body, headers=ASK_JSON)

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json()["data"] is None and response.json()["errors"]


async def test_a_field_error_with_graphql_response_json_is_200_with_data(client_with):
    reader = await client_with("accounts:read")

    response = await reader.post("/graphql", json={"query": FORBIDDEN_FOR_A_READER}, headers=ASK_GRAPHQL_RESPONSE)

    assert response.status_code == 200
    assert "data" in response.json()
    assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_query_runs_over_get(client):
    response = await client.get("/graphql", params={"query": VIEWER}, headers=ASK_JSON)

    assert response.status_code == 200
    assert response.json() == {"data": {"viewer": {"name": "tester"}}}


async def test_a_query_over_get_takes_url_encoded_variables(client):
    params = {"query": COERCED, "variables": '{"id": "nobody"}'}

    response = await client.get("/graphql", params=params, headers=ASK_GRAPHQL_RESPONSE)

    assert response.status_code == 200
    assert response.json() == {"data": {"account": None}}


async def test_a_mutation_over_get_is_405_and_writes_nothing(client, database):
    response = await client.get("/graphql", params={"query": OPEN}, headers=ASK_GRAPHQL_RESPONSE)

    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert await database.collection(ACCOUNTS).count_documents({}) == 0


async def test_a_query_over_get_needs_a_key(anonymous):
    response = await anonymous.get("/graphql", params={"query": VIEWER}, headers={"Accept": "text/html"})

    assert response.status_code == 401


async def test_a_percent_encoded_query_parameter_is_not_the_public_graphiql_page(anonymous):
    response = await anonymous.get(ENCODED_QUERY_NAME, headers={"Accept": "text/html"})

    assert response.status_code == 401
