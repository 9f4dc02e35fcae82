"""List totals: `totalCount` (exact) and `count(limit:)` (bounded, with its precision), and the search
that both count: by id in any case, email or document, each its own index range."""

from __future__ import annotations

import pytest

from tests.support.accounts import close_account, open_account
from tests.support.graphql import graphql

COUNTS = """
query Counts($filter: AccountFilter, $limit: Int) {
  accounts(first: 50, filter: $filter) {
    totalCount
    count(limit: $limit) { count precision }
    nodes { id }
  }
}
"""

DEFAULT_COUNT = """
query { accounts(first: 0) { count { count precision } } }
"""

HISTORY_COUNT = """
query History($id: ID!, $limit: Int) { account(id: $id) { history(first: 1) { count(limit: $limit) { count precision } } } }
"""

REST_LIST = "/api/creditcontrol/accounts"

FILTERS = [
    ({}, {"alpha-1", "beta-2", "gamma-3", "delta-4"}),
    ({"status": "OPEN"}, {"alpha-1", "beta-2", "delta-4"}),
    ({"status": "CLOSED"}, {"gamma-3"}),
    ({"email": "BRUNO@example.COM"}, {"beta-2"}),
    ({"documentType": "CPF"}, {"alpha-1"}),
    ({"search": "alpha"}, {"alpha-1", "delta-4"}),
    ({"search": "a"}, {"alpha-1", "delta-4"}),
    ({"status": "CLOSED", "search": "carla"}, {"gamma-3"}),
    ({"status": "OPEN", "search": "carla"}, set()),
]


async def counts(client, **variables) -> dict:
    result = await graphql(client, COUNTS, **variables)
    assert "errors" not in result, result["errors"]
    return result["data"]["accounts"]


@pytest.mark.parametrize(("account_filter", "expected"), FILTERS)
async def test_a_count_below_its_limit_is_exact_and_equals_the_total(client, four_kinds, account_filter, expected):
    connection = await counts(client, filter=account_filter, limit=10)

    assert {node["id"] for node in connection["nodes"]} == expected
    assert connection["totalCount"] == len(expected)
    assert connection["count"] == {"count": len(expected), "precision": "EXACT"}


@pytest.mark.parametrize(("account_filter", "expected"), [f for f in FILTERS if len(f[1]) >= 2])
async def test_a_count_that_reaches_its_limit_is_the_limit_at_least(client, four_kinds, account_filter, expected):
    connection = await counts(client, filter=account_filter, limit=len(expected) - 1)

    assert connection["count"] == {"count": len(expected) - 1, "precision": "AT_LEAST"}
    assert connection["totalCount"] == len(expected)


async def test_a_count_exactly_at_its_limit_is_exact(client, four_kinds):
    connection = await counts(client, limit=4)

    assert connection["count"] == {"count": 4, "precision": "EXACT"}


async def test_a_count_without_a_limit_counts_everything(client, four_kinds):
    connection = await counts(client, limit=None)

    assert connection["count"] == {"count": 4, "precision": "EXACT"}


async def test_the_default_limit_is_a_thousand(client, four_kinds):
    result = await graphql(client, DEFAULT_COUNT)

    assert result == {"data": {"accounts": {"count": {"count": 4, "precision": "EXACT"}}}}


