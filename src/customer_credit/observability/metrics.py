"""The service's Prometheus metrics."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest


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
            "customer_credit_graphql_operation_seconds",
            "GraphQL operation latency",
            ["operation"],
            registry=self.registry,
        )
        self.import_rows = Counter(
            "customer_credit_import_rows_processed", "CSV rows processed by imports", ["mode"], registry=self.registry
        )
        self.import_runs = Counter(
            "customer_credit_import_runs_finished",
            "Import runs finished, by final status",
            ["status"],
            registry=self.registry,
        )
        self.database_errors = Counter(
            "customer_credit_database_errors",
            "Operations failed because the database was unavailable",
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
