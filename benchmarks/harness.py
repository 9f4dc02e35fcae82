"""What the benchmark and the profiling script share: a database server, service
processes, API keys, CSV imports over HTTP, and per-process CPU and memory readings."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from customer_credit.persistence.api_keys import ApiKeyRepository
from customer_credit.persistence.database import connect
from customer_credit.persistence.embedded import EmbeddedMongo

ROOT = Path(__file__).resolve().parent.parent
CLK_TCK = os.sysconf("SC_CLK_TCK")
TERMINAL = {"SUCCEEDED", "COMPLETED_WITH_ERRORS", "FAILED"}

IMPORT_CSV = """
mutation Import($file: Upload!, $mode: ImportMode!) {
  importCsv(file: $file, mode: $mode) { importRun { id status } errors { code message } }
}
"""
IMPORT_RUN = """
query Run($id: ID!) {
  importRun(id: $id) { status processedRows totalRows createdCount failedCount errors(first: 3) { nodes { row code message } } }
}
"""


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


# --- /proc readings -------------------------------------------------------------------------------


def cpu_seconds(pid: int | None) -> float | None:
    """User + system CPU time of a live process (its children not included)."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def memory_kb(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak RSS) of a live process, in kB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            name, amount, _ = line.split()
            values[name.rstrip(":")] = int(amount)
    return values


def reset_peak_rss(pid: int) -> bool:
    """Linux: writing 5 to clear_refs resets VmHWM to the current RSS."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def machine() -> dict[str, str]:
    model = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return {
        "cores": str(os.cpu_count()),
        "cpu": model,
        "python": sys.version.split()[0],
        "load": load,
    }


# --- the database server --------------------------------------------------------------------------


class DatabaseServer:
    """The embedded nx-27017 server in a temporary directory, or the MongoDB of MONGODB_URI."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.external = os.environ.get("MONGODB_URI") or None
        self.server: EmbeddedMongo | None = None
        self.uri = ""
        self.created: list[str] = []

    async def start(self) -> str:
        if self.external:
            self.uri = self.external
        else:
            self.server = EmbeddedMongo(self.work / "nx-data")
            self.uri = await self.server.start()
        return self.uri

    @property
    def pid(self) -> int | None:
        return self.server.pid if self.server else None

    @property
    def description(self) -> str:
        if self.external:
            return "MongoDB of MONGODB_URI"
        from importlib.metadata import version

        return f"embedded nx-27017 {version('nx-27017')} (SQLite), its own process"

    def database(self, name: str) -> str:
        self.created.append(name)
        return name

    async def stop(self) -> None:
        if self.external and self.created:
            db = connect(self.uri, "admin")
            try:
                for name in self.created:
                    with contextlib.suppress(Exception):
                        await db.client.drop_database(name)
            finally:
                db.close()
        if self.server is not None:
            await self.server.stop()


async def create_admin_key(uri: str, database: str) -> str:
    """An admin key in that database's key store (indexes created as `serve` would)."""
    db = connect(uri, database)
    try:
        await db.create_indexes()
        return await ApiKeyRepository(db).create("bench", frozenset({"admin"}))
    finally:
        db.close()


# --- service processes ----------------------------------------------------------------------------


def service_command() -> list[str]:
    script = Path(sys.executable).with_name("customer-credit")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "customer_credit.cli"]


@dataclass
class Process:
    """A server subprocess (the service or the bare route) on a loopback port, output to a log file."""

    name: str
    command: list[str]
    env: dict[str, str]
    log: Path
    port: int
    proc: subprocess.Popen | None = None
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    async def start(self, ready_path: str, timeout: float = 60.0) -> None:
        env = {**os.environ, **self.env}
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                self.command,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.log.parent,
            )
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(base_url=self.base_url, timeout=2.0) as client:
            while True:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n{self.log_tail()}")
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(ready_path)).status_code == 200:
                        return
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{self.name} did not become ready:\n{self.log_tail()}")
                await asyncio.sleep(0.1)

    def log_tail(self, size: int = 3000) -> str:
        with contextlib.suppress(OSError):
            return self.log.read_text(errors="replace")[-size:]
        return ""

    async def stop(self) -> None:
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        deadline = time.monotonic() + 15
        while proc.poll() is None and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def service(work: Path, uri: str, database: str, *, name: str = "service", **settings: str) -> Process:
    port = free_port()
    data_dir = work / f"{name}-data"
    data_dir.mkdir(parents=True, exist_ok=True)
    return Process(
        name=name,
        command=[*service_command(), "serve", "--host", "127.0.0.1", "--port", str(port), "--data-dir", str(data_dir)],
        env={"MONGODB_URI": uri, "MONGODB_DATABASE": database, **{k.upper(): v for k, v in settings.items()}},
        log=work / f"{name}.log",
        port=port,
    )


def bare_route(work: Path, uri: str, database: str, *, name: str = "bare") -> Process:
    port = free_port()
    return Process(
        name=name,
        command=[sys.executable, str(ROOT / "benchmarks" / "bare_app.py"), "--port", str(port)],
        env={"MONGODB_URI": uri, "MONGODB_DATABASE": database},
        log=work / f"{name}.log",
        port=port,
    )


# --- GraphQL over HTTP ----------------------------------------------------------------------------


async def graphql(client: httpx.AsyncClient, query: str, **variables) -> dict:
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    response.raise_for_status()
    body = response.json()
    if body.get("errors"):
        raise RuntimeError(f"GraphQL errors: {body['errors']}")
    return body["data"]


@dataclass
class ImportResult:
    seconds: float
    upload_seconds: float
    status: str
    processed: int
    created: int
    failed: int
    first_errors: list


async def import_csv(
    base_url: str,
    key: str,
    path: Path,
    *,
    mode: str = "CREATE",
    poll: float = 0.1,
    on_poll=None,
    max_seconds: float | None = None,
) -> ImportResult:
    """Upload per the GraphQL multipart request spec and follow the run to its end.

    The time runs from the start of the upload to the first poll that sees a terminal status.
    With `max_seconds`, following stops after that long (the status is then still RUNNING).
    """
    headers = {"Authorization": f"Bearer {key}", "Apollo-Require-Preflight": "true"}
    operations = json.dumps({"query": IMPORT_CSV, "variables": {"file": None, "mode": mode}})
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=900.0) as client:
        started = time.perf_counter()
        with path.open("rb") as handle:
            response = await client.post(
                "/graphql",
                data={"operations": operations, "map": json.dumps({"0": ["variables.file"]})},
                files={"0": (path.name, handle, "text/csv")},
            )
        uploaded = time.perf_counter()
        response.raise_for_status()
        payload = response.json()
        if payload.get("errors") or payload["data"]["importCsv"]["errors"]:
            raise RuntimeError(f"importCsv refused the file: {payload}")
        run_id = payload["data"]["importCsv"]["importRun"]["id"]
        while True:
            run = (await graphql(client, IMPORT_RUN, id=run_id))["importRun"]
            if on_poll is not None:
                on_poll(run)
            if run["status"] in TERMINAL or (max_seconds and time.perf_counter() - started > max_seconds):
                finished = time.perf_counter()
                break
            await asyncio.sleep(poll)
    return ImportResult(
        seconds=finished - started,
        upload_seconds=uploaded - started,
        status=run["status"],
        processed=run["processedRows"],
        created=run["createdCount"],
        failed=run["failedCount"],
        first_errors=run["errors"]["nodes"],
    )


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
