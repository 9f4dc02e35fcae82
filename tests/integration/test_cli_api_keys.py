"""`customer-credit api-keys create|list|revoke`, the real command in a subprocess: against
the embedded server of a running `serve` on the same data directory (reused, never a
second server on the same files), with no serve running (a temporary server), and where
there is no store at all (only `create` makes one)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.support.graphql import gql
from tests.support.processes import CLI, Launcher, cli_env, nx_pids
from tests.support.served import COUNT, OPEN, account_count
from tests.support.waiting import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.timeout(30)]


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


def keys(launcher: Launcher, data_dir: Path, *args: str):
    return launcher.run("api-keys", *args, "--data-dir", str(data_dir), data_dir=data_dir)


def no_store(directory: Path) -> str:
    return (
        f"error: there is no store in {directory.resolve()}: "
        "point at one with --data-dir, CUSTOMER_CREDIT_DATA_DIR or MONGODB_URI\n"
    )


def created_secret(result) -> str:
    """The secret is the last line of the output; nothing goes to stderr."""
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    secret = result.stdout.splitlines()[-1]
    assert secret.startswith("cc_") and result.stdout.endswith(secret + "\n")
    return secret


def test_keys_against_a_running_serve(launcher: Launcher, data_dir: Path) -> None:
    serve = launcher.serve(data_dir)
    admin = serve.admin_secret
    child = serve.embedded_pid()

    reader = created_secret(keys(launcher, data_dir, "create", "--name", "reader", "--scopes", "accounts:read"))
    assert account_count(serve.url, reader) == 0
    forbidden = gql(serve.url, reader, OPEN % "dora@example.com")
    assert forbidden.status_code == 200
    assert forbidden.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert account_count(serve.url, admin) == 0, "a forbidden mutation writes nothing"

    listed = keys(launcher, data_dir, "list")
    assert listed.returncode == 0, listed.stderr
    rows = {line.split()[0]: line.split() for line in listed.stdout.splitlines()[1:]}
    assert rows["admin"][1:2] == ["active"] and rows["admin"][-1] == "admin"
    assert rows["reader"][1:2] == ["active"] and rows["reader"][-1] == "accounts:read"
    assert admin not in listed.stdout and reader not in listed.stdout and "cc_" not in listed.stdout

    revoked = keys(launcher, data_dir, "revoke", "reader")
    assert revoked.returncode == 0, revoked.stderr
    # serve trusts a checked key for API_KEY_CACHE_SECONDS (2) without reading the store.
    wait_until(lambda: gql(serve.url, reader, COUNT).status_code == 401, timeout=2.0 + 1.0, what="the key refused")
    assert account_count(serve.url, admin) == 0

    unknown = keys(launcher, data_dir, "revoke", "nobody")
    assert unknown.returncode == 1
    assert unknown.stderr == "error: no active key named 'nobody'\n"

    # Every command used serve's embedded server: one nx-27017, started once.
    assert nx_pids(data_dir) == [child] == [serve.embedded_pid()]
    assert (data_dir / "nx-27017.log").read_text().count("Starting NX-27017") == 1


def test_keys_with_no_serve_running_use_a_temporary_server(launcher: Launcher, data_dir: Path) -> None:
    ops = created_secret(keys(launcher, data_dir, "create", "--name", "ops", "--scopes", "accounts:read,pii:read"))
    assert nx_pids(data_dir) == [] and not (data_dir / "embedded.json").exists()
    gone = created_secret(keys(launcher, data_dir, "create", "--name", "gone", "--scopes", "accounts:read"))
    assert keys(launcher, data_dir, "revoke", "gone").returncode == 0

    listed = keys(launcher, data_dir, "list")
    assert [line.split()[:2] for line in listed.stdout.splitlines()[1:]] == [["gone", "revoked"], ["ops", "active"]]
    assert ops not in listed.stdout and gone not in listed.stdout
    assert nx_pids(data_dir) == []

    # The keys are in the store that serve then opens: not empty, so no admin key is made.
    serve = launcher.serve(data_dir)
    assert serve.admin_secret is None
    assert account_count(serve.url, ops) == 0
    assert gql(serve.url, gone, COUNT).status_code == 401


def test_bad_arguments_exit_2_before_touching_the_store(launcher: Launcher, data_dir: Path) -> None:
    unknown = keys(launcher, data_dir, "create", "--name", "x", "--scopes", "accounts:read,accounts:delete")
    assert unknown.returncode == 2
    assert unknown.stderr == (
        "error: unknown scope(s): accounts:delete; known: accounts:read, accounts:write,"
        " imports:read, imports:write, pii:read, metrics:read, credit:read, credit:write, invoices:write, admin\n"
    )
    bad_name = keys(launcher, data_dir, "create", "--name", "has space", "--scopes", "admin")
    assert bad_name.returncode == 2 and bad_name.stderr.startswith("error: a key name is")
    assert not data_dir.exists()

    assert keys(launcher, data_dir, "create", "--name", "twice", "--scopes", "admin").returncode == 0
    again = keys(launcher, data_dir, "create", "--name", "twice", "--scopes", "admin")
    assert again.returncode == 2 and again.stderr == "error: a key named 'twice' already exists\n"


def test_list_and_revoke_where_there_is_no_store_exit_2_and_create_no_data_directory(tmp_path: Path) -> None:
    for command in (["list"], ["revoke", "ops"]):
        result = subprocess.run(
            [*CLI, "api-keys", *command], cwd=tmp_path, capture_output=True, text=True, env=cli_env(), timeout=25
        )
        assert result.returncode == 2, result.stderr
        assert result.stderr == no_store(tmp_path / "data")
        assert result.stdout == ""
    assert list(tmp_path.iterdir()) == [], "./data was created"


def test_list_on_a_data_directory_without_a_store_leaves_it_untouched(launcher: Launcher, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    result = keys(launcher, empty, "list")
    assert result.returncode == 2
    assert result.stderr == no_store(empty)
    assert list(empty.iterdir()) == []
