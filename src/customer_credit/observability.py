"""Structured logs and Prometheus metrics.

Logs are one JSON object per line. They never carry an email, a document, a
secret or a query string: the access log names the route's path template and
the caller's key *name*, and GraphQL operations are logged by operation name.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import SchemaExtension

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
# What the GraphQL layer learns about a request, for its access-log line: a dict shared by
# reference, so a value set deeper in the request is seen by the middleware that set it up.
request_notes: ContextVar[dict[str, Any] | None] = ContextVar("request_notes", default=None)
access_logger = logging.getLogger("customer_credit.access")
operation_logger = logging.getLogger("customer_credit.graphql")

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


class Metrics:
    """The service's metrics, in a registry of its own (one per app, so tests don't share counters)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.operation_names: set[str] = set()
        self.requests = Counter(
            "customer_credit_http_requests", "HTTP requests", ["route", "method", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "customer_credit_http_request_seconds", "HTTP request latency", ["route", "method"], registry=self.registry
        )
        self.operations = Counter(
            "customer_credit_graphql_operations", "GraphQL operations", ["operation", "outcome"], registry=self.registry
        )
        self.operation_latency = Histogram(
            "customer_credit_graphql_operation_seconds", "GraphQL operation latency", ["operation"], registry=self.registry
        )
        self.import_rows = Counter(
            "customer_credit_import_rows_processed", "CSV rows processed by imports", ["mode"], registry=self.registry
        )
        self.import_runs = Counter(
            "customer_credit_import_runs_finished", "Import runs finished, by final status", ["status"],
            registry=self.registry,
        )
        self.database_errors = Counter(
            "customer_credit_database_errors", "Operations failed because the database was unavailable",
            registry=self.registry,
        )

    # Operation names are chosen by clients: past this many distinct ones, the rest are counted
    # as "other", so that nobody can grow the registry (and /metrics) without bound.
    MAX_OPERATION_LABELS = 200

    def operation_label(self, name: str) -> str:
        if name not in self.operation_names and len(self.operation_names) >= self.MAX_OPERATION_LABELS:
            return "other"
        self.operation_names.add(name)
        return name

    def render(self) -> bytes:
        return generate_latest(self.registry)


def route_template(scope: Scope) -> str:
    """The matched route's path template (`/imports/{run_id}/errors.csv`), never the raw path.

    A request refused before routing (a 401, a 413) has no route in its scope yet: the app's
    routes are matched against it here, so its line still names the route it was meant for."""
    route = scope.get("route")
    if route is None:
        for candidate in getattr(scope.get("app"), "routes", ()):
            try:
                match, _ = candidate.matches(scope)
            except Exception:  # a route that cannot judge this scope does not name it
                continue
            if match is Match.FULL:
                route = candidate
                break
    return getattr(route, "path", None) or "unmatched"


def outcome_of(status: int) -> str:
    if status < 400:
        return "ok"
    return "client_error" if status < 500 else "server_error"


class AccessLogMiddleware:
    """One line per HTTP request: method, route template, status, duration, key name, and for
    GraphQL the operation's name and outcome. Never the raw path, query string or body."""

    def __init__(self, app: ASGIApp, metrics: Metrics):
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = uuid.uuid4().hex
        token = request_id.set(rid)
        notes: dict[str, Any] = {}
        notes_token = request_notes.set(notes)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", []).append((b"x-request-id", rid.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = route_template(scope)
            caller = scope.get("state", {}).get("caller")
            self.metrics.requests.labels(route, scope["method"], str(status)).inc()
            self.metrics.latency.labels(route, scope["method"]).observe(elapsed)
            outcome = outcome_of(status)
            if outcome == "ok" and notes.get("outcome"):
                outcome = notes["outcome"]
            access_logger.log(
                logging.ERROR if status >= 500 else logging.INFO,
                "request",
                extra={
                    "method": scope["method"],
                    "route": route,
                    "status": status,
                    "operation": notes.get("operation"),
                    "outcome": outcome,
                    "duration_ms": round(elapsed * 1000, 2),
                    "key_name": caller.name if caller else None,
                },
            )
            request_notes.reset(notes_token)
            request_id.reset(token)


OPERATION_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,99}")


def operation_name(context: Any) -> str:
    """The operation's name as the document declares it; a client-sent name that is not a
    GraphQL name (it could be any text) is never logged."""
    try:
        name = context.operation_name
    except Exception:  # strawberry derives it from the document, which may not have parsed
        name = None
    if not name:
        return "anonymous"
    return name if isinstance(name, str) and OPERATION_NAME.fullmatch(name) else "invalid"


class OperationLog(SchemaExtension):
    """One log line and one metric sample per GraphQL operation: its name, outcome and duration."""

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        yield
        elapsed = time.perf_counter() - started
        context = self.execution_context
        name = operation_name(context)
        result = context.result
        errors = getattr(result, "errors", None) or []
        codes = sorted({str((e.extensions or {}).get("code", "GRAPHQL_ERROR")) for e in errors})
        outcome = "ok" if not errors else ",".join(codes)
        caller = getattr(context.context, "caller", None)
        services = getattr(context.context, "services", None)
        metrics = getattr(services, "metrics", None)
        if metrics is not None:
            label = metrics.operation_label(name)
            metrics.operations.labels(label, "ok" if not errors else "error").inc()
            metrics.operation_latency.labels(label).observe(elapsed)
            if "DATABASE_UNAVAILABLE" in codes:
                metrics.database_errors.inc()
        notes = request_notes.get()
        if notes is not None:
            notes["operation"], notes["outcome"] = name, outcome
        operation_logger.log(
            logging.ERROR if "INTERNAL_SERVER_ERROR" in codes else logging.INFO,
            "graphql operation",
            extra={
                "operation": name,
                "outcome": outcome,
                "duration_ms": round(elapsed * 1000, 2),
                "key_name": caller.name if caller else None,
            },
        )
