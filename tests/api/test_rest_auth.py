"""REST and export routes: both auth styles (Bearer; X-VTEX-API-AppKey + X-VTEX-API-AppToken), 401, 403."""

from __future__ import annotations

import httpx
import pytest
import pytest_asyncio

from tests.support.accounts import account_with_history
from tests.support.clients import make_key

EMAIL_BODY = b'{"email": "new@example.com"}'
SEEDED_BODY = b'{"email": "seeded@example.com"}'

# (method, url, body, scopes the route needs, status on success)
ROUTES = [
    ("PUT", "/api/creditcontrol/accounts/acc-new", EMAIL_BODY, ("accounts:write",), 201),
    ("GET", "/api/creditcontrol/accounts/acc-1", None, ("accounts:read",), 200),
    ("GET", "/api/creditcontrol/accounts?from=1&to=10", None, ("accounts:read",), 200),
    ("DELETE", "/api/creditcontrol/accounts/acc-1", None, ("accounts:write",), 200),
    ("GET", "/api/creditcontrol/openapi.json", None, (), 200),
    ("GET", "/accounts/export.csv", None, ("accounts:read", "pii:read"), 200),
]
ROUTE_IDS = [f"{method} {url}" for method, url, *_ in ROUTES]
SCOPED_ROUTES = [route for route in ROUTES if route[3]]
SCOPED_IDS = [f"{method} {url}" for method, url, *_ in SCOPED_ROUTES]


@pytest_asyncio.fixture
async def seeded(client):
    response = await client.put("/api/creditcontrol/accounts/acc-1", content=SEEDED_BODY)
    assert response.status_code == 201, response.text


@pytest_asyncio.fixture
async def pair_client(app, database):
    """A client that authenticates the original API's way: the key's name and its secret."""
    secret = await make_key(database, "vtex-integration", {"admin"})
    headers = {"X-VTEX-API-AppKey": "vtex-integration", "X-VTEX-API-AppToken": secret}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver", headers=headers
    ) as c:
        yield c


@pytest_asyncio.fixture
async def key_pairs(database):
    """Two keys' names and secrets, to mix them up."""
    return {name: await make_key(database, name, {"admin"}) for name in ("first-key", "second-key")}


async def call(client: httpx.AsyncClient, method: str, url: str, body: bytes | None, **kwargs) -> httpx.Response:
    return await client.request(method, url, content=body, **kwargs)


@pytest.mark.parametrize(("method", "url", "body", "scopes", "status"), ROUTES, ids=ROUTE_IDS)
async def test_every_route_answers_a_bearer_key(client, seeded, method, url, body, scopes, status):
    response = await call(client, method, url, body)

    assert response.status_code == status, response.text


@pytest.mark.parametrize(("method", "url", "body", "scopes", "status"), ROUTES, ids=ROUTE_IDS)
async def test_every_route_answers_an_appkey_and_apptoken_pair(
    pair_client, client, seeded, method, url, body, scopes, status
):
    response = await call(pair_client, method, url, body)

    assert response.status_code == status, response.text


@pytest.mark.parametrize(("method", "url", "body", "scopes", "status"), ROUTES, ids=ROUTE_IDS)
async def test_every_route_refuses_a_pair_whose_name_is_another_keys(
    anonymous, key_pairs, method, url, body, scopes, status
):
    headers = {"X-VTEX-API-AppKey": "second-key", "X-VTEX-API-AppToken": key_pairs["first-key"]}

    response = await call(anonymous, method, url, body, headers=headers)

    assert response.status_code == 401
    assert response.content == b""


@pytest.mark.parametrize(("method", "url", "body", "scopes", "status"), ROUTES, ids=ROUTE_IDS)
async def test_every_route_refuses_a_wrong_apptoken(anonymous, key_pairs, method, url, body, scopes, status):
    headers = {"X-VTEX-API-AppKey": "first-key", "X-VTEX-API-AppToken": "cc_not-the-secret"}

    response = await call(anonymous, method, url, body, headers=headers)

    assert response.status_code == 401


@pytest.mark.parametrize(("method", "url", "body", "scopes", "status"), ROUTES, ids=ROUTE_IDS)
async def test_every_route_refuses_a_request_without_a_key(anonymous, method, url, body, scopes, status):
    response = await call(anonymous, method, url, body)

    assert response.status_code == 401
    assert response.content == b""


@pytest.mark.parametrize(("method", "url", "body", "scopes", "status"), SCOPED_ROUTES, ids=SCOPED_IDS)
async def test_every_scoped_route_refuses_a_key_without_its_scope_with_403(
    client_with, seeded, unchanged_store, method, url, body, scopes, status
):
    for missing in scopes:
        caller = await client_with(*({"accounts:read", "accounts:write", "pii:read"} - {missing}))

        async with unchanged_store():
            response = await call(caller, method, url, body)

        assert response.status_code == 403, (missing, response.text)
        assert response.json()["code"] == "FORBIDDEN"
        assert missing in response.json()["message"]


async def test_a_pair_write_is_recorded_with_the_key_name_as_actor(pair_client):
    await pair_client.put("/api/creditcontrol/accounts/acc-9", content=EMAIL_BODY)

    history = (await account_with_history(pair_client, "acc-9"))["history"]

    assert [(event["actor"], event["source"]) for event in history["nodes"]] == [("vtex-integration", "API")]
