"""REST compatibility: `POST /api/creditcontrol/accounts/{id}/holders` and
`DELETE /api/creditcontrol/accounts/{id}/holders/{holderId}`, with the same rules as GraphQL."""

from __future__ import annotations

from tests.support.accounts import open_account
from tests.support.holders import added_holder, holders_path

OPENAPI_URL = "/api/creditcontrol/openapi.json"


async def test_post_adds_the_holder_and_answers_201_with_the_account(client):
    await open_account(client, id="a1", email="ana@example.com")

    response = await client.post(holders_path("a1"), json={"claims": {"email": "Bia@Example.com"}})

    assert response.status_code == 201
    body = response.json()
    assert (body["version"], [h["email"] for h in body["holders"]]) == (2, ["Bia@example.com"])


async def test_post_of_an_email_that_already_is_a_holder_answers_200_unchanged(client):
    await open_account(client, id="a1", email="ana@example.com")
    await added_holder(client, "a1", "bia@example.com")

    response = await client.post(holders_path("a1"), json={"claims": {"email": "bia@example.com"}})

    assert (response.status_code, response.json()["version"]) == (200, 2)


async def test_post_of_another_open_accounts_email_is_409_email_in_use(client):
    await open_account(client, id="a1", email="ana@example.com")
    await open_account(client, id="a2", email="bia@example.com")

    response = await client.post(holders_path("a2"), json={"claims": {"email": "ana@example.com"}})

    assert response.status_code == 409
    assert (response.json()["code"], response.json()["field"]) == ("EMAIL_IN_USE", "email")


async def test_post_past_ten_holders_is_409_too_many_holders(client):
    await open_account(client, id="a1", email="ana@example.com")
    for n in range(10):
        await added_holder(client, "a1", f"holder{n}@example.com")

    response = await client.post(holders_path("a1"), json={"claims": {"email": "one.more@example.com"}})

    assert (response.status_code, response.json()["code"]) == (409, "TOO_MANY_HOLDERS")


async def test_post_without_the_claims_object_is_400(client):
    await open_account(client, id="a1", email="ana@example.com")

    response = await client.post(holders_path("a1"), json={"email": "bia@example.com"})

    assert response.status_code == 400
    assert {e["code"] for e in response.json()["errors"]} == {"UNKNOWN_MEMBER", "INVALID_EMAIL"}


async def test_post_to_an_unknown_account_is_404(client):
    response = await client.post(holders_path("nobody"), json={"claims": {"email": "bia@example.com"}})

    assert (response.status_code, response.json()["code"]) == (404, "NOT_FOUND")


async def test_delete_removes_the_holder_and_answers_the_account(client):
    await open_account(client, id="a1", email="ana@example.com")
    holder = (await added_holder(client, "a1", "bia@example.com"))["holders"][0]

    response = await client.delete(f"{holders_path('a1')}/{holder['id']}")

    assert response.status_code == 200
    assert (response.json()["holders"], response.json()["version"]) == ([], 3)


async def test_delete_of_an_unknown_holder_is_404(client):
    await open_account(client, id="a1", email="ana@example.com")

    response = await client.delete(f"{holders_path('a1')}/nobody")

    assert (response.status_code, response.json()["code"]) == (404, "NOT_FOUND")


async def test_holder_routes_need_accounts_write(client, client_with):
    await open_account(client, id="a1", email="ana@example.com")
    holder = (await added_holder(client, "a1", "bia@example.com"))["holders"][0]
    reader = await client_with("accounts:read", "pii:read")

    posted = await reader.post(holders_path("a1"), json={"claims": {"email": "caio@example.com"}})
    deleted = await reader.delete(f"{holders_path('a1')}/{holder['id']}")

    assert (posted.status_code, deleted.status_code) == (403, 403)
    assert posted.json()["code"] == "FORBIDDEN"


async def test_the_openapi_document_lists_the_holder_operations(client):
    paths = (await client.get(OPENAPI_URL)).json()["paths"]

    holders = paths["/api/creditcontrol/accounts/{accountId}/holders"]["post"]
    holder = paths["/api/creditcontrol/accounts/{accountId}/holders/{holderId}"]["delete"]
    assert (holders["operationId"], holder["operationId"]) == ("addAccountHolder", "removeAccountHolder")
    assert holders["x-scopes"] == holder["x-scopes"] == ["accounts:write"]
