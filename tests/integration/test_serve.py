"""`customer-credit serve` as a user runs it: the real command in a subprocess, on a free
port and a temporary data directory, with the embedded nx-27017 server it supervises.

The helpers here (`Launcher`, `gql`, `nx_pids`) are shared with test_cli_api_keys.py.
"""

from __future__ import annotations

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
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

pytestmark = [pytest.mark.integration, pytest.mark.timeout(30)]

CLI = [sys.executable, "-m", "customer_credit.cli"]
START_TIMEOUT = 20.0
COUNT = "{ accounts(first: 1) { totalCount } }"
OPEN = 'mutation { openOrChangeAccount(input: {email: "%s"}) { created errors { code } } }'


def cli_env(**extra: str) -> dict[str, str]:
    """The environment minus any store setting of the developer's, so the embedded store is used."""
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


def wait_for(condition, timeout: float, what: str) -> float:
    """Poll until condition() is true; return how long it took."""
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < timeout, f"timed out after {timeout}s waiting for {what}"
        time.sleep(0.05)
    return time.monotonic() - started


def status(url: str, path: str) -> int | None:
    try:
        return httpx.get(url + path, timeout=5).status_code
    except httpx.HTTPError:
        return None


def gql(url: str, secret: str, query: str) -> httpx.Response:
    return httpx.post(
        url + "/graphql", json={"query": query}, headers={"Authorization": f"Bearer {secret}"}, timeout=10
    )


def account_count(url: str, secret: str) -> int:
    response = gql(url, secret, COUNT)
    assert response.status_code == 200, response.text
    return response.json()["data"]["accounts"]["totalCount"]


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


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


def test_first_start_announces_an_admin_key_that_survives_a_restart(
    launcher: Launcher, data_dir: Path, tmp_path: Path
) -> None:
    decoy = tmp_path / "from-env"
    first = launcher.serve(data_dir, env=cli_env(CUSTOMER_CREDIT_DATA_DIR=str(decoy)))
    assert first.announcement[1] == f"Data directory: {data_dir.resolve()} (embedded nx-27017 store)"
    assert not decoy.exists(), "--data-dir must beat CUSTOMER_CREDIT_DATA_DIR"
    secret = first.admin_secret
    assert secret is not None and secret.startswith("cc_"), first.announcement
    assert len(first.announcement) == 4

    assert status(first.url, "/healthz") == 200
    assert status(first.url, "/readyz") == 200
    assert account_count(first.url, secret) == 0
    assert gql(first.url, "cc_wrong", COUNT).status_code == 401
    assert httpx.post(first.url + "/graphql", json={"query": COUNT}).status_code == 401
    opened = gql(first.url, secret, OPEN % "ana@example.com").json()
    assert opened["data"]["openOrChangeAccount"] == {"created": True, "errors": []}

    # A second serve on the same data directory is refused in one line; the first runs on.
    second = launcher.run("serve", "--port", "0", "--data-dir", str(data_dir))
    assert second.returncode == 2
    assert second.stderr.strip().splitlines()[-1].startswith(
        f"error: another process (pid {first.proc.pid}) is already serving"
    ), second.stderr
    assert second.stdout == ""
    assert account_count(first.url, secret) == 1

    child = first.embedded_pid()
    assert first.stop(signal.SIGTERM) == 0
    assert not alive(child) and nx_pids(data_dir) == []
    assert not (data_dir / "embedded.json").exists()

    again = launcher.serve(data_dir)
    assert again.admin_secret is None
    assert len(again.announcement) == 2, again.announcement
    assert account_count(again.url, secret) == 1
    assert again.stop(signal.SIGINT) == 0
    assert nx_pids(data_dir) == []


def test_a_killed_embedded_server_is_restarted_with_its_data(launcher: Launcher, data_dir: Path) -> None:
    serve = launcher.serve(data_dir)
    secret = serve.admin_secret
    assert gql(serve.url, secret, OPEN % "bia@example.com").status_code == 200
    child = serve.embedded_pid()

    os.kill(child, signal.SIGKILL)
    wait_for(lambda: not alive(child), 5, "the child to die")
    recovered = wait_for(lambda: status(serve.url, "/readyz") == 200 and serve.embedded_pid() != child, 15, "/readyz")
    print(f"/readyz back to 200 {recovered:.2f}s after the SIGKILL")
    assert account_count(serve.url, secret) == 1
    assert nx_pids(data_dir) == [serve.embedded_pid()]
    assert serve.proc.poll() is None


def test_a_killed_serve_leaves_an_orphan_that_the_next_serve_adopts(launcher: Launcher, data_dir: Path) -> None:
    first = launcher.serve(data_dir)
    secret = first.admin_secret
    assert gql(first.url, secret, OPEN % "caio@example.com").status_code == 200
    orphan = first.embedded_pid()

    first.proc.kill()
    first.proc.wait(5)
    assert alive(orphan), "the child has its own session: it outlives a SIGKILLed serve"

    second = launcher.serve(data_dir)
    assert second.admin_secret is None
    assert not alive(orphan)
    assert nx_pids(data_dir) == [second.embedded_pid()]
    assert account_count(second.url, secret) == 1
    assert "its owner" in second.stderr_path.read_text()
    assert second.stop() == 0
    assert nx_pids(data_dir) == []


def test_a_taken_port_is_one_line_and_exit_2(launcher: Launcher, data_dir: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = launcher.run("serve", "--port", str(port), "--data-dir", str(data_dir))
    assert result.returncode == 2
    assert result.stderr == f"error: cannot listen on 127.0.0.1:{port}: the port is already in use\n"
    assert result.stdout == ""
    assert not data_dir.exists(), "nothing is started before the port is bound"


def test_an_unusable_data_dir_is_one_line_and_exit_2(launcher: Launcher, tmp_path: Path) -> None:
    not_a_dir = tmp_path / "a-file"
    not_a_dir.write_text("")
    result = launcher.run("serve", "--port", "0", "--data-dir", str(not_a_dir))
    assert result.returncode == 2
    assert result.stderr == f"error: data directory {not_a_dir} is not usable: it is not a directory\n"
