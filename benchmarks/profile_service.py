"""Where the import and the read path spend their time (not part of `make bench`).

Parts A and D need py-spy (next to the interpreter: `.venv/bin/pip install py-spy`, or wherever
the PY_SPY environment variable points), and ptrace permission on the service process (root, or
kernel.yama.ptrace_scope=0); B, C and E do not (`--only BCE`).

    .venv/bin/python benchmarks/profile_service.py [--rows 100000] [--read-seconds 15] [--only ABCDE]

Three parts, each on a fresh database of one embedded nx-27017 server (or MONGODB_URI):

A. CPU profile (py-spy, 100 Hz, GIL-holding samples) of the `customer-credit serve` process and
   of the database server process during an import over HTTP, summarised by category
   (innermost frame that belongs to a known package) and by function.
B. Wall-clock phases of the import runner, run in this process with timers wrapped around
   the runner's steps and repository calls (monkeypatched here; src/ is not touched).
C. The import's database writes without the service (`write_set.py`): the floor, then the same
   documents into the indexed `accounts` collection, plus the email claims, the lease and checkpoint;
   and the cost of each index of `accounts`.
D. CPU profile of the service during `accounts(first: 50)` reads (one sequential client),
   and of the bare Starlette route for comparison.
E. The read path in process, as is and with candidate changes applied by monkeypatching
   (validation cache that hits, API-key lookups cached, selection read from the AST): CPU
   per request for each, against the bare route in the same harness.

The summary is printed and written to benchmarks/PROFILE.md (or `--output`).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import functools
import gc
import importlib.metadata
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
from pymongo import monitoring

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench  # noqa: E402
import csvgen  # noqa: E402
import harness  # noqa: E402
import write_set  # noqa: E402

OUT = Path(__file__).resolve().parent / "PROFILE.md"
PY_SPY = Path(os.environ.get("PY_SPY") or Path(sys.executable).with_name("py-spy"))
# --gil: only the thread holding the GIL is sampled. Without it py-spy also counts threads that wait
# (Motor's executor threads, the GIL queue) and its totals come out 2-3x the process CPU from /proc;
# with it they agree within about 20%. Time in C code that releases the GIL (SQLite, sockets) is
# not sampled, which the /proc totals printed next to each profile make visible.
PY_SPY_MODE = (os.environ.get("PY_SPY_MODE") or "--gil").split()

# (category, substring of the frame's file); the innermost frame that matches a rule names the sample.
RULES = [
    ("email-validator", "email_validator/"),
    ("stdnum (CPF/CNPJ)", "stdnum/"),
    ("CSV reader (csv/reader.py)", "customer_credit/csv/reader.py"),
    ("row mapping + cell parsing (csv/rows, values, columns)", "customer_credit/csv/rows.py"),
    ("row mapping + cell parsing (csv/rows, values, columns)", "customer_credit/csv/values.py"),
    ("row mapping + cell parsing (csv/rows, values, columns)", "customer_credit/csv/columns.py"),
    ("duplicate detection (worker/seen.py)", "customer_credit/worker/seen.py"),
    ("domain rules (domain/*)", "customer_credit/domain/"),
    ("BSON encode/decode", "bson/"),
    ("PyMongo (commands, pool, socket)", "pymongo/"),
    ("Motor (thread hand-off)", "motor/"),
    ("import runner and planning (worker/runner.py, planning.py)", "customer_credit/worker/runner.py"),
    ("import runner and planning (worker/runner.py, planning.py)", "customer_credit/worker/planning.py"),
    ("persistence (document building)", "customer_credit/persistence/"),
    # before graphql-core's rule, whose needle "graphql/" the service's own folder also contains
    ("service schema/resolvers (customer_credit/graphql)", "customer_credit/graphql/"),
    ("graphql-core (execution, validation)", "graphql/"),
    ("Strawberry", "strawberry/"),
    ("service use cases (customer_credit/usecases)", "customer_credit/usecases/"),
    ("service middleware/app (customer_credit/http)", "customer_credit/http/"),
    ("service, other", "customer_credit/"),
    ("Starlette", "starlette/"),
    ("multipart parser", "multipart/"),
    ("uvicorn / httptools", "uvicorn/"),
    ("logging", "logging/"),
    ("JSON", "json/"),
    # nx-27017 (the database server)
    ("nx-27017: neosqlite (documents <-> SQLite, incl. SQLite time)", "neosqlite/"),
    ("nx-27017: wire protocol / command handling", "nx_27017/"),
]
WEAK_RULES = [
    ("asyncio / event loop", "asyncio/"),
    ("threads / executors", "threading.py"),
    ("threads / executors", "concurrent/"),
]
FRAME = re.compile(r"^(?P<function>.*) \((?P<file>.*?)(?::(?P<line>\d+))?\)$")


def parse_frame(text: str) -> tuple[str, str]:
    match = FRAME.match(text)
    if match is None:
        return text, ""
    return match["function"], match["file"]


def categorise(frames: list[tuple[str, str]]) -> str:
    """frames: root first. The innermost frame matching a rule names the sample."""
    for rules in (RULES, WEAK_RULES):
        for _function, file in reversed(frames):
            for name, needle in rules:
                if needle in file:
                    return name
    function, file = frames[-1] if frames else ("?", "?")
    return f"other: {function} ({Path(file).name})"


def short(function: str, file: str) -> str:
    marker = "site-packages/"
    if marker in file:
        file = file.split(marker, 1)[1]
    elif "/src/" in file:
        file = file.split("/src/", 1)[1]
    else:
        file = "stdlib/" + Path(file).name if "python3" in file else Path(file).name
    return f"{function} ({file})"


class Profile:
    """A py-spy raw (collapsed) profile."""

    def __init__(self, path: Path, rate: int) -> None:
        self.rate = rate
        self.stacks: list[tuple[list[tuple[str, str]], int]] = []
        with contextlib.suppress(FileNotFoundError):
            for line in path.read_text(errors="replace").splitlines():
                stack, _, count = line.rpartition(" ")
                if not stack or not count.isdigit():
                    continue
                frames = [parse_frame(f) for f in stack.split(";")]
                # py-spy's first element is the process / thread name when not a frame
                frames = [f for f in frames if f[1]]
                self.stacks.append((frames, int(count)))
        self.total = sum(count for _, count in self.stacks)

    @property
    def seconds(self) -> float:
        return self.total / self.rate

    def by_category(self) -> list[tuple[str, int]]:
        counts: collections.Counter[str] = collections.Counter()
        for frames, count in self.stacks:
            counts[categorise(frames)] += count
        return counts.most_common()

    def by_self(self, top: int) -> list[tuple[str, int]]:
        counts: collections.Counter[str] = collections.Counter()
        for frames, count in self.stacks:
            if frames:
                counts[short(*frames[-1])] += count
        return counts.most_common(top)

    def by_inclusive(self, top: int, needle: str = "") -> list[tuple[str, int]]:
        counts: collections.Counter[str] = collections.Counter()
        for frames, count in self.stacks:
            for key in {short(*f) for f in frames if needle in f[1]}:
                counts[key] += count
        return counts.most_common(top)

    def table(
        self,
        title: str,
        wall: float | None,
        top: int = 20,
        inclusive_needle: str = "customer_credit/",
        cpu: float | None = None,
    ) -> str:
        if not self.total:
            return f"### {title}\n\nno samples (py-spy could not attach?)\n"
        lines = [f"### {title}", ""]
        busy = f"{self.seconds:.1f} s of GIL-holding samples"
        if wall:
            busy += f" over {wall:.1f} s wall"
        if cpu is not None:
            busy += f"; the process used {cpu:.1f} s CPU (/proc)"
            if wall:
                busy += f", {cpu / wall:.0%} of one core"
        lines += [busy, "", "| category (innermost known frame) | CPU s | share |", "|---|---|---|"]
        for name, count in self.by_category()[:top]:
            lines.append(f"| {name} | {count / self.rate:.1f} | {count / self.total:.1%} |")
        lines += ["", "| top functions by self time | CPU s | share |", "|---|---|---|"]
        for name, count in self.by_self(top):
            lines.append(f"| `{name}` | {count / self.rate:.1f} | {count / self.total:.1%} |")
        if inclusive_needle:
            lines += ["", f"| inclusive time, frames in `{inclusive_needle}` | CPU s | share |", "|---|---|---|"]
            for name, count in self.by_inclusive(top, inclusive_needle):
                lines.append(f"| `{name}` | {count / self.rate:.1f} | {count / self.total:.1%} |")
        return "\n".join(lines) + "\n"


@contextlib.contextmanager
def py_spy(pid: int | None, output: Path, rate: int = 100):
    if pid is None:
        yield
        return
    proc = subprocess.Popen(
        [
            str(PY_SPY),
            "record",
            "--pid",
            str(pid),
            "--rate",
            str(rate),
            "--format",
            "raw",
            *PY_SPY_MODE,
            "--full-filenames",
            "--output",
            str(output),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    time.sleep(0.5)
    try:
        yield
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            _, err = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
        if not output.exists():
            print(f"py-spy on {pid} wrote nothing: {err.decode(errors='replace')[-500:]}", file=sys.stderr)


# --- B: wall-clock phases of the runner, in process ------------------------------------------------------


class Phases:
    def __init__(self) -> None:
        self.seconds: collections.Counter[str] = collections.Counter()
        self.calls: collections.Counter[str] = collections.Counter()
        self.trace: collections.defaultdict[str, list[float]] = collections.defaultdict(list)
        self.spans: collections.defaultdict[str, list[tuple[float, float]]] = collections.defaultdict(list)
        self.cpu: dict[str, float] = {}
        self.in_flight = 0.0  # seconds some database command of the runner was in flight

    def add(self, label: str, seconds: float) -> None:
        self.seconds[label] += seconds
        self.calls[label] += 1
        self.trace[label].append(seconds)

    def wrap_async(self, owner, name: str, label: str) -> None:
        original = getattr(owner, name)

        @functools.wraps(original)
        async def timed(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return await original(*args, **kwargs)
            finally:
                t1 = time.perf_counter()
                self.add(label, t1 - t0)
                self.spans[label].append((t0, t1))

        setattr(owner, name, timed)

    def overlap(self, label: str, beside: str) -> float:
        """Seconds of `label`'s calls spent while a call of `beside` was under way (spans of one label
        do not overlap each other)."""
        return sum(max(0.0, min(a1, b1) - max(a0, b0)) for a0, a1 in self.spans[label] for b0, b1 in self.spans[beside])

    def wrap_sync(self, owner, name: str, label: str) -> None:
        original = getattr(owner, name)

        @functools.wraps(original)
        def timed(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[label] += time.perf_counter() - t0
                self.calls[label] += 1

        setattr(owner, name, timed)

    def wrap_async_iter(self, owner, name: str, label: str) -> None:
        original = getattr(owner, name)
        phases = self

        @functools.wraps(original)
        def timed(*args, **kwargs):
            iterator = original(*args, **kwargs).__aiter__()

            class Timed:
                def __aiter__(self):
                    return self

                async def __anext__(self):
                    t0 = time.perf_counter()
                    try:
                        return await iterator.__anext__()
                    finally:
                        phases.seconds[label] += time.perf_counter() - t0
                        phases.calls[label] += 1

            return Timed()

        setattr(owner, name, timed)


class CommandsInFlight(monitoring.CommandListener):
    """When the runner's database commands were in flight: the time the database server had work from it."""

    def __init__(self) -> None:
        self.events: list[tuple[float, int]] = []

    def started(self, event) -> None:
        self.events.append((time.perf_counter(), 1))

    def succeeded(self, event) -> None:
        self.events.append((time.perf_counter(), -1))

    def failed(self, event) -> None:
        self.events.append((time.perf_counter(), -1))

    def seconds(self, start: float, end: float) -> float:
        """How long at least one command was in flight between `start` and `end`."""
        busy, in_flight, since = 0.0, 0, start
        for at, change in sorted(self.events):
            if in_flight > 0:
                busy += max(0.0, min(at, end) - max(since, start))
            in_flight, since = in_flight + change, at
        return busy


