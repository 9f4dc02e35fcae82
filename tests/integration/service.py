"""Running the real service for integration tests: `customer-credit serve` in subprocesses, on
free ports and temporary data directories, and (for the reliability tests) an "external" database
that the test itself owns, so that it can stop, restart or freeze it while services use it.

Shared by test_serve.py, test_cli_api_keys.py and test_reliability_*.py. The fixtures
(`launcher`, `external_db`) are imported by the modules that use them.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

CLI = [sys.executable, "-m", "customer_credit.cli"]
START_TIMEOUT = 20.0
COUNT = "{ accounts(first: 1) { totalCount } }"
OPEN = 'mutation { openOrChangeAccount(input: {email: "%s"}) { created errors { code } } }'

T = TypeVar("T")


def cli_env(**extra: str) -> dict[str, str]:
    """The environment minus any store setting of the developer's, so the embedded store is used
    unless `extra` says otherwise."""
    env = {k: v for k, v in os.environ.items() if k.upper() not in {"MONGODB_URI", "CUSTOMER_CREDIT_DATA_DIR"}}
    env.update(extra)
    return env


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return False


def nx_pids(data_dir: Path) -> list[int]:
    """Live nx-27017 processes serving data_dir, found through /proc."""
    db_dir = os.fsencode((data_dir / "db").resolve())
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if db_dir in argv and any(b"nx_27017" in arg for arg in argv) and alive(int(proc.name)):
            found.append(int(proc.name))
    return found


def wait_for(condition: Callable[[], Any], timeout: float, what: str, interval: float = 0.05) -> float:
    """Poll until condition() is true; return how long it took."""
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < timeout, f"timed out after {timeout}s waiting for {what}"
        time.sleep(interval)
    return time.monotonic() - started


def status(url: str, path: str, timeout: float = 5) -> int | None:
    try:
        return httpx.get(url + path, timeout=timeout).status_code
    except httpx.HTTPError:
        return None


def gql(
    url: str, secret: str, query: str, variables: dict[str, Any] | None = None, timeout: float = 10
) -> httpx.Response:
    return httpx.post(
        url + "/graphql",
        json={"query": query, "variables": variables or {}},
        headers={"Authorization": f"Bearer {secret}"},
        timeout=timeout,
    )


def gql_data(url: str, secret: str, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """The `data` of a call that must succeed."""
    response = gql(url, secret, query, variables)
    assert response.status_code == 200, response.text
    body = response.json()
    assert not body.get("errors"), body
    return body["data"]


def account_count(url: str, secret: str) -> int:
    response = gql(url, secret, COUNT)
    assert response.status_code == 200, response.text
    return response.json()["data"]["accounts"]["totalCount"]


class Fault(AssertionError):
    """The failure an xfail test documents. Such tests are marked `xfail(strict=True, raises=Fault)`
    and make only their decisive assertions inside `documents_fault()`, so that anything else going
    wrong (a timeout while setting up, say) still fails the test instead of passing for the fault."""


@contextlib.contextmanager
def documents_fault() -> Iterator[None]:
    try:
        yield
    except AssertionError as exc:
        raise Fault(*exc.args) from exc


# --- the service in a subprocess ---------------------------------------------------------------


@dataclass
class Serve:
    proc: subprocess.Popen[str]
    data_dir: Path
    url: str  # http://host:port
    announcement: list[str]
    stderr_path: Path

    @property
    def admin_secret(self) -> str | None:
        """The last line of the block, when the block announces a new admin key."""
        if any("Created the first API key" in line for line in self.announcement):
            return self.announcement[-1]
        return None

    def embedded_pid(self) -> int:
        return json.loads((self.data_dir / "embedded.json").read_text())["pid"]

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> int:
        self.proc.send_signal(sig)
        return self.proc.wait(15)

    def kill(self) -> None:
        """kill -9: no shutdown of any kind."""
        self.proc.kill()
        self.proc.wait(10)

    def log(self) -> list[dict[str, Any]]:
        """The JSON log lines it wrote on stderr so far."""
        entries = []
        for line in self.stderr_path.read_text().splitlines():
            try:
                entries.append(json.loads(line))
            except ValueError:
                entries.append({"message": line})
        return entries


@dataclass
class Launcher:
    """Starts `serve` and CLI commands; its finalizer kills every process it started and
    any nx-27017 still serving one of its data directories (an orphan, by design of a test)."""

    tmp_path: Path
    processes: list[subprocess.Popen[str]] = field(default_factory=list)
    data_dirs: set[Path] = field(default_factory=set)

    def serve(self, data_dir: Path, *extra: str, env: dict[str, str] | None = None) -> Serve:
        self.data_dirs.add(data_dir)
        stderr_path = self.tmp_path / f"serve-{len(self.processes)}.err"
        with stderr_path.open("w") as stderr:
            proc = subprocess.Popen(
                [*CLI, "serve", "--port", "0", "--data-dir", str(data_dir), *extra],
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
                env=env or cli_env(),
            )
        self.processes.append(proc)
        lines: queue.Queue[str | None] = queue.Queue()

        def read() -> None:
            for line in proc.stdout:
                lines.put(line.rstrip("\n"))
            lines.put(None)

        threading.Thread(target=read, daemon=True).start()
        try:
            first = lines.get(timeout=START_TIMEOUT)
        except queue.Empty:
            first = None
        assert first is not None, f"serve printed nothing; stderr:\n{stderr_path.read_text()}"
        match = re.fullmatch(r"Customer Credit is serving GraphQL at (http://\S+)/graphql", first)
        assert match, first
        url = match.group(1)
        wait_for(lambda: status(url, "/healthz") == 200, 10, "/healthz")
        # The block is written in one flush before the first request can be answered.
        announcement = [first]
        while True:
            try:
                line = lines.get(timeout=0.2)
            except queue.Empty:
                break
            if line is None:
                break
            announcement.append(line)
        return Serve(proc, data_dir, url, announcement, stderr_path)

    def run(self, *args: str, data_dir: Path | None = None) -> subprocess.CompletedProcess[str]:
        if data_dir is not None:
            self.data_dirs.add(data_dir)
        return subprocess.run([*CLI, *args], capture_output=True, text=True, env=cli_env(), timeout=25)

    def cleanup(self) -> None:
        for proc in self.processes:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(proc.pid, signal.SIGCONT)  # a test may have frozen it
                proc.kill()
            proc.wait(10)
            if proc.stdout:
                proc.stdout.close()
        for data_dir in self.data_dirs:
            for pid in nx_pids(data_dir):
                os.kill(pid, signal.SIGKILL)


@pytest.fixture
def launcher(tmp_path: Path) -> Iterator[Launcher]:
    started = Launcher(tmp_path)
    try:
        yield started
    finally:
        started.cleanup()


def main_thread_state(pid: int) -> str:
    """R (running Python code), S (waiting, e.g. on the database), T (stopped), ... from /proc."""
    return Path(f"/proc/{pid}/task/{pid}/stat").read_text().rpartition(")")[2].split()[0]


def freeze_when_busy(pid: int, *, busy_for: float = 0.003, nth: int = 1, timeout: float = 5) -> bool:
    """SIGSTOP the process during the `nth` stretch in which its main thread runs Python code, rather
    than waiting (on the database, say), for at least `busy_for` seconds; False if there was none
    within `timeout`. An import batch is, in order: read and map the rows (busy), look the accounts
    up (waiting), check and plan every row (busy), write (waiting): its 2nd stretch lies between
    reading the accounts and writing them."""
    deadline = time.monotonic() + timeout
    busy_since, stretches = None, 0
    while time.monotonic() < deadline:
        if main_thread_state(pid) != "R":
            busy_since = None
        elif busy_since is None:
            busy_since = time.monotonic()
        elif busy_since > 0 and time.monotonic() - busy_since >= busy_for:
            stretches += 1
            if stretches == nth:
                os.kill(pid, signal.SIGSTOP)
                return True
            busy_since = 0.0  # counted: wait for this stretch to end
        time.sleep(0.0002)
    return False


# --- a database the test owns ------------------------------------------------------------------


class ExternalMongo:
    """An nx-27017 server (through the service's own EmbeddedMongo supervisor) run from an event
    loop in a thread of the test process: services reach it through MONGODB_URI, and the test can
    stop it (an outage that lasts as long as the test wants), start it again on the same port and
    data, or SIGSTOP it (a database that accepts connections but never answers).

    `call(fn)` runs `await fn(db)` on that loop with a Motor database of its own, to read or write
    the service's collections directly."""

    DATABASE = "customer_credit"

    def __init__(self, data_dir: Path):
        from customer_credit.persistence.embedded import EmbeddedMongo

        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="external-mongo", daemon=True)
        self.thread.start()
        self.server = EmbeddedMongo(data_dir)
        self.uri = self._run(self.server.start(), 60)
        self._database = None

    def _run(self, coroutine: Awaitable[T], timeout: float = 30) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    @property
    def pid(self) -> int | None:
        return self.server.pid

    def stop(self) -> None:
        """Stop the server (SIGTERM): connections are refused until start()."""
        self._run(self.server.stop())

    def start(self) -> None:
        """Start it again, on the same port and data."""
        assert self._run(self.server.start(), 60) == self.uri

    def freeze(self) -> None:
        os.kill(self.server.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        os.kill(self.server.pid, signal.SIGCONT)

    def call(self, fn: Callable[[Any], Awaitable[T]], timeout: float = 30) -> T:
        async def with_database() -> T:
            if self._database is None:
                from customer_credit.persistence.database import connect

                self._database = connect(self.uri, self.DATABASE, timeout_ms=5000)
            return await fn(self._database.db)

        return self._run(with_database(), timeout)

    def close(self) -> None:
        try:
            if self.server.pid is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self.server.pid, signal.SIGCONT)
            if self._database is not None:
                self._database.close()
            self._run(self.server.stop())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)


