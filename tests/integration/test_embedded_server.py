"""The embedded nx-27017 server as `serve` runs it: a real child process on a real
socket, driven through Motor, because its failure modes (stale pid files, crashes,
second servers on the same files) only show up there."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from motor.motor_asyncio import AsyncIOMotorClient
from pymongo.errors import PyMongoError

from customer_credit.persistence import embedded
from customer_credit.persistence.embedded import (
    DataDirInUse,
    EmbeddedMongo,
    EmbeddedServerError,
    embedded_store,
    running_server_uri,
)
from tests.support.processes import alive

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
async def servers() -> AsyncIterator[list[EmbeddedMongo]]:
    """Servers a test appends here are stopped even when the test fails."""
    started: list[EmbeddedMongo] = []
    yield started
    for server in started:
        await server.stop()


@contextlib.asynccontextmanager
async def client(uri: str) -> AsyncIterator[AsyncIOMotorClient]:
    motor = AsyncIOMotorClient(uri, serverSelectionTimeoutMS=5000)
    try:
        yield motor
    finally:
        motor.close()


def dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


async def test_data_survives_a_stop_and_start(data_dir: Path, servers: list[EmbeddedMongo]) -> None:
    server = EmbeddedMongo(data_dir)
    servers.append(server)
    uri = await server.start()
    assert uri.startswith("mongodb://127.0.0.1:")
    state = json.loads((data_dir / "embedded.json").read_text())
    assert state["pid"] == server.pid and state["owner_pid"] == os.getpid()
    async with client(uri) as motor:
        await motor.customer_credit.accounts.insert_one({"_id": "a1", "email": "ana@example.com"})
    await server.stop()
    assert server.pid is None

    again = EmbeddedMongo(data_dir)
    servers.append(again)
    async with client(await again.start()) as motor:
        assert await motor.customer_credit.accounts.find_one({"_id": "a1"}) == {
            "_id": "a1",
            "email": "ana@example.com",
        }
    assert (data_dir / "db" / "customer_credit.db").exists()
    assert (data_dir / "nx-27017.log").exists()


async def test_supervisor_restarts_a_killed_child_on_the_same_port(
    data_dir: Path, servers: list[EmbeddedMongo]
) -> None:
    server = EmbeddedMongo(data_dir)
    servers.append(server)
    uri = await server.start()
    first_pid = server.pid
    assert first_pid is not None
    async with client(uri) as motor:
        await motor.customer_credit.accounts.insert_one({"_id": "a1"})

    os.kill(first_pid, signal.SIGKILL)

    deadline = time.monotonic() + 15
    async with client(uri) as motor:
        while True:
            if server.pid not in (None, first_pid):
                with contextlib.suppress(Exception):
                    await motor.admin.command("ping")
                    break
            assert time.monotonic() < deadline, "the embedded server was not restarted"
            await asyncio.sleep(0.1)
        assert await motor.customer_credit.accounts.find_one({"_id": "a1"}) == {"_id": "a1"}
    assert server.uri == uri
    assert server.restarts == 1
    assert not alive(first_pid)
    assert json.loads((data_dir / "embedded.json").read_text())["pid"] == server.pid


async def test_supervisor_keeps_retrying_while_the_port_is_taken(
    data_dir: Path, servers: list[EmbeddedMongo], caplog: pytest.LogCaptureFixture
) -> None:
    server = EmbeddedMongo(data_dir, restart_backoff=(0.1, 0.2))
    servers.append(server)
    uri = await server.start()
    port = json.loads((data_dir / "embedded.json").read_text())["port"]
    os.kill(server.pid, signal.SIGKILL)
    blocker = socket.socket()
    blocker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    deadline = time.monotonic() + 5
    while True:  # no await: the supervisor must not get the port back first
        try:
            blocker.bind(("127.0.0.1", port))
            break
        except OSError:
            assert time.monotonic() < deadline
            time.sleep(0.01)
    with blocker:
        blocker.listen()
        while "restart failed" not in caplog.text:
            assert time.monotonic() < deadline + 10, "no failed restart was logged"
            await asyncio.sleep(0.1)
        assert server.restarts == 0
    while server.restarts == 0:
        assert time.monotonic() < deadline + 20, "the supervisor gave up"
        await asyncio.sleep(0.1)
    async with client(uri) as motor:
        assert (await motor.admin.command("ping"))["ok"] == 1
    assert "was killed by SIGKILL" in caplog.text


async def test_stale_pid_file_does_not_prevent_start(data_dir: Path, servers: list[EmbeddedMongo]) -> None:
    data_dir.mkdir(parents=True)
    (data_dir / "nx-27017.pid").write_text(str(dead_pid()))
    server = EmbeddedMongo(data_dir)
    servers.append(server)
    async with client(await server.start()) as motor:
        assert (await motor.admin.command("ping"))["ok"] == 1
    assert (data_dir / "nx-27017.pid").read_text().strip() == str(server.pid)


async def test_a_second_server_on_the_same_data_is_refused(data_dir: Path, servers: list[EmbeddedMongo]) -> None:
    first = EmbeddedMongo(data_dir)
    second = EmbeddedMongo(data_dir)
    servers.extend([first, second])
    await first.start()
    with pytest.raises(EmbeddedServerError, match="already serving"):
        await second.start()
    assert second.pid is None
    assert first.pid is not None and alive(first.pid)


async def test_a_child_that_cannot_start_is_reported_with_its_log(data_dir: Path, servers: list[EmbeddedMongo]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        server = EmbeddedMongo(data_dir, port=taken.getsockname()[1])
        servers.append(server)
        with pytest.raises(EmbeddedServerError, match="address already in use"):
            await server.start()
    assert server.pid is None
    assert not (data_dir / "embedded.json").exists()


async def test_running_server_uri_and_embedded_store_reuse_a_running_server(
    data_dir: Path, servers: list[EmbeddedMongo]
) -> None:
    assert running_server_uri(data_dir) is None
    server = EmbeddedMongo(data_dir)
    servers.append(server)
    uri = await server.start()
    pid = server.pid
    assert running_server_uri(data_dir) == uri

    async with embedded_store(data_dir) as store_uri:
        assert store_uri == uri
    assert server.pid == pid
    async with client(uri) as motor:
        assert (await motor.admin.command("ping"))["ok"] == 1

    await server.stop()
    assert running_server_uri(data_dir) is None


async def test_embedded_store_starts_and_stops_a_temporary_server(data_dir: Path) -> None:
    async with embedded_store(data_dir) as uri:
        assert running_server_uri(data_dir) == uri
        pid = json.loads((data_dir / "embedded.json").read_text())["pid"]
        async with client(uri) as motor:
            await motor.customer_credit.accounts.insert_one({"_id": "a1"})
    assert not alive(pid)
    assert running_server_uri(data_dir) is None

    async with embedded_store(data_dir) as uri, client(uri) as motor:
        assert await motor.customer_credit.accounts.count_documents({}) == 1


def test_a_stale_state_file_is_ignored(data_dir: Path) -> None:
    data_dir.mkdir(parents=True)
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        port = listening.getsockname()[1]
        state = {"pid": dead_pid(), "port": port, "host": "127.0.0.1", "owner_pid": dead_pid()}
        (data_dir / "embedded.json").write_text(json.dumps(state))
        assert running_server_uri(data_dir) is None
        (data_dir / "embedded.json").write_text("{not json")
        assert running_server_uri(data_dir) is None


async def test_stop_leaves_no_process_or_files_behind(data_dir: Path) -> None:
    server = EmbeddedMongo(data_dir)
    await server.start()
    pid = server.pid
    assert pid is not None
    await server.stop()
    assert not alive(pid)
    assert not (data_dir / "nx-27017.pid").exists()
    assert not (data_dir / "embedded.json").exists()
    if Path("/proc").is_dir():
        needle = str(data_dir.resolve()).encode()
        serving = []
        for proc in Path("/proc").iterdir():
            with contextlib.suppress(OSError):
                if proc.name.isdigit() and needle in (proc / "cmdline").read_bytes():
                    serving.append(proc.name)
        assert serving == []


def busy_worker_threads(pid: int) -> int:
    """Threads of pid, its main thread aside, that /proc shows running."""
    busy = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            state = (task / "stat").read_text().rpartition(")")[2].split()[0]
            busy += task.name != str(pid) and state == "R"
    return busy


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="thread states come from /proc")
async def test_stop_does_not_wait_for_a_running_operation(
    data_dir: Path, servers: list[EmbeddedMongo], caplog: pytest.LogCaptureFixture
) -> None:
    """nx-27017 finishes its running operations before it exits on SIGTERM (an insert of 40,000
    documents takes seconds): stop() signals it again rather than wait, or kill it."""
    server = EmbeddedMongo(data_dir)
    servers.append(server)
    motor = AsyncIOMotorClient(await server.start(), retryWrites=False, serverSelectionTimeoutMS=5000)
    try:
        insert = asyncio.ensure_future(motor.customer_credit.accounts.insert_many([{"i": i} for i in range(40_000)]))
        deadline = time.monotonic() + 10
        while not busy_worker_threads(server.pid):
            assert time.monotonic() < deadline, "nx-27017 never ran the insert"
            await asyncio.sleep(0.01)

        started = time.monotonic()
        await server.stop()
        took = time.monotonic() - started
        with pytest.raises(PyMongoError):
            await insert
    finally:
        motor.close()
    print(f"stopped {took:.2f}s after the first SIGTERM")
    assert took < 1.5
    assert "killing it" not in caplog.text


# A process that starts an embedded server, reports its URI and waits to be killed.
OWNER = """
import asyncio, sys
from pathlib import Path
from customer_credit.persistence.embedded import EmbeddedMongo

