"""Concurrent requests: unique indexes and conditional updates decide, never a check-then-write.

The requests run concurrently on one event loop through the ASGI app. On the embedded server each
database call is a real round trip; on mongomock-motor each one yields to the loop first
(tests/support/mongomock.py), so on both backends their reads and writes interleave. Each test
also asserts, from the repository's writes (the `account_writes` spy), that the race it arranges
really happened: the end state alone would look the same if the requests had run one by one.
"""

from __future__ import annotations

import asyncio
from collections import Counter

from customer_credit.persistence.database import ACCOUNT_EVENTS, ACCOUNTS
from tests.support.accounts import close_account, open_account, open_or_change
from tests.support.documents import CPF, CPF_COMPACT
from tests.support.graphql import codes, graphql
from tests.support.holders import add_holder, lookup

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


async def test_concurrent_opens_with_one_email_open_exactly_one_account(client, database, account_writes):
    emails = ["ana@example.com", "Ana@Example.COM"]

    payloads = await asyncio.gather(*(open_or_change(client, id=f"racer-{n}", email=emails[n % 2]) for n in range(N)))

    assert account_writes.most_in_flight["insert"] >= 2, "the opens never overlapped: no race happened"
    assert outcomes(payloads) == Counter({"created": 1, "EMAIL_IN_USE": N - 1})
    assert await stored_counts(database) == (1, 1)


async def test_concurrent_opens_with_one_document_open_exactly_one_account(client, database, account_writes):
    documents = [CPF, CPF_COMPACT]

    payloads = await asyncio.gather(
        *(
            open_or_change(client, email=f"racer{n}@example.com", documentType="CPF", document=documents[n % 2])
            for n in range(N)
        )
    )

    assert account_writes.most_in_flight["insert"] >= 2, "the opens never overlapped: no race happened"
    assert outcomes(payloads) == Counter({"created": 1, "DOCUMENT_IN_USE": N - 1})
    assert await stored_counts(database) == (1, 1)


async def test_concurrent_opens_of_one_id_create_it_once(client, database, account_writes):
    payloads = await asyncio.gather(*(open_or_change(client, id="same", email="ana@example.com") for _ in range(N)))

    # Several requests found no account and tried to insert it; all but one met the winner's insert.
    assert Counter(outcome for _, outcome in account_writes.inserts)["AccountAlreadyExists"] >= 1
    assert outcomes(payloads) == Counter({"created": 1, "changed": N - 1})
    assert {p["account"]["version"] for p in payloads} == {1}
    assert await stored_counts(database) == (1, 1)


async def test_concurrent_changes_of_one_version_let_exactly_one_through(client, database, account_writes):
    await open_account(client, id="a1", email="ana@example.com")

    payloads = await asyncio.gather(
        *(
            open_or_change(client, id="a1", email="ana@example.com", creditLimit=str(n + 1), expectedVersion=1)
            for n in range(N)
        )
    )

    from_version_1 = account_writes.updates_from(1)
    assert len(from_version_1) >= 2, "only one writer read version 1: no race happened"
    assert sum(update.applied for update in from_version_1) == 1
    assert outcomes(payloads) == Counter({"changed": 1, "VERSION_CONFLICT": N - 1})
    assert await history_versions(client, "a1") == (2, 2, [2, 1])
    assert await stored_counts(database) == (1, 2)


async def test_concurrent_unpinned_changes_all_apply_one_after_another(client, database, account_writes):
    await open_account(client, id="a1", email="ana@example.com")

    payloads = await asyncio.gather(
        *(open_or_change(client, id="a1", email="ana@example.com", creditLimit=str(n + 1)) for n in range(N))
    )

    assert account_writes.stale, "no write went stale (and was retried): no race happened"
    assert len([update for update in account_writes.updates if update.applied]) == N
    assert outcomes(payloads) == Counter({"changed": N})
    assert sorted(p["account"]["version"] for p in payloads) == list(range(2, N + 2))
    assert await history_versions(client, "a1") == (N + 1, N + 1, list(range(N + 1, 0, -1)))
    assert await stored_counts(database) == (1, N + 1)


async def test_concurrent_closes_close_once(client, database, account_writes):
    # On a real server the closes may happen not to overlap: try fresh accounts until two of them
    # read the open account at once (the race), then check that race's outcome.
    for attempt in range(10):
        account_id = f"a{attempt}"
        await open_account(client, id=account_id, email=f"ana{attempt}@example.com")
        payloads = await asyncio.gather(*(close_account(client, account_id) for _ in range(10)))
        raced = [u for u in account_writes.updates_from(1) if u.account_id == account_id]
        if len(raced) >= 2:
            break
    assert len(raced) >= 2, "no two closes ever read the open account at once: no race happened"
    assert Counter(codes(p)[0] if p["errors"] else "closed" for p in payloads) == Counter(
        {"closed": 1, "ACCOUNT_CLOSED": 9}
    )
    assert await history_versions(client, account_id) == (2, 2, [2, 1])


async def test_concurrent_adds_of_one_holder_email_to_different_accounts_let_exactly_one_through(
    client, account_writes
):
    for n in range(N):
        await open_account(client, id=f"acc-{n}", email=f"owner{n}@example.com")

    payloads = await asyncio.gather(*(add_holder(client, f"acc-{n}", "shared@example.com") for n in range(N)))

    assert account_writes.most_in_flight["update"] >= 2, "the adds never overlapped: no race happened"
    assert Counter(codes(p)[0] if p["errors"] else "added" for p in payloads) == Counter(
        {"added": 1, "EMAIL_IN_USE": N - 1}
    )
    winner = next(p["account"]["id"] for p in payloads if not p["errors"])
    assert (await lookup(client, "shared@example.com"))["id"] == winner


async def test_concurrent_opens_and_holder_adds_of_one_email_let_exactly_one_through(client, account_writes):
    for n in range(N // 2):
        await open_account(client, id=f"acc-{n}", email=f"owner{n}@example.com")

    payloads = await asyncio.gather(
        *(
            open_or_change(client, id=f"new-{n}", email="shared@example.com")
            if n % 2
            else add_holder(client, f"acc-{n // 2}", "shared@example.com")
            for n in range(N)
        )
    )

    assert account_writes.inserts_met_updates, "no open overlapped a holder add: no race happened"
    assert Counter(codes(p)[0] if p["errors"] else "won" for p in payloads) == Counter(
        {"won": 1, "EMAIL_IN_USE": N - 1}
    )
