"""The service and its database as processes of their own: `customer-credit serve` started on free
ports and temporary data directories (`Launcher`), and an "external" database that the test itself
owns (`ExternalMongo`), so that it can stop, restart or freeze it while services use it. Also the
environment they run with, and finding, watching and freezing processes through /proc.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx

from .observed_cli import UPDATES_LOG_ENV
from .waiting import wait_until

REPO = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "customer_credit.cli"]
START_TIMEOUT = 20.0
# Store settings a developer may have in the environment: a test's service chooses its own.
STORE_VARIABLES = {"MONGODB_URI", "CUSTOMER_CREDIT_DATA_DIR"}

T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cli_env(**extra: str) -> dict[str, str]:
    """The environment minus any store setting of the developer's, so the embedded store is used
    unless `extra` says otherwise."""
    env = {k: v for k, v in os.environ.items() if k.upper() not in STORE_VARIABLES}
    env.update(extra)
    return env


def service_env(db: ExternalMongo | None = None, **settings: str) -> dict[str, str]:
    """The environment of a `serve` on the external database (or the embedded one when db is None),
    with its output unbuffered and `settings` (IMPORT_BATCH_SIZE=..., say) on top."""
    extra = {"PYTHONUNBUFFERED": "1", "LOG_LEVEL": "INFO", **settings}
    if db is not None:
        extra["MONGODB_URI"] = db.uri
    return cli_env(**extra)


def status(url: str, path: str, timeout: float = 5) -> int | None:
    """The HTTP status of GET url+path; None when nothing answers."""
    try:
        return httpx.get(url + path, timeout=timeout).status_code
    except httpx.HTTPError:
        return None


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

    def serve(
        self, data_dir: Path, *extra: str, env: dict[str, str] | None = None, updates_log: Path | None = None
    ) -> Serve:
        """`serve` on a free port. With `updates_log`, run through tests.support.observed_cli, which
        records the process's updates of accounts in `<updates_log>.<pid>`."""
        self.data_dirs.add(data_dir)
        stderr_path = self.tmp_path / f"serve-{len(self.processes)}.err"
        command, env = CLI, dict(env or cli_env())
        if updates_log is not None:
            command = [sys.executable, "-m", "tests.support.observed_cli"]
            env[UPDATES_LOG_ENV] = str(updates_log)
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
        with stderr_path.open("w") as stderr:
            proc = subprocess.Popen(
                [*command, "serve", "--port", "0", "--data-dir", str(data_dir), *extra],
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
                env=env,
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
        wait_until(lambda: status(url, "/healthz") == 200, 10, "/healthz")
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


def create_key(db: ExternalMongo, name: str = "tester", scopes: frozenset[str] = frozenset({"admin"})) -> str:
    """An API key written straight into the external database; returns its secret."""
    from customer_credit.persistence.api_keys import ApiKeyRepository
    from customer_credit.persistence.database import wrap

    async def create(database) -> str:
        return await ApiKeyRepository(wrap(database.client, database.name)).create(name, scopes)

    return db.call(create)


def mongo(uri: str):
    """A synchronous PyMongo handle on the service's database, for checks the API cannot make."""
    import pymongo

    client = pymongo.MongoClient(uri, serverSelectionTimeoutMS=5000, tz_aware=True)
    return client, client[ExternalMongo.DATABASE]


def embedded_uri(data_dir: Path) -> str:
    """The URI of the embedded server a serve runs on data_dir."""
    state = json.loads((data_dir / "embedded.json").read_text())
    return f"mongodb://{state['host']}:{state['port']}/?directConnection=true"
