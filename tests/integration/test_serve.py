"""`customer-credit serve` as a user runs it: the real command in a subprocess, on a free
port and a temporary data directory, with the embedded nx-27017 server it supervises.

The helpers (`Launcher`, `gql`, `nx_pids`, ...) live in tests/support (processes, graphql, served).
"""

from __future__ import annotations

import os
import signal
import socket
from pathlib import Path

import httpx
import pytest

from tests.support.graphql import gql
from tests.support.processes import Launcher, alive, cli_env, nx_pids, status
from tests.support.served import COUNT, OPEN, account_count
from tests.support.waiting import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.timeout(30)]


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
    assert (
        second.stderr.strip()
        .splitlines()[-1]
        .startswith(f"error: another process (pid {first.proc.pid}) is already serving")
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
    wait_until(lambda: not alive(child), 5, "the child to die")
    recovered = wait_until(lambda: status(serve.url, "/readyz") == 200 and serve.embedded_pid() != child, 15, "/readyz")
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
