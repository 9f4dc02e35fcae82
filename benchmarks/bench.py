"""`make bench`: the service's performance as ratios against baselines measured in the same run.

1. Import: a generated CSV through `importCsv` over HTTP, upload to terminal status, against
   the same account documents (ids as random as the import's: UUIDv4s) written with Motor
   `insert_many` (batches of 1,000) into a fresh collection of the same server.
2. Reads: `accounts(first: 50)` with the eleven account fields (the scalars before the four
   credit numbers were added), requests/s under uvicorn, against a bare Starlette route making
   the service's own repository call and returning the same fields as JSON.
3. Memory: peak RSS of the service process during a large import minus its RSS at rest,
   at two file sizes (1,000,000 and 200,000 rows by default) to show the slope.
4. Projection: bytes the database returns for `nodes { id }` against the eleven fields of row 2.
5. Authorizations: `authorizeCredit` over HTTP, requests/s of one sequential client (a new
   idempotency key per call, spread over many accounts), against a bare Starlette route making
   the same database writes through the service's ledger repository.
6. Contention: authorizations/s on one account with 50 concurrent clients against 1 client.
7. Lists at scale: p50 of each list with the total it asks for, on a large store against a store
   of 10,000 accounts, the credit lists on the invoices and statements of a tenth of the accounts
   (benchmarks/lists.py).
8. Lists on a grown store: the same kind of lists on one store grown through `importCsv` over HTTP,
   after its first tenth was imported and again after the rest (benchmarks/grown.py).

Settings (environment or `make bench VAR=...`):
  MONGODB_URI          use this server instead of starting the embedded nx-27017 one
  BENCH_QUICK=1        small sizes, short read rounds (a smoke run, 2-4 minutes)
  BENCH_ROWS_IMPORT    rows of the import measurement (default 100000; quick 20000)
  BENCH_ROWS_MEMORY    the large memory run (default 1000000; quick 100000); 0 skips the
                       memory step; a comma list (e.g. 200000,500000) gives the sizes exactly
  BENCH_ROWS_MEMORY_SMALL  the small memory run (default 200000; quick 20000)
  BENCH_READ_SECONDS   length of one read round per target (default 5; quick 2); 3 rounds
  BENCH_MEMORY_MAX_SECONDS  follow each memory import at most this long (default 150; quick 60;
                       0: to the end). A capped run is marked "partial" with the rows it reached:
                       the size-dependent allocations happen at the start of a run, and the RSS
                       curve in the notes shows whether it had levelled off
  BENCH_CREDIT_ACCOUNTS  row 5: accounts per target, used in turn (default 500)
  BENCH_CREDIT_CALLS   row 6: authorizations per round (default 500; quick 150)
  BENCH_CREDIT_CLIENTS row 6: concurrent clients (default 50)
  BENCH_LIST_ROWS      row 7: accounts in the large store (default 1000000; quick 100000), timed
                       against a store of 10,000; loading 1,000,000 takes 15-30 minutes
  BENCH_GROWN_ROWS     row 8: accounts of the grown store (default 100000; quick 20000), imported
                       as a tenth then the rest; at 300-1,200 rows/s, 100000 takes 2-6 minutes
  BENCH_STEPS          the rows to measure, e.g. 5,6 (default all; 2 and 4 need 1's accounts)
  BENCH_KEEP=1         keep the temporary directory (logs, CSV files) and print its path
Exit status 0 whether goals are met or not: this is a measurement, not a test.
"""

from __future__ import annotations

import asyncio
import os
import ssl
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import bson
import httpx
from pymongo import monitoring

sys.path.insert(0, str(Path(__file__).resolve().parent))

import csvgen  # noqa: E402
import documents  # noqa: E402
import grown  # noqa: E402
import harness  # noqa: E402
import lists  # noqa: E402
import write_set  # noqa: E402
from customer_credit.domain.account_planner import Origin, plan_open  # noqa: E402
from customer_credit.domain.accounts import AccountQuery, AccountRequest  # noqa: E402
from customer_credit.persistence.database import ACCOUNTS, connect  # noqa: E402
from customer_credit.worker.planning import generated_account_id  # noqa: E402
from documents import sequential_id  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"

# The eleven account fields of rows 2 and 4 (Account's scalars before the credit numbers were added; kept so that
# the rows keep their meaning and stay comparable with earlier runs).
ACCOUNT_SCALARS = "id email documentType document creditLimit tolerance status description createdAt updatedAt version"
READ_QUERY = "query Accounts { accounts(first: 50) { nodes { %s } } }" % ACCOUNT_SCALARS
PROJECTION_IDS = "query Ids { accounts(first: 100) { nodes { id } } }"
PROJECTION_ALL = "query All { accounts(first: 100) { nodes { %s } } }" % ACCOUNT_SCALARS
FLOOR_BATCH = 1000
IMPORT_GOAL = 1.5  # the import against the floor (issue 15)
READS_GOAL = 1.3  # GraphQL reads against the bare route (issue 15)
READ_ROUNDS = 3


def env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip().replace("_", "")
    return int(value) if value else default


QUICK = env_flag("BENCH_QUICK")
ROWS_IMPORT = env_int("BENCH_ROWS_IMPORT", 20_000 if QUICK else 100_000)
READ_SECONDS = float(os.environ.get("BENCH_READ_SECONDS") or (2 if QUICK else 5))
MEMORY_MAX_SECONDS = float(os.environ.get("BENCH_MEMORY_MAX_SECONDS") or (60 if QUICK else 150))
WARMUP_SECONDS = 1.0 if QUICK else 2.0
# Which measurements to make, by row number (2 and 4 read the accounts that step 1 imports; 5 and 6 are one step).
STEPS = {x.strip() for x in (os.environ.get("BENCH_STEPS") or "1,2,3,4,5,6,7,8").split(",") if x.strip()}
LIST_ROWS = env_int("BENCH_LIST_ROWS", 100_000 if QUICK else 1_000_000)  # row 7: the large store
LIST_ROWS_SMALL = 10_000  # row 7: the store it is compared with
GROWN_ROWS = env_int("BENCH_GROWN_ROWS", 20_000 if QUICK else 100_000)  # row 8: the grown store


def memory_sizes() -> list[int]:
    raw = os.environ.get("BENCH_ROWS_MEMORY", "").strip().replace("_", "")
    if "," in raw:
        return sorted({int(x) for x in raw.split(",") if x.strip() and int(x) > 0})
    large = int(raw) if raw else (100_000 if QUICK else 1_000_000)
    if large <= 0:
        return []
    small = env_int("BENCH_ROWS_MEMORY_SMALL", 20_000 if QUICK else 200_000)
    return sorted({small, large}) if small < large else [large]


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


@dataclass
class Row:
    number: str
    measurement: str
    result: str
    baseline: str
    ratio: str
    goal: str
    verdict: str


@dataclass
class Report:
    rows: list[Row]
    notes: list[str]


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("PASS" if ok else "MISS")


def cpu_delta(before: float | None, after: float | None) -> str:
    return "n/a" if before is None or after is None else f"{after - before:.1f} s"


# --- 1. import against the insert_many floor ------------------------------------------------------------


def import_id(index: int) -> str:
    """The id the import generates for the file's `index`-th data row (a UUIDv4 from the run and the row)."""
    return generated_account_id("floor", index + 2)


def floor_documents(count: int, account_id: Callable[[int], str] = import_id) -> list[dict]:
    """The account documents the service would write for the generated file (same shape, same values;
    ids as random as the import's unless `account_id` says otherwise)."""
    return list(documents.account_documents(csvgen.rows(count, tag="imp"), account_id=account_id))