async def main():
    print(await EmbeddedMongo(Path(sys.argv[1])).start(), flush=True)
    await asyncio.sleep(3600)

asyncio.run(main())
"""


async def test_the_orphan_of_a_killed_owner_is_stopped_by_the_next_start(
    data_dir: Path, servers: list[EmbeddedMongo]
) -> None:
    owner = subprocess.Popen([sys.executable, "-c", OWNER, str(data_dir)], stdout=subprocess.PIPE, text=True)
    orphan = None
    try:
        uri = owner.stdout.readline().strip()
        assert uri.startswith("mongodb://"), "the owner process did not start its server"
        async with client(uri) as motor:
            await motor.customer_credit.accounts.insert_one({"_id": "a1"})
        state = json.loads((data_dir / "embedded.json").read_text())
        orphan = state["pid"]
        assert state["owner_pid"] == owner.pid
        owner.kill()
        owner.wait(5)
        assert alive(orphan), "the child has its own session: it outlives its owner"
        assert running_server_uri(data_dir) is None, "an orphan is not handed out"

        server = EmbeddedMongo(data_dir)
        servers.append(server)
        async with client(await server.start()) as motor:
            assert await motor.customer_credit.accounts.find_one({"_id": "a1"}) == {"_id": "a1"}
        assert not alive(orphan)
        assert running_server_uri(data_dir) == server.uri
    finally:
        if owner.poll() is None:
            owner.kill()
        owner.wait(5)
        owner.stdout.close()
        if orphan is not None and alive(orphan):
            os.kill(orphan, signal.SIGKILL)


async def test_a_live_owner_keeps_its_data_dir_while_its_server_restarts(
    data_dir: Path, servers: list[EmbeddedMongo]
) -> None:
    owner = EmbeddedMongo(data_dir, restart_backoff=(1.0,))
    servers.append(owner)
    await owner.start()
    os.kill(owner.pid, signal.SIGKILL)
    while owner.pid is not None:
        await asyncio.sleep(0.01)
    other = EmbeddedMongo(data_dir)
    servers.append(other)
    with pytest.raises(DataDirInUse, match="already serving"):
        await other.start()
    assert running_server_uri(data_dir) is None
    while owner.restarts == 0:
        await asyncio.sleep(0.05)
    assert running_server_uri(data_dir) == owner.uri


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="start times come from /proc")
async def test_a_recycled_owner_pid_does_not_hold_the_data_dir(data_dir: Path, servers: list[EmbeddedMongo]) -> None:
    """A container's `serve` is pid 1 after every restart: the pid alone proves nothing."""
    data_dir.mkdir(parents=True)
    state = {"pid": dead_pid(), "port": 1, "host": "127.0.0.1", "owner_pid": os.getpid(), "owner_started": 1}
    (data_dir / "embedded.json").write_text(json.dumps(state))
    assert running_server_uri(data_dir) is None
    server = EmbeddedMongo(data_dir)
    servers.append(server)
    async with client(await server.start()) as motor:
        assert (await motor.admin.command("ping"))["ok"] == 1


