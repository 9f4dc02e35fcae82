"""The embedded MongoDB-wire-compatible server (nx-27017) that `serve` runs when
MONGODB_URI is unset, so that a new user gets a persistent store with one command.

The server is a child process on a loopback port, supervised: if it dies it is
started again on the same port and data, so the URI handed to clients stays valid.
Everything it owns lives under one data directory::

    DATA_DIR/db/              one SQLite file per logical database
    DATA_DIR/nx-27017.pid     written and removed by nx-27017 itself
    DATA_DIR/nx-27017.log     everything the child prints, rotated to
    DATA_DIR/nx-27017.log.1   nx-27017.log.1 at 10 MB (see below)
    DATA_DIR/embedded.json    {"pid", "port", "host", "owner_pid", "owner_started"}:
                              lets other commands find a server that `serve` runs

Who owns the data directory. The state file names the child and the process that
supervises it (its owner: a `serve`, or a CLI command's temporary server). The owner
is alive when its pid runs and, where /proc exists, still has the start time that
was recorded, so a recycled pid (a container's pid 1 after a restart) is not taken
for it. Then:

- owner alive: the directory is taken; `start()` refuses (DataDirInUse), and
  `running_server_uri` hands its server to CLI commands.
- owner dead, child still running (the owner was SIGKILLed: the child has its own
  session and outlives it): an orphan. `running_server_uri` does NOT hand it out,
  although it would work: nobody supervises or ever stops it, so the next
  `start()` - a `serve`, or the temporary server of a CLI command - stops it
  (SIGTERM, SIGKILL after 5 s; only a process that /proc shows to be an nx-27017
  on this very data directory) and starts its own. One more command that runs a
  temporary server is cheap; a server nobody owns, holding the files, is not.
- a pid file naming a live nx-27017 that the state file does not record (started
  by hand, say) is not ours to stop: `start()` refuses.

The log is bounded: nx-27017 has no log-size option and logs two WARNING lines per
count_documents (about 340 bytes), so a long-running `serve` would fill the disk.
The child (embedded_process.py) installs a RotatingFileHandler (10 MB, one backup) before
nx-27017 configures logging, and points its stdout/stderr at the new file after a
rollover, so crash tracebacks land there too: at most about 20 MB, at any uptime.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

from motor.motor_asyncio import AsyncIOMotorClient
from pymongo.errors import PyMongoError

logger = logging.getLogger("customer_credit.embedded")

PID_FILE = "nx-27017.pid"
LOG_FILE = "nx-27017.log"
STATE_FILE = "embedded.json"
DB_DIR = "db"

LOG_MAX_BYTES = 10 * 1024 * 1024

_READY_TIMEOUT = 20.0
_STOP_TIMEOUT = 5.0  # an orphan's patience after SIGTERM, then after SIGKILL
_TERM_REPEAT = 0.25  # our child gets SIGTERM again this often until it exits (see _terminate) ...
_KILL_AFTER = 2.0  # ... and SIGKILL once this has passed
_STABLE_AFTER = 30.0  # a child that lived this long resets the restart back-off
_POLL_INTERVAL = 0.1
_LOG_TAIL_BYTES = 3000


class EmbeddedServerError(RuntimeError):
    """The embedded server could not be started (the message carries its log tail)."""


class DataDirInUse(EmbeddedServerError):
    """Another live process serves, or supervises a server on, this data directory."""


class EmbeddedMongo:
    """A supervised nx-27017 child process serving one data directory."""

    def __init__(
        self,
        data_dir: Path,
        *,
        host: str = "127.0.0.1",
        port: int | None = None,
        restart_backoff: tuple[float, ...] = (0.2, 0.5, 1.0, 2.0, 5.0),
    ) -> None:
        if not restart_backoff:
            raise ValueError("restart_backoff needs at least one delay")
        self._data_dir = Path(data_dir)
        self._host = host
        self._port = port
        self._backoff = restart_backoff
        self._proc: subprocess.Popen[bytes] | None = None
        self._ready_at: float | None = None
        self._supervisor: asyncio.Task[None] | None = None
        self.restarts = 0

    @property
    def uri(self) -> str:
        if self._port is None:
            raise EmbeddedServerError("the embedded server has not been started")
        return _uri(self._host, self._port)

    @property
    def pid(self) -> int | None:
        proc = self._proc
        return proc.pid if proc is not None and proc.poll() is None else None

    async def start(self) -> str:
        if self._supervisor is not None:
            return self.uri
        (self._data_dir / DB_DIR).mkdir(parents=True, exist_ok=True)
        await self._claim_data_dir()
        if self._port is None:
            self._port = _free_port(self._host)
        try:
            await self._launch()
        except BaseException:
            self._remove_files()
            self._proc = None
            raise
        # A `serve` that exits without its lifespan shutdown (a second Ctrl-C skips
        # it) must not leave the child running: it has its own session.
        atexit.register(self._kill_at_exit)
        self._supervisor = asyncio.create_task(self._supervise(), name=f"nx-27017 supervisor ({self._data_dir})")
        logger.info(
            "embedded store at %s (nx-27017 pid %s, data in %s)",
            self.uri,
            self.pid,
            self._data_dir,
        )
        return self.uri

    async def stop(self) -> None:
        """Stop supervising first, so that stopping the child is not taken for a crash."""
        if self._supervisor is not None:
            self._supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._supervisor
            self._supervisor = None
        atexit.unregister(self._kill_at_exit)
        await self._terminate()
        self._remove_files()
        self._proc = None

    def _remove_files(self) -> None:
        """A SIGKILLed child leaves both files behind; another server's are not ours to remove."""
        proc = self._proc
        if proc is None:
            return
        if _read_pid(self._data_dir / PID_FILE) == proc.pid:
            (self._data_dir / PID_FILE).unlink(missing_ok=True)
        state = _read_state(self._data_dir)
        if state is not None and state.get("pid") == proc.pid:
            (self._data_dir / STATE_FILE).unlink(missing_ok=True)

    def _kill_at_exit(self) -> None:
        """_terminate, for a process that has no event loop left."""
        proc = self._proc
        if proc is None or proc.poll() is not None:
            return
        give_up = time.monotonic() + _KILL_AFTER
        while proc.poll() is None and time.monotonic() < give_up:
            proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(_TERM_REPEAT)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        self._remove_files()

    async def _claim_data_dir(self) -> None:
        """Refuse a directory that a live owner holds; stop the orphan of a dead one."""
        state = _read_state(self._data_dir)
        if state is None:
            return
        owner = state.get("owner_pid")
        if _owner_alive(state):
            raise DataDirInUse(
                f"another process (pid {owner}) is already serving {self._data_dir}"
                " (a running `customer-credit serve`?); stop it or use another data directory"
            )
        pid = state.get("pid")
        db_dir = self._data_dir / DB_DIR
        if isinstance(pid, int) and _serves(pid, db_dir):
            logger.warning("stopping nx-27017 (pid %s) on %s: its owner (pid %s) is gone", pid, self._data_dir, owner)
            await _stop_orphan(pid)
        (self._data_dir / STATE_FILE).unlink(missing_ok=True)

    async def _launch(self) -> None:
        """Spawn the child and wait until it answers; on failure leave no child behind."""
        assert self._port is not None
        self._clear_stale_pid_file()
        self._ready_at = None
        log_path = self._data_dir / LOG_FILE
        log_offset = log_path.stat().st_size if log_path.exists() else 0
        command = [
            sys.executable,
            "-c",
            _launcher(log_path.resolve(), LOG_MAX_BYTES),
            "--host",
            self._host,
            "--port",
            str(self._port),
            "--data-dir",
            str((self._data_dir / DB_DIR).resolve()),
            "--pid-file",
            str((self._data_dir / PID_FILE).resolve()),
            # Its own log file would only repeat what it prints, minus what it prints
            # before opening that file (a pid-file refusal, a crash at import), so its
            # output goes to our log file instead and its log file to the null device.
            "--log-file",
            os.devnull,
        ]
        with log_path.open("ab") as log:
            # A new session keeps a Ctrl-C in the terminal from killing the child
            # before `serve` has shut down in order.
            self._proc = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self._data_dir,
                start_new_session=True,
            )
        # Recorded before the wait, so that a serve killed while its child starts
        # leaves an orphan that the next start recognises.
        self._write_state()
        try:
            await self._wait_until_ready(self._proc, log_offset)
        except BaseException:
            await self._terminate()
            raise
        self._ready_at = time.monotonic()

    async def _wait_until_ready(self, proc: subprocess.Popen[bytes], log_offset: int) -> None:
        deadline = time.monotonic() + _READY_TIMEOUT
        while True:
            code = proc.poll()
            if code is not None:
                raise EmbeddedServerError(
                    f"nx-27017 exited during startup ({_describe_exit(code)});"
                    f" log {self._data_dir / LOG_FILE}:\n{self._log_tail(log_offset)}"
                )
            assert self._port is not None
            if await _accepts_connections(self._host, self._port, 0.5) and await _pings(self.uri):
                return
            if time.monotonic() > deadline:
                raise EmbeddedServerError(
                    f"nx-27017 did not answer on {self.uri} within {_READY_TIMEOUT:.0f}s;"
                    f" log {self._data_dir / LOG_FILE}:\n{self._log_tail(log_offset)}"
                )
            await asyncio.sleep(0.05)

    async def _supervise(self) -> None:
        """Restart the child whenever it dies; log every failure and keep trying."""
        attempt = 0
        while True:
            try:
                proc = self._proc
                while proc is not None and proc.poll() is None:
                    await asyncio.sleep(_POLL_INTERVAL)
                if self._ready_at is not None and time.monotonic() - self._ready_at >= _STABLE_AFTER:
                    attempt = 0
                delay = self._backoff[min(attempt, len(self._backoff) - 1)]
                attempt += 1
                if proc is not None:
                    logger.warning(
                        "embedded server (pid %s) %s; restarting in %.1fs",
                        proc.pid,
                        _describe_exit(proc.returncode),
                        delay,
                    )
                await asyncio.sleep(delay)
                await self._launch()
                self.restarts += 1
                logger.warning(
                    "embedded server restarted on %s (pid %s, restart #%d)",
                    self.uri,
                    self.pid,
                    self.restarts,
                )
            except Exception:
                logger.exception("embedded server restart failed; will retry")

    async def _terminate(self) -> None:
        """SIGTERM, again every _TERM_REPEAT seconds until the child exits; SIGKILL after _KILL_AFTER.

        Measured with nx-27017 0.8.1, whose handler for SIGTERM and SIGINT is `sys.exit(0)`: one
        SIGTERM ends its event loop at once, and an idle server exits 0.1-0.2 s later, also right
        after a pool of busy connections was closed. But it then waits for the operations still
        running in its worker threads, their client gone or not: an insert_many of 20,000 documents
        kept it up 7 s after the SIGTERM. Every further SIGTERM raises again inside that wait, and
        the third or fourth ends the process: 0.8 s after the first, at 0.25 s intervals. Closing
        its stdin does nothing (it never reads it), and the `shutdown` command is answered {ok: 1}
        and ignored. With its event loop gone, what is cut short could not be answered anyway: the
        client sees a lost connection, as after a crash. (SystemExit tracebacks in its log at a
        stop are uvloop reporting the exit inside a transport callback; it exits all the same.)"""
        proc = self._proc
        if proc is None or proc.poll() is not None:
            return
        give_up = time.monotonic() + _KILL_AFTER
        while time.monotonic() < give_up:
            proc.terminate()
            if await _exited(proc, _TERM_REPEAT):
                return
        logger.warning(
            "embedded server (pid %s) still running %.0fs after SIGTERM; killing it",
            proc.pid,
            _KILL_AFTER,
        )
        proc.kill()
        await _exited(proc, None)

    def _clear_stale_pid_file(self) -> None:
        """nx-27017 refuses to start while its pid file names a live process, and a
        SIGKILLed server leaves its pid file behind."""
        pid_file = self._data_dir / PID_FILE
        pid = _read_pid(pid_file)
        if pid is None:
            return
        if _is_live_server(pid):
            raise DataDirInUse(
                f"another nx-27017 (pid {pid}) is already serving {self._data_dir}"
                f" (see {pid_file}); stop it or use another data directory"
            )
        pid_file.unlink(missing_ok=True)
        logger.info("removed stale pid file %s (pid %s is gone)", pid_file, pid)

    def _write_state(self) -> None:
        """Replace the file atomically: other commands read it at any moment."""
        state_file = self._data_dir / STATE_FILE
        tmp = state_file.with_name(STATE_FILE + ".tmp")
        tmp.write_text(
            json.dumps(
                {
                    "pid": self.pid,
                    "port": self._port,
                    "host": self._host,
                    "owner_pid": os.getpid(),
                    "owner_started": _start_time(os.getpid()),
                }
            )
        )
        os.replace(tmp, state_file)

    def _log_tail(self, offset: int) -> str:
        try:
            with (self._data_dir / LOG_FILE).open("rb") as log:
                end = log.seek(0, os.SEEK_END)
                if offset > end:  # rotated since
                    offset = 0
                log.seek(max(offset, end - _LOG_TAIL_BYTES))
                return log.read().decode("utf-8", "replace")
        except OSError as exc:
            return f"(log unreadable: {exc})"