@contextlib.contextmanager
def listened(listener: monitoring.CommandListener):
    """Clients made by the service's `connect` meanwhile report their commands to `listener`."""
    from customer_credit.persistence import database as database_module

    client_class = database_module.AsyncIOMotorClient
    database_module.AsyncIOMotorClient = functools.partial(client_class, event_listeners=[listener])
    try:
        yield
    finally:
        database_module.AsyncIOMotorClient = client_class


async def runner_phases(uri: str, database: str, csv_path: Path, rows: int) -> tuple[float, Phases, dict]:
    from customer_credit.cli.serve import tune_garbage_collector
    from customer_credit.csv import reader as reader_module
    from customer_credit.domain import account_planner as planner_module
    from customer_credit.domain import accounts as domain_accounts
    from customer_credit.domain.imports import ImportMode
    from customer_credit.graphql.context import Services
    from customer_credit.persistence import account_batches
    from customer_credit.persistence import imports as imports_persistence
    from customer_credit.persistence.database import connect
    from customer_credit.settings import Settings
    from customer_credit.usecases.imports import UploadedFile, start_import
    from customer_credit.worker import planning as planning_module
    from customer_credit.worker import runner as runner_module
    from customer_credit.worker import seen as seen_module

    phases = Phases()
    batches = account_batches.AccountBatchRepository
    runs = imports_persistence.ImportRunRepository
    runner = runner_module.ImportRunner
    phases.wrap_async_iter(runs, "file_chunks", "db: read stored file chunks")
    phases.wrap_async(runs, "holds", "db: lease renewal (update_one import_runs)")
    phases.wrap_async(runs, "checkpoint", "db: checkpoint (update_one import_runs)")
    phases.wrap_async(runs, "add_row_errors", "db: add_row_errors")
    phases.wrap_async(batches, "by_ids", "db: lookup by _id ($in)")
    phases.wrap_async(batches, "open_by_email_keys", "db: lookup by email_key ($in)")
    phases.wrap_async(batches, "open_by_document_keys", "db: lookup by document_key ($in)")
    phases.wrap_async(batches, "claim", "write:   of which email claims")
    phases.wrap_async(batches, "insert", "write: insert (claims + accounts insert_many)")
    phases.wrap_sync(account_batches, "account_document", "cpu:   of which account_document (built ahead)")
    phases.wrap_sync(reader_module.RecordReader, "feed", "cpu: CSV reader feed (decode + csv.reader)")
    phases.wrap_sync(runner_module, "map_row", "cpu: map_row (cells -> request)")
    phases.wrap_sync(seen_module.SeenKeys, "add", "cpu: SeenKeys.add (duplicates in file)")
    phases.wrap_sync(planning_module.BatchPlanner, "plan_creates", "cpu: BatchPlanner.plan_creates (plan_open per row)")
    phases.wrap_sync(planner_module, "validate_request", "cpu:   of which validate_request")
    phases.wrap_sync(domain_accounts, "normalize_email", "cpu:     of which normalize_email (email-validator)")
    phases.wrap_sync(domain_accounts, "normalize_document", "cpu:     of which normalize_document (stdnum)")
    phases.wrap_sync(planner_module, "diff", "cpu:   of which diff (the event's changes)")
    phases.wrap_async(runner, "prepare", "read-ahead: next batch read and planned (beside the write)")
    phases.wrap_async(runner_module.AccountRows, "plan_creates", "plan_creates (planning + lookup of given ids)")
    phases.wrap_async(runner_module.AccountRows, "write", "write (lease, documents, bulk writes)")
    phases.wrap_async(runner, "record", "record (counters, row errors, checkpoint)")

    commands = CommandsInFlight()
    with listened(commands):
        db = connect(uri, database)
    thresholds = gc.get_threshold()
    tune_garbage_collector()  # as `serve` does before it serves
    try:
        await db.create_indexes()
        runs_repo = runs(db)
        with csv_path.open("rb") as handle:
            run = await start_import(
                runs_repo,
                UploadedFile(csv_path.name, handle),
                mode=ImportMode.CREATE,
                dry_run=False,
                actor="profile",
                max_bytes=10**10,
                max_rows=rows + 1,
            )
        worker = runner(
            runs_repo,
            batches(db),
            Services.build(Settings(), db).ledgers,
            owner="profile",
            batch_size=2000,
            lease_ms=600_000,
            default_credit_limit_cents=10000,
        )
        claimed = await runs_repo.claim("profile", now_ms=runner_module.now_ms(), lease_ms=600_000)
        assert claimed is not None and claimed.id == run.id
        cpu0, db_cpu0 = time.process_time(), harness.cpu_seconds(db_pid)
        t0 = time.perf_counter()
        status = await worker.run(claimed)
        wall = time.perf_counter() - t0
        phases.in_flight = commands.seconds(t0, t0 + wall)
        phases.cpu["this process (runner, driver threads)"] = time.process_time() - cpu0
        if db_cpu0 is not None:
            phases.cpu["database server"] = (harness.cpu_seconds(db_pid) or 0.0) - db_cpu0
        final = await runs_repo.get(run.id)
        assert final is not None
        counters = final.counters
        return (
            wall,
            phases,
            {"status": status.value, "created": counters.created_count, "failed": counters.failed_count},
        )
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
        db.close()


