"""`kill -9` of the service in the middle of a large import, then a restart: the run resumes from
its last checkpoint and ends as if nothing had happened — exact counts, every row applied once,
one history event per applied row, all carrying the run's id.

Two ways to die: the service alone, on an external database that survives it (the usual
deployment); and the service together with its embedded nx-27017 child, killed at the same
instant, so the restart also has to recover the database's own files.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path

import pytest

from tests.support.csv_files import planted_create_file
from tests.support.imports import run_at, upload_to, wait_for_run_at
from tests.support.processes import ExternalMongo, Launcher, create_key, embedded_uri, nx_pids, service_env
from tests.support.served import check_created_exactly

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]

ROWS = 6000
BATCH = 250
LEASE_SECONDS = 3
SETTINGS = {"IMPORT_BATCH_SIZE": str(BATCH), "IMPORT_LEASE_SECONDS": str(LEASE_SECONDS)}


def in_the_middle(run: dict) -> bool:
    return 3 * BATCH <= run["processedRows"] < ROWS - 4 * BATCH


def kill_and_resume(launcher: Launcher, first, start_again, secret: str, run_id: str, kill) -> tuple[dict, float]:
    """Kill mid-run, restart, and time how long the new process took to move the run on."""
    at_kill = wait_for_run_at(first.url, secret, run_id, until=in_the_middle, timeout=30)
    kill()
    killed = time.monotonic()
    second = start_again()
    checkpointed = run_at(second.url, secret, run_id)
    assert checkpointed["status"] == "RUNNING", checkpointed
    assert at_kill["processedRows"] <= checkpointed["processedRows"] < ROWS
    wait_for_run_at(
        second.url,
        secret,
        run_id,
        until=lambda run: run["processedRows"] > checkpointed["processedRows"],
        timeout=LEASE_SECONDS + 10,
    )
    resumed = time.monotonic() - killed
    print(
        f"\nkilled at {checkpointed['processedRows']} of {ROWS} checkpointed rows; "
        f"the restarted service moved the run on {resumed:.2f}s after the kill (lease {LEASE_SECONDS}s)"
    )
    wait_for_run_at(second.url, secret, run_id, timeout=40)
    return second, resumed


def test_kill_9_of_the_service_mid_import_then_restart_finishes_it_exactly(
    launcher: Launcher, external_db: ExternalMongo, tmp_path: Path
) -> None:
    secret = create_key(external_db)
    env = service_env(external_db, **SETTINGS)
    first = launcher.serve(tmp_path / "unused", env=env)
    planted = planted_create_file(ROWS, "crash")
    run_id = upload_to(first.url, secret, planted.content)

    written_after_checkpoint = []

    def kill() -> None:
        first.proc.send_signal(signal.SIGKILL)
        first.proc.wait(5)
        # The database survives: what the dead process wrote beyond its last checkpoint shows here.
        accounts, run = external_db.call(
            lambda db: _gather(db.accounts.count_documents({}), db.import_runs.find_one({"_id": run_id}))
        )
        written_after_checkpoint.append(accounts - run["created_count"])

    second, resumed = kill_and_resume(
        launcher,
        first,
        lambda: launcher.serve(tmp_path / "unused", env=env),
        secret,
        run_id,
        kill=kill,
    )
    print(f"the killed process had written {written_after_checkpoint[0]} accounts beyond its last checkpoint")
    assert first.proc.wait(5) == -signal.SIGKILL
    assert resumed < LEASE_SECONDS + 8, "the restarted service waited far longer than the dead worker's lease"
    check_created_exactly(external_db.uri, second.url, secret, run_id, planted)


def test_kill_9_of_the_service_and_its_embedded_database_mid_import_then_restart_finishes_it_exactly(
    launcher: Launcher, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    env = service_env(None, **SETTINGS)
    first = launcher.serve(data_dir, env=env)
    secret = first.admin_secret
    planted = planted_create_file(ROWS, "both")
    run_id = upload_to(first.url, secret, planted.content)
    child = first.embedded_pid()

    def kill_both() -> None:
        os.kill(child, signal.SIGKILL)
        os.kill(first.proc.pid, signal.SIGKILL)

    second, _ = kill_and_resume(
        launcher,
        first,
        lambda: launcher.serve(data_dir, env=env),
        secret,
        run_id,
        kill=kill_both,
    )
    assert second.admin_secret is None, "the restart lost the stored API keys"
    assert nx_pids(data_dir) == [second.embedded_pid()] and second.embedded_pid() != child
    check_created_exactly(embedded_uri(data_dir), second.url, secret, run_id, planted)


async def _gather(*awaitables):
    return await asyncio.gather(*awaitables)
