"""Two service processes on one database (MONGODB_URI to a shared server), as when a deployment
runs several replicas: every import run is processed by exactly one worker at a time; when the
process holding a run dies, the other takes the run over once its lease expires and finishes it
exactly; and a process that was only paused past its lease (SIGSTOP: a long GC pause, a VM stall)
must not spoil the run when it wakes up.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from tests.support.csv_files import planted_create_file
from tests.support.imports import upload_to, wait_for_run_at
from tests.support.processes import ExternalMongo, Launcher, Serve, create_key, main_thread_state, service_env
from tests.support.served import check_created_exactly, check_runs_created_exactly, lease_holder_pid, run_document
from tests.support.waiting import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]

LEASE_SECONDS = 3


def two_services(launcher: Launcher, db: ExternalMongo, tmp_path: Path, **settings: str) -> tuple[Serve, Serve]:
    env = service_env(db, **settings)
    return launcher.serve(tmp_path / "unused", env=env), launcher.serve(tmp_path / "unused", env=env)


def worker_log(serve: Serve, run_id: str) -> list[str]:
    """What this process's import worker said about the run."""
    return [
        entry["message"]
        for entry in serve.log()
        if entry.get("logger") == "customer_credit.imports" and run_id in entry.get("message", "")
    ]


def test_queued_imports_are_each_processed_by_exactly_one_of_two_processes(
    launcher: Launcher, external_db: ExternalMongo, tmp_path: Path
) -> None:
    secret = create_key(external_db)
    services = two_services(
        launcher, external_db, tmp_path, IMPORT_BATCH_SIZE="100", IMPORT_LEASE_SECONDS=str(LEASE_SECONDS)
    )
    files = [planted_create_file(700, f"q{n}") for n in range(6)]
    # Queued together, alternately through each process.
    runs = {
        upload_to(services[n % 2].url, secret, file.content, filename=f"q{n}.csv"): file for n, file in enumerate(files)
    }
    for run_id in runs:
        wait_for_run_at(services[0].url, secret, run_id, timeout=40)

    check_runs_created_exactly(external_db.uri, services[0].url, secret, runs)
    processed_by = {0: 0, 1: 0}
    for run_id in runs:
        said = [worker_log(serve, run_id) for serve in services]
        finishers = [n for n in (0, 1) if any("finished" in message for message in said[n])]
        assert len(finishers) == 1, f"run {run_id}: {said}"
        assert not any("taken over" in message or "paused" in message for messages in said for message in messages), (
            said
        )
        processed_by[finishers[0]] += 1
    print(f"\nruns finished by each process: {processed_by}")
    assert all(processed_by.values()), "one process did all the work: the test did not share the runs"


def test_kill_9_of_the_process_running_an_import_hands_it_to_the_other_after_the_lease(
    launcher: Launcher, external_db: ExternalMongo, tmp_path: Path
) -> None:
    secret = create_key(external_db)
    services = two_services(
        launcher, external_db, tmp_path, IMPORT_BATCH_SIZE="250", IMPORT_LEASE_SECONDS=str(LEASE_SECONDS)
    )
    planted = planted_create_file(5000, "takeover")
    run_id = upload_to(services[0].url, secret, planted.content)
    at_kill = wait_for_run_at(
        services[0].url, secret, run_id, until=lambda run: run["processedRows"] >= 750, timeout=20
    )

    holder = next(serve for serve in services if serve.proc.pid == lease_holder_pid(external_db, run_id))
    survivor = next(serve for serve in services if serve is not holder)
    holder.proc.send_signal(signal.SIGKILL)
    killed = time.monotonic()
    assert holder.proc.wait(5) == -signal.SIGKILL
    checkpointed = wait_for_run_at(survivor.url, secret, run_id, until=lambda run: True)
    assert checkpointed["status"] == "RUNNING" and checkpointed["processedRows"] >= at_kill["processedRows"]

    wait_for_run_at(
        survivor.url,
        secret,
        run_id,
        until=lambda run: run["processedRows"] > checkpointed["processedRows"],
        timeout=LEASE_SECONDS + 10,
    )
    took_over = time.monotonic() - killed
    print(
        f"\nkilled at {checkpointed['processedRows']} checkpointed rows; "
        f"the other process moved the run on {took_over:.2f}s later (lease {LEASE_SECONDS}s, poll 1s)"
    )
    assert took_over < LEASE_SECONDS + 5
    assert lease_holder_pid(external_db, run_id) == survivor.proc.pid

    wait_for_run_at(survivor.url, secret, run_id, timeout=40)
    check_created_exactly(external_db.uri, survivor.url, secret, run_id, planted)
    assert any("finished" in message for message in worker_log(survivor, run_id))