def running_server_uri(data_dir: Path) -> str | None:
    """The URI of the embedded server that a live owner (a running `serve`) supervises on
    this data directory, if it answers; else None. An orphan is not handed out (see the
    module docstring): the caller's own start() then stops it."""
    state = _read_state(Path(data_dir))
    if state is None or not _owner_alive(state):
        return None
    try:
        pid, port, host = int(state["pid"]), int(state["port"]), str(state.get("host", "127.0.0.1"))
    except (KeyError, TypeError, ValueError):
        return None
    if not _is_live_server(pid):
        return None
    try:
        socket.create_connection((host, port), timeout=1.0).close()
    except OSError:
        return None
    return _uri(host, port)


def holds_store(data_dir: Path, database: str) -> bool:
    """Whether data_dir holds an embedded store of `database`: nx-27017 keeps each logical database
    in DB_DIR/<database>.db, made when it is first used (start()'s ping makes only admin.db)."""
    return (Path(data_dir) / DB_DIR / f"{database}.db").is_file()


@contextlib.asynccontextmanager
async def embedded_store(data_dir: Path) -> AsyncIterator[str]:
    """Yield a URI for the store on data_dir: the running server's if `serve` already runs one there
    (so CLI commands never open the same SQLite files from a second server), else a temporary
    EmbeddedMongo that is stopped on exit."""
    uri = running_server_uri(data_dir)
    if uri is not None:
        yield uri
        return
    server = EmbeddedMongo(data_dir)
    uri = await server.start()
    try:
        yield uri
    finally:
        await server.stop()


