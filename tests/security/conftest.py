"""What the security tests share.

They run on mongomock only: what they check (limits, masking, logs, parsing) happens above the
database, and the API tests already run every operation on the embedded server too.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest

from customer_credit.observability.logs import JsonFormatter


@pytest.fixture
def backend() -> str:
    return "mongomock"


def error_codes(result: dict) -> list[str | None]:
    """The `extensions.code` of each top-level GraphQL error."""
    return [error.get("extensions", {}).get("code") for error in result.get("errors", [])]


# The test's own HTTP client logs the URLs it calls; that is the caller's log, not the service's.
CLIENT_SIDE_LOGGERS = ("httpx", "httpcore")


class JsonLines(logging.Handler):
    """Every record the service writes, formatted by the production formatter as it is emitted
    (so the request id is the one in force), one string per line."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(JsonFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if not record.name.startswith(CLIENT_SIDE_LOGGERS):
            self.lines.append(self.format(record))

    def entries(self, logger: str | None = None) -> list[dict]:
        parsed = [json.loads(line) for line in self.lines]
        return [entry for entry in parsed if logger is None or entry["logger"] == logger]


@pytest.fixture
def json_log(caplog) -> Iterator[JsonLines]:
    """The service's log as JSON lines, from DEBUG up (caplog lowers the levels and restores them)."""
    caplog.set_level(logging.DEBUG)
    handler = JsonLines()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