async def measure_floor(server: harness.DatabaseServer, documents: list[dict], name: str) -> dict:
    """Seconds, database server CPU and this process's CPU (Motor threads included) for the floor."""
    db = connect(server.uri, server.database(f"{PREFIX}_{name}"))
    try:
        collection = db.collection("accounts")
        await collection.drop()
        await db.db.command("ping")
        cpu, own = harness.cpu_seconds(server.pid), time.process_time()
        started = time.perf_counter()
        for start in range(0, len(documents), FLOOR_BATCH):
            await collection.insert_many(documents[start : start + FLOOR_BATCH])  # they carry their _id
        seconds = time.perf_counter() - started
        db_cpu, own = harness.cpu_seconds(server.pid), time.process_time() - own
        count = await collection.estimated_document_count()
        assert count == len(documents), (count, len(documents))
        await db.client.drop_database(f"{PREFIX}_{name}")
        return {
            "seconds": seconds,
            "db_cpu": (db_cpu - cpu) if cpu is not None and db_cpu is not None else None,
            "client_cpu": own,
        }
    finally:
        db.close()


@dataclass
class ServiceImport:
    """An import through the service, with the CPU the service process and the database server spent on it."""

    result: harness.ImportResult
    service_cpu: float
    db_cpu: float | None


async def import_through_service(
    server: harness.DatabaseServer, service: harness.Process, key: str, path: Path
) -> ServiceImport:
    """`importCsv` of the file over HTTP (mode CREATE), followed to its end. One query goes first, so that the
    service's set-up on its first request is not in the import's time."""
    async with httpx.AsyncClient(base_url=service.base_url, headers={"Authorization": f"Bearer {key}"}) as client:
        await harness.graphql(client, "{ accounts(first: 1) { nodes { id } } }")
    service_cpu, db_cpu = harness.cpu_seconds(service.pid), harness.cpu_seconds(server.pid)
    result = await harness.import_csv(service.base_url, key, path)
    return ServiceImport(
        result=result,
        service_cpu=harness.cpu_seconds(service.pid) - service_cpu,
        db_cpu=(harness.cpu_seconds(server.pid) - db_cpu) if db_cpu is not None else None,
    )


def import_shortfall(result: harness.ImportResult, rows: int) -> str | None:
    """How an import fell short of creating every row of its file; None when it created them all."""
    if result.status == "SUCCEEDED" and result.created == rows:
        return None
    return (
        f"{result.status}, created {result.created:,} of {rows:,}, failed {result.failed:,}; "
        f"first errors {result.first_errors}"
    )


def describe_import(imported: ServiceImport, rows: int) -> str:
    """The import's time, rate and CPU, for the notes."""
    result = imported.result
    return (
        f"{result.seconds:.0f} s, {rows / result.seconds:,.0f} rows/s (upload request {result.upload_seconds:.1f} s; "
        f"CPU: service {imported.service_cpu:.0f} s, database server {cpu_delta(0, imported.db_cpu)})"
    )


# --- 2. reads -------------------------------------------------------------------------------------------


def request_loop(
    url: str, method: str, headers: dict, body, seconds: float, check, *, check_every: bool = False
) -> tuple[int, float, list[float]]:
    """One client, sequential requests on one keep-alive connection, for `seconds`.

    `body`: a JSON body, or a function that makes the next one (a new idempotency key per call);
    `check` sees the first answer, or every answer with `check_every`."""
    latencies = []
    with httpx.Client(headers=headers, timeout=30.0) as client:
        count, started = 0, time.perf_counter()
        deadline = started + seconds
        while True:
            payload = body() if callable(body) else body
            t0 = time.perf_counter()
            response = client.request(method, url, json=payload)
            t1 = time.perf_counter()
            if response.status_code != 200:
                raise RuntimeError(f"{url}: HTTP {response.status_code} {response.text[:300]}")
            if count == 0 or check_every:
                check(response.json())
            latencies.append(t1 - t0)
            count += 1
            if t1 >= deadline:
                return count, t1 - started, latencies


def check_graphql(body: dict) -> None:
    if body.get("errors") or len(body["data"]["accounts"]["nodes"]) != 50:
        raise RuntimeError(f"unexpected GraphQL answer: {str(body)[:300]}")


def check_bare(body: dict) -> None:
    if len(body["data"]["accounts"]["nodes"]) != 50:
        raise RuntimeError(f"unexpected bare answer: {str(body)[:300]}")


async def measure_reads(service: harness.Process, bare: harness.Process, key: str, db_pid: int | None) -> dict:
    targets = {
        "graphql": (
            f"{service.base_url}/graphql",
            "POST",
            {"Authorization": f"Bearer {key}"},
            {"query": READ_QUERY},
            check_graphql,
        ),
        "bare": (f"{bare.base_url}/accounts", "GET", {}, None, check_bare),
    }
    return await alternate_rounds(targets, {"graphql": service.pid, "bare": bare.pid}, db_pid)


async def alternate_rounds(targets: dict, pids: dict, db_pid: int | None, *, check_every: bool = False) -> dict:
    """A warm-up per target, then READ_ROUNDS rounds of READ_SECONDS, the targets alternating: the
    median round's requests/s, latencies, and the CPU per request of the target's process and of the
    database server."""
    for url, method, headers, body, check in targets.values():
        await asyncio.to_thread(
            request_loop, url, method, headers, body, WARMUP_SECONDS, check, check_every=check_every
        )
    rates: dict[str, list[float]] = {name: [] for name in targets}
    latencies: dict[str, list[float]] = {name: [] for name in targets}
    cpu: dict[str, float] = {name: 0.0 for name in targets}
    db_cpu: dict[str, float] = {name: 0.0 for name in targets}
    for _ in range(READ_ROUNDS):
        for name, (url, method, headers, body, check) in targets.items():
            before, db_before = harness.cpu_seconds(pids[name]), harness.cpu_seconds(db_pid)
            count, seconds, lat = await asyncio.to_thread(
                request_loop, url, method, headers, body, READ_SECONDS, check, check_every=check_every
            )
            cpu[name] += (harness.cpu_seconds(pids[name]) or 0) - (before or 0)
            if db_before is not None:
                db_cpu[name] += (harness.cpu_seconds(db_pid) or 0) - db_before
            rates[name].append(count / seconds)
            latencies[name].extend(lat)
    return {
        name: {
            "rps": statistics.median(rates[name]),
            "rounds": rates[name],
            "p50_ms": statistics.median(latencies[name]) * 1000,
            "p95_ms": statistics.quantiles(latencies[name], n=20)[18] * 1000,
            "cpu_ms_per_request": cpu[name] * 1000 / len(latencies[name]),
            "db_cpu_ms_per_request": db_cpu[name] * 1000 / len(latencies[name]) if db_pid else None,
            "requests": len(latencies[name]),
        }
        for name in targets
    }


# --- 7 and 8. lists -------------------------------------------------------------------------------------


def asked(call: lists.ListCall) -> str:
    return f"with `{call.total}`" if call.total else "no total asked"


def list_rows(
    graded: list[lists.ListCall],
    info: list[lists.ListCall],
    timings: tuple[dict[str, float], dict[str, float]],
    stores: tuple[str, str],
) -> list[Row]:
    """One row per list: its p50 on the large store against the small one (`timings` and `stores` in that
    order: small, large); the `info` lists have no goal."""
    small, large = timings
    small_store, large_store = stores
    rows = []
    for call in graded + info:
        growth = large[call.number] / small[call.number]
        rows.append(
            Row(
                call.number,
                f"{call.name}, {asked(call)}: p50 at {large_store}",
                f"{large[call.number]:.1f} ms",
                f"{small_store}: {small[call.number]:.1f} ms",
                f"{growth:.2f}×",
                f"≤ {lists.GOAL_GROWTH}× and ≤ {lists.GOAL_MS} ms" if call in graded else "(info)",
                verdict(lists.within_goal(large[call.number], small[call.number])) if call in graded else "–",
            )
        )
    return rows


# --- 5 and 6. authorizations ------------------------------------------------------------------------------