@pytest.fixture
def external_db(tmp_path: Path) -> Iterator[ExternalMongo]:
    server = ExternalMongo(tmp_path / "external-db")
    try:
        yield server
    finally:
        server.close()


def create_key(db: ExternalMongo, name: str = "tester", scopes: frozenset[str] = frozenset({"admin"})) -> str:
    """An API key written straight into the external database; returns its secret."""
    from customer_credit.persistence.api_keys import ApiKeyRepository
    from customer_credit.persistence.database import wrap

    async def create(database) -> str:
        return await ApiKeyRepository(wrap(database.client, database.name)).create(name, scopes)

    return db.call(create)


def service_env(db: ExternalMongo | None = None, **settings: str) -> dict[str, str]:
    """The environment of a serve on the external database (or the embedded one when db is None)."""
    extra = {"LOG_LEVEL": "INFO", **settings}
    if db is not None:
        extra["MONGODB_URI"] = db.uri
    return cli_env(**extra)


# --- imports over HTTP --------------------------------------------------------------------------

IMPORT_CSV = """
mutation Import($file: Upload!, $mode: ImportMode!) {
  importCsv(file: $file, mode: $mode) { importRun { id status totalRows } errors { code message } }
}
"""

IMPORT_RUN = """
query Run($id: ID!) {
  importRun(id: $id) {
    id status totalRows processedRows createdCount updatedCount unchangedCount failedCount
    errors(first: 1) { totalCount }
  }
}
"""

