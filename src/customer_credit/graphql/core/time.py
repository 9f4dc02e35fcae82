"""Stored epoch milliseconds as the DateTime the schema shows."""

from __future__ import annotations

from datetime import UTC, datetime


def from_epoch_ms(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1000, tz=UTC)