def phase_table(wall: float, phases: Phases, rows: int) -> str:
    ahead = "read-ahead: next batch read and planned (beside the write)"
    hidden = phases.overlap(ahead, "write (lease, documents, bulk writes)")
    cpu = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in phases.cpu.items())
    lines = [
        f"Runner wall time {wall:.1f} s for {rows:,} rows ({rows / wall:,.0f} rows/s); CPU over the run: {cpu}.",
        "Timers are inclusive, indented rows are parts of the row above; the rest is the event loop and",
        "untimed code. A CREATE import looks emails and documents up only for rows a unique index refused",
        "(none here). The next batch is read and planned in a task while the current one is written: the",
        f"read-ahead ran {hidden:.2f} s of its {phases.seconds.get(ahead, 0.0):.2f} s beside a write, and the writes'",
        "time includes what its CPU held them up.",
        "",
        f"Some database command of the runner was in flight {phases.in_flight / wall:.0%} of the run"
        + (
            f"; the database server's CPU was busy {phases.cpu['database server'] / wall:.0%} of it."
            if "database server" in phases.cpu
            else "."
        ),
        "",
        "| phase | wall s | share of run | calls | per call |",
        "|---|---|---|---|---|",
    ]
    order = [
        "db: read stored file chunks",
        "cpu: CSV reader feed (decode + csv.reader)",
        "cpu: map_row (cells -> request)",
        "cpu: SeenKeys.add (duplicates in file)",
        "read-ahead: next batch read and planned (beside the write)",
        "plan_creates (planning + lookup of given ids)",
        "cpu: BatchPlanner.plan_creates (plan_open per row)",
        "cpu:   of which validate_request",
        "cpu:     of which normalize_email (email-validator)",
        "cpu:     of which normalize_document (stdnum)",
        "cpu:   of which diff (the event's changes)",
        "db: lookup by _id ($in)",
        "cpu:   of which account_document (built ahead)",
        "write (lease, documents, bulk writes)",
        "db: lease renewal (update_one import_runs)",
        "write: insert (claims + accounts insert_many)",
        "write:   of which email claims",
        "db: lookup by email_key ($in)",
        "db: lookup by document_key ($in)",
        "record (counters, row errors, checkpoint)",
        "db: add_row_errors",
        "db: checkpoint (update_one import_runs)",
    ]
    indent = {
        "plan_creates (planning + lookup of given ids)": 1,
        "cpu: BatchPlanner.plan_creates (plan_open per row)": 2,
        "cpu:   of which validate_request": 3,
        "cpu:     of which normalize_email (email-validator)": 4,
        "cpu:     of which normalize_document (stdnum)": 4,
        "cpu:   of which diff (the event's changes)": 3,
        "db: lookup by _id ($in)": 2,
        "db: lease renewal (update_one import_runs)": 1,
        "write: insert (claims + accounts insert_many)": 1,
        "cpu:   of which account_document (built ahead)": 2,
        "write:   of which email claims": 2,
        "db: lookup by email_key ($in)": 1,
        "db: lookup by document_key ($in)": 1,
        "db: add_row_errors": 1,
        "db: checkpoint (update_one import_runs)": 1,
    }
    for label in order:
        seconds, calls = phases.seconds.get(label, 0.0), phases.calls.get(label, 0)
        pad = "&nbsp;&nbsp;" * indent.get(label, 0)
        per = (
            f"{seconds / calls * 1e6:,.0f} µs"
            if calls and seconds / calls < 0.001
            else (f"{seconds / calls * 1e3:,.1f} ms" if calls else "")
        )
        lines.append(f"| {pad}{label} | {seconds:.2f} | {seconds / wall:.1%} | {calls:,} | {per} |")
    segments = 5
    if max((len(t) for t in phases.trace.values()), default=0) < segments:
        return "\n".join(lines) + "\n"  # too few batches for the per-batch table
    lines += [
        "",
        "Per-batch wall time (ms) as the collection grows: mean over each fifth of the run",
        "",
        "| per batch | " + " | ".join(f"{i + 1}/{segments}" for i in range(segments)) + " |",
        "|---|" + "---|" * segments,
    ]
    for label in (
        "read-ahead: next batch read and planned (beside the write)",
        "write (lease, documents, bulk writes)",
        "write: insert (claims + accounts insert_many)",
        "write:   of which email claims",
        "db: lease renewal (update_one import_runs)",
        "db: checkpoint (update_one import_runs)",
    ):
        trace = phases.trace.get(label, [])
        if len(trace) < segments:
            continue
        size = len(trace) / segments
        parts = [trace[round(i * size) : round((i + 1) * size)] for i in range(segments)]
        lines.append(f"| {label} | " + " | ".join(f"{sum(p) / len(p) * 1000:,.0f}" for p in parts) + " |")
    return "\n".join(lines) + "\n"