def taken_over(serve: Serve, run_id: str) -> int:
    """How many times this process's worker found the run taken over by the other."""
    return sum("taken over" in message for message in worker_log(serve, run_id))


def freeze_while_computing(
    db: ExternalMongo, run_id: str, services: tuple[Serve, Serve], *, timeout: float = 10, busy_for: float = 0.003
) -> Serve:
    """SIGSTOP the process holding the run once its main thread has been running Python code (rather
    than waiting on the database) for `busy_for` seconds, and return it: almost always while it reads,
    checks and plans a batch, before that batch's lookups and writes (its longest stretch of work)."""
    deadline = time.monotonic() + timeout
    holder, looked_up, busy_since = services[0], 0.0, None
    while True:
        assert time.monotonic() < deadline, "the worker holding the run never ran"
        if time.monotonic() - looked_up > 0.1:  # the holder changes when a lease is taken over
            pid = lease_holder_pid(db, run_id)
            holder, looked_up = next(serve for serve in services if serve.proc.pid == pid), time.monotonic()
        if main_thread_state(holder.proc.pid) != "R":
            busy_since = None
        elif busy_since is None:
            busy_since = time.monotonic()
        elif time.monotonic() - busy_since >= busy_for:
            os.kill(holder.proc.pid, signal.SIGSTOP)
            return holder
        time.sleep(0.0002)


FREEZES = 3
ROWS, BATCH = 40_000, 250  # the run must outlast the freezes: 20,000 rows once ended after one (CI, 2026-12-02)


def test_a_worker_frozen_past_its_lease_and_then_resumed_does_not_corrupt_the_run(
    launcher: Launcher, external_db: ExternalMongo, tmp_path: Path
) -> None:
    """SIGSTOP (a long GC pause, a VM stall) of the process holding a run, in the middle of a batch,
    for longer than its lease: the other process takes the run over and gets past that batch; when
    the frozen one wakes up, it must notice it lost the run and write nothing that changes the
    outcome. Done FREEZES times in one run, each time to whichever process holds it then. (Until
    ImportRunner.record checked the lease before storing row errors, the woken worker stored
    ACCOUNT_EXISTS/EMAIL_IN_USE errors for rows the new owner had created.)"""
    secret = create_key(external_db)
    services = two_services(launcher, external_db, tmp_path, IMPORT_BATCH_SIZE=str(BATCH), IMPORT_LEASE_SECONDS="2")
    planted = planted_create_file(ROWS, "frozen")
    run_id = upload_to(services[0].url, secret, planted.content)
    wait_for_run_at(services[0].url, secret, run_id, until=lambda run: run["processedRows"] >= BATCH, timeout=20)

    freezes = 0
    # Each freeze costs the run about two batches; one is not started without four batches to go.
    while (
        freezes < FREEZES
        and (state := run_document(external_db, run_id))["status"] == "RUNNING"
        and state["processed_rows"] <= ROWS - 4 * BATCH
    ):
        freezes += 1
        holder = freeze_while_computing(external_db, run_id, services)
        other = next(serve for serve in services if serve is not holder)
        before = taken_over(holder, run_id)
        try:
            frozen_at = run_document(external_db, run_id)["processed_rows"]
            # Followed through the other process, which takes the run over and passes the frozen batch.
            wait_for_run_at(
                other.url,
                secret,
                run_id,
                timeout=20,
                until=lambda run: (
                    run["status"] != "RUNNING"
                    or (
                        run["processedRows"] >= frozen_at + 2 * BATCH  # noqa: B023 (polled in this iteration)
                        and lease_holder_pid(external_db, run_id) == other.proc.pid  # noqa: B023
                    )
                ),
            )
        finally:
            holder.proc.send_signal(signal.SIGCONT)
        # The race happened: the other process took the run over while this one was frozen (awaited
        # above), and the woken worker finds out that it lost the run, rather than writing on.
        wait_until(
            lambda: taken_over(holder, run_id) > before,  # noqa: B023 (polled in this iteration)
            15,
            f"the worker frozen at {frozen_at} rows to notice it lost the run",
        )
    assert freezes >= 2, f"the run ended before the test could freeze its workers: {state}"
    wait_for_run_at(services[0].url, secret, run_id, timeout=40)
    print(f"\n{freezes} freezes; the workers said: {[worker_log(serve, run_id) for serve in services]}")
    check_created_exactly(external_db.uri, services[0].url, secret, run_id, planted)
    assert all(serve.proc.poll() is None for serve in services)
