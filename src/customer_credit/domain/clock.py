"""The time the service stamps on what it writes: integer epoch milliseconds, UTC."""

from __future__ import annotations

import time


def now_ms() -> int:
    return int(time.time() * 1000)