AUTHORIZE = (
    "mutation Authorize($input: AuthorizeCreditInput!) { authorizeCredit(input: $input) "
    "{ transaction { id status amount expiresAt } errors { field code message } } }"
)
CREDIT_AMOUNT = "1.00"
CREDIT_AMOUNT_CENTS = 100
CREDIT_LIMIT = Decimal("1000000.00")  # a million authorizations of 1.00: none of these runs can exhaust it
CREDIT_ACCOUNTS = env_int("BENCH_CREDIT_ACCOUNTS", 500)  # row 5: accounts per target, used in turn
CREDIT_CLIENTS = env_int("BENCH_CREDIT_CLIENTS", 50)  # row 6: concurrent authorizers on one account
CREDIT_CALLS = env_int("BENCH_CREDIT_CALLS", 150 if QUICK else 500)  # row 6: authorizations per round


async def open_credit_accounts(uri: str, database: str, ids: list[str]) -> None:
    """Accounts written by the service's own code (`plan_open`, `AccountBatchRepository.insert`, as an
    import writes them), each with CREDIT_LIMIT of credit, no tolerance and an empty ledger, in a
    database with the service's indexes."""
    from customer_credit.persistence.account_batches import AccountBatchRepository, encoded_opening

    db = connect(uri, database)
    try:
        await db.create_indexes()
        batches = AccountBatchRepository(db)
        origin = Origin(actor="bench", at_ms=int(time.time() * 1000))
        changes = [
            plan_open(
                account_id, AccountRequest(email=f"{account_id}@bench.example.com", credit_limit=CREDIT_LIMIT), origin
            )
            for account_id in ids
        ]
        for start in range(0, len(changes), FLOOR_BATCH):
            part = changes[start : start + FLOOR_BATCH]
            failures = await batches.insert(part, [encoded_opening(change) for change in part])
            if failures:
                raise RuntimeError(f"could not open the credit accounts: {failures}")
    finally:
        db.close()


async def held_on(uri: str, database: str, ids: list[str]) -> dict[str, int]:
    """What the accounts hold (cents, holds, operations left pending) and the headroom left, summed."""
    from customer_credit.persistence.ledger import HEADROOM

    db = connect(uri, database)
    try:
        totals = {"held_cents": 0, "holds": 0, "pending": 0, "headroom_cents": 0}
        cursor = db.collection(ACCOUNTS).find({"_id": {"$in": ids}}, ["held_cents", "holds", "pending", HEADROOM])
        async for d in cursor:
            totals["held_cents"] += d.get("held_cents", 0)
            totals["holds"] += len(d.get("holds") or {})
            totals["pending"] += len(d.get("pending") or {})
            totals["headroom_cents"] += d.get(HEADROOM, 0)
        return totals
    finally:
        db.close()


class Authorizations:
    """The bodies of authorizeCredit calls: a new idempotency key each, on the accounts in turn;
    GraphQL's (the mutation and its variables) or the bare route's (the input alone)."""

    def __init__(self, name: str, accounts: list[str], *, graphql: bool) -> None:
        self.prefix = f"bench-{uuid.uuid4().hex[:8]}-{name}"
        self.accounts = accounts
        self.graphql = graphql
        self.calls = 0

    def __call__(self) -> dict:
        account = self.accounts[self.calls % len(self.accounts)]
        data = {
            "accountId": account,
            "amount": CREDIT_AMOUNT,
            "idempotencyKey": f"{self.prefix}-{self.calls}",
            "installments": 1,
        }
        self.calls += 1
        return {"query": AUTHORIZE, "variables": {"input": data}} if self.graphql else data


def check_authorized(body: dict) -> None:
    payload = (body.get("data") or {}).get("authorizeCredit") or {}
    transaction = payload.get("transaction") or {}
    if body.get("errors") or payload.get("errors") or transaction.get("status") != "AUTHORIZED":
        raise RuntimeError(f"authorization not held: {str(body)[:300]}")


async def authorization_burst(service: harness.Process, key: str, make_body, clients: int, calls: int) -> dict:
    """`calls` authorizeCredit calls made by `clients` concurrent asyncio clients (an httpx.AsyncClient
    each, one keep-alive connection each, every client sending its next call as soon as its last one
    is answered), timed from the first request to the last answer. Each client opens its connection
    (GET /healthz) before the clock starts."""
    url = f"{service.base_url}/graphql"
    tls = ssl.create_default_context()  # plain HTTP; shared so that 50 clients do not each load the CA bundle
    headers = {"Authorization": f"Bearer {key}"}
    pool = [httpx.AsyncClient(headers=headers, timeout=120.0, verify=tls) for _ in range(clients)]
    latencies: list[float] = []
    remaining = calls

    async def authorizer(client: httpx.AsyncClient) -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            body = make_body()
            t0 = time.perf_counter()
            response = await client.post(url, json=body)
            latencies.append(time.perf_counter() - t0)
            if response.status_code != 200:
                raise RuntimeError(f"{url}: HTTP {response.status_code} {response.text[:300]}")
            check_authorized(response.json())

    try:
        await asyncio.gather(*(client.get(f"{service.base_url}/healthz") for client in pool))
        own = time.process_time()
        started = time.perf_counter()
        await asyncio.gather(*(authorizer(client) for client in pool))
        seconds = time.perf_counter() - started
        own = time.process_time() - own
    finally:
        await asyncio.gather(*(client.aclose() for client in pool))
    return {
        "seconds": seconds,
        "rate": calls / seconds,
        "p50_ms": statistics.median(latencies) * 1000,
        "p95_ms": statistics.quantiles(latencies, n=20)[18] * 1000,
        "client_cpu": own,
        "latencies": latencies,  # in the order the answers came
    }


class CommandLog(monitoring.CommandListener):
    """The database commands a client sends: (command, collection)."""

    def __init__(self) -> None:
        self.commands: list[tuple[str, str]] = []

    def started(self, event) -> None:
        target = event.command.get(event.command_name)
        self.commands.append((event.command_name, target if isinstance(target, str) else ""))

    def succeeded(self, event) -> None:
        pass

    def failed(self, event) -> None:
        pass


async def authorization_commands(uri: str, database: str, key: str, accounts: list[str]) -> dict[str, Counter]:
    """The database commands of one authorization with a new key, through the service (in process,
    through its middleware and GraphQL) and through the bare route, counted by a CommandListener."""
    from motor.motor_asyncio import AsyncIOMotorClient

    import bare_app
    from customer_credit.http.app import create_app
    from customer_credit.persistence.database import wrap
    from customer_credit.settings import Settings

    listener = CommandLog()
    client = AsyncIOMotorClient(uri, event_listeners=[listener], tz_aware=True, uuidRepresentation="standard")
    results = {}
    try:
        apps = {
            "graphql": (create_app(Settings(), database=wrap(client, database)), "/graphql", True),
            "bare": (bare_app.create_app(uri, database, db=wrap(client, database)), "/authorize", False),
        }
        for name, (app, path, graphql) in apps.items():
            make_body = Authorizations(f"count-{name}", accounts, graphql=graphql)
            async with app.router.lifespan_context(app):
                async with httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=app),
                    base_url="http://bench",
                    headers={"Authorization": f"Bearer {key}"},
                ) as http:
                    for _ in range(2):  # the first one warms up (store settings, caches)
                        listener.commands = []
                        response = await http.post(path, json=make_body())
                        check_authorized(response.json())
                    results[name] = Counter(listener.commands)
    finally:
        client.close()
    return results


def describe_commands(counts: Counter) -> str:
    reads = sum(n for (command, _), n in counts.items() if command in ("find", "aggregate", "count", "getMore"))
    writes = sum(counts.values()) - reads
    parts = ", ".join(f"{command} {collection} ×{n}" for (command, collection), n in sorted(counts.items()))
    return f"{reads} reads + {writes} writes ({parts})"


# --- 4. projection --------------------------------------------------------------------------------------


