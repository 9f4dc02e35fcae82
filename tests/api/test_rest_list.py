"""REST `GET /api/creditcontrol/accounts?from=&to=&status=&email=`: 1-based positions, filters, count."""

from __future__ import annotations

import pytest
import pytest_asyncio

ACCOUNTS_URL = "/api/creditcontrol/accounts"
SEEDED = 25
CLOSED_IDS = ("acc-04", "acc-11", "acc-20")


def body_for(n: int) -> bytes:
    return b'{"email": "user%02d@example.com"}' % n


@pytest_asyncio.fixture
async def listed(client) -> list[str]:
    """25 accounts, three of them closed; their ids in list order (oldest first, then by id)."""
    created = []
    for n in range(1, SEEDED + 1):
        response = await client.put(f"{ACCOUNTS_URL}/acc-{n:02d}", content=body_for(n))
        assert response.status_code == 201, response.text
        created.append(response.json())
    for account_id in CLOSED_IDS:
        assert (await client.delete(f"{ACCOUNTS_URL}/{account_id}")).status_code == 200
    return [a["id"] for a in sorted(created, key=lambda a: (a["createdAt"], a["id"]))]


async def listing(client, **params) -> dict:
    response = await client.get(ACCOUNTS_URL, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def ids(page: dict) -> list[str]:
    return [account["id"] for account in page["data"]]


async def test_default_window_is_the_first_twenty_oldest_first(client, listed):
    page = await listing(client)

    assert ids(page) == listed[:20]


async def test_from_and_to_are_1_based_and_inclusive(client, listed):
    page = await listing(client, **{"from": 3, "to": 5})

    assert ids(page) == listed[2:5]


async def test_accounts_past_the_first_positions_come_back_whole(client, listed):
    page = await listing(client, **{"from": 21, "to": 25})

    for account in page["data"]:
        assert account == (await client.get(f"{ACCOUNTS_URL}/{account['id']}")).json()


async def test_a_window_of_one_hundred_is_allowed(client, listed):
    page = await listing(client, **{"from": 1, "to": 100})

    assert ids(page) == listed


async def test_summary_count_is_every_match_not_the_window(client, listed):
    page = await listing(client, **{"from": 2, "to": 3})

    assert page["summary"] == {"count": SEEDED}


@pytest.mark.parametrize(
    ("count_limit", "summary"),
    [
        (SEEDED - 1, {"count": SEEDED - 1, "precision": "AT_LEAST"}),
        (SEEDED, {"count": SEEDED, "precision": "EXACT"}),
        (100_000, {"count": SEEDED, "precision": "EXACT"}),
    ],
)
async def test_count_limit_counts_the_matches_up_to_it_with_its_precision(client, listed, count_limit, summary):
    page = await listing(client, countLimit=count_limit, **{"from": 2, "to": 3})

    assert ids(page) == listed[1:3]
    assert page["summary"] == summary


async def test_count_limit_bounds_the_filtered_set(client, listed):
    page = await listing(client, status="Open", countLimit=1000)

    assert page["summary"] == {"count": SEEDED - len(CLOSED_IDS), "precision": "EXACT"}


@pytest.mark.parametrize("count_limit", ["0", "100001", "-1", "ten", "1.5", ""])
async def test_count_limit_out_of_range_is_400(client, count_limit):
    response = await client.get(ACCOUNTS_URL, params={"countLimit": count_limit})

    assert response.status_code == 400
    assert (response.json()["code"], response.json()["field"]) == ("INVALID_PARAMETER", "countLimit")
    assert "countLimit" in response.json()["message"]


async def test_window_past_the_end_is_empty_and_still_counts(client, listed):
    page = await listing(client, **{"from": 26, "to": 40})

    assert page == {"data": [], "summary": {"count": SEEDED}}


async def test_from_at_the_maximum_position_is_allowed(client, listed):
    page = await listing(client, **{"from": 10_000, "to": 10_099})

    assert page["data"] == []


async def test_more_than_one_hundred_per_call_is_400(client):
    response = await client.get(ACCOUNTS_URL, params={"from": 1, "to": 101})

    assert response.status_code == 400
    assert (response.json()["code"], response.json()["field"]) == ("INVALID_PARAMETER", "to")


async def test_to_before_from_is_400(client):
    response = await client.get(ACCOUNTS_URL, params={"from": 5, "to": 4})

    assert response.status_code == 400
    assert (response.json()["code"], response.json()["field"]) == ("INVALID_PARAMETER", "to")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "0"}, "from"),
        ({"from": "-1"}, "from"),
        ({"from": "abc"}, "from"),
        ({"from": "1.5"}, "from"),
        ({"from": "+1"}, "from"),
        ({"from": "10001"}, "from"),
        ({"from": "9" * 40}, "from"),
        ({"from": ""}, "from"),
        ({"to": "0"}, "to"),
    ],
)
async def test_position_that_is_not_a_whole_number_in_range_is_400(client, params, field):
    response = await client.get(ACCOUNTS_URL, params=params)

    assert response.status_code == 400
    assert (response.json()["code"], response.json()["field"]) == ("INVALID_PARAMETER", field)


async def test_status_filter_lists_only_that_status(client, listed):
    page = await listing(client, status="Closed")

    assert ids(page) == [i for i in listed if i in CLOSED_IDS]
    assert page["summary"]["count"] == len(CLOSED_IDS)
    assert {account["status"] for account in page["data"]} == {"Closed"}


@pytest.mark.parametrize("status", ["closed", "CLOSED", "cLoSeD"])
async def test_status_filter_takes_any_case(client, listed, status):
    page = await listing(client, status=status)

    assert ids(page) == [i for i in listed if i in CLOSED_IDS]


async def test_status_filter_positions_count_only_matches(client, listed):
    page = await listing(client, status="Open", **{"from": 4, "to": 4})

    assert ids(page) == [[i for i in listed if i not in CLOSED_IDS][3]]


@pytest.mark.parametrize("status", ["Aberta", "", "Everything"])
async def test_status_other_than_open_or_closed_is_400(client, status):
    response = await client.get(ACCOUNTS_URL, params={"status": status})

    assert response.status_code == 400
    assert (response.json()["code"], response.json()["field"]) == ("INVALID_PARAMETER", "status")


async def test_email_filter_is_exact_and_case_insensitive(client, listed):
    page = await listing(client, email="USER07@Example.COM")

    assert ids(page) == ["acc-07"]
    assert page["summary"] == {"count": 1}


async def test_positions_do_not_move_when_an_account_is_opened(client, listed):
    before = await listing(client, **{"from": 5, "to": 9})
    await client.put(f"{ACCOUNTS_URL}/aaa-newest", content=b'{"email": "newest@example.com"}')

    after = await listing(client, **{"from": 5, "to": 9})

    assert ids(after) == ids(before)
    assert after["summary"]["count"] == before["summary"]["count"] + 1


async def test_list_masks_email_without_pii_read(client_with, client, listed):
    reader = await client_with("accounts:read")

    page = await listing(reader, **{"from": 1, "to": 1})

    assert page["data"][0]["email"] == "u***@example.com"
