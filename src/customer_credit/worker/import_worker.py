"""The background worker that claims import runs and processes them.

One worker per service process. Runs are claimed through a lease in the
database, so several processes can share one database: each run is processed
by one worker at a time, and a dead worker's run is taken over once its
lease expires. A transient database outage pauses the worker; it never marks
a run FAILED for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable

from customer_credit.domain.clock import now_ms
from customer_credit.domain.imports import ImportRun, ImportStatus
from customer_credit.observability.metrics import Metrics
from customer_credit.persistence.account_batches import AccountBatchRepository
from customer_credit.persistence.database import ConnectionLost, DatabaseError
from customer_credit.persistence.imports import ImportRunRepository
from customer_credit.usecases.credit import Ledgers
from customer_credit.worker.runner import ImportRunner, LeaseLost, RunInterrupted

logger = logging.getLogger("customer_credit.imports")


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class ImportWorker:
    def __init__(
        self,
        runs: ImportRunRepository,
        accounts: AccountBatchRepository,
        ledgers: Callable[[], Awaitable[Ledgers]],
        *,
        batch_size: int,
        lease_seconds: float,
        default_credit_limit_cents: int,
        poll_seconds: float = 1.0,
        after_batch: Callable[[ImportRun], Awaitable[object]] | None = None,
        metrics: Metrics | None = None,
    ):
        self.runs = runs
        self.metrics = metrics
        self.owner = worker_name()
        self.lease_ms = int(lease_seconds * 1000)
        self.poll_seconds = poll_seconds
        self.runner = ImportRunner(
            runs,
            accounts,
            ledgers,
            owner=self.owner,
            batch_size=batch_size,
            lease_ms=self.lease_ms,
            default_credit_limit_cents=default_credit_limit_cents,
            after_batch=after_batch,
            should_stop=lambda: self.stopping,
            metrics=metrics,
        )
        self.wakeup = asyncio.Event()
        self.task: asyncio.Task | None = None
        self.current: str | None = None
        self.stopping = False

    def start(self) -> None:
        self.stopping = False
        self.task = asyncio.create_task(self.loop(), name="import-worker")

    def wake(self) -> None:
        """A new run was queued in this process: look now rather than at the next poll."""
        self.wakeup.set()

    async def stop(self, grace_seconds: float = 0.5) -> None:
        """Stop after the current batch's checkpoint and hand the run back at once.

        A batch that does not end within `grace_seconds` is cancelled where it is, like a crash:
        the run resumes from its last checkpoint and recognises the rows already written. The grace
        is short so that `serve` exits within 3 s of SIGTERM whatever the batch size.
        """
        if self.task is None:
            return
        self.stopping = True
        self.wakeup.set()
        current = None
        done, _ = await asyncio.wait({self.task}, timeout=grace_seconds)
        if not done:
            current = self.current  # captured before the cancellation clears it
            self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task
        if current is not None:
            with contextlib.suppress(DatabaseError):
                await self.runs.release(current, self.owner)
            logger.info("import run %s cut mid-batch and handed back: the worker is stopping", current)
        self.task = None

    async def loop(self) -> None:
        backoff = self.poll_seconds
        while not self.stopping:
            try:
                run = await self.runs.claim(self.owner, now_ms=now_ms(), lease_ms=self.lease_ms)
                backoff = self.poll_seconds
            except ConnectionLost as exc:
                logger.warning("import worker paused: database unavailable (%s)", type(exc).__name__)
                run, backoff = None, min(backoff * 2, 10.0)
            except Exception:
                # Any other error (a failed command, say) must not end the worker: it would leave every
                # queued run waiting for a restart. Log it and try again after a pause.
                logger.exception("import worker could not claim a run")
                run, backoff = None, min(backoff * 2, 10.0)
            if run is not None and self.stopping:
                with contextlib.suppress(DatabaseError):
                    await self.runs.release(run.id, self.owner)
                return
            if run is None:
                self.wakeup.clear()
                if self.stopping:
                    return
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self.wakeup.wait(), backoff)
                continue
            await self.process(run)

    def count_finished(self, status: ImportStatus) -> None:
        if self.metrics is not None:
            self.metrics.import_runs.labels(status.value).inc()

    async def process(self, run: ImportRun) -> None:
        self.current = run.id
        try:
            status = await self.runner.run(run)
            logger.info("import run %s finished: %s", run.id, status.value)
            self.count_finished(status)
        except LeaseLost:
            logger.warning("import run %s was taken over by another worker", run.id)
        except RunInterrupted:
            logger.info("import run %s handed back at its checkpoint: the worker is stopping", run.id)
            with contextlib.suppress(DatabaseError):
                await self.runs.release(run.id, self.owner)
        except ConnectionLost as exc:
            # Transient: the lease expires (or this worker re-claims it) and the run resumes from its checkpoint.
            logger.warning("import run %s paused: database unavailable (%s)", run.id, type(exc).__name__)
            await asyncio.sleep(self.poll_seconds)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("import run %s failed", run.id)
            finished = False
            with contextlib.suppress(DatabaseError):
                finished = await self.runs.finish(
                    run.id,
                    self.owner,
                    status=ImportStatus.FAILED,
                    counters=None,
                    now_ms=now_ms(),
                    failure="The import stopped on an unexpected error; see the service log.",
                )
            if finished:
                self.count_finished(ImportStatus.FAILED)
        finally:
            self.current = None
