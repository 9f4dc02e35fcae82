"""7. Lists at scale: each list the API and the admin page serve, with the total it asks for, timed over
HTTP against a store of `large` accounts and against one of `small` (10,000) on the same database server.

The stores are loaded outside the timing by the fastest honest path: the service's own account documents
(`documents.account_documents`) written with `insert_many` in batches of 1,000, the indexes the service
declares created after the load (as `serve` would create them on start). Every tenth account is closed the
way a close leaves it: status CLOSED, its `closed_key`, and no unique keys (`email_key`, `document_key`).
Another tenth of the accounts (every tenth, from the first) has one credit transaction settled in 3
installments (`documents.SettledCredit`: the service's own planners and document functions, the account's
ledger fields moved as the service moves them): per such account 1 transaction, 3 invoices and 3 to 5
statement entries; of the invoices about 40% PAID, 20% overdue and 40% due in the coming months. Their
invoice totals are loaded as the service keeps them once its sweeper has flushed every account's changes.
"""

from __future__ import annotations

import statistics
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from itertools import islice

import httpx

import csvgen
import documents
import harness
from customer_credit.persistence.accounts import CLOSED_KEY, CLOSED_MARK
from customer_credit.persistence.database import (
    ACCOUNTS,
    CREDIT_TRANSACTIONS,
    INVOICES,
    STATEMENT_ENTRIES,
    connect,
)
from customer_credit.persistence.database import INVOICE_TOTALS as KEPT_TOTALS
from customer_credit.persistence.invoice_totals import TOTALS_ID

BATCH = 1_000
WARMUP_CALLS = 3
TIMED_CALLS = 21
TIMED_ROUNDS = 3  # row 7: the timed calls of each list, per store, in rounds alternating the stores
GOAL_MS = 300
GOAL_GROWTH = 1.5

NODES = "nodes { id email status creditLimit }"

CREDIT_EVERY = 10  # accounts 0, 10, 20, … have settled credit (and are open: the closed ones are 3, 13, …)
OPENED_DAYS_AGO = 200  # before the oldest settlement (150 days ago)
COLLECTIONS = (ACCOUNTS, CREDIT_TRANSACTIONS, INVOICES, STATEMENT_ENTRIES)

# The account the per-account credit lists name: the 14th with credit (every store has it), settled 92 days
# ago; its invoices PAID, overdue, PAID; 5 statement entries.
CREDIT_ACCOUNT = f"00000000-0000-4000-8000-{13 * CREDIT_EVERY:012d}"


@dataclass(frozen=True)
class ListCall:
    number: str
    name: str
    total: str  # which total it asks for: what bounds its cost (README, Performance)
    query: str | None = None  # GraphQL; else a REST GET of `path`
    path: str | None = None


COUNTED = "count(limit: 1000) { count precision }"
REST_OPEN_PAGE = "/api/creditcontrol/accounts?status=Open&from=1&to=50"
REST_COUNTED = "summary.count precision"


def accounts_page(total: str, arguments: str = "") -> str:
    """`accounts(first: 50)` with `arguments` (filter, order) and the total asked for: the admin page's list
    query, shared by rows 7 and 8."""
    listed = f"first: 50, {arguments}" if arguments else "first: 50"
    return f"{{ accounts({listed}) {{ {total} {NODES} }} }}"


# The credit lists as the admin page asks for them (static/admin/js: invoices.js, the Faturas screen; credit.js,
# an account's page): the Faturas page and its totals are two requests, the list asks for no total.
NO_TOTAL = ""
INVOICE = "id accountId installment numberOfInstallments amount status overdue dueDate originalDueDate"
INVOICE_TOTALS = "count amount openAmount paidAmount"
ENTRY = "id at kind amount balanceAfter actor note invoiceId"
PAGE_INFO = "pageInfo { hasNextPage endCursor }"
ACCOUNT_LEDGER = (
    f'{{ account(id: "{CREDIT_ACCOUNT}") {{ '
    "transactions(first: 50, status: AUTHORIZED) { nodes { id amount installments orderId createdAt expiresAt } } "
    f"invoices(first: 20) {{ {PAGE_INFO} nodes {{ {INVOICE} }} }} "
    f"statement(first: 20) {{ {PAGE_INFO} nodes {{ {ENTRY} }} }} }} }}"
)


def invoices_page(arguments: str, total: str = NO_TOTAL, first: int = 20) -> str:
    """The store's `invoices` with `arguments` (a filter) and the total asked for: the Faturas screen's query."""
    listed = f"first: {first}, {arguments}" if arguments else f"first: {first}"
    return f"{{ invoices({listed}) {{ {total} {PAGE_INFO} nodes {{ {INVOICE} }} }} }}"


