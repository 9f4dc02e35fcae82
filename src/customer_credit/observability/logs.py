"""JSON log lines on stderr, with the request id and a redaction pass over free text."""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from contextvars import ContextVar
from typing import Any

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
# What the GraphQL layer learns about a request, for its access-log line: a dict shared by
# reference, so a value set deeper in the request is seen by the middleware that set it up.
request_notes: ContextVar[dict[str, Any] | None] = ContextVar("request_notes", default=None)

# uvicorn adds `color_message` (the message with ANSI colours) to its records.
RESERVED = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "color_message"}


# Defence in depth for free text (messages, tracebacks): a driver or library message may quote
# a value (a duplicate-key error quotes the key). Structured fields are written by this code
# and carry no such values; `key_name` is an administrator-chosen label and is kept.
REDACTIONS = (
    (re.compile(r"[^\s@\"'<>(){}\[\],;:]+@[^\s@\"'<>(){}\[\],;:]+\.[^\s@\"'<>(){}\[\],;:]+"), "<email>"),
    (re.compile(r"\bcc_[A-Za-z0-9_-]{8,}"), "<secret>"),
    (re.compile(r"(?i)\b(bearer)\s+\S+"), r"\1 <secret>"),
    (re.compile(r"(?<![\w.-])\d{3}\.?\d{3}\.?\d{3}-?\d{2}(?![\w-])"), "<document>"),
    (re.compile(r"(?<![\w./-])[0-9A-Z]{2}\.?[0-9A-Z]{3}\.?[0-9A-Z]{3}/?[0-9A-Z]{4}-?\d{2}(?![\w-])"), "<document>"),
)


def redact(text: str) -> str:
    for pattern, replacement in REDACTIONS:
        text = pattern.sub(replacement, text)
    return text


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, and the record's extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
            "request_id": request_id.get(),
        }
        entry.update({k: v for k, v in record.__dict__.items() if k not in RESERVED and not k.startswith("_")})
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        elif record.exc_text:
            entry["exception"] = redact(record.exc_text)
        return json.dumps(entry, default=str, ensure_ascii=False)


def configure_logging(level: str = "INFO") -> None:
    """JSON lines on stderr for every logger, uvicorn's included; uvicorn's own access log is
    silenced (it prints the raw path with its query string, which may hold an email):
    `AccessLogMiddleware` logs each request instead."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").handlers[:] = []
    logging.getLogger("uvicorn.access").propagate = False
    logging.getLogger("uvicorn.access").disabled = True


def uvicorn_log_config(level: str = "INFO") -> dict[str, Any]:
    """For `uvicorn.Config(log_config=...)`: the same JSON lines, uvicorn's access log off."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
        "root": {"handlers": ["stderr"], "level": level.upper()},
        "loggers": {
            "uvicorn": {"handlers": [], "propagate": True},
            "uvicorn.error": {"handlers": [], "propagate": True},
            "uvicorn.access": {"handlers": [], "propagate": False, "level": "CRITICAL"},
        },
    }
