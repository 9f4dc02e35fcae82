"""Structured logs and Prometheus metrics.

Logs are one JSON object per line. They never carry an email, a document, a
secret or a query string: the access log names the route's path template and
the caller's key *name*, and GraphQL operations are logged by operation name.
"""

from __future__ import annotations

import json
import logging
import sys
import time
import uuid
from collections.abc import Iterator
from contextvars import ContextVar

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import SchemaExtension

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
access_logger = logging.getLogger("customer_credit.access")
operation_logger = logging.getLogger("customer_credit.graphql")

RESERVED = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": request_id.get(),
        }
        entry.update({k: v for k, v in record.__dict__.items() if k not in RESERVED and not k.startswith("_")})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())


class Metrics:
    """The service's metrics, in a registry of its own (one per app, so tests don't share counters)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
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

    def render(self) -> bytes:
        return generate_latest(self.registry)


def route_template(scope: Scope) -> str:
    """The matched route's path template (`/imports/{run_id}/errors.csv`), never the raw path."""
    route = scope.get("route")
    return getattr(route, "path", None) or "unmatched"


class AccessLogMiddleware:
    def __init__(self, app: ASGIApp, metrics: Metrics):
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = uuid.uuid4().hex
        token = request_id.set(rid)
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
            access_logger.info(
                "request",
                extra={
                    "method": scope["method"],
                    "route": route,
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 2),
                    "key_name": caller.name if caller else None,
                },
            )
            request_id.reset(token)


class OperationLog(SchemaExtension):
    """One log line and one metric sample per GraphQL operation: its name, outcome and duration."""

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        yield
        elapsed = time.perf_counter() - started
        context = self.execution_context
        name = context.operation_name or "anonymous"
        result = context.result
        errors = getattr(result, "errors", None) or []
        codes = sorted({(e.extensions or {}).get("code", "GRAPHQL_ERROR") for e in errors})
        outcome = "ok" if not errors else ",".join(codes)
        caller = getattr(context.context, "caller", None)
        services = getattr(context.context, "services", None)
        metrics = getattr(services, "metrics", None)
        if metrics is not None:
            metrics.operations.labels(name, "ok" if not errors else "error").inc()
            metrics.operation_latency.labels(name).observe(elapsed)
            if "DATABASE_UNAVAILABLE" in codes:
                metrics.database_errors.inc()
        operation_logger.info(
            "graphql operation",
            extra={
                "operation": name,
                "outcome": outcome,
                "duration_ms": round(elapsed * 1000, 2),
                "key_name": caller.name if caller else None,
            },
        )