# --- C: the database's share of the service's write set ---------------------------------------------------


db_pid: int | None = None


def write_set_table(steps: list[write_set.WriteStep], costs: dict[str, write_set.WriteStep], rows: int) -> str:
    base = steps[0]
    lines = [
        f"Database work alone, for the same {rows:,} account documents (no service involved), from the profiling",
        "process with Motor (`benchmarks/write_set.py`):",
        "",
        "| writes | wall s | × floor | database server CPU s | × floor |",
        "|---|---|---|---|---|",
    ]
    for step in steps:
        lines.append(
            f"| {step.label} | {step.seconds:.1f} | {step.seconds / base.seconds:.2f}× | {cpu_ratio(step, base)} |"
        )
    lines += [
        "",
        "What each secondary index of `accounts` costs the insert: the documents inserted with every index, then",
        "without each one in turn (the difference is that index's share).",
        "",
        "| left out | wall s | database server CPU s | CPU saved |",
        "|---|---|---|---|",
    ]
    every = costs["all"]
    for name, step in costs.items():
        saved = (
            "" if step.server_cpu is None or every.server_cpu is None else f"{every.server_cpu - step.server_cpu:.1f} s"
        )
        lines.append(f"| {name} | {step.seconds:.1f} | {fmt_cpu(step)} | {saved} |")
    return "\n".join(lines) + "\n"


