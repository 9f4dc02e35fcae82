"""Waiting on a condition by polling it: never a fixed sleep standing in for "long enough"."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any


def wait_until(
    predicate: Callable[[], Any], timeout: float, what: str = "the condition", interval: float = 0.05
) -> float:
    """Poll until predicate() is true; return how long it took. Fails the test after `timeout` seconds."""
    started = time.monotonic()
    while not predicate():
        assert time.monotonic() - started < timeout, f"timed out after {timeout}s waiting for {what}"
        time.sleep(interval)
    return time.monotonic() - started


async def eventually(check: Callable[[], Awaitable[None]], timeout: float = 5.0, interval: float = 0.02) -> None:
    """Await check() until it stops raising AssertionError; after `timeout` seconds its last failure stands."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        try:
            await check()
            return
        except AssertionError:
            if asyncio.get_running_loop().time() > deadline:
                raise
        await asyncio.sleep(interval)
