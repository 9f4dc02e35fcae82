"""A search page is the same whichever way the repository asks for it: reading a prefix's whole range and
sorting it, or, once the prefix matches `walk_from_matches` accounts, walking the page's order and testing
the prefix on each account. Both backends; the threshold is lowered so that a few accounts cross it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from customer_credit.domain.account_planner import Origin, plan_open
from customer_credit.domain.accounts import AccountOrderField, AccountQuery, AccountRequest, AccountStatus
from customer_credit.persistence.accounts import AccountRepository

ORIGIN = Origin(actor="tester", at_ms=1_700_000_000_000)
# Eight emails start with "marina" (one that only contains it does not match): a threshold of 3 makes
# the email branch walk.
EMAILS = [f"marina.{n}@example.com" for n in range(8)] + ["ana@example.com", "xmarina@example.com"]
QUERIES = [
    AccountQuery(search="marina"),
    AccountQuery(search="MARINA", descending=False),
    AccountQuery(search="marina", order_field=AccountOrderField.CREDIT_LIMIT),
    AccountQuery(search="marina", order_field=AccountOrderField.EMAIL, descending=False),
    AccountQuery(search="marina", status=AccountStatus.OPEN),
    AccountQuery(search="marina.1"),
]


async def open_accounts(database) -> None:
    accounts = AccountRepository(database)
    for n, email in enumerate(EMAILS):
        request = AccountRequest(email=email, credit_limit=Decimal(100 + (n * 37) % 11))
        await accounts.insert(plan_open(f"acc-{n:02d}", request, Origin(actor="tester", at_ms=ORIGIN.at_ms + n)))


async def every_page(accounts: AccountRepository, query: AccountQuery, size: int) -> list[str]:
    """The ids of every page in turn, each page after the last one's position."""
    ids: list[str] = []
    after = None
    while True:
        page = await accounts.find_page(query, limit=size, after=after)
        ids += [account.id for _, account in page]
        if len(page) < size:
            return ids
        after = page[-1][0]


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: f"{q.search}-{q.order_field.value}-{q.descending}")
async def test_a_walked_search_pages_the_same_accounts_as_a_read_range(database, query):
    await open_accounts(database)
    walking = AccountRepository(database, walk_from_matches=3)
    reading = AccountRepository(database, walk_from_matches=1_000_000)

    assert await every_page(walking, query, size=3) == await every_page(reading, query, size=3)
    assert await every_page(walking, query, size=50) == await every_page(reading, query, size=3)


async def test_a_search_walks_its_order_only_once_the_prefix_matches_the_threshold(database, monkeypatch):
    await open_accounts(database)
    accounts = AccountRepository(database, walk_from_matches=8)
    asked: list[str] = []
    find_matches = accounts.find_matches

    async def recording(query, conditions, limit, keep):
        tests = [c["email_sort"] for c in conditions if "email_sort" in c]
        asked.extend("walk" if "$regex" in test else "range" for test in tests)
        return await find_matches(query, conditions, limit, keep)

    monkeypatch.setattr(accounts, "find_matches", recording)

    await accounts.find_page(AccountQuery(search="marina"), limit=5)  # 8 matches: the threshold
    await accounts.find_page(AccountQuery(search="marina.1"), limit=5)  # 1 match

    assert asked == ["walk", "range"]
