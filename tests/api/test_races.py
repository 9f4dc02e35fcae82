"""Concurrent requests: unique indexes and conditional updates decide, never a check-then-write.

The requests run concurrently on one event loop through the ASGI app; on the embedded
server each one is a real round trip, so their reads and writes interleave.
"""

from __future__ import annotations

import asyncio
from collections import Counter

from customer_credit.persistence.database import ACCOUNT_EVENTS, ACCOUNTS
from tests.support.accounts import close_account, open_account, open_or_change
from tests.support.documents import CPF, CPF_COMPACT
from tests.support.graphql import codes, graphql

N = 30

HISTORY_VERSIONS = """
query History($id: ID!) { account(id: $id) { version history(first: 100) { totalCount nodes { version } } } }
"""


def outcomes(payloads: list[dict]) -> Counter:
    return Counter("created" if p["created"] else (codes(p)[0] if p["errors"] else "changed") for p in payloads)


async def stored_counts(database) -> tuple[int, int]:
    return (
        await database.collection(ACCOUNTS).count_documents({}),
        await database.collection(ACCOUNT_EVENTS).count_documents({}),
    )


async def history_versions(client, account_id: str) -> tuple[int, int, list[int]]:
    account = (await graphql(client, HISTORY_VERSIONS, id=account_id))["data"]["account"]
    return account["version"], account["history"]["totalCount"], [e["version"] for e in account["history"]["nodes"]]


async def test_concurrent_opens_with_one_email_open_exactly_one_account(client, database):
    emails = ["ana@example.com", "Ana@Example.COM"]

    payloads = await asyncio.gather(*(open_or_change(client, id=f"racer-{n}", email=emails[n % 2]) for n in range(N)))

    assert outcomes(payloads) == Counter({"created": 1, "EMAIL_IN_USE": N - 1})
    assert await stored_counts(database) == (1, 1)


async def test_concurrent_opens_with_one_document_open_exactly_one_account(client, database):
    documents = [CPF, CPF_COMPACT]

    payloads = await asyncio.gather(
        *(
            open_or_change(client, email=f"racer{n}@example.com", documentType="CPF", document=documents[n % 2])
            for n in range(N)
        )
    )

    assert outcomes(payloads) == Counter({"created": 1, "DOCUMENT_IN_USE": N - 1})
    assert await stored_counts(database) == (1, 1)


async def test_concurrent_opens_of_one_id_create_it_once(client, database):
    payloads = await asyncio.gather(*(open_or_change(client, id="same", email="ana@example.com") for _ in range(N)))

    assert outcomes(payloads) == Counter({"created": 1, "changed": N - 1})
    assert {p["account"]["version"] for p in payloads} == {1}
    assert await stored_counts(database) == (1, 1)


async def test_concurrent_changes_of_one_version_let_exactly_one_through(client, database):
    await open_account(client, id="a1", email="ana@example.com")

    payloads = await asyncio.gather(
        *(
            open_or_change(client, id="a1", email="ana@example.com", creditLimit=str(n + 1), expectedVersion=1)
            for n in range(N)
        )
    )

    assert outcomes(payloads) == Counter({"changed": 1, "VERSION_CONFLICT": N - 1})
    assert await history_versions(client, "a1") == (2, 2, [2, 1])
    assert await stored_counts(database) == (1, 2)


async def test_concurrent_unpinned_changes_all_apply_one_after_another(client, database):
    await open_account(client, id="a1", email="ana@example.com")

    payloads = await asyncio.gather(
        *(open_or_change(client, id="a1", email="ana@example.com", creditLimit=str(n + 1)) for n in range(N))
    )

    assert outcomes(payloads) == Counter({"changed": N})
    assert sorted(p["account"]["version"] for p in payloads) == list(range(2, N + 2))
    assert await history_versions(client, "a1") == (N + 1, N + 1, list(range(N + 1, 0, -1)))
    assert await stored_counts(database) == (1, N + 1)


async def test_concurrent_closes_close_once(client, database):
    await open_account(client, id="a1", email="ana@example.com")

    payloads = await asyncio.gather(*(close_account(client, "a1") for _ in range(10)))

    assert Counter(codes(p)[0] if p["errors"] else "closed" for p in payloads) == Counter(
        {"closed": 1, "ACCOUNT_CLOSED": 9}
    )
    assert await history_versions(client, "a1") == (2, 2, [2, 1])