class ReplyBytes(monitoring.CommandListener):
    """BSON size of every find/getMore reply on the accounts collection."""

    def __init__(self) -> None:
        self.bytes = 0
        self.commands: list[dict] = []

    def started(self, event) -> None:
        if event.command_name == "find" and event.command.get("find") == ACCOUNTS:
            self.commands.append({"projection": event.command.get("projection")})

    def succeeded(self, event) -> None:
        if event.command_name in ("find", "getMore"):
            ns = (event.reply.get("cursor") or {}).get("ns", "")
            if ns.endswith("." + ACCOUNTS):
                self.bytes += len(bson.encode(event.reply))

    def failed(self, event) -> None:
        pass


async def measure_projection(uri: str, database: str, key: str) -> dict:
    """The app in-process (Motor client with a command listener) over an ASGI transport."""
    from motor.motor_asyncio import AsyncIOMotorClient

    from customer_credit.http.app import create_app
    from customer_credit.persistence.database import wrap
    from customer_credit.settings import Settings

    listener = ReplyBytes()
    client = AsyncIOMotorClient(uri, event_listeners=[listener], tz_aware=True, uuidRepresentation="standard")
    try:
        app = create_app(Settings(), database=wrap(client, database))
        transport = httpx.ASGITransport(app=app)
        results = {}
        async with httpx.AsyncClient(
            transport=transport, base_url="http://bench", headers={"Authorization": f"Bearer {key}"}
        ) as http:
            for name, query in (("ids", PROJECTION_IDS), ("all", PROJECTION_ALL)):
                listener.bytes, listener.commands = 0, []
                repeats = 3
                for _ in range(repeats):
                    response = await http.post("/graphql", json={"query": query})
                    body = response.json()
                    if body.get("errors") or len(body["data"]["accounts"]["nodes"]) != 100:
                        raise RuntimeError(f"projection query failed: {str(body)[:300]}")
                results[name] = {"bytes": listener.bytes / repeats, "projection": listener.commands[0]["projection"]}
            listener.bytes = 0
            from customer_credit.persistence.accounts import AccountRepository

            await AccountRepository(wrap(client, database)).find_page(AccountQuery(), limit=101, fields=None)
            results["unprojected"] = {"bytes": listener.bytes, "projection": None}
        return results
    finally:
        client.close()


# --- 3. memory ------------------------------------------------------------------------------------------


async def measure_memory(bench: Bench, rows: int) -> dict:
    server, work = bench.server, bench.work
    path = work / f"memory-{rows}.csv"
    log(f"memory: generating {rows:,} rows")
    size = await asyncio.to_thread(csvgen.write_csv, path, rows, tag=f"m{rows}")
    database = server.database(f"{PREFIX}_mem{rows}")
    key = await harness.create_admin_key(server.uri, database)
    proc = await bench.start_service(database, rows, size, name=f"service-mem{rows}")
    try:
        async with httpx.AsyncClient(base_url=proc.base_url, headers={"Authorization": f"Bearer {key}"}) as client:
            await harness.graphql(client, READ_QUERY.replace("50", "5"))
        await asyncio.sleep(1.0)
        rest = harness.memory_kb(proc.pid)
        reset = harness.reset_peak_rss(proc.pid)
        samples: list[tuple[float, int]] = []
        stop = threading.Event()

        def sample() -> None:
            t0 = time.perf_counter()
            while not stop.wait(0.5):
                try:
                    samples.append((time.perf_counter() - t0, harness.memory_kb(proc.pid)["VmRSS"]))
                except OSError:
                    return

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        cpu, db_cpu = harness.cpu_seconds(proc.pid), harness.cpu_seconds(server.pid)
        log(f"memory: importing {rows:,} rows ({size / 1e6:.0f} MB)")
        result = await harness.import_csv(proc.base_url, key, path, poll=0.5, max_seconds=MEMORY_MAX_SECONDS or None)
        stop.set()
        sampler.join()
        after = harness.memory_kb(proc.pid)
        service_cpu = harness.cpu_seconds(proc.pid) - cpu
        db_cpu = (harness.cpu_seconds(server.pid) - db_cpu) if db_cpu is not None else None
    finally:
        await proc.stop()
        path.unlink(missing_ok=True)
    peak = after["VmHWM"] if reset else max([after["VmHWM"]] + [s for _, s in samples])
    return {
        "rows": rows,
        "file_mb": size / 1e6,
        "rest_mb": rest["VmRSS"] / 1024,
        "peak_mb": peak / 1024,
        "delta_mb": (peak - rest["VmRSS"]) / 1024,
        "end_mb": after["VmRSS"] / 1024,
        "hwm_reset": reset,
        "import": result,
        "service_cpu": service_cpu,
        "db_cpu": db_cpu,
        "samples": samples,
    }


# --- the run --------------------------------------------------------------------------------------------

PREFIX = f"ccbench_{os.getpid()}"