@pytest.mark.parametrize("limit", [0, -1, 100_001])
async def test_a_limit_out_of_range_is_refused_with_the_range(client, four_kinds, limit):
    result = await graphql(client, COUNTS, limit=limit)

    assert result["data"] is None
    assert result["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "between 1 and 100,000" in result["errors"][0]["message"]


async def test_every_list_has_the_bounded_count(client):
    await open_account(client, id="h-1", email="h@x.com")
    await open_account(client, id="h-1", email="h@x.com", description="changed")

    result = await graphql(client, HISTORY_COUNT, id="h-1", limit=1)

    assert result == {"data": {"account": {"history": {"count": {"count": 1, "precision": "AT_LEAST"}}}}}


@pytest.mark.parametrize("search", ["mixed", "MIXED-c", "Mixed-Case-7", "mIxEd-CaSe-7"])
async def test_search_finds_an_id_with_upper_case_letters_in_any_case(client, search):
    await open_account(client, id="Mixed-Case-7", email="m@x.com")
    await open_account(client, id="lower-8", email="l@x.com")

    connection = await counts(client, filter={"search": search})

    assert [node["id"] for node in connection["nodes"]] == ["Mixed-Case-7"]
    assert connection["totalCount"] == 1


async def test_an_account_matching_in_two_ways_is_listed_and_counted_once(client):
    await open_account(client, id="ana-1", email="ana@x.com")

    connection = await counts(client, filter={"search": "ana"}, limit=10)

    assert [node["id"] for node in connection["nodes"]] == ["ana-1"]
    assert connection["totalCount"] == 1
    assert connection["count"] == {"count": 1, "precision": "EXACT"}


async def test_accounts_matching_by_id_email_and_document_in_any_combination_are_each_counted_once(client):
    await open_account(client, id="12-a", email="12a@x.com")  # id and email
    await open_account(client, id="12-b", email="b@x.com")  # id
    await open_account(client, id="c-1", email="12c@x.com")  # email
    await open_account(client, id="d-1", email="d@x.com", documentType="OTHER", document="12-999")  # document
    await open_account(client, id="12-e", email="12e@x.com", documentType="OTHER", document="12-888")  # all three
    await open_account(client, id="f-1", email="f@x.com", documentType="OTHER", document="999")  # none

    connection = await counts(client, filter={"search": "12"}, limit=10)
    bounded = await counts(client, filter={"search": "12"}, limit=3)

    assert {node["id"] for node in connection["nodes"]} == {"12-a", "12-b", "c-1", "d-1", "12-e"}
    assert connection["totalCount"] == 5
    assert connection["count"] == {"count": 5, "precision": "EXACT"}
    assert bounded["count"] == {"count": 3, "precision": "AT_LEAST"}


async def test_rest_summary_counts_the_closed_accounts(client, four_kinds):
    response = await client.get(REST_LIST, params={"status": "Closed"})

    assert response.status_code == 200, response.text
    assert response.json()["summary"] == {"count": 1}


async def test_totals_by_status_hold_with_more_accounts_of_each_status_than_are_counted_one_by_one(client):
    """Enough open and closed accounts that every total is counted by the database, not from a few ids."""
    for n in range(19):
        await open_account(client, id=f"many-{n:02d}", email=f"many.{n}@example.com")
    for n in range(9):
        assert (await close_account(client, f"many-{n:02d}"))["errors"] == []

    totals = {
        status: (await counts(client, filter={"status": status} if status else None, limit=9))
        for status in ("OPEN", "CLOSED", None)
    }
    rest = await client.get(REST_LIST, params={"status": "Open"})

    assert {status: c["totalCount"] for status, c in totals.items()} == {"OPEN": 10, "CLOSED": 9, None: 19}
    assert {status: c["count"]["precision"] for status, c in totals.items()} == {
        "OPEN": "AT_LEAST",
        "CLOSED": "EXACT",
        None: "AT_LEAST",
    }
    assert rest.json()["summary"] == {"count": 10}


async def test_search_by_a_date_like_id_prefix_finds_it(client):
    """A search text may look like a date; its range is compared as text."""
    await open_account(client, id="2024-01-15-a", email="d@x.com")
    await open_account(client, id="2024-02-15-b", email="e@x.com")

    connection = await counts(client, filter={"search": "2024-01-15"}, limit=10)

    assert [node["id"] for node in connection["nodes"]] == ["2024-01-15-a"]
    assert connection["totalCount"] == 1


async def test_an_email_that_starts_like_a_date_is_found_by_the_email_filter(client):
    await open_account(client, id="dated", email="2024-01-15@x.com")

    connection = await counts(client, filter={"email": "2024-01-15@X.com"}, limit=10)

    assert [node["id"] for node in connection["nodes"]] == ["dated"]
    assert connection["count"] == {"count": 1, "precision": "EXACT"}