async def test_the_log_is_rotated_at_its_size_limit(
    data_dir: Path, servers: list[EmbeddedMongo], monkeypatch: pytest.MonkeyPatch
) -> None:
    limit = 20_000
    monkeypatch.setattr(embedded, "LOG_MAX_BYTES", limit)
    server = EmbeddedMongo(data_dir)
    servers.append(server)
    async with client(await server.start()) as motor:
        for _ in range(200):  # two WARNING lines each, about 340 bytes
            await motor.customer_credit.accounts.count_documents({})
    log = data_dir / "nx-27017.log"
    assert 0 < log.stat().st_size <= limit
    assert 0 < log.with_name("nx-27017.log.1").stat().st_size <= limit
    assert not log.with_name("nx-27017.log.2").exists()


async def test_a_state_file_naming_another_program_does_not_get_it_killed(
    data_dir: Path, servers: list[EmbeddedMongo]
) -> None:
    """Only a process that /proc shows to be an nx-27017 on this data directory is stopped."""
    data_dir.mkdir(parents=True)
    bystander = subprocess.Popen(["sleep", "30"])
    try:
        state = {"pid": bystander.pid, "port": 1, "host": "127.0.0.1", "owner_pid": dead_pid()}
        (data_dir / "embedded.json").write_text(json.dumps(state))
        server = EmbeddedMongo(data_dir)
        servers.append(server)
        await server.start()
        assert bystander.poll() is None
    finally:
        bystander.kill()
        bystander.wait()
