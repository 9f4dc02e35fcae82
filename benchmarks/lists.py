"""7. Lists at scale: each list the API and the admin page serve, with the total it asks for, timed over
HTTP against a store of `large` accounts and against one of `small` (10,000) on the same database server.

The stores are loaded outside the timing by the fastest honest path: the service's own account documents
(`documents.account_documents`) written with `insert_many` in batches of 1,000, the indexes the service
declares created after the load (as `serve` would create them on start). Every tenth account is closed the
way a close leaves it: status CLOSED, its `closed_key`, and no unique keys (`email_key`, `document_key`).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice

import httpx

import csvgen
import documents
import harness
from customer_credit.persistence.accounts import CLOSED_KEY, CLOSED_MARK
from customer_credit.persistence.database import ACCOUNTS, connect

BATCH = 1_000
WARMUP_CALLS = 3
TIMED_CALLS = 21
GOAL_MS = 300
GOAL_GROWTH = 1.5

NODES = "nodes { id email status creditLimit }"


@dataclass(frozen=True)
class ListCall:
    number: str
    name: str
    total: str  # which total it asks for: what bounds its cost (README, Performance)
    query: str | None = None  # GraphQL; else a REST GET of `path`
    path: str | None = None


COUNTED = "count(limit: 1000) { count precision }"
REST_OPEN_PAGE = "/api/creditcontrol/accounts?status=Open&from=1&to=50"


def accounts_page(total: str, arguments: str = "") -> str:
    """`accounts(first: 50)` with `arguments` (filter, order) and the total asked for: the admin page's list
    query, shared by rows 7 and 8."""
    listed = f"first: 50, {arguments}" if arguments else "first: 50"
    return f"{{ accounts({listed}) {{ {total} {NODES} }} }}"


def email_in_other_case(count: int, index: int, tag: str) -> str:
    """The email of generated row `index` (of `csvgen.rows(count, tag=tag)`) in upper case: an exact-email
    filter that matches one account only through the case-insensitive key."""
    return next(islice(csvgen.rows(count, tag=tag), index, None)).email.upper()


# Each list as the admin page asks for it: count(limit: 1000) on the accounts list; the exact total where an
# index answers it (one email) or where the contract asks for it (REST summary.count).
CALLS = [
    ListCall("7a", "`accounts(first: 50)`, no filter", COUNTED, accounts_page(COUNTED)),
    ListCall("7b", "`accounts` by status CLOSED (10%)", COUNTED, accounts_page(COUNTED, "filter: {status: CLOSED}")),
    ListCall(
        "7c",
        "`accounts` by status OPEN, ordered by credit limit",
        COUNTED,
        accounts_page(COUNTED, "filter: {status: OPEN}, orderBy: {field: CREDIT_LIMIT, direction: DESC}"),
    ),
    ListCall(
        "7d",
        '`accounts` by search "marina" (5% of accounts)',
        COUNTED,
        accounts_page(COUNTED, 'filter: {search: "marina"}'),
    ),
    ListCall(
        "7e",
        '`accounts` by search "marina.silva.lst1" (about 0.05%)',
        COUNTED,
        accounts_page(COUNTED, 'filter: {search: "marina.silva.lst1"}'),
    ),
    ListCall(
        "7f",
        "`accounts` by exact email (in another case)",
        "totalCount",
        accounts_page("totalCount", f'filter: {{email: "{email_in_other_case(20, 12, "lst")}"}}'),
    ),
    ListCall("7g", "REST `GET /accounts?status=Open`, positions 1–50", "summary.count", path=REST_OPEN_PAGE),
    ListCall(
        "7h", "`importRuns(first: 20)`", "totalCount", "{ importRuns(first: 20) { totalCount nodes { id status } } }"
    ),
    ListCall(
        "7i",
        "`invoices(first: 20)`, overdue (no invoices in the store)",
        COUNTED,
        f"{{ invoices(first: 20, filter: {{overdue: true}}) {{ {COUNTED} nodes {{ id }} }} }}",
    ),
]

# Exact totals that read every matching account (or index entry) on the embedded server: measured for the
# record, no goal (README, Performance).
EXACT_INFO = [
    ListCall("7j", "`accounts`, no filter, exact `totalCount`", "totalCount", accounts_page("totalCount")),
    ListCall(
        "7k",
        "`accounts` by status CLOSED, exact `totalCount`",
        "totalCount",
        accounts_page("totalCount", "filter: {status: CLOSED}"),
    ),
    ListCall(
        "7l",
        '`accounts` by search "marina", exact `totalCount`',
        "totalCount",
        accounts_page("totalCount", 'filter: {search: "marina"}'),
    ),
]


def store_documents(count: int) -> Iterator[list[dict]]:
    """The store's accounts in batches; every tenth closed."""
    batch: list[dict] = []
    for index, document in enumerate(documents.account_documents(csvgen.rows(count, tag="lst"), run_id="lists")):
        if index % 10 == 3:
            document.update(status="CLOSED", **{CLOSED_KEY: CLOSED_MARK})
            document.pop("email_key", None)
            document.pop("document_key", None)
        batch.append(document)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


async def load_store(uri: str, database: str, count: int, log) -> float:
    """Seconds to load `count` accounts and build the service's indexes."""
    db = connect(uri, database, timeout_ms=120_000)
    try:
        accounts = db.collection(ACCOUNTS)
        await accounts.drop()
        started = time.perf_counter()
        for n, batch in enumerate(store_documents(count), start=1):
            await accounts.insert_many(batch, ordered=False)
            if n % 100 == 0:
                log(f"lists: {n * BATCH:,} of {count:,} accounts loaded ({time.perf_counter() - started:.0f} s)")
        await db.create_indexes()
        return time.perf_counter() - started
    finally:
        db.close()


async def time_call(client: httpx.AsyncClient, call: ListCall) -> list[float]:
    """Milliseconds of each timed call (after the warm-up), sequential."""
    timings = []
    for attempt in range(WARMUP_CALLS + TIMED_CALLS):
        started = time.perf_counter()
        if call.query is not None:
            await harness.graphql(client, call.query)
        else:
            assert call.path is not None
            response = await client.get(call.path)
            response.raise_for_status()
        if attempt >= WARMUP_CALLS:
            timings.append((time.perf_counter() - started) * 1000)
    return timings


async def time_calls(base_url: str, key: str, calls: list[ListCall]) -> dict[str, float]:
    """p50 in milliseconds per call number."""
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=120) as client:
        return {call.number: statistics.median(await time_call(client, call)) for call in calls}


def within_goal(large_ms: float, small_ms: float) -> bool:
    return large_ms <= GOAL_MS and large_ms <= GOAL_GROWTH * small_ms
