"""Account.history: one event per change, who made it, what changed, newest first, in pages."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.support.accounts import close_account, open_account, open_or_change
from tests.support.clients import http_client, make_key
from tests.support.documents import CPF, CPF_COMPACT
from tests.support.graphql import error_codes, graphql

HISTORY = """
query History($id: ID!, $first: Int, $after: String) {
  account(id: $id) {
    version
    updatedAt
    history(first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { version } }
      nodes { at version actor source importRunId changes { field from to } }
    }
  }
}
"""


async def history(client, account_id: str, **variables) -> dict:
    result = await graphql(client, HISTORY, id=account_id, **variables)
    assert "errors" not in result, result["errors"]
    return result["data"]["account"]


async def whole_history(client, account_id: str, page_size: int) -> list[dict]:
    events, after = [], None
    while True:
        page = (await history(client, account_id, first=page_size, after=after))["history"]
        events += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            return events
        after = page["pageInfo"]["endCursor"]
        assert len(events) < 1000, "history pages do not end"


def changes(event: dict) -> dict[str, tuple]:
    return {change["field"]: (change["from"], change["to"]) for change in event["changes"]}


async def test_open_writes_the_first_event_with_every_field_set(client):
    await open_account(client, id="a1", email="ana@example.com", documentType="CPF", document=CPF, description="VIP")

    account = await history(client, "a1")

    [event] = account["history"]["nodes"]
    assert (event["version"], event["actor"], event["source"], event["importRunId"]) == (1, "tester", "API", None)
    assert changes(event) == {
        "email": (None, "ana@example.com"),
        "documentType": (None, "CPF"),
        "document": (None, CPF_COMPACT),
        "creditLimit": (None, "100.00"),
        "tolerance": (None, "0.00"),
        "description": (None, "VIP"),
        "status": (None, "OPEN"),
    }


async def test_change_writes_an_event_with_only_the_changed_fields(client):
    await open_account(client, id="a1", email="ana@example.com", creditLimit="100")

    await open_account(client, id="a1", email="Ana@example.com", creditLimit="250.5", tolerance="0")

    newest = (await history(client, "a1"))["history"]["nodes"][0]
    assert newest["version"] == 2
    assert changes(newest) == {"email": ("ana@example.com", "Ana@example.com"), "creditLimit": ("100.00", "250.50")}


async def test_close_writes_an_event_with_the_status_change(client):
    await open_account(client, id="a1", email="ana@example.com")

    await close_account(client, "a1")

    newest = (await history(client, "a1"))["history"]["nodes"][0]
    assert (newest["version"], changes(newest)) == (2, {"status": ("OPEN", "CLOSED")})


async def test_event_time_is_the_accounts_updated_at(client):
    await open_account(client, id="a1", email="ana@example.com")
    await open_account(client, id="a1", email="ana@example.com", creditLimit="5")

    account = await history(client, "a1")

    assert datetime.fromisoformat(account["history"]["nodes"][0]["at"]) == datetime.fromisoformat(account["updatedAt"])


async def test_actor_is_the_name_of_the_key_that_made_the_change(app, database, client):
    await open_account(client, id="a1", email="ana@example.com")
    async with http_client(app, await make_key(database, "checkout-bot", {"accounts:write"})) as bot:
        await open_account(bot, id="a1", email="ana@example.com", creditLimit="5")
        await close_account(bot, "a1")

    events = (await history(client, "a1"))["history"]["nodes"]

    assert [(e["version"], e["actor"]) for e in events] == [(3, "checkout-bot"), (2, "checkout-bot"), (1, "tester")]


async def test_change_without_difference_writes_no_event(client):
    await open_account(client, id="a1", email="ana@example.com", creditLimit="100")

    await open_account(client, id="a1", email="ana@example.com", creditLimit="100.00")

    assert (await history(client, "a1"))["history"]["totalCount"] == 1


async def test_refused_change_writes_no_event(client):
    await open_account(client, id="a1", email="ana@example.com")
    await open_account(client, id="b1", email="bia@example.com")

    await open_or_change(client, id="a1", email="bia@example.com")
    await open_or_change(client, id="a1", email="ana@example.com", expectedVersion=7)
    await open_or_change(client, id="a1", email="ana@example.com", creditLimit="-1")

    assert [e["version"] for e in (await history(client, "a1"))["history"]["nodes"]] == [1]


async def test_history_is_newest_first_and_complete_after_many_changes(client):
    await open_account(client, id="a1", email="ana@example.com")
    for n in range(1, 25):
        await open_account(client, id="a1", email="ana@example.com", creditLimit=str(n))

    account = await history(client, "a1", first=100)

    assert account["version"] == 25
    assert account["history"]["totalCount"] == account["version"]
    assert [e["version"] for e in account["history"]["nodes"]] == list(range(25, 0, -1))
    assert [changes(e)["creditLimit"][1] for e in account["history"]["nodes"][:2]] == ["24.00", "23.00"]


async def test_history_pages_add_up_to_every_event_once(client):
    await open_account(client, id="a1", email="ana@example.com")
    for n in range(1, 7):
        await open_account(client, id="a1", email="ana@example.com", creditLimit=str(n))

    events = await whole_history(client, "a1", page_size=3)

    assert [e["version"] for e in events] == [7, 6, 5, 4, 3, 2, 1]


async def test_history_page_info_on_first_middle_and_last_page(client):
    await open_account(client, id="a1", email="ana@example.com")
    for n in range(1, 5):
        await open_account(client, id="a1", email="ana@example.com", creditLimit=str(n))

    first = (await history(client, "a1", first=2))["history"]
    middle = (await history(client, "a1", first=2, after=first["pageInfo"]["endCursor"]))["history"]
    last = (await history(client, "a1", first=2, after=middle["pageInfo"]["endCursor"]))["history"]

    assert [[e["version"] for e in p["nodes"]] for p in (first, middle, last)] == [[5, 4], [3, 2], [1]]
    assert [p["pageInfo"]["hasNextPage"] for p in (first, middle, last)] == [True, True, False]
    assert [p["pageInfo"]["hasPreviousPage"] for p in (first, middle, last)] == [False, True, True]
    assert [p["totalCount"] for p in (first, middle, last)] == [5, 5, 5]
    assert first["pageInfo"]["endCursor"] == first["edges"][-1]["cursor"]


async def test_history_first_zero_returns_no_events(client):
    await open_account(client, id="a1", email="ana@example.com")

    page = (await history(client, "a1", first=0))["history"]

    assert (page["nodes"], page["totalCount"], page["pageInfo"]["hasNextPage"]) == ([], 1, True)


@pytest.mark.parametrize("first", [101, -1])
async def test_history_page_size_outside_zero_to_one_hundred_is_refused(client, first):
    await open_account(client, id="a1", email="ana@example.com")

    result = await graphql(client, HISTORY, id="a1", first=first)

    assert error_codes(result) == ["PAGE_SIZE"]


async def test_history_cursor_of_another_account_is_refused(client):
    await open_account(client, id="a1", email="ana@example.com")
    await open_account(client, id="a1", email="ana@example.com", creditLimit="5")
    await open_account(client, id="b1", email="bia@example.com")
    cursor = (await history(client, "a1", first=1))["history"]["pageInfo"]["endCursor"]

    result = await graphql(client, HISTORY, id="b1", first=1, after=cursor)

    assert error_codes(result) == ["INVALID_CURSOR"]


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "",
        "WyJoaXN0b3J5OmExIiwiMiJd",
        "WyJoaXN0b3J5OmExIix0cnVlXQ",
        "WyJoaXN0b3J5OmExIiwxMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwXQ",
    ],
)
async def test_garbage_history_cursor_is_refused(client, cursor):
    # The last three are ["history:a1","2"], ["history:a1",true] and ["history:a1",10**30]: the right
    # scope, a version that is no int the store could compare.
    await open_account(client, id="a1", email="ana@example.com")

    result = await graphql(client, HISTORY, id="a1", after=cursor)

    assert error_codes(result) == ["INVALID_CURSOR"]