def _launcher(log_path: Path, max_bytes: int) -> str:
    """The child's program (`embedded_process.py`). nx-27017 ships no `__main__` module and its
    console script need not sit next to sys.executable (user installs, distro Pythons), so the child
    imports it: same interpreter, same environment as the service."""
    return (
        "import sys\n"
        "from customer_credit.persistence.embedded_process import serve_nx_27017\n"
        f"sys.exit(serve_nx_27017({str(log_path)!r}, {max_bytes}))\n"
    )


def _uri(host: str, port: int) -> str:
    if ":" in host:
        host = f"[{host}]"
    return f"mongodb://{host}:{port}/?directConnection=true"


def _free_port(host: str) -> int:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


async def _accepts_connections(host: str, port: int, timeout: float) -> bool:
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    except (TimeoutError, OSError):
        return False
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return True


async def _pings(uri: str) -> bool:
    client: AsyncIOMotorClient = AsyncIOMotorClient(
        uri, serverSelectionTimeoutMS=1000, connectTimeoutMS=1000, socketTimeoutMS=2000
    )
    try:
        await client.admin.command("ping")
        return True
    except PyMongoError:
        return False
    finally:
        client.close()


async def _exited(proc: subprocess.Popen[bytes], timeout: float | None) -> bool:
    """Poll rather than block, so the event loop keeps serving; poll() also reaps."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while proc.poll() is None:
        if deadline is not None and time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True


def _describe_exit(code: int | None) -> str:
    if code is not None and code < 0:
        with contextlib.suppress(ValueError):
            return f"was killed by {signal.Signals(-code).name}"
    return f"exited with code {code}"


def _read_pid(pid_file: Path) -> int | None:
    try:
        return int(pid_file.read_text().strip())
    except (OSError, ValueError):
        return None


def _read_state(data_dir: Path) -> dict | None:
    try:
        state = json.loads((data_dir / STATE_FILE).read_text())
    except (OSError, ValueError):
        return None
    return state if isinstance(state, dict) else None


def _proc_stat(pid: int) -> list[str] | None:
    """Fields of /proc/PID/stat after the command name (state first); None without /proc."""
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None


def _start_time(pid: int) -> int | None:
    """Clock ticks since boot at which pid started: tells a process from a recycled pid."""
    fields = _proc_stat(pid)
    try:
        return int(fields[19]) if fields else None
    except (IndexError, ValueError):
        return None


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    fields = _proc_stat(pid)
    return not fields or fields[0] != "Z"


def _owner_alive(state: dict) -> bool:
    owner, started = state.get("owner_pid"), state.get("owner_started")
    if not isinstance(owner, int) or not _process_alive(owner):
        return False
    return started is None or _start_time(owner) in (None, started)


def _serves(pid: int, db_dir: Path) -> bool:
    """Whether /proc shows pid to be a live nx-27017 on db_dir (False without /proc)."""
    fields = _proc_stat(pid)
    try:
        argv = (Path("/proc") / str(pid) / "cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return (
        fields is not None
        and fields[0] != "Z"
        and any(b"nx_27017" in arg for arg in argv)
        and os.fsencode(db_dir.resolve()) in argv
    )


async def _stop_orphan(pid: int) -> None:
    """Not our child, so it cannot be waited for: poll until its new parent has reaped it."""
    for sig, patience in ((signal.SIGTERM, _STOP_TIMEOUT), (signal.SIGKILL, _STOP_TIMEOUT)):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)
        deadline = time.monotonic() + patience
        while _process_alive(pid):
            if time.monotonic() > deadline:
                break
            await asyncio.sleep(0.05)
        else:
            return
    raise EmbeddedServerError(f"the orphaned nx-27017 (pid {pid}) did not stop")


def _is_live_server(pid: int) -> bool:
    """Whether pid is a running nx-27017: a zombie is dead, and a recycled pid that
    now belongs to another program does not count (checked where /proc exists)."""
    if not _process_alive(pid):
        return False
    try:
        cmdline = (Path("/proc") / str(pid) / "cmdline").read_bytes()
    except OSError:
        return True
    return b"nx_27017" in cmdline or b"nx-27017" in cmdline