def fmt_cpu(step: write_set.WriteStep) -> str:
    return "n/a" if step.server_cpu is None else f"{step.server_cpu:.1f}"


def cpu_ratio(step: write_set.WriteStep, base: write_set.WriteStep) -> str:
    if step.server_cpu is None or not base.server_cpu:
        return "n/a | n/a"
    return f"{step.server_cpu:.1f} | {step.server_cpu / base.server_cpu:.2f}×"


# --- E: what-if variants of the read path, in process ---------------------------------------------------


def limiter_extensions(schema) -> list:
    """Strawberry's limiter extensions in a schema (each builds new rule classes per operation)."""
    from strawberry.extensions import MaxAliasesLimiter, QueryDepthLimiter

    return [e for e in schema.extensions if getattr(e, "func", e) in (QueryDepthLimiter, MaxAliasesLimiter)]


def validation_label(build_schema) -> str:
    """The variant's label, saying when the service already builds its limit rules once (then it changes nothing)."""
    from customer_credit.settings import Settings

    label = "+ validation cached (limiter rules built once)"
    if not limiter_extensions(build_schema(Settings())):
        label += ": already so in the service, no change"
    return label


def cached_validation_build_schema(original):
    """build_schema with the limiter rules created once, so ValidationCache's key (schema, document,
    rules) repeats; a new rule class per request would make every lookup a miss. A schema without
    limiter extensions (the service's since it builds its rules once) is returned as it is."""
    from functools import partial

    from strawberry.extensions import AddValidationRules

    def build(settings=None):
        schema = original(settings)
        limiters = limiter_extensions(schema)
        if not limiters:
            return schema
        rules = []
        for extension in limiters:
            rules += extension().validation_rules  # built once, here
        schema.extensions = [e for e in schema.extensions if e not in limiters] + [partial(AddValidationRules, rules)]
        return schema

    return build


def ast_connection_selection(info):
    """The connection's node fields straight from the AST (what `info.selected_fields` converts,
    arguments and all, on every request)."""
    from graphql.language import FieldNode, FragmentSpreadNode, InlineFragmentNode

    raw = info._raw_info

    def names(selection_set, out):
        for node in selection_set.selections if selection_set else ():
            if isinstance(node, FieldNode):
                out.setdefault(node.name.value, []).append(node)
            elif isinstance(node, InlineFragmentNode):
                names(node.selection_set, out)
            elif isinstance(node, FragmentSpreadNode):
                names(raw.fragments[node.name.value].selection_set, out)
        return out

    top: dict = {}
    for field_node in raw.field_nodes:
        names(field_node.selection_set, top)
    node_fields: set[str] = set()
    for nodes in top.get("nodes", []):
        node_fields.update(names(nodes.selection_set, {}))
    for edges in top.get("edges", []):
        for node in names(edges.selection_set, {}).get("node", []):
            node_fields.update(names(node.selection_set, {}))
    return top, node_fields


def with_fast_leaves(build_schema):
    def build(settings=None):
        schema = build_schema(settings)
        schema.execution_context_class = fast_leaf_execution_context()
        return schema

    return build


def fast_leaf_execution_context():
    """A prototype, for measurement only: leaf fields that Strawberry resolves as plain attributes
    (`_get_basic_result`, no arguments) are read and serialised directly, without a GraphQLResolveInfo
    or the complete_value chain; anything else, and a None on a non-null field (so that the standard
    error is produced), takes graphql-core's path. Not verified for production use."""
    from graphql import GraphQLNonNull, get_named_type, is_leaf_type
    from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

    plans: dict = {}

    class FastLeafExecutionContext(StrawberryGraphQLCoreExecutionContext):
        def execute_field(self, parent_type, source, field_details_list, path, position_context):
            node = field_details_list[0].node
            key = (parent_type, node.name.value)
            plan = plans.get(key)
            if plan is None:
                plan = False
                field_def = self.schema.get_field(parent_type, node.name.value)
                definition = (field_def.extensions or {}).get("strawberry-definition") if field_def else None
                if (
                    field_def is not None
                    and definition is not None
                    and not field_def.args
                    and getattr(field_def.resolve, "_is_default", False)
                    and is_leaf_type(get_named_type(field_def.type))
                ):
                    plan = (
                        definition.python_name,
                        get_named_type(field_def.type).serialize,
                        isinstance(field_def.type, GraphQLNonNull),
                    )
                plans[key] = plan
            manager = self.middleware_manager  # Strawberry passes one, usually empty
            if plan and not node.arguments and (manager is None or not manager.middlewares):
                value = getattr(source, plan[0], None)
                if value is not None:
                    return plan[1](value)
                if not plan[2]:
                    return None
            return super().execute_field(parent_type, source, field_details_list, path, position_context)

    return FastLeafExecutionContext