TERMINAL = {"SUCCEEDED", "COMPLETED_WITH_ERRORS", "FAILED"}


def csv_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode()


def upload(url: str, secret: str, content: bytes, mode: str = "CREATE", filename: str = "accounts.csv") -> str:
    """A GraphQL multipart upload; returns the queued run's id."""
    operations = {"query": IMPORT_CSV, "variables": {"file": None, "mode": mode}}
    response = httpx.post(
        url + "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.file"]})},
        files={"0": (filename, content, "text/csv")},
        headers={"Authorization": f"Bearer {secret}", "Apollo-Require-Preflight": "true"},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    payload = response.json()["data"]["importCsv"]
    assert payload["errors"] == [], payload
    return payload["importRun"]["id"]


def import_run(url: str, secret: str, run_id: str) -> dict[str, Any]:
    return gql_data(url, secret, IMPORT_RUN, {"id": run_id})["importRun"]


def wait_for_run(
    url: str,
    secret: str,
    run_id: str,
    timeout: float = 45,
    until: Callable[[dict[str, Any]], bool] = lambda run: run["status"] in TERMINAL,
) -> dict[str, Any]:
    """Poll the run until `until(run)` (by default: it ended); return it."""
    deadline = time.monotonic() + timeout
    while True:
        run = import_run(url, secret, run_id)
        if until(run):
            return run
        assert time.monotonic() < deadline, f"run {run_id} still {run} after {timeout}s"
        time.sleep(0.05)


COUNTS = ("totalRows", "processedRows", "createdCount", "updatedCount", "unchangedCount", "failedCount")


def counts(run: dict[str, Any]) -> dict[str, int]:
    return {name: run[name] for name in COUNTS}


# --- accounts and their history -----------------------------------------------------------------

HISTORY_PAGE = """
query Page($after: String, $search: String) {
  accounts(first: 100, after: $after, filter: {search: $search}, orderBy: {field: EMAIL, direction: ASC}) {
    pageInfo { hasNextPage endCursor }
    nodes { id email creditLimit version history(first: 100) { totalCount nodes { version source importRunId } } }
  }
}
"""


def accounts_with_history(
    url: str, secret: str, limit: int | None = None, search: str | None = None
) -> list[dict[str, Any]]:
    """Every account (or the first `limit` by email; or those whose id, email or document starts with
    `search`), each with its whole history (≤ 100 events)."""
    found: list[dict[str, Any]] = []
    after = None
    while limit is None or len(found) < limit:
        page = gql_data(url, secret, HISTORY_PAGE, {"after": after, "search": search})["accounts"]
        found += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    return found if limit is None else found[:limit]