class Bench:
    """The steps share the database server and the imported accounts; a failed step is
    reported as ERROR in the table and the others still run."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.server = harness.DatabaseServer(work)
        self.rows: list[Row] = []
        self.notes: list[str] = []
        self.processes: list[harness.Process] = []
        self.database: str | None = None  # holds the imported accounts, for reads and projection
        self.key = ""
        self.loads: list[float] = []  # 1-minute load average before and after each step

    async def step(self, number: str, name: str, action) -> None:
        self.loads.append(os.getloadavg()[0])
        try:
            await action()
        except Exception as exc:  # a measurement tool reports and carries on
            log(f"{name}: ERROR {type(exc).__name__}: {exc}")
            self.rows.append(Row(number, name, "error", "", "", "", "ERROR"))
            self.notes.append(f"**{name} failed**: {type(exc).__name__}: {str(exc)[:1500]}")
        finally:
            for proc in self.processes:
                await proc.stop()
            self.processes.clear()
            self.loads.append(os.getloadavg()[0])

    async def start_service(self, database: str, key_rows: int, size: int, name: str = "service") -> harness.Process:
        proc = harness.service(
            self.work,
            self.server.uri,
            database,
            name=name,
            max_upload_bytes=str(size + 10 * 1024 * 1024),
            max_import_rows=str(key_rows + 1),
        )
        self.processes.append(proc)
        await proc.start("/healthz")
        return proc

    # 1 -------------------------------------------------------------------------------------------
    async def import_step(self) -> None:
        server = self.server
        csv_path = self.work / f"import-{ROWS_IMPORT}.csv"
        log(f"import: generating {ROWS_IMPORT:,} rows and the floor's documents")
        csvgen.self_check()
        size = csvgen.write_csv(csv_path, ROWS_IMPORT, tag="imp")
        documents = floor_documents(ROWS_IMPORT)
        log(f"floor: insert_many of {len(documents):,} documents in batches of {FLOOR_BATCH:,}")
        before = await measure_floor(server, documents, "floor1")
        log("floor: the same documents with ids in order (the floor until 2026-12-01)")
        in_order = await measure_floor(server, floor_documents(ROWS_IMPORT, sequential_id), "floor0")

        database = server.database(f"{PREFIX}_main")
        key = await harness.create_admin_key(server.uri, database)
        service = await self.start_service(database, ROWS_IMPORT, size)
        log(f"import: {ROWS_IMPORT:,} rows ({size / 1e6:.1f} MB) through importCsv")
        imported = await import_through_service(server, service, key, csv_path)
        result, service_cpu, db_cpu = imported.result, imported.service_cpu, imported.db_cpu
        await service.stop()
        csv_path.unlink(missing_ok=True)
        self.database, self.key = database, key
        log("floor: again, after the import")
        after = await measure_floor(server, documents, "floor2")
        log("write set: the import's writes alone (accounts and their indexes, email claims, lease, checkpoint)")
        writes = await write_set.import_write_set(
            server.uri, server.database(f"{PREFIX}_writes"), documents, batch=write_set.IMPORT_BATCH, db_pid=server.pid
        )
        del documents

        floor = (before["seconds"] + after["seconds"]) / 2
        shortfall = import_shortfall(result, ROWS_IMPORT)
        if shortfall:
            self.notes.append(f"**The import did not create every row**: {shortfall}.")
        ratio = result.seconds / floor
        self.rows.append(
            Row(
                "1",
                f"Import {ROWS_IMPORT:,} rows ({size / 1e6:.1f} MB), upload to {result.status}",
                f"{result.seconds:.1f} s ({ROWS_IMPORT / result.seconds:,.0f} rows/s)",
                f"insert_many ×{FLOOR_BATCH:,}: {floor:.1f} s ({ROWS_IMPORT / floor:,.0f} docs/s)",
                f"{ratio:.2f}×",
                f"≤ {IMPORT_GOAL}×",
                verdict(ratio <= IMPORT_GOAL),
            )
        )
        self.rows.append(
            Row(
                "1e",
                "… against the floor as measured until 2026-12-01: the same documents with ids in order, so that "
                "each insert appended to the `_id` index (generated ids are random UUIDv4s, as the contract says)",
                f"{result.seconds:.1f} s",
                f"{in_order['seconds']:.1f} s",
                f"{result.seconds / in_order['seconds']:.2f}×",
                "(info)",
                "–",
            )
        )
        self.rows.append(
            Row(
                "1c",
                "… its bound: the import's database writes alone (the same documents into `accounts` with its "
                "indexes, the email claims, the lease renewal and checkpoint per batch), against the floor",
                f"{writes.seconds:.1f} s",
                f"{floor:.1f} s",
                f"{writes.seconds / floor:.2f}×",
                "(info)",
                "–",
            )
        )
        self.rows.append(
            Row(
                "1d",
                "… the service's own share: the import against its write set",
                f"{result.seconds:.1f} s",
                f"{writes.seconds:.1f} s",
                f"{result.seconds / writes.seconds:.2f}×",
                "(info)",
                "–",
            )
        )
        if db_cpu is not None and before["db_cpu"] is not None:
            import_cpu = service_cpu + db_cpu
            floor_cpu = sum(f["db_cpu"] + f["client_cpu"] for f in (before, after)) / 2
            self.rows.append(
                Row(
                    "1b",
                    "… the same in CPU seconds (service + database server; floor: client + database server)",
                    f"{import_cpu:.1f} s",
                    f"{floor_cpu:.1f} s",
                    f"{import_cpu / floor_cpu:.2f}×",
                    "(info)",
                    "–",
                )
            )
        self.notes.append(
            f"Import: the floor took {before['seconds']:.1f} s before the import and {after['seconds']:.1f} s after it "
            f"(the baseline is their mean). The upload request (multipart parsing, file scan, chunks stored) took "
            f"{result.upload_seconds:.1f} s of the {result.seconds:.1f} s. CPU used during the import: service process "
            f"{service_cpu:.1f} s, database server {cpu_delta(0, db_cpu)}; during the floor (mean): database server "
            f"{cpu_delta(0, (before['db_cpu'] + after['db_cpu']) / 2 if before['db_cpu'] is not None else None)}, "
            f"benchmark client {(before['client_cpu'] + after['client_cpu']) / 2:.1f} s. "
            "The CPU ratio (row 1b) is less sensitive to other load on the machine than the wall-clock one."
        )
        log(f"import: {result.seconds:.1f} s vs floor {floor:.1f} s -> {ratio:.2f}×")

    # 2 -------------------------------------------------------------------------------------------
    async def reads_step(self) -> None:
        if self.database is None:
            raise RuntimeError("no imported accounts to read (the import step failed)")
        service = await self.start_service(self.database, 1, 0)
        bare = harness.bare_route(self.work, self.server.uri, self.database)
        self.processes.append(bare)
        await bare.start("/healthz")
        log(f"reads: {READ_ROUNDS} rounds × {READ_SECONDS:.0f} s per target, one sequential client")
        reads = await measure_reads(service, bare, self.key, self.server.pid)
        g, b = reads["graphql"], reads["bare"]
        ratio = b["rps"] / g["rps"]
        self.rows.append(
            Row(
                "2",
                "Reads: `accounts(first: 50)`, 11 scalar fields, over HTTP",
                f"{g['rps']:,.0f} req/s (p50 {g['p50_ms']:.2f} ms)",
                f"bare Starlette route: {b['rps']:,.0f} req/s (p50 {b['p50_ms']:.2f} ms)",
                f"{ratio:.2f}× slower",
                f"≤ {READS_GOAL}×",
                verdict(ratio <= READS_GOAL),
            )
        )
        g_cpu = g["cpu_ms_per_request"] + (g["db_cpu_ms_per_request"] or 0)
        b_cpu = b["cpu_ms_per_request"] + (b["db_cpu_ms_per_request"] or 0)
        self.rows.append(
            Row(
                "2b",
                "… the same in CPU per request (server process + database server)",
                f"{g_cpu:.2f} ms ({g['cpu_ms_per_request']:.2f} + {g['db_cpu_ms_per_request'] or 0:.2f})",
                f"{b_cpu:.2f} ms ({b['cpu_ms_per_request']:.2f} + {b['db_cpu_ms_per_request'] or 0:.2f})",
                f"{g_cpu / b_cpu:.2f}×",
                "(info)",
                "–",
            )
        )
        self.notes.append(
            "Reads: one client (httpx, sync, keep-alive), sequential requests over loopback; "
            f"{WARMUP_SECONDS:.0f} s warm-up each, then {READ_ROUNDS} alternating rounds of {READ_SECONDS:.0f} s, "
            f"median round. GraphQL rounds {', '.join(f'{x:,.0f}' for x in g['rounds'])} req/s; bare "
            f"{', '.join(f'{x:,.0f}' for x in b['rounds'])} req/s. p95: GraphQL {g['p95_ms']:.2f} ms, "
            f"bare {b['p95_ms']:.2f} ms. Both run the same find on the same {ROWS_IMPORT:,} imported accounts; the "
            "GraphQL request also authenticates its API key (one find_one per request), the bare route does not."
        )
        log(f"reads: GraphQL {g['rps']:,.0f} req/s vs bare {b['rps']:,.0f} req/s -> {ratio:.2f}×")

    # 7 -------------------------------------------------------------------------------------------
    async def lists_step(self) -> None:
        stores: list[tuple[str, str]] = []
        services = []
        for rows in (LIST_ROWS_SMALL, LIST_ROWS):
            database = self.server.database(f"{PREFIX}_lists{rows}")
            log(f"lists: loading {rows:,} accounts (outside the timing)")
            seconds, loaded = await lists.load_store(self.server.uri, database, rows, log)
            self.notes.append(f"Lists: {loaded} loaded and indexed in {seconds:.0f} s (not timed).")
            key = await harness.create_admin_key(self.server.uri, database)
            service = await self.start_service(database, 1, 0, name=f"service-lists{rows}")
            services.append(service)
            stores.append((service.base_url, key))
        calls = lists.CALLS + lists.EXACT_INFO
        log(f"lists: {len(calls)} lists × {lists.TIMED_CALLS} calls on {LIST_ROWS_SMALL:,} and on {LIST_ROWS:,}")
        timings = await lists.time_calls(stores, calls)
        for service in services:
            await service.stop()
            self.processes.remove(service)
        self.rows += list_rows(
            lists.CALLS,
            lists.EXACT_INFO,
            (timings[0], timings[1]),
            (f"{LIST_ROWS_SMALL:,} accounts", f"{LIST_ROWS:,} accounts"),
        )
        self.notes.append(
            f"Lists: each list called over HTTP by one sequential client, {lists.WARMUP_CALLS} warm-up calls on "
            f"each store, then {lists.TIMED_CALLS} timed on each, in {lists.TIMED_ROUNDS} rounds that alternate "
            "the two stores (each served by its own process of the same service version), median."
        )

    # 8 -------------------------------------------------------------------------------------------
    async def grown_step(self) -> None:
        first, second = grown.parts(GROWN_ROWS)
        parts = [(self.work / "grown-1.csv", 0, first), (self.work / "grown-2.csv", first, second)]
        log(f"grown: generating {first:,} + {second:,} rows")
        sizes = [grown.write_part(path, start, count) for path, start, count in parts]
        database = self.server.database(f"{PREFIX}_grown")
        key = await harness.create_admin_key(self.server.uri, database)
        service = await self.start_service(database, second, max(sizes), name="service-grown")
        calls = grown.CALLS + grown.EXACT_INFO
        timings: list[dict[str, float]] = []
        imports: list[ServiceImport] = []
        for (path, start, count), size in zip(parts, sizes):
            log(f"grown: importing {count:,} rows ({size / 1e6:.1f} MB) into a store of {start:,}")
            imported = await import_through_service(self.server, service, key, path)
            path.unlink()
            shortfall = import_shortfall(imported.result, count)
            if shortfall:
                raise RuntimeError(f"the import of {count:,} rows into a store of {start:,}: {shortfall}")
            imports.append(imported)
            log(f"grown: {count / imported.result.seconds:,.0f} rows/s; {len(calls)} lists × {lists.TIMED_CALLS} calls")
            timings += await lists.time_calls([(service.base_url, key)], calls)
        self.rows += list_rows(
            grown.CALLS,
            grown.EXACT_INFO,
            (timings[0], timings[1]),
            (f"{first:,} accounts (first import)", f"{GROWN_ROWS:,} accounts grown by import"),
        )
        described = [
            f"{count:,} rows ({size / 1e6:.1f} MB) into a store of {start:,}: {describe_import(imported, count)}"
            for (_, start, count), size, imported in zip(parts, sizes, imports)
        ]
        self.notes.append(
            f"Grown store (row 8): one database and one `customer-credit serve` process; generated CSV files "
            f"imported through `importCsv` over HTTP (mode CREATE, upload to SUCCEEDED), the lists timed after each: "
            f"{'; then '.join(described)}. Each list called over HTTP by one sequential client, "
            f"{lists.WARMUP_CALLS} warm-up calls then {lists.TIMED_CALLS} timed, median."
        )

    # 5, 6 ----------------------------------------------------------------------------------------
    async def credit_step(self) -> None:
        server = self.server
        service_db = server.database(f"{PREFIX}_credit")
        bare_db = server.database(f"{PREFIX}_credit_bare")
        spread = {name: [f"spread-{name}-{i:05d}" for i in range(CREDIT_ACCOUNTS)] for name in ("graphql", "bare")}
        hot = {(mode, i): f"hot-{mode}-{i}" for i in range(READ_ROUNDS) for mode in ("sequential", "concurrent")}
        log(f"credit: opening {CREDIT_ACCOUNTS:,} accounts per target and {len(hot)} for the contention rounds")
        await open_credit_accounts(server.uri, service_db, spread["graphql"] + list(hot.values()))
        await open_credit_accounts(server.uri, bare_db, spread["bare"])
        key = await harness.create_admin_key(server.uri, service_db)
        service = await self.start_service(service_db, 1, 0, name="service-credit")
        bare = harness.bare_route(self.work, server.uri, bare_db, name="bare-credit")
        self.processes.append(bare)
        await bare.start("/healthz")

        # 5: the service against the bare route, one sequential client, alternating rounds
        log(f"authorizations: {READ_ROUNDS} rounds × {READ_SECONDS:.0f} s per target, one sequential client")
        bodies = {
            "graphql": Authorizations("seq-graphql", spread["graphql"], graphql=True),
            "bare": Authorizations("seq-bare", spread["bare"], graphql=False),
        }
        targets = {
            "graphql": (
                f"{service.base_url}/graphql",
                "POST",
                {"Authorization": f"Bearer {key}"},
                bodies["graphql"],
                check_authorized,
            ),
            "bare": (f"{bare.base_url}/authorize", "POST", {}, bodies["bare"], check_authorized),
        }
        result = await alternate_rounds(
            targets, {"graphql": service.pid, "bare": bare.pid}, server.pid, check_every=True
        )
        held = {
            "graphql": await held_on(server.uri, service_db, spread["graphql"]),
            "bare": await held_on(server.uri, bare_db, spread["bare"]),
        }
        for name, totals in held.items():
            calls = bodies[name].calls
            if totals["held_cents"] != calls * CREDIT_AMOUNT_CENTS or totals["holds"] != calls or totals["pending"]:
                raise RuntimeError(f"{name}: {calls} authorizations made, but the accounts show {totals}")
        commands = await authorization_commands(server.uri, service_db, key, spread["graphql"][-2:])
        g, b = result["graphql"], result["bare"]
        ratio = b["rps"] / g["rps"]
        self.rows.append(
            Row(
                "5",
                f"`authorizeCredit` over HTTP, one sequential client, a new idempotency key per call, "
                f"spread over {CREDIT_ACCOUNTS:,} accounts",
                f"{g['rps']:,.0f} req/s (p50 {g['p50_ms']:.2f} ms)",
                f"bare Starlette route, the same 4 writes: {b['rps']:,.0f} req/s (p50 {b['p50_ms']:.2f} ms)",
                f"{ratio:.2f}× slower",
                "≤ 1.5×",
                verdict(ratio <= 1.5),
            )
        )
        g_cpu = g["cpu_ms_per_request"] + (g["db_cpu_ms_per_request"] or 0)
        b_cpu = b["cpu_ms_per_request"] + (b["db_cpu_ms_per_request"] or 0)
        self.rows.append(
            Row(
                "5b",
                "… the same in CPU per authorization (server process + database server)",
                f"{g_cpu:.2f} ms ({g['cpu_ms_per_request']:.2f} + {g['db_cpu_ms_per_request'] or 0:.2f})",
                f"{b_cpu:.2f} ms ({b['cpu_ms_per_request']:.2f} + {b['db_cpu_ms_per_request'] or 0:.2f})",
                f"{g_cpu / b_cpu:.2f}×",
                "(info)",
                "–",
            )
        )
        self.notes.append(
            f"Authorizations (row 5): one client (httpx, sync, keep-alive), sequential `authorizeCredit` calls of "
            f"{CREDIT_AMOUNT}, each with a new idempotency key, on {CREDIT_ACCOUNTS:,} accounts in turn (credit limit "
            f"{CREDIT_LIMIT:,}, so none runs out; spread so that no account document grows with its holds during the "
            "run); the service and the bare route each on accounts of their own, in a database of their own. "
            f"{WARMUP_SECONDS:.0f} s warm-up each, then {READ_ROUNDS} alternating rounds of {READ_SECONDS:.0f} s, median "
            f"round. GraphQL rounds {', '.join(f'{x:,.0f}' for x in g['rounds'])} req/s; bare "
            f"{', '.join(f'{x:,.0f}' for x in b['rounds'])} req/s. p95: GraphQL {g['p95_ms']:.2f} ms, bare "
            f"{b['p95_ms']:.2f} ms. Every answer was checked (AUTHORIZED, no errors), and afterwards the accounts held "
            f"exactly one hold of {CREDIT_AMOUNT} per call ({bodies['graphql'].calls:,} through GraphQL, "
            f"{bodies['bare'].calls:,} through the bare route, warm-ups included) with no operation left pending."
        )
        self.notes.append(
            "Database commands of one authorization with a new key (in process, CommandListener): service "
            f"{describe_commands(commands['graphql'])}; bare route {describe_commands(commands['bare'])}. The "
            "difference beyond GraphQL itself: the API-key lookup (the store settings are read at most once a "
            "second per process; the use case reads nothing around its writes for a new key, and the payload "
            "reads the account only when it is selected)."
        )
        log(f"authorizations: GraphQL {g['rps']:,.0f} req/s vs bare {b['rps']:,.0f} req/s -> {ratio:.2f}×")

        # 6: one account, CREDIT_CLIENTS concurrent authorizers against one sequential one
        log(
            f"contention: {READ_ROUNDS} rounds × ({CREDIT_CALLS} authorizations by 1 client, then by "
            f"{CREDIT_CLIENTS} concurrent clients), each round on a fresh account"
        )
        runs: dict[str, list[dict]] = {"sequential": [], "concurrent": []}
        for i in range(READ_ROUNDS):
            for mode, clients in (("sequential", 1), ("concurrent", CREDIT_CLIENTS)):
                account = hot[(mode, i)]
                cpu, db_cpu = harness.cpu_seconds(service.pid), harness.cpu_seconds(server.pid)
                burst = await authorization_burst(
                    service, key, Authorizations(f"{mode}-{i}", [account], graphql=True), clients, CREDIT_CALLS
                )
                burst["cpu"] = harness.cpu_seconds(service.pid) - cpu
                burst["db_cpu"] = (harness.cpu_seconds(server.pid) - db_cpu) if db_cpu is not None else None
                totals = await held_on(server.uri, service_db, [account])
                expected = CREDIT_CALLS * CREDIT_AMOUNT_CENTS
                limit_cents = int(CREDIT_LIMIT * 100)
                if (
                    totals["held_cents"] != expected
                    or totals["holds"] != CREDIT_CALLS
                    or totals["pending"]
                    or totals["headroom_cents"] != limit_cents - expected
                ):
                    raise RuntimeError(
                        f"{mode} round {i + 1}: {CREDIT_CALLS} authorizations, but the account shows {totals}"
                    )
                runs[mode].append(burst)
                log(f"contention: {mode} round {i + 1}: {burst['rate']:,.1f} authorizations/s")

        def median_of(mode: str, field: str) -> float:
            return statistics.median(r[field] for r in runs[mode])

        def rates(mode: str) -> str:
            return ", ".join(f"{r['rate']:,.1f}" for r in runs[mode])

        def third_p50_ms(mode: str, third: int) -> float:
            """The median round's p50 latency over the first (0) or last (2) third of its calls."""
            size = CREDIT_CALLS // 3
            return statistics.median(
                statistics.median(r["latencies"][third * size : (third + 1) * size]) * 1000 for r in runs[mode]
            )

        seq, conc = median_of("sequential", "rate"), median_of("concurrent", "rate")
        kept = conc / seq
        self.rows.append(
            Row(
                "6",
                f"One account, {CREDIT_CLIENTS} concurrent authorizers: `authorizeCredit` calls/s over HTTP "
                f"({CREDIT_CALLS} per round, each round on a fresh account)",
                f"{conc:,.1f} /s (p50 {median_of('concurrent', 'p50_ms'):.0f} ms, "
                f"p95 {median_of('concurrent', 'p95_ms'):.0f} ms)",
                f"1 sequential client, same account set-up: {seq:,.1f} /s (p50 {median_of('sequential', 'p50_ms'):.1f} ms)",
                f"{kept:.2f}× of sequential",
                "≥ 0.5×",
                verdict(kept >= 0.5),
            )
        )

        def cpu_per_call(mode: str) -> tuple[float, float]:
            service_ms = sum(r["cpu"] for r in runs[mode]) * 1000 / (CREDIT_CALLS * READ_ROUNDS)
            db_ms = sum(r["db_cpu"] or 0 for r in runs[mode]) * 1000 / (CREDIT_CALLS * READ_ROUNDS)
            return service_ms, db_ms

        (cs, cd), (ss, sd) = cpu_per_call("concurrent"), cpu_per_call("sequential")
        self.rows.append(
            Row(
                "6b",
                "… CPU per authorization (service process + database server)",
                f"{cs + cd:.2f} ms ({cs:.2f} + {cd:.2f})",
                f"{ss + sd:.2f} ms ({ss:.2f} + {sd:.2f})",
                f"{(cs + cd) / (ss + sd):.2f}×",
                "(info)",
                "–",
            )
        )
        self.notes.append(
            f"Contention (row 6): {CREDIT_CALLS} `authorizeCredit` calls of {CREDIT_AMOUNT} per round, each with a new "
            f"idempotency key, all on one account opened for that round (credit limit {CREDIT_LIMIT:,}, empty ledger), "
            f"made either by 1 client or by {CREDIT_CLIENTS} concurrent asyncio clients (an httpx.AsyncClient and one "
            "keep-alive connection each, each sending its next call when its last is answered); the same client code "
            "for both, in the benchmark process. The rate is calls ÷ the time from the first request to the last "
            f"answer; the row's ratio is the median concurrent round's rate ÷ the median sequential round's. "
            f"{READ_ROUNDS} rounds of each, alternating. Sequential rounds "
            f"{rates('sequential')} /s, concurrent {rates('concurrent')} /s. Client CPU (the benchmark process) per "
            f"round: sequential {median_of('sequential', 'client_cpu'):.2f} s, concurrent "
            f"{median_of('concurrent', 'client_cpu'):.2f} s. After every round the account held exactly "
            f"{CREDIT_CALLS} holds of {CREDIT_AMOUNT}, its headroom was the limit less them, and no operation was left "
            "pending (every answer was AUTHORIZED with no errors). A fresh account per round keeps the rounds alike: "
            "an account document carries one hold per open authorization, so it grows during a round: the sequential "
            f"rounds' p50 latency was {third_p50_ms('sequential', 0):.1f} ms over their first third of calls and "
            f"{third_p50_ms('sequential', 2):.1f} ms over their last third (row 5 spreads its calls over many "
            "accounts to keep that growth out)."
        )
        log(f"contention: {CREDIT_CLIENTS} concurrent {conc:,.1f}/s vs sequential {seq:,.1f}/s -> {kept:.2f}×")

    # 4 -------------------------------------------------------------------------------------------
    async def projection_step(self) -> None:
        if self.database is None:
            raise RuntimeError("no imported accounts to read (the import step failed)")
        log("projection: in-process app with a command listener")
        projection = await measure_projection(self.server.uri, self.database, self.key)
        ids, all_, raw = projection["ids"]["bytes"], projection["all"]["bytes"], projection["unprojected"]["bytes"]
        ratio = ids / all_
        self.rows.append(
            Row(
                "4",
                "Projection: DB reply bytes, `accounts(first: 100) { nodes { id } }`",
                f"{ids:,.0f} B",
                f"the 11 fields of row 2: {all_:,.0f} B",
                f"{ratio:.2f}×",
                "≤ 0.5×",
                verdict(ratio <= 0.5),
            )
        )
        self.notes.append(
            f"Projection: BSON size of the find replies on `accounts` (pymongo CommandListener), per request. "
            f"Fields asked for `id` only: {projection['ids']['projection']}; for the 11 fields: "
            f"{projection['all']['projection']}. The same find with no projection returns {raw:,.0f} B "
            "(a stored account carries more than the 11 fields: `last_event`, keys, sort keys and its credit ledger)."
        )
        log(f"projection: {ids:,.0f} B vs {all_:,.0f} B -> {ratio:.2f}×")

    # 3 -------------------------------------------------------------------------------------------
    async def memory_step(self) -> None:
        memory = []
        for count in memory_sizes():
            m = await measure_memory(self, count)
            memory.append(m)
            log(
                f"memory: {count:,} rows -> +{m['delta_mb']:.0f} MB over {m['rest_mb']:.0f} MB at rest "
                f"({m['import'].seconds:.0f} s, {m['import'].status}, {m['import'].processed:,} rows processed)"
            )
        for m in memory:
            imp = m["import"]
            if imp.status == "RUNNING":
                self.notes.append(
                    f"The {m['rows']:,}-row memory import was followed for {imp.seconds:.0f} s "
                    f"(BENCH_MEMORY_MAX_SECONDS) and had processed {imp.processed:,} rows by then."
                )
            elif imp.status != "SUCCEEDED" or imp.created != m["rows"]:
                self.notes.append(
                    f"**The {m['rows']:,}-row memory import did not create every row**: {imp.status}, "
                    f"created {imp.created:,}, failed {imp.failed:,}; first errors {imp.first_errors}."
                )
            partial = f", partial: first {imp.processed:,} rows" if imp.status == "RUNNING" else ""
            self.rows.append(
                Row(
                    "3",
                    f"Memory: peak RSS during a {m['rows']:,}-row import ({m['file_mb']:.0f} MB file{partial})",
                    f"+{m['delta_mb']:.0f} MB (peak {m['peak_mb']:.0f} MB)",
                    f"at rest: {m['rest_mb']:.0f} MB",
                    f"+{m['delta_mb']:.0f} MB",
                    "≤ 150 MB",
                    verdict(m["delta_mb"] <= 150),
                )
            )
        if len(memory) >= 2:
            small, large = memory[0], memory[-1]
            per_100k = (large["delta_mb"] - small["delta_mb"]) / (large["rows"] - small["rows"]) * 100_000
            self.rows.append(
                Row(
                    "3",
                    f"Memory slope: {small['rows']:,} → {large['rows']:,} rows",
                    f"+{large['delta_mb']:.0f} MB",
                    f"+{small['delta_mb']:.0f} MB",
                    f"{per_100k:+.1f} MB per 100k rows",
                    "flat (≤ 2 MB per 100k rows)",
                    verdict(per_100k <= 2),
                )
            )
        for m in memory:
            imp = m["import"]
            curve = ", ".join(f"{t:.0f}s:{kb / 1024:.0f}" for t, kb in m["samples"][:: max(1, len(m["samples"]) // 12)])
            self.notes.append(
                f"Memory {m['rows']:,} rows: {imp.status} after {imp.seconds:.0f} s ({imp.processed / imp.seconds:,.0f} rows/s, "
                f"upload request {imp.upload_seconds:.1f} s), CPU: service {m['service_cpu']:.0f} s, database server "
                f"{cpu_delta(0, m['db_cpu'])}; RSS at the end "
                f"{m['end_mb']:.0f} MB; peak from VmHWM{' reset at rest' if m['hwm_reset'] else ''}. "
                f"RSS (MB) over time: {curve}."
            )
        if not memory:
            self.notes.append("Memory step skipped (BENCH_ROWS_MEMORY=0).")


async def run(work: Path) -> Report:
    info = harness.machine()
    started_at = datetime.now(UTC)
    wall = time.perf_counter()
    bench = Bench(work)
    try:
        uri = await bench.server.start()
        log(f"database: {bench.server.description} at {uri}")
        steps = [
            ("1", "Import", bench.import_step),
            ("2", "Reads", bench.reads_step),
            ("4", "Projection", bench.projection_step),
            ("5", "Authorizations", bench.credit_step),  # rows 5 and 6
            ("3", "Memory", bench.memory_step),
            ("7", "Lists", bench.lists_step),
            ("8", "Grown store", bench.grown_step),
        ]
        for number, name, action in steps:
            if number in STEPS or (number == "5" and "6" in STEPS):
                await bench.step(number, name, action)
    finally:
        await bench.server.stop()
    minutes = (time.perf_counter() - wall) / 60
    bench.notes[:0] = [
        f"Machine: {info['cores']} cores, {info['cpu']}; Python {info['python']}; "
        f"{started_at:%Y-%m-%d %H:%M} UTC; load average at start {info['load']}, at end "
        f"{harness.machine()['load']}.",
        f"Database: {bench.server.description}. The run took {minutes:.1f} min{' (BENCH_QUICK)' if QUICK else ''}.",
    ]
    cores = os.cpu_count() or 1
    if bench.loads and max(bench.loads) > cores:
        bench.notes.insert(
            0,
            f"**A loaded machine**: the 1-minute load average went up to {max(bench.loads):.1f} on {cores} cores "
            f"(between {min(bench.loads):.1f} and {max(bench.loads):.1f} at the steps' starts and ends), so other work "
            "competed for the CPU: the wall-clock figures are slower than on an idle machine and the ratios noisier; "
            "the CPU rows (1b, 2b, 5b, 6b) are less affected.",
        )
    if QUICK:
        bench.notes.insert(
            0,
            "**A quick run** (BENCH_QUICK=1): small sizes and short rounds, a smoke run; its ratios are indicative, "
            "not the default run's.",
        )
    return Report(rows=sorted(bench.rows, key=lambda r: r.number), notes=bench.notes)


def render(report: Report) -> str:
    lines = [
        "| # | Measurement | Result | Baseline (same run) | Ratio | Goal | Verdict |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in report.rows:
        lines.append(
            f"| {r.number} | {r.measurement} | {r.result} | {r.baseline} | {r.ratio} | {r.goal} | {r.verdict} |"
        )
    return "\n".join(lines)


PREAMBLE = """# Benchmark results

Produced by `make bench` (`benchmarks/bench.py`); the file is overwritten on every run. Each
figure is compared with a baseline measured in the same run on the same machine and database
server, because the machines here are noisy:

1. **Import**: a generated CSV of valid rows (email, CPF or CNPJ with valid check digits,
   credit limit, tolerance, description) uploaded to `importCsv` over HTTP (GraphQL multipart
   request, mode CREATE), timed from the start of the upload to the first poll of
   `importRun` that shows a terminal status; against the floor for that server: the same
   account documents written with Motor `insert_many` in batches of 1,000 into a fresh
   collection, their ids as random as the import's (UUIDv4s, as the contract says; until
   2026-12-01 the floor's ids were in order, which row 1e keeps for comparison).
2. **Reads**: `accounts(first: 50)` selecting 11 scalar fields of `Account` (its scalars before
   the four credit numbers were added), against a bare Starlette route
   (`benchmarks/bare_app.py`, `GET /accounts`) making the service's own repository call
   (`find_page`, the record attributes the resolver asks for) and returning the same fields as
   JSON. Both under uvicorn in their own process with the same uvicorn settings; the ratio is
   bare req/s ÷ GraphQL req/s.
3. **Memory**: VmHWM (peak RSS) of the `customer-credit serve` process during the import,
   minus its VmRSS at rest (after start-up and one query); VmHWM is reset at rest.
4. **Projection**: BSON bytes of the database's replies to the `accounts` find, measured
   with a pymongo `CommandListener` on the app run in-process; `nodes { id }` against the
   eleven fields of row 2.
5. **Authorizations**: `authorizeCredit` over HTTP (one sequential client, a new idempotency
   key per call, spread over many accounts with a limit no run can exhaust), against a bare
   Starlette route (`benchmarks/bare_app.py`, `POST /authorize`) making the same database
   writes through the service's own ledger repository (the idempotency-key insert, the
   conditional account update, the transaction document, the move from pending to done), with
   no GraphQL and no authentication; the ratio is bare req/s ÷ GraphQL req/s.
6. **Contention**: authorizations/s on one account (fresh for each round) with 50 concurrent
   asyncio clients, against the same client code with 1 client; the ratio is concurrent ÷
   sequential.
7. **Lists at scale**: p50 of each list over HTTP with the total it asks for, on a large store
   loaded outside the timing (every tenth account with a settled credit transaction: its invoices and
   statement entries), against the same call on a store of 10,000 accounts served at the same time, each
   list's calls alternating between the two stores.
8. **Lists on a grown store**: p50 of the account lists over HTTP with their totals, on one
   store grown through `importCsv` over HTTP, after its first tenth and again after the rest;
   the notes give each import's rows/s.

The service runs as `customer-credit serve` with `MONGODB_URI` pointing at the benchmark's
server (a fresh database per service process) and `MAX_UPLOAD_BYTES` / `MAX_IMPORT_ROWS`
raised to fit the file.
"""


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="ccbench-"))
    try:
        report = asyncio.run(run(work))
    finally:
        if env_flag("BENCH_KEEP"):
            print(f"kept {work}")
        else:
            harness.remove_tree(work)
    table = render(report)
    print()
    print(table)
    print()
    for note in report.notes:
        print(f"- {note}")
    RESULTS.write_text(
        PREAMBLE + "\n" + table + "\n\n" + "\n".join(f"- {n}" for n in report.notes) + "\n", encoding="utf-8"
    )
    print(f"\nwritten to {RESULTS.relative_to(Path.cwd()) if RESULTS.is_relative_to(Path.cwd()) else RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