async def read_variants(uri: str, database: str, key: str, requests: int) -> list[tuple[str, float, float]]:
    """CPU per request (this process: ASGI app + Motor threads + the httpx ASGI client) for the
    GraphQL read as is and with changes applied cumulatively, and for the bare route."""
    import importlib

    from motor.motor_asyncio import AsyncIOMotorClient

    import bare_app
    from customer_credit.graphql.accounts import queries as queries_module
    from customer_credit.http import app as app_module
    from customer_credit.http import graphql_view as view_module  # where create_app's routes call build_schema
    from customer_credit.persistence import api_keys as api_keys_module
    from customer_credit.persistence.database import wrap
    from customer_credit.settings import Settings

    original_build = view_module.build_schema
    original_authenticate = api_keys_module.ApiKeyRepository.authenticate
    original_selection = queries_module.connection_selection
    cache: dict = {}

    async def cached_authenticate(self, secret):
        if secret not in cache:
            cache[secret] = await original_authenticate(self, secret)
        return cache[secret]

    variants = [
        ("as is", lambda: None),
        (
            validation_label(original_build),
            lambda: setattr(view_module, "build_schema", cached_validation_build_schema(original_build)),
        ),
        (
            "+ API key lookups cached (no find_one per request)",
            lambda: setattr(api_keys_module.ApiKeyRepository, "authenticate", cached_authenticate),
        ),
        (
            "+ leaf fields read and serialised directly (prototype execution context)",
            lambda: setattr(view_module, "build_schema", with_fast_leaves(view_module.build_schema)),
        ),
        (
            "+ node fields read from the AST instead of `info.selected_fields`",
            lambda: setattr(queries_module, "connection_selection", ast_connection_selection),
        ),
    ]
    results = []
    client = AsyncIOMotorClient(uri, tz_aware=True, uuidRepresentation="standard")
    headers = {"Authorization": f"Bearer {key}"}
    body = {"query": bench.READ_QUERY}
    try:

        async def measure(app, path, method, json_body, check) -> tuple[float, float]:
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://bench", headers=headers
            ) as http:
                for _ in range(30):
                    response = await http.request(method, path, json=json_body)
                    check(response.json())
                cpu, db_cpu = time.process_time(), harness.cpu_seconds(db_pid)
                for _ in range(requests):
                    response = await http.request(method, path, json=json_body)
                    if response.status_code != 200:
                        raise RuntimeError(response.text[:300])
                cpu = (time.process_time() - cpu) * 1000 / requests
                db = ((harness.cpu_seconds(db_pid) - db_cpu) * 1000 / requests) if db_cpu is not None else float("nan")
                return cpu, db

        try:
            for label, apply in variants:
                apply()
                app = app_module.create_app(Settings(), database=wrap(client, database))
                cpu, db = await measure(app, "/graphql", "POST", body, bench.check_graphql)
                results.append((label, cpu, db))
                print(f"E: {label}: {cpu:.2f} ms CPU per request", flush=True)
        finally:
            view_module.build_schema = original_build
            api_keys_module.ApiKeyRepository.authenticate = original_authenticate
            queries_module.connection_selection = original_selection
        os.environ.setdefault("MONGODB_DATABASE", database)
        bare = bare_app.create_app(uri, database)
        async with bare.router.lifespan_context(bare):
            cpu, db = await measure(bare, "/accounts", "GET", None, bench.check_bare)
        results.append(("bare Starlette route (the baseline)", cpu, db))
        del importlib
    finally:
        client.close()
    return results


async def execution_variants(requests: int, rounds: int = 5) -> tuple[list[tuple[str, float, list[float]]], str]:
    """`schema.execute` of the read query alone: documents from memory, no HTTP, no database."""
    import statistics

    import bare_app  # the projection the resolver asks for, from the service's code
    from customer_credit.domain.api_keys import Caller
    from customer_credit.graphql.context import RequestContext
    from customer_credit.graphql.schema import build_schema
    from customer_credit.persistence.accounts import account_from_document
    from customer_credit.settings import Settings

    # the page as the repository answers it: (position, record of the projected document)
    documents = [{k: d[k] for k in bare_app.PROJECTION if k in d} for d in bench.floor_documents(51)]
    entries = [(d["created_sort"], account_from_document(d)) for d in documents]

    class Accounts:
        async def find_page(self, query, *, limit, after=None, fields=None):
            return entries[:limit]

        async def count(self, query):
            return len(documents)

    class Services:
        settings = Settings()
        accounts = Accounts()

    def context(scopes):
        return RequestContext(
            request=None, response=None, caller=Caller(name="bench", scopes=frozenset(scopes)), services=Services()
        )

    variants = {
        "as is": build_schema(Settings()),
        validation_label(build_schema).replace(" (limiter rules built once)", ""): cached_validation_build_schema(
            build_schema
        )(Settings()),
        "+ leaf fields read and serialised directly": with_fast_leaves(cached_validation_build_schema(build_schema))(
            Settings()
        ),
    }
    checks = []
    reference = variants["as is"]
    for scopes in ({"admin"}, {"accounts:read"}):  # with and without pii:read (masked email/document)
        expected = await reference.execute(bench.READ_QUERY, context_value=context(scopes))
        for schema in variants.values():
            got = await schema.execute(bench.READ_QUERY, context_value=context(scopes))
            checks.append(got.data == expected.data and not got.errors)
    times: dict[str, list[float]] = {name: [] for name in variants}
    ctx = context({"admin"})
    for _ in range(rounds):
        for name, schema in variants.items():
            for _ in range(20):
                await schema.execute(bench.READ_QUERY, context_value=ctx)
            t0 = time.process_time()
            for _ in range(requests):
                await schema.execute(bench.READ_QUERY, context_value=ctx)
            times[name].append((time.process_time() - t0) * 1000 / requests)
    results = [(name, statistics.median(values), values) for name, values in times.items()]
    verdict = "identical to the standard executor's" if all(checks) else "**DIFFERENT from the standard executor's**"
    return results, verdict