def history_gaps(account: dict[str, Any]) -> str | None:
    """Why the account's history does not hold exactly one event per version, newest first, or None.

    `history.totalCount` is computed from the version, so the events themselves are what is checked."""
    history = account["history"]
    versions = [node["version"] for node in history["nodes"]]
    expected = list(range(account["version"], 0, -1))
    if history["totalCount"] != account["version"] or versions != expected:
        return f"{account['id']}: version {account['version']}, totalCount {history['totalCount']}, events {versions}"
    return None


def mongo(uri: str):
    """A synchronous PyMongo handle on the service's database, for checks the API cannot make."""
    import pymongo

    client = pymongo.MongoClient(uri, serverSelectionTimeoutMS=5000, tz_aware=True)
    return client, client[ExternalMongo.DATABASE]


def embedded_uri(data_dir: Path) -> str:
    """The URI of the embedded server a serve runs on data_dir."""
    state = json.loads((data_dir / "embedded.json").read_text())
    return f"mongodb://{state['host']}:{state['port']}/?directConnection=true"


# --- import files with planted failures ---------------------------------------------------------


@dataclass(frozen=True)
class PlantedFile:
    """A CREATE file of `rows` data rows, some of them bad on purpose: an invalid email every
    `invalid_every` rows, and every `duplicate_every` rows the first row's email again (in another
    case), which is DUPLICATE_IN_FILE however far apart the rows are (a resumed run must rebuild
    what it had seen before the interruption). A third of the rows carry an Id; the others get
    one generated from (run, row)."""

    content: bytes
    rows: int
    invalid: int
    emails: frozenset[str]

    @property
    def valid(self) -> int:
        return self.rows - self.invalid


def planted_create_file(rows: int, tag: str, *, invalid_every: int = 50, duplicate_every: int = 173) -> PlantedFile:
    lines, emails, invalid = [], set(), 0
    for i in range(rows):
        if i % invalid_every == invalid_every - 1:
            lines.append(["", f"{tag}-bad-{i}", "100"])
            invalid += 1
        elif i % duplicate_every == duplicate_every - 1:
            lines.append(["", f"{tag}-0@EXAMPLE.com".upper(), "100"])
            invalid += 1
        else:
            email = f"{tag}-{i}@example.com"
            lines.append([f"{tag}-{i}" if i % 3 == 0 else "", email, "100"])
            emails.add(email)
    return PlantedFile(csv_bytes(["Id", "Email", "Credit Limit"], lines), rows, invalid, frozenset(emails))


def check_created_exactly(
    uri: str, url: str, secret: str, run_id: str, planted: PlantedFile, *, sample: int = 30
) -> dict[str, Any]:
    """The run created every valid row once and failed every planted bad row, and its history
    events match the accounts. The database holds only this run's accounts."""
    return check_runs_created_exactly(uri, url, secret, {run_id: planted}, sample=sample)[run_id]


def check_runs_created_exactly(
    uri: str, url: str, secret: str, planted: dict[str, PlantedFile], *, sample: int = 30
) -> dict[str, dict[str, Any]]:
    """Each run (id -> its file) created every valid row of its file once and failed every planted bad
    row, with one history event per account carrying the run's id. The database holds only these
    runs' accounts."""
    runs = {}
    for run_id, file in planted.items():
        run = import_run(url, secret, run_id)
        assert counts(run) == {
            "totalRows": file.rows,
            "processedRows": file.rows,
            "createdCount": file.valid,
            "updatedCount": 0,
            "unchangedCount": 0,
            "failedCount": file.invalid,
        }, run
        assert run["status"] == ("COMPLETED_WITH_ERRORS" if file.invalid else "SUCCEEDED"), run
        assert run["errors"]["totalCount"] == file.invalid, run
        runs[run_id] = run

    client, db = mongo(uri)
    try:
        accounts = list(db.accounts.find({}, {"email": 1, "version": 1, "last_event": 1}))
        for run_id, file in planted.items():
            mine = [account for account in accounts if account["last_event"].get("import_run_id") == run_id]
            emails = [account["email"] for account in mine]
            assert len(emails) == file.valid, f"run {run_id}: {len(emails)} accounts for {file.valid} valid rows"
            assert set(emails) == file.emails, f"run {run_id}: accounts differ from the file's valid rows"
            rows = [account["last_event"]["import_row"] for account in mine]
            assert len(set(rows)) == len(rows), f"run {run_id}: two accounts from one row"
            events = db.account_events.count_documents({"import_run_id": run_id})
            assert events == file.valid, f"run {run_id}: {events} history events for {file.valid} created accounts"
        assert len(accounts) == sum(file.valid for file in planted.values()), "accounts from no run, or twice"
        assert all(account["version"] == 1 for account in accounts), "a row was applied more than once"
    finally:
        client.close()

    for account in accounts_with_history(url, secret, limit=sample):
        assert history_gaps(account) is None, history_gaps(account)
        assert [node["importRunId"] for node in account["history"]["nodes"]][0] in planted
    return runs
