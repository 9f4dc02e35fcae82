"""The background pass over the credit ledger, every few seconds in each serving process:
releases holds past their expiry (so they leave `heldCredit` within a minute), writes the
documents of operations a crash left pending, and forgets idempotency keys past their time.
Every second between passes it flushes the invoice totals' changes (`persistence/invoice_totals.py`),
so that a read of the totals has few to add up.

Every step is a conditional write, so several processes on one database may sweep at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from customer_credit.persistence.database import ConnectionLost, DatabaseError
from customer_credit.persistence.ledger import LedgerRepository
from customer_credit.usecases.credit import flush_invoice_totals, sweep

logger = logging.getLogger("customer_credit.credit")

SWEEP_SECONDS = 15.0
FLUSH_SECONDS = 1.0


class CreditSweeper:
    def __init__(
        self, ledger: LedgerRepository, *, every_seconds: float = SWEEP_SECONDS, flush_seconds: float = FLUSH_SECONDS
    ):
        self.ledger = ledger
        self.every_seconds = every_seconds
        self.flush_seconds = flush_seconds
        self.task: asyncio.Task[None] | None = None
        self.stopped = asyncio.Event()

    def start(self) -> None:
        self.stopped.clear()
        self.task = asyncio.create_task(self.loop(), name="credit-sweeper")

    async def stop(self) -> None:
        if self.task is None:
            return
        self.stopped.set()
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task
        self.task = None

    async def loop(self) -> None:
        next_sweep = 0.0
        while not self.stopped.is_set():
            try:
                if time.monotonic() >= next_sweep:
                    next_sweep = time.monotonic() + self.every_seconds
                    released = await sweep(self.ledger)
                    if released:
                        logger.info("released %d expired holds", released)
                await flush_invoice_totals(self.ledger)
            except ConnectionLost as exc:
                logger.warning("credit sweep paused: database unavailable (%s)", type(exc).__name__)
            except DatabaseError:
                logger.exception("credit sweep failed; trying again later")
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.stopped.wait(), min(self.flush_seconds, self.every_seconds))