def account_list(field: str, total: str, nodes: str) -> str:
    """One list of `CREDIT_ACCOUNT` (`field` with its arguments) with the total asked for."""
    return f'{{ account(id: "{CREDIT_ACCOUNT}") {{ {field} {{ {total} {PAGE_INFO} nodes {{ {nodes} }} }} }} }}'


def email_in_other_case(count: int, index: int, tag: str) -> str:
    """The email of generated row `index` (of `csvgen.rows(count, tag=tag)`) in upper case: an exact-email
    filter that matches one account only through the case-insensitive key."""
    return next(islice(csvgen.rows(count, tag=tag), index, None)).email.upper()


# Each list as the admin page asks for it: count(limit: 1000) on the accounts list (REST: countLimit=1000); the
# exact total where an index answers it (one email, one account's credit lists); the credit lists as the admin
# page and an integration ask for them.
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
    ListCall(
        "7g",
        "REST `GET /accounts?status=Open&countLimit=1000`, positions 1–50",
        REST_COUNTED,
        path=f"{REST_OPEN_PAGE}&countLimit=1000",
    ),
    ListCall(
        "7h", "`importRuns(first: 20)`", "totalCount", "{ importRuns(first: 20) { totalCount nodes { id status } } }"
    ),
    ListCall(
        "7i",
        "Faturas: `invoices(first: 20)`, no filter (its totals: 7j)",
        NO_TOTAL,
        invoices_page(""),
    ),
    ListCall(
        "7j",
        "Faturas: `invoiceTotals`, no filter",
        INVOICE_TOTALS,
        f"{{ invoiceTotals {{ {INVOICE_TOTALS} }} }}",
    ),
    ListCall(
        "7k",
        "Faturas: `invoices(first: 20)`, overdue (about 20% of invoices; its totals: 7l)",
        NO_TOTAL,
        invoices_page("filter: {overdue: true}"),
    ),
    ListCall(
        "7l",
        "Faturas: `invoiceTotals`, overdue",
        INVOICE_TOTALS,
        f"{{ invoiceTotals(filter: {{overdue: true}}) {{ {INVOICE_TOTALS} }} }}",
    ),
    ListCall(
        "7m",
        "`invoices(first: 20)`, overdue",
        COUNTED,
        invoices_page("filter: {overdue: true}", COUNTED),
    ),
    ListCall(
        "7n",
        "`invoices(first: 20)` of one account",
        "totalCount",
        invoices_page(f'filter: {{accountId: "{CREDIT_ACCOUNT}"}}', "totalCount"),
    ),
    ListCall(
        "7o",
        "Faturas: `invoiceTotals` of one account",
        INVOICE_TOTALS,
        f'{{ invoiceTotals(filter: {{accountId: "{CREDIT_ACCOUNT}"}}) {{ {INVOICE_TOTALS} }} }}',
    ),
    ListCall(
        "7p",
        "an account's credit on the admin page: its holds, `invoices(first: 20)`, `statement(first: 20)`",
        NO_TOTAL,
        ACCOUNT_LEDGER,
    ),
    ListCall(
        "7q",
        "an account's `statement(first: 50)`",
        "totalCount",
        account_list("statement(first: 50)", "totalCount", ENTRY),
    ),
    ListCall(
        "7r",
        "an account's `transactions(first: 20)`",
        "totalCount",
        account_list("transactions(first: 20)", "totalCount", "id amount status createdAt"),
    ),
]

# Exact totals that read every matching account, invoice (or index entry) on the embedded server: measured for
# the record, no goal (README, Performance).
EXACT_INFO = [
    ListCall("7s", "`accounts`, no filter, exact `totalCount`", "totalCount", accounts_page("totalCount")),
    ListCall(
        "7t",
        "`accounts` by status CLOSED, exact `totalCount`",
        "totalCount",
        accounts_page("totalCount", "filter: {status: CLOSED}"),
    ),
    ListCall(
        "7u",
        '`accounts` by search "marina", exact `totalCount`',
        "totalCount",
        accounts_page("totalCount", 'filter: {search: "marina"}'),
    ),
    ListCall(
        "7v",
        "`invoices(first: 50)`, overdue, exact `totalCount` (README's example)",
        "totalCount",
        invoices_page("filter: {overdue: true}", "totalCount", first=50),
    ),
    ListCall(
        "7w",
        "REST `GET /accounts?status=Open`, positions 1–50, exact `summary.count` (the original API's)",
        "summary.count",
        path=REST_OPEN_PAGE,
    ),
]


