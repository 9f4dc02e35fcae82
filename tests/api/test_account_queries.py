"""The `account` and `accounts` queries: filters, orders and keyset pagination."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from decimal import Decimal

import pytest

from tests.support.accounts import fetch_account, open_account
from tests.support.graphql import error_codes, graphql

ACCOUNTS = """
query Accounts($first: Int, $after: String, $filter: AccountFilter, $orderBy: AccountOrder) {
  accounts(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id } }
    nodes { id email creditLimit createdAt updatedAt }
  }
}
"""

ACCOUNT_IDS_ONLY = """
query Account($id: ID!) { account(id: $id) { id } }
"""

HISTORY_CURSOR = """
query History($id: ID!) { account(id: $id) { history(first: 1) { pageInfo { endCursor } } } }
"""

ORDERS = [
    (field, direction)
    for field in ("CREATED_AT", "UPDATED_AT", "EMAIL", "CREDIT_LIMIT")
    for direction in ("ASC", "DESC")
]

SORT_VALUE = {
    "CREATED_AT": lambda node: datetime.fromisoformat(node["createdAt"]),
    "UPDATED_AT": lambda node: datetime.fromisoformat(node["updatedAt"]),
    "EMAIL": lambda node: node["email"].lower(),
    "CREDIT_LIMIT": lambda node: Decimal(node["creditLimit"]),
}


async def accounts(client, **variables) -> dict:
    result = await graphql(client, ACCOUNTS, **variables)
    assert "errors" not in result, result["errors"]
    connection = result["data"]["accounts"]
    assert [edge["node"]["id"] for edge in connection["edges"]] == [node["id"] for node in connection["nodes"]]
    return connection


def ids(connection: dict) -> list[str]:
    return [node["id"] for node in connection["nodes"]]


async def all_pages(client, page_size: int, **variables) -> list[dict]:
    pages, after = [], None
    while True:
        page = await accounts(client, first=page_size, after=after, **variables)
        pages.append(page)
        if not page["pageInfo"]["hasNextPage"]:
            return pages
        after = page["pageInfo"]["endCursor"]
        assert len(pages) < 50, "pagination does not end"


@pytest.fixture
async def five(client) -> list[str]:
    """Five accounts with distinct emails (mixed case), a tie on credit limit, and two later changes.

    The changes go to acc-1, then acc-5: should two writes share a millisecond, the tie on
    updated_at breaks by id in the same direction as the order of the writes.
    """
    rows = [
        ("acc-1", "d@x.com", "300"),
        ("acc-2", "B@x.com", "100"),
        ("acc-3", "e@x.com", "300"),
        ("acc-4", "a@x.com", "200"),
        ("acc-5", "C@x.com", "50"),
    ]
    for account_id, email, limit in rows:
        await open_account(client, id=account_id, email=email, creditLimit=limit)
    await open_account(client, id="acc-1", email="d@x.com", tolerance="0.1")
    await open_account(client, id="acc-5", email="C@x.com", tolerance="0.1")
    return [row[0] for row in rows]


# --- account ---------------------------------------------------------------------------


async def test_account_returns_the_stored_account(client):
    opened = await open_account(client, id="a1", email="ana@example.com", creditLimit="12.30")

    assert await fetch_account(client, "a1") == opened


@pytest.mark.parametrize("account_id", ["nobody", "não-existe"])
async def test_account_of_an_unknown_or_malformed_id_is_null(client, account_id):
    result = await graphql(client, ACCOUNT_IDS_ONLY, id=account_id)

    assert result == {"data": {"account": None}}


# --- filters ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("account_filter", "expected"),
    [
        ({}, {"alpha-1", "beta-2", "gamma-3", "delta-4"}),
        ({"email": "BRUNO@example.COM"}, {"beta-2"}),
        ({"email": "ana@"}, set()),
        ({"document": "529.982.247-25"}, {"alpha-1"}),
        ({"document": "x99"}, {"gamma-3"}),
        ({"document": "52998"}, set()),
        ({"documentType": "CPF"}, {"alpha-1"}),
        ({"status": "CLOSED"}, {"gamma-3"}),
        ({"search": "alpha"}, {"alpha-1", "delta-4"}),
        ({"search": "ALPHA-1"}, {"alpha-1"}),
        ({"search": "bruno@EX"}, {"beta-2"}),
        ({"search": "529.98"}, {"alpha-1"}),
        ({"search": "x9"}, {"gamma-3"}),
        ({"search": ".*"}, set()),
        ({"search": ""}, {"alpha-1", "beta-2", "gamma-3", "delta-4"}),
        ({"status": "OPEN", "search": "a"}, {"alpha-1", "delta-4"}),
    ],
)
async def test_filter_selects_exactly_the_matching_accounts(client, four_kinds, account_filter, expected):
    connection = await accounts(client, filter=account_filter)

    assert set(ids(connection)) == expected
    assert connection["totalCount"] == len(expected)


# --- order -----------------------------------------------------------------------------


async def test_default_order_is_newest_first(client, five):
    assert ids(await accounts(client)) == list(reversed(five))


# The order of the `five` accounts wherever it does not depend on timing (created_at ties break by id,
# which follows creation order there).
KNOWN_ORDER = {
    ("CREATED_AT", "ASC"): ["acc-1", "acc-2", "acc-3", "acc-4", "acc-5"],
    ("CREATED_AT", "DESC"): ["acc-5", "acc-4", "acc-3", "acc-2", "acc-1"],
    ("EMAIL", "ASC"): ["acc-4", "acc-2", "acc-5", "acc-1", "acc-3"],
    ("EMAIL", "DESC"): ["acc-3", "acc-1", "acc-5", "acc-2", "acc-4"],
    ("CREDIT_LIMIT", "ASC"): ["acc-5", "acc-2", "acc-4", "acc-1", "acc-3"],
    ("CREDIT_LIMIT", "DESC"): ["acc-3", "acc-1", "acc-4", "acc-2", "acc-5"],
}


@pytest.mark.parametrize(("field", "direction"), ORDERS)
async def test_order_sorts_by_the_field_then_by_id_on_every_page(client, five, field, direction):
    order = {"field": field, "direction": direction}
    whole = await accounts(client, orderBy=order)

    pages = await all_pages(client, 2, orderBy=order)

    key = SORT_VALUE[field]
    expected = sorted(whole["nodes"], key=lambda node: (key(node), node["id"]), reverse=direction == "DESC")
    assert ids(whole) == [node["id"] for node in expected]
    assert ids(whole) == KNOWN_ORDER.get((field, direction), ids(whole))
    assert sorted(ids(whole)) == five
    assert [ids(page) for page in pages] == [ids(whole)[0:2], ids(whole)[2:4], ids(whole)[4:5]]


async def test_updated_at_order_follows_the_latest_change(client, five):
    connection = await accounts(client, orderBy={"field": "UPDATED_AT", "direction": "DESC"})

    assert ids(connection)[:2] == ["acc-5", "acc-1"]


async def test_pages_step_through_ties_on_the_sort_key(client):
    for n in range(7):
        await open_account(client, id=f"tie-{n}", email=f"tie{n}@x.com", creditLimit="10")

    pages = await all_pages(client, 3, orderBy={"field": "CREDIT_LIMIT", "direction": "ASC"})

    assert [node_id for page in pages for node_id in ids(page)] == [f"tie-{n}" for n in range(7)]


@pytest.mark.parametrize("direction", ["ASC", "DESC"])
async def test_pages_by_email_step_past_emails_that_start_like_a_date(client, direction):
    """A bound that starts like a date (`2024-01-15…`) is compared as text, not read as a date."""
    emails = ["01-02-2024@x.com", "2024-01-15.a@x.com", "2024-01-15.b@x.com", "2024/01/16@x.com", "zed@x.com"]
    for n, email in enumerate(emails):
        await open_account(client, id=f"dated-{n}", email=email)

    pages = await all_pages(client, 1, orderBy={"field": "EMAIL", "direction": direction})

    expected = [f"dated-{n}" for n in range(len(emails))]
    assert [node_id for page in pages for node_id in ids(page)] == (expected if direction == "ASC" else expected[::-1])


# --- pagination ------------------------------------------------------------------------


async def test_first_middle_and_last_page(client, five):
    order = {"field": "EMAIL", "direction": "ASC"}
    first = await accounts(client, first=2, orderBy=order)
    middle = await accounts(client, first=2, after=first["pageInfo"]["endCursor"], orderBy=order)
    last = await accounts(client, first=2, after=middle["pageInfo"]["endCursor"], orderBy=order)

    assert [ids(first), ids(middle), ids(last)] == [["acc-4", "acc-2"], ["acc-5", "acc-1"], ["acc-3"]]
    assert [p["pageInfo"]["hasNextPage"] for p in (first, middle, last)] == [True, True, False]
    assert [p["pageInfo"]["hasPreviousPage"] for p in (first, middle, last)] == [False, True, True]
    assert [p["totalCount"] for p in (first, middle, last)] == [5, 5, 5]


async def test_page_info_cursors_are_those_of_the_first_and_last_edge(client, five):
    page = await accounts(client, first=3)

    assert page["pageInfo"]["startCursor"] == page["edges"][0]["cursor"]
    assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]


async def test_page_that_ends_exactly_at_the_last_account_has_no_next_page(client, five):
    page = await accounts(client, first=5)

    assert len(ids(page)) == 5
    assert page["pageInfo"]["hasNextPage"] is False


async def test_empty_result_has_no_edges_and_no_cursors(client, five):
    page = await accounts(client, filter={"email": "nobody@x.com"})

    assert page == {
        "totalCount": 0,
        "pageInfo": {"hasNextPage": False, "hasPreviousPage": False, "startCursor": None, "endCursor": None},
        "edges": [],
        "nodes": [],
    }


async def test_first_zero_returns_only_the_count_and_whether_accounts_follow(client, five):
    page = await accounts(client, first=0)

    assert page["nodes"] == [] and page["totalCount"] == 5
    assert page["pageInfo"]["hasNextPage"] is True
    assert page["pageInfo"]["endCursor"] is None


async def test_first_zero_of_an_empty_result_has_no_next_page(client):
    page = await accounts(client, first=0)

    assert page["pageInfo"]["hasNextPage"] is False and page["totalCount"] == 0


async def test_first_defaults_to_twenty(client):
    for n in range(21):
        await open_account(client, email=f"n{n}@x.com")

    page = await accounts(client)

    assert len(page["nodes"]) == 20 and page["pageInfo"]["hasNextPage"] is True


async def test_first_of_one_hundred_is_allowed(client, five):
    assert len(ids(await accounts(client, first=100))) == 5


@pytest.mark.parametrize("first", [101, 1000, -1])
async def test_first_outside_zero_to_one_hundred_is_refused(client, five, first):
    result = await graphql(client, ACCOUNTS, first=first)

    assert result["data"] is None
    assert error_codes(result) == ["PAGE_SIZE"]


async def test_cursor_from_another_filter_is_refused(client, five):
    page = await accounts(client, first=1, filter={"status": "OPEN"})

    result = await graphql(client, ACCOUNTS, first=1, after=page["pageInfo"]["endCursor"])

    assert error_codes(result) == ["INVALID_CURSOR"]


async def test_cursor_from_another_order_is_refused(client, five):
    page = await accounts(client, first=1, orderBy={"field": "EMAIL", "direction": "ASC"})

    result = await graphql(
        client, ACCOUNTS, first=1, after=page["pageInfo"]["endCursor"], orderBy={"field": "EMAIL", "direction": "DESC"}
    )

    assert error_codes(result) == ["INVALID_CURSOR"]


async def test_cursor_from_an_account_history_is_refused(client, five):
    history = await graphql(client, HISTORY_CURSOR, id="acc-1")
    cursor = history["data"]["account"]["history"]["pageInfo"]["endCursor"]

    result = await graphql(client, ACCOUNTS, first=1, after=cursor)

    assert error_codes(result) == ["INVALID_CURSOR"]


def forged(cursor: str, replace: int, value) -> str:
    """The same query fingerprint with one position value swapped (anyone can base64-decode a cursor)."""
    parts = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    parts[replace] = value
    return base64.urlsafe_b64encode(json.dumps(parts).encode()).decode().rstrip("=")


GARBAGE_CURSORS = [
    "garbage",
    "",
    "W10",  # base64 of []
    base64.urlsafe_b64encode(b"[" * 5000).decode(),
    base64.urlsafe_b64encode(b'"\\ud800"').decode(),
    base64.urlsafe_b64encode(b"9" * 5000).decode(),
]


@pytest.mark.parametrize("cursor", GARBAGE_CURSORS, ids=range(len(GARBAGE_CURSORS)))
async def test_garbage_cursor_is_refused(client, cursor):
    result = await graphql(client, ACCOUNTS, first=1, after=cursor)

    assert result["data"] is None
    assert error_codes(result) == ["INVALID_CURSOR"]


@pytest.mark.parametrize("value", ["\ud800", None, True, 10**30, {"$ne": None}, ["a"], "x" * 2000], ids=range(7))
async def test_tampered_cursor_is_refused(client, value):
    await open_account(client, id="a1", email="ana@example.com")
    page = await accounts(client, first=1)

    result = await graphql(client, ACCOUNTS, first=1, after=forged(page["pageInfo"]["endCursor"], 1, value))

    assert result["data"] is None
    assert error_codes(result) == ["INVALID_CURSOR"]
