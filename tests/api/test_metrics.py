"""`GET /metrics`: Prometheus text behind the `metrics:read` scope; request and GraphQL operation
counters labelled by route template and operation name (never a raw path or a value); import
counters recorded by the import worker."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from tests.support.graphql import graphql
from tests.support.imports import import_and_wait
from tests.support.waiting import eventually

COUNT = "query CountAccounts { accounts(first: 1) { totalCount } }"
OPEN = 'mutation OpenAccount { openOrChangeAccount(input: {email: "%s"}) { created errors { code } } }'


def samples(text: str) -> dict[tuple[str, frozenset], float]:
    """Every sample of the exposition, by (sample name, labels)."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


async def scrape(client) -> dict[tuple[str, frozenset], float]:
    response = await client.get("/metrics")
    assert response.status_code == 200, response.text
    return samples(response.text)


def value(found: dict, name: str, **labels: str) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


async def test_metrics_need_a_key_with_metrics_read(anonymous, client_with) -> None:
    assert (await anonymous.get("/metrics")).status_code == 401

    reader = await client_with("accounts:read", "imports:read", "pii:read")
    forbidden = await reader.get("/metrics")
    assert forbidden.status_code == 403
    assert forbidden.json()["code"] == "FORBIDDEN"

    scraper = await client_with("metrics:read")
    response = await scraper.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    families = {family.name for family in text_string_to_metric_families(response.text)}
    assert {
        "customer_credit_http_requests",
        "customer_credit_http_request_seconds",
        "customer_credit_graphql_operations",
        "customer_credit_graphql_operation_seconds",
        "customer_credit_import_rows_processed",
        "customer_credit_import_runs_finished",
    } <= families
    # A metrics-only key reads nothing else.
    assert (await graphql(scraper, COUNT))["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_admin_keys_read_metrics(client) -> None:
    assert (await client.get("/metrics")).status_code == 200


async def test_requests_are_counted_by_route_template_method_and_status(client, client_with, anonymous) -> None:
    scraper = await client_with("metrics:read")
    before = await scrape(scraper)

    assert (await client.get("/imports/template.csv")).status_code == 200
    assert (await client.get("/imports/run-that-does-not-exist/errors.csv")).status_code == 404
    assert (await client.get("/imports/another-missing-run/errors.csv")).status_code == 404
    assert (await anonymous.get("/accounts/export.csv", params={"email": "ana@example.com"})).status_code == 401
    await graphql(client, COUNT)

    after = await scrape(scraper)
    requests = "customer_credit_http_requests_total"
    assert (
        value(after, requests, route="/imports/template.csv", method="GET", status="200")
        - value(before, requests, route="/imports/template.csv", method="GET", status="200")
        == 1
    )
    errors_csv = dict(route="/imports/{run_id}/errors.csv", method="GET", status="404")
    assert value(after, requests, **errors_csv) - value(before, requests, **errors_csv) == 2
    refused = dict(route="/accounts/export.csv", method="GET", status="401")
    assert value(after, requests, **refused) - value(before, requests, **refused) == 1
    graphql_ok = dict(route="/graphql", method="POST", status="200")
    assert value(after, requests, **graphql_ok) - value(before, requests, **graphql_ok) == 1
    # The scrape itself is a request too.
    assert value(after, requests, route="/metrics", method="GET", status="200") >= 1

    latency = "customer_credit_http_request_seconds_count"
    assert (
        value(after, latency, route="/imports/{run_id}/errors.csv", method="GET")
        - value(before, latency, route="/imports/{run_id}/errors.csv", method="GET")
        == 2
    )

    # Labels are templates and codes: never a raw path, an id or a query string's value.
    text = (await scraper.get("/metrics")).text
    for leaked in ("run-that-does-not-exist", "another-missing-run", "ana@example.com", "email="):
        assert leaked not in text


async def test_graphql_operations_are_counted_by_name_and_outcome(client, client_with) -> None:
    scraper = await client_with("metrics:read")
    reader = await client_with("accounts:read")
    before = await scrape(scraper)

    assert "errors" not in await graphql(client, COUNT)
    assert "errors" not in await graphql(client, COUNT)
    assert "errors" not in await graphql(client, OPEN % "metrics@example.com")
    denied = await graphql(reader, OPEN % "denied@example.com")
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    await graphql(client, "{ accounts(first: 1) { totalCount } }")

    after = await scrape(scraper)
    operations = "customer_credit_graphql_operations_total"

    def moved(**labels: str) -> float:
        return value(after, operations, **labels) - value(before, operations, **labels)

    assert moved(operation="CountAccounts", outcome="ok") == 2
    assert moved(operation="OpenAccount", outcome="ok") == 1
    assert moved(operation="OpenAccount", outcome="error") == 1
    assert moved(operation="anonymous", outcome="ok") == 1
    latency = "customer_credit_graphql_operation_seconds_count"
    assert value(after, latency, operation="CountAccounts") - value(before, latency, operation="CountAccounts") == 2
    assert "metrics@example.com" not in (await scraper.get("/metrics")).text


async def test_imports_count_rows_by_mode_and_finished_runs_by_status(client, client_with, worker) -> None:
    """The `worker` fixture is the service's worker with batches of 3: a run has several checkpoints."""
    scraper = await client_with("metrics:read")
    before = await scrape(scraper)
    created = await import_and_wait(
        client,
        (
            b"Id,Email,Credit Limit\n"
            b"m-1,m1@example.com,100\n"
            b"m-2,m2@example.com,200\n"
            b"m-3,not-an-email,300\n"
            b"m-4,m4@example.com,abc\n"
            b"m-5,m5@example.com,500\n"
        ),
    )
    assert created["status"] == "COMPLETED_WITH_ERRORS" and created["processedRows"] == 5

    async def create_recorded() -> None:
        after = await scrape(scraper)
        rows = "customer_credit_import_rows_processed_total"
        runs = "customer_credit_import_runs_finished_total"
        assert value(after, rows, mode="CREATE") - value(before, rows, mode="CREATE") == 5
        assert (
            value(after, runs, status="COMPLETED_WITH_ERRORS") - value(before, runs, status="COMPLETED_WITH_ERRORS")
            == 1
        )
        assert value(after, runs, status="SUCCEEDED") == value(before, runs, status="SUCCEEDED")

    await eventually(create_recorded)

    updated = await import_and_wait(client, b"Id,Credit Limit\nm-1,150\nm-2,250\nm-5,550\n", "UPDATE")
    assert updated["status"] == "SUCCEEDED" and updated["updatedCount"] == 3
    dry = await import_and_wait(client, b"Id,Credit Limit\nm-1,175\n", "UPDATE", dry_run=True)
    assert dry["status"] == "SUCCEEDED"

    async def update_recorded() -> None:
        after = await scrape(scraper)
        rows = "customer_credit_import_rows_processed_total"
        runs = "customer_credit_import_runs_finished_total"
        # Dry runs process (check) rows as well; they are counted with their mode.
        assert value(after, rows, mode="UPDATE") - value(before, rows, mode="UPDATE") == 4
        assert value(after, rows, mode="CREATE") - value(before, rows, mode="CREATE") == 5
        assert value(after, runs, status="SUCCEEDED") - value(before, runs, status="SUCCEEDED") == 2

    await eventually(update_recorded)