def execution_table(results, verdict: str) -> str:
    base = results[0][1]
    lines = [
        "`schema.execute(READ_QUERY)` with 51 documents served from memory (no HTTP, no database): CPU per",
        f"execution, median of 5 alternating rounds. The variants' `data` (with and without `pii:read`) is {verdict}.",
        "",
        "| variant | CPU ms/execution | × as is | rounds |",
        "|---|---|---|---|",
    ]
    for name, median, values in results:
        lines.append(f"| {name} | {median:.2f} | {median / base:.2f}× | {', '.join(f'{v:.2f}' for v in values)} |")
    return "\n".join(lines) + "\n"


def variants_table(results) -> str:
    bare_cpu = results[-1][1]
    lines = [
        "CPU per request in one process (the app through httpx's ASGI transport, so no uvicorn; the",
        "client's own CPU is included in every line alike); changes applied cumulatively, by monkeypatching",
        "in the profiling process (src/ untouched):",
        "",
        "| variant | app CPU ms/request | database server CPU ms/request | app CPU × bare |",
        "|---|---|---|---|",
    ]
    for label, cpu, db in results:
        lines.append(f"| {label} | {cpu:.2f} | {db:.2f} | {cpu / bare_cpu:.2f}× |")
    return "\n".join(lines) + "\n"


# --- main ----------------------------------------------------------------------------------------------


