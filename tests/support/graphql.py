"""GraphQL calls and what their answers say: in process (an httpx client of the ASGI app) or over
HTTP to a running service (a URL and an API key's secret)."""

from __future__ import annotations

import json
from typing import Any

import httpx


async def graphql(client: httpx.AsyncClient, query: str, **variables: Any) -> dict:
    """The JSON answer of a request that must get HTTP 200."""
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    return response.json()


def payload_of(result: dict, operation: str) -> dict:
    """The operation's payload of an answer without top-level errors."""
    assert "errors" not in result, result.get("errors")
    return result["data"][operation]


def codes(payload: dict) -> list[str]:
    """The codes of a mutation payload's `errors`."""
    return [error["code"] for error in payload["errors"]]


def error_codes(result: dict) -> list[str | None]:
    """The `extensions.code` of each top-level GraphQL error."""
    return [error.get("extensions", {}).get("code") for error in result.get("errors", [])]


async def post_raw(
    client: httpx.AsyncClient, body: bytes | str, content_type: str = "application/json"
) -> httpx.Response:
    return await client.post("/graphql", content=body, headers={"Content-Type": content_type})


def request_body(query: str, **variables: Any) -> bytes:
    """A JSON body built by hand, so that values httpx would refuse (lone surrogates) can be sent escaped."""
    return json.dumps({"query": query, "variables": variables}).encode()


# --- over HTTP, to a service running as a process ------------------------------------------------


def gql(
    url: str, secret: str, query: str, variables: dict[str, Any] | None = None, timeout: float = 10
) -> httpx.Response:
    return httpx.post(
        url + "/graphql",
        json={"query": query, "variables": variables or {}},
        headers={"Authorization": f"Bearer {secret}"},
        timeout=timeout,
    )


def gql_data(url: str, secret: str, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """The `data` of a call that must succeed."""
    response = gql(url, secret, query, variables)
    assert response.status_code == 200, response.text
    body = response.json()
    assert not body.get("errors"), body
    return body["data"]
