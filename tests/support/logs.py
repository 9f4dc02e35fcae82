"""The service's log as JSON lines, as the production formatter writes them."""

from __future__ import annotations

import json
import logging

from customer_credit.observability.logs import JsonFormatter

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
