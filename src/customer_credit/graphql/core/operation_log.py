"""One log line and one metric sample per GraphQL operation."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from typing import Any

from strawberry.extensions import SchemaExtension

from customer_credit.observability.logs import request_notes

operation_logger = logging.getLogger("customer_credit.graphql")

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
