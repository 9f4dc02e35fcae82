"""Crashes of the import worker, in process: `Crash` is a BaseException that nothing in the worker
handles, so the worker task dies where it is, as the process would, leaving the run RUNNING with
whatever was written so far. A crashing worker's lease is short, so a fresh worker takes over at once."""

from __future__ import annotations

import asyncio

import pytest

from customer_credit.usecases.credit import Ledgers
from customer_credit.worker.import_worker import ImportWorker
from tests.support.imports import upload_csv, wait_for_run

BATCH = 3


class Crash(BaseException):
    """The process dies here."""


def crash_on_call(n: int, original, error: BaseException | None = None):
    """Wrap an async callable so that its n-th call crashes (or raises `error`) before doing anything."""
    calls = 0

    async def wrapper(*args, **kwargs):
        nonlocal calls
        calls += 1
        if calls == n:
            raise error or Crash(f"call {n}")
        return await original(*args, **kwargs)

    return wrapper


def make_worker(
    app, *, runs=None, accounts=None, ledgers=None, batch_size=BATCH, lease_seconds=30.0, after_batch=None
) -> ImportWorker:
    """A worker over the app's repositories, or the given ones (with faults planted in them)."""
    services = app.state.services
    return ImportWorker(
        runs or services.imports,
        accounts or services.account_batches,
        ledgers or services.ledgers,
        batch_size=batch_size,
        lease_seconds=lease_seconds,
        default_credit_limit_cents=100_00,
        poll_seconds=0.02,
        after_batch=after_batch,
    )


async def queue(client, content: bytes, mode: str, kind: str | None = None) -> str:
    payload = (await upload_csv(client, content, mode, kind=kind))["data"]["importCsv"]
    assert payload["errors"] == [], payload
    return payload["importRun"]["id"]


async def crash(worker: ImportWorker) -> None:
    """Run the worker until its crash."""
    worker.start()
    with pytest.raises(Crash):
        await asyncio.wait_for(worker.task, 30)


async def resume(client, app, run_id: str, **options) -> dict:
    fresh = make_worker(app, **options)
    fresh.start()
    try:
        return await wait_for_run(client, run_id)
    finally:
        await fresh.stop()


def ledgers_over(app, ledger):
    """The worker's `ledgers` factory over `ledger`, a LedgerRepository with faults planted in it."""
    services = app.state.services

    async def ledgers() -> Ledgers:
        return Ledgers(ledger, services.accounts, await services.store_settings.get())

    return ledgers