def store_documents(count: int, now_ms: int | None = None) -> Iterator[tuple[str, list[dict]]]:
    """The store's documents in batches of up to `BATCH`, each with its collection: the accounts, every tenth
    closed, and the credit of every tenth (`documents.SettledCredit`)."""
    now = int(time.time() * 1000) if now_ms is None else now_ms
    credit = documents.SettledCredit(now)
    opened = now - OPENED_DAYS_AGO * documents.DAY_MS
    pending: dict[str, list[dict]] = defaultdict(list)
    rows = csvgen.rows(count, tag="lst")
    for index, document in enumerate(documents.account_documents(rows, run_id="lists", opened_ms=opened)):
        if index % 10 == 3:
            document.update(status="CLOSED", **{CLOSED_KEY: CLOSED_MARK})
            document.pop("email_key", None)
            document.pop("document_key", None)
        elif index % CREDIT_EVERY == 0:
            credit.add(document, index // CREDIT_EVERY)
            for name, made in zip(COLLECTIONS[1:], credit.take()):
                pending[name].extend(made)
        pending[ACCOUNTS].append(document)
        for name in COLLECTIONS:
            if len(pending[name]) >= BATCH:
                yield name, pending[name][:BATCH]
                del pending[name][:BATCH]
    for name in COLLECTIONS:
        if pending[name]:
            yield name, pending[name]
    kept = {key: {"n": count, "c": cents} for key, (count, cents) in credit.invoice_totals.items()}
    yield KEPT_TOTALS, [{"_id": TOTALS_ID, "v": 0, "b": kept}]


async def load_store(uri: str, database: str, count: int, log) -> tuple[float, str]:
    """Seconds to load `count` accounts with their credit and build the service's indexes, and what was loaded."""
    db = connect(uri, database, timeout_ms=120_000)
    try:
        for name in (*COLLECTIONS, KEPT_TOTALS):
            await db.collection(name).drop()
        started = time.perf_counter()
        loaded: dict[str, int] = defaultdict(int)
        for name, batch in store_documents(count):
            await db.collection(name).insert_many(batch, ordered=False)
            loaded[name] += len(batch)
            if name == ACCOUNTS and loaded[name] % (100 * BATCH) == 0:
                log(f"lists: {loaded[name]:,} of {count:,} accounts loaded ({time.perf_counter() - started:.0f} s)")
        what = ", ".join(f"{loaded[name]:,} {name}" for name in COLLECTIONS)
        log(f"lists: loaded {what}")
        await db.create_indexes()
        return time.perf_counter() - started, what
    finally:
        db.close()


async def timed(client: httpx.AsyncClient, call: ListCall, count: int) -> list[float]:
    """Milliseconds of each of `count` sequential calls."""
    timings = []
    for _ in range(count):
        started = time.perf_counter()
        if call.query is not None:
            await harness.graphql(client, call.query)
        else:
            assert call.path is not None
            response = await client.get(call.path)
            response.raise_for_status()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def list_client(base_url: str, key: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=base_url, headers={"Authorization": f"Bearer {key}"}, timeout=120)


async def time_calls(stores: list[tuple[str, str]], calls: list[ListCall]) -> list[dict[str, float]]:
    """p50 in milliseconds per call number on each store (base URL, key), after the warm-up; each list's
    timed calls are made in `TIMED_ROUNDS` rounds that alternate the stores: a host whose speed drifts
    weighs on every store alike, where timing one store minutes after the other measured the drift as
    growth. One store is timed in the same rounds."""
    async with AsyncExitStack() as stack:
        clients = [await stack.enter_async_context(list_client(url, key)) for url, key in stores]
        timings: list[dict[str, float]] = [{} for _ in stores]
        for call in calls:
            samples: list[list[float]] = [[] for _ in stores]
            for client in clients:
                await timed(client, call, WARMUP_CALLS)
            for round_number in range(TIMED_ROUNDS):
                order = list(enumerate(clients))
                for index, client in order if round_number % 2 == 0 else reversed(order):
                    samples[index] += await timed(client, call, TIMED_CALLS // TIMED_ROUNDS)
            for index, taken in enumerate(samples):
                timings[index][call.number] = statistics.median(taken)
        return timings


def within_goal(large_ms: float, small_ms: float) -> bool:
    return large_ms <= GOAL_MS and large_ms <= GOAL_GROWTH * small_ms