async def main_async(args) -> str:
    work = Path(tempfile.mkdtemp(prefix="ccprofile-"))
    server = harness.DatabaseServer(work)
    sections: list[str] = []
    procs: list[harness.Process] = []
    try:
        uri = await server.start()
        csv_path = work / "profile.csv"
        size = csvgen.write_csv(csv_path, args.rows, tag="prof")
        prefix = f"ccprofile_{os.getpid()}"

        only = args.only.upper()
        global db_pid
        db_pid = server.pid

        # A: import over HTTP under py-spy (its accounts serve D and E)
        database = server.database(f"{prefix}_a")
        key = await harness.create_admin_key(uri, database)
        if "A" in only:
            service = harness.service(
                work, uri, database, max_upload_bytes=str(size + 10**7), max_import_rows=str(args.rows + 1)
            )
            procs.append(service)
            await service.start("/healthz")
            print(f"A: importing {args.rows:,} rows over HTTP under py-spy", flush=True)
            cpu0, db0 = harness.cpu_seconds(service.pid), harness.cpu_seconds(server.pid)
            with py_spy(service.pid, work / "import-service.txt"), py_spy(server.pid, work / "import-db.txt"):
                result = await harness.import_csv(service.base_url, key, csv_path, poll=0.5)
            cpu1, db1 = harness.cpu_seconds(service.pid), harness.cpu_seconds(server.pid)
            await service.stop()
            sections.append(
                f"## A. Import of {args.rows:,} rows over HTTP ({result.status}, created {result.created:,})\n\n"
                f"Upload to terminal status {result.seconds:.1f} s ({args.rows / result.seconds:,.0f} rows/s); "
                f"process CPU: service {cpu1 - cpu0:.1f} s, database server "
                f"{(db1 - db0) if db0 is not None else float('nan'):.1f} s.\n"
            )
            sections.append(
                Profile(work / "import-service.txt", 100).table(
                    "Service process (`customer-credit serve`)", result.seconds, cpu=cpu1 - cpu0
                )
            )
            sections.append(
                Profile(work / "import-db.txt", 100).table(
                    "Database server process (nx-27017)",
                    result.seconds,
                    top=15,
                    inclusive_needle="nx_27017/",
                    cpu=(db1 - db0) if db0 is not None else None,
                )
            )
        elif "D" in only or "E" in only:
            print(f"(A skipped: writing {args.rows:,} account documents directly for D/E)", flush=True)
            from customer_credit.persistence.database import connect

            db = connect(uri, database)
            try:
                documents = bench.floor_documents(args.rows)
                for start in range(0, len(documents), 2000):
                    await db.collection("accounts").insert_many(documents[start : start + 2000])
            finally:
                db.close()

        # B: runner phases in process
        if "B" in only:
            print("B: the import runner in process, with phase timers", flush=True)
            wall, phases, outcome = await runner_phases(uri, server.database(f"{prefix}_b"), csv_path, args.rows)
            sections.append(
                f"## B. Import runner phases, in process ({outcome['status']}, created {outcome['created']:,})\n\n"
                + phase_table(wall, phases, args.rows)
            )

        # C: the write set without the service
        if "C" in only:
            print("C: the import's writes without the service", flush=True)
            documents = bench.floor_documents(args.rows)
            batch = write_set.IMPORT_BATCH
            steps = await write_set.write_set(
                uri, server.database(f"{prefix}_d"), documents, batch=batch, db_pid=db_pid
            )
            costs = await write_set.index_costs(
                uri, server.database(f"{prefix}_x"), documents, batch=batch, db_pid=db_pid
            )
            sections.append(
                "## C. The import's database writes without the service\n\n" + write_set_table(steps, costs, args.rows)
            )

        # D: reads under py-spy
        if "D" in only:
            service = harness.service(work, uri, database, name="service-reads")
            bare = harness.bare_route(work, uri, database)
            procs += [service, bare]
            await service.start("/healthz")
            await bare.start("/healthz")
            headers = {"Authorization": f"Bearer {key}"}
            body = {"query": bench.READ_QUERY}
            print(f"D: reads, {args.read_seconds:.0f} s per target under py-spy", flush=True)
            await asyncio.to_thread(
                bench.request_loop, f"{service.base_url}/graphql", "POST", headers, body, 2, bench.check_graphql
            )
            await asyncio.to_thread(
                bench.request_loop, f"{bare.base_url}/accounts", "GET", {}, None, 2, bench.check_bare
            )
            results = {}
            for name, proc, url, method, h, b, check in (
                ("graphql", service, f"{service.base_url}/graphql", "POST", headers, body, bench.check_graphql),
                ("bare", bare, f"{bare.base_url}/accounts", "GET", {}, None, bench.check_bare),
            ):
                cpu0, db0 = harness.cpu_seconds(proc.pid), harness.cpu_seconds(server.pid)
                with py_spy(proc.pid, work / f"reads-{name}.txt"), py_spy(server.pid, work / f"reads-{name}-db.txt"):
                    count, seconds, lat = await asyncio.to_thread(
                        bench.request_loop, url, method, h, b, args.read_seconds, check
                    )
                results[name] = (
                    count,
                    seconds,
                    harness.cpu_seconds(proc.pid) - cpu0,
                    (harness.cpu_seconds(server.pid) - db0) if db0 is not None else float("nan"),
                    lat,
                )
            g, bb = results["graphql"], results["bare"]
            sections.append(
                "## D. Reads: `accounts(first: 50)`, 11 scalar fields, one sequential client\n\n"
                f"GraphQL {g[0] / g[1]:,.0f} req/s, service CPU {g[2] * 1000 / g[0]:.2f} ms/request, database server CPU "
                f"{g[3] * 1000 / g[0]:.2f} ms/request; bare route {bb[0] / bb[1]:,.0f} req/s, its CPU "
                f"{bb[2] * 1000 / bb[0]:.2f} ms/request, database server CPU {bb[3] * 1000 / bb[0]:.2f} ms/request "
                "(both under py-spy, so a little slower than in `make bench`).\n"
            )
            sections.append(
                Profile(work / "reads-graphql.txt", 100).table(
                    "Service process, GraphQL reads", g[1], top=25, inclusive_needle="", cpu=g[2]
                )
            )
            sections.append(
                Profile(work / "reads-graphql-db.txt", 100).table(
                    "Database server during the GraphQL reads", g[1], top=10, inclusive_needle="nx_27017/", cpu=g[3]
                )
            )
            sections.append(
                Profile(work / "reads-bare.txt", 100).table(
                    "Bare route process", bb[1], top=12, inclusive_needle="", cpu=bb[2]
                )
            )
            for proc in (service, bare):
                await proc.stop()

        # E: read-path variants in process
        if "E" in only:
            print("E: read-path variants in process", flush=True)
            variants = await read_variants(uri, database, key, args.variant_requests)
            sections.append("## E. Read path: what-if variants, in process\n\n" + variants_table(variants))
            executions, verdict = await execution_variants(300)
            sections.append("### GraphQL execution alone\n\n" + execution_table(executions, verdict))
    finally:
        for proc in procs:
            await proc.stop()
        await server.stop()
        if os.environ.get("BENCH_KEEP"):
            print(f"kept {work}")
        else:
            harness.remove_tree(work)
    info = harness.machine()
    versions = ", ".join(
        f"{name} {package_version(name)}"
        for name in (
            "py-spy",
            "strawberry-graphql",
            "graphql-core",
            "motor",
            "pymongo",
            "nx-27017",
            "email-validator",
            "python-stdnum",
            "uvicorn",
            "starlette",
        )
    )
    header = (
        "# Profiles\n\n"
        "Produced by `benchmarks/profile_service.py` (py-spy at 100 Hz, `--gil`: samples of the thread that holds\n"
        "the GIL, so C code that releases it, such as SQLite or socket waits, is not sampled; B uses timers wrapped\n"
        "around the runner's steps in the profiling process). Overwritten on every run.\n\n"
        f"Machine: {info['cores']} cores, {info['cpu']}; Python {info['python']}; "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; load average {info['load']}.\n{versions}.\n"
        f"Parts: {args.only.upper()}, {args.rows:,} rows, {args.read_seconds:g} s of reads per target.\n\n"
    )
    return header + "\n".join(sections)


def package_version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "(not installed as a package here)" if name != "py-spy" or not PY_SPY.exists() else f"({PY_SPY})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--read-seconds", type=float, default=15.0)
    parser.add_argument("--variant-requests", type=int, default=400, help="requests per variant in part E")
    parser.add_argument("--only", default="ABCDE", help="the parts to run, e.g. DE (A and D need py-spy)")
    parser.add_argument("--output", type=Path, default=OUT, help=f"where to write the summary (default {OUT})")
    args = parser.parse_args()
    if ({"A", "D"} & set(args.only.upper())) and not PY_SPY.exists():
        print(
            f"parts A and D need py-spy, not found at {PY_SPY}: {Path(sys.executable).parent}/pip install py-spy, "
            "or set PY_SPY to its path; or run the other parts with --only BCE"
        )
        return 2
    text = asyncio.run(main_async(args))
    args.output.write_text(text, encoding="utf-8")
    print(text)
    print(f"written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
