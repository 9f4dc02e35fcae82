"""Imports: the upload mutation and the run query, uploading a file, waiting for its run to end, and
reading its counts. In process (an httpx client of the ASGI app, async) or over HTTP to a running
service (`upload_to`, `run_at`, `wait_for_run_at`, sync)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

import httpx

from .graphql import gql_data, graphql, payload_of

IMPORT_CSV = """
mutation Import($file: Upload!, $mode: ImportMode!, $dryRun: Boolean! = false, $kind: ImportKind) {
  importCsv(file: $file, mode: $mode, dryRun: $dryRun, kind: $kind) {
    importRun { id status totalRows fileName fileSize fileSha256 dryRun mode kind }
    errors { code message }
  }
}
"""

IMPORT_RUN = """
query Run($id: ID!) {
  importRun(id: $id) {
    id status mode kind dryRun totalRows processedRows createdCount updatedCount unchangedCount failedCount
    createdAt startedAt finishedAt errorReportUrl
    errors(first: 100) { totalCount nodes { row column code message accountId } }
  }
}
"""

# What polling needs, light enough to ask many times a second of a service under load.
IMPORT_RUN_PROGRESS = """
query RunProgress($id: ID!) {
  importRun(id: $id) {
    id status totalRows processedRows createdCount updatedCount unchangedCount failedCount
    errors(first: 1) { totalCount }
  }
}
"""

IMPORT_RUNS_TOTAL = """
query ImportRunsTotal { importRuns(first: 0) { totalCount } }
"""

TERMINAL = {"SUCCEEDED", "COMPLETED_WITH_ERRORS", "FAILED"}
COUNTS = ("totalRows", "processedRows", "createdCount", "updatedCount", "unchangedCount", "failedCount")


def ended(run: dict[str, Any]) -> bool:
    return run["status"] in TERMINAL


def counts(run: dict[str, Any]) -> dict[str, int]:
    return {name: run[name] for name in COUNTS}


def error_triples(run: dict) -> list[tuple[int, str | None, str]]:
    """(row, column, code) of each row error, in row order."""
    return [(e["row"], e["column"], e["code"]) for e in run["errors"]["nodes"]]


def upload_request(
    content: bytes,
    mode: str = "CREATE",
    *,
    dry_run: bool = False,
    filename: str = "accounts.csv",
    kind: str | None = None,
) -> dict[str, Any]:
    """The keyword arguments of an httpx POST to /graphql that uploads `content` (the GraphQL
    multipart request spec, with the CSRF preflight header); `kind` None sends null: an account import."""
    variables = {"file": None, "mode": mode, "dryRun": dry_run, "kind": kind}
    operations = {"query": IMPORT_CSV, "variables": variables}
    return {
        "data": {"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.file"]})},
        "files": {"0": (filename, content, "text/csv")},
        "headers": {"Apollo-Require-Preflight": "true"},
    }


# --- in process -----------------------------------------------------------------------------------


async def upload_csv(
    client: httpx.AsyncClient,
    content: bytes,
    mode: str = "CREATE",
    *,
    dry_run: bool = False,
    filename: str = "accounts.csv",
    kind: str | None = None,
) -> dict:
    """The JSON answer to the upload."""
    request = upload_request(content, mode, dry_run=dry_run, filename=filename, kind=kind)
    response = await client.post("/graphql", **request)
    assert response.status_code == 200, response.text
    return response.json()


async def wait_for_run(client: httpx.AsyncClient, run_id: str, timeout: float = 30.0) -> dict:
    """The run once it has ended."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        run = payload_of(await graphql(client, IMPORT_RUN, id=run_id), "importRun")
        if ended(run):
            return run
        assert asyncio.get_running_loop().time() < deadline, f"run {run_id} still {run['status']}"
        await asyncio.sleep(0.05)


async def import_and_wait(client: httpx.AsyncClient, content: bytes, mode: str = "CREATE", **kwargs) -> dict:
    """Upload a file that must be queued, and return its run once it has ended."""
    payload = (await upload_csv(client, content, mode, **kwargs))["data"]["importCsv"]
    assert payload["errors"] == [], payload
    return await wait_for_run(client, payload["importRun"]["id"])


async def import_runs_total(client: httpx.AsyncClient) -> int:
    return payload_of(await graphql(client, IMPORT_RUNS_TOTAL), "importRuns")["totalCount"]


# --- over HTTP, to a service running as a process ---------------------------------------------------


def upload_to(
    url: str,
    secret: str,
    content: bytes,
    mode: str = "CREATE",
    filename: str = "accounts.csv",
    kind: str | None = None,
) -> str:
    """Upload a file that must be queued; the run's id."""
    request = upload_request(content, mode, filename=filename, kind=kind)
    request["headers"]["Authorization"] = f"Bearer {secret}"
    response = httpx.post(url + "/graphql", **request, timeout=60)
    assert response.status_code == 200, response.text
    payload = response.json()["data"]["importCsv"]
    assert payload["errors"] == [], payload
    return payload["importRun"]["id"]


def run_at(url: str, secret: str, run_id: str) -> dict[str, Any]:
    return gql_data(url, secret, IMPORT_RUN_PROGRESS, {"id": run_id})["importRun"]


def wait_for_run_at(
    url: str,
    secret: str,
    run_id: str,
    timeout: float = 45,
    until: Callable[[dict[str, Any]], bool] = ended,
) -> dict[str, Any]:
    """Poll the run until `until(run)` (by default: it ended); return it."""
    deadline = time.monotonic() + timeout
    while True:
        run = run_at(url, secret, run_id)
        if until(run):
            return run
        assert time.monotonic() < deadline, f"run {run_id} still {run} after {timeout}s"
        time.sleep(0.05)
