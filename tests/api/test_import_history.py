"""The import history: `importRuns` newest first, filtered and paged; `importRun(id)`; a run's `errors`
connection; and the scopes that guard them."""

from __future__ import annotations

import hashlib
from datetime import datetime

import pytest

from customer_credit.persistence import database as collections
from tests.support.csv_files import csv_file, row
from tests.support.graphql import error_codes, graphql
from tests.support.imports import IMPORT_RUN, import_and_wait, import_runs_total, upload_csv

IMPORT_RUNS = """
query Runs($first: Int, $after: String, $filter: ImportRunFilter) {
  importRuns(first: $first, after: $after, filter: $filter) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id fileName status mode dryRun } }
  }
}
"""

RUN_ERRORS = """
query RunErrors($id: ID!, $first: Int, $after: String) {
  importRun(id: $id) {
    errors(first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { row column code message accountId } }
    }
  }
}
"""

GOOD = csv_file([row("", "good@example.com")])
BAD = csv_file([row("", "not-an-email")])


async def runs(client, **variables) -> dict:
    result = await graphql(client, IMPORT_RUNS, **variables)
    assert "errors" not in result, result["errors"]
    return result["data"]["importRuns"]


async def queue(client, name: str, mode: str = "CREATE", content: bytes = GOOD) -> str:
    payload = (await upload_csv(client, content, mode, filename=name))["data"]["importCsv"]
    assert payload["errors"] == [], payload
    return payload["importRun"]["id"]


async def test_runs_are_listed_newest_first(client):
    for i in range(5):
        await queue(client, f"file-{i}.csv")

    page = await runs(client)

    assert [e["node"]["fileName"] for e in page["edges"]] == [f"file-{i}.csv" for i in reversed(range(5))]
    assert page["totalCount"] == 5


async def test_pages_follow_the_cursors_to_the_end(client):
    for i in range(5):
        await queue(client, f"file-{i}.csv")

    seen, after, pages = [], None, 0
    while True:
        page = await runs(client, first=2, after=after)
        pages += 1
        seen += [e["node"]["fileName"] for e in page["edges"]]
        assert page["totalCount"] == 5
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
        assert after == page["edges"][-1]["cursor"]

    assert (pages, seen) == (3, [f"file-{i}.csv" for i in reversed(range(5))])


async def test_a_cursor_from_another_filter_is_refused(client):
    for i in range(3):
        await queue(client, f"file-{i}.csv")
    cursor = (await runs(client, first=1))["pageInfo"]["endCursor"]

    result = await graphql(client, IMPORT_RUNS, first=1, after=cursor, filter={"mode": "CREATE"})

    assert error_codes(result) == ["INVALID_CURSOR"]


async def test_filter_by_mode(client):
    await queue(client, "create.csv", "CREATE")
    await queue(client, "update.csv", "UPDATE")

    page = await runs(client, filter={"mode": "UPDATE"})

    assert [(e["node"]["fileName"], e["node"]["mode"]) for e in page["edges"]] == [("update.csv", "UPDATE")]
    assert page["totalCount"] == 1


async def test_filter_by_status(client, worker):
    succeeded = (await import_and_wait(client, GOOD, filename="good.csv"))["id"]
    with_errors = (await import_and_wait(client, BAD, filename="bad.csv"))["id"]
    await worker.stop()
    queued = await queue(client, "queued.csv")

    by_status = {
        status: [e["node"]["id"] for e in (await runs(client, filter={"status": status}))["edges"]]
        for status in ("SUCCEEDED", "COMPLETED_WITH_ERRORS", "QUEUED", "RUNNING", "FAILED")
    }

    assert by_status == {
        "SUCCEEDED": [succeeded],
        "COMPLETED_WITH_ERRORS": [with_errors],
        "QUEUED": [queued],
        "RUNNING": [],
        "FAILED": [],
    }


async def test_filter_by_status_and_mode_together(client, worker):
    await import_and_wait(client, GOOD, "CREATE")
    await import_and_wait(client, b"Id,Credit Limit\r\nnobody,1\r\n", "UPDATE", filename="update.csv")

    page = await runs(client, filter={"status": "COMPLETED_WITH_ERRORS", "mode": "UPDATE"})

    assert [e["node"]["fileName"] for e in page["edges"]] == ["update.csv"]


async def test_a_new_run_is_queued_with_what_is_known_of_the_file(client):
    content = csv_file([row("", "a@example.com"), row("", "b@example.com")])

    run = (await upload_csv(client, content, "UPDATE", dry_run=True, filename="mine.csv"))["data"]["importCsv"][
        "importRun"
    ]

    assert {k: run[k] for k in ("status", "totalRows", "fileName", "fileSize", "fileSha256", "dryRun", "mode")} == {
        "status": "QUEUED",
        "totalRows": 2,
        "fileName": "mine.csv",
        "fileSize": len(content),
        "fileSha256": hashlib.sha256(content).hexdigest(),
        "dryRun": True,
        "mode": "UPDATE",
    }


async def test_a_finished_run_has_its_times(client, worker):
    run = await import_and_wait(client, GOOD)

    created, started, finished = (datetime.fromisoformat(run[k]) for k in ("createdAt", "startedAt", "finishedAt"))
    assert created <= started <= finished


async def test_unknown_run_is_null(client):
    result = await graphql(client, IMPORT_RUN, id="no-such-run")

    assert result == {"data": {"importRun": None}}


async def test_row_errors_page_in_row_order(client, worker):
    content = csv_file([row("", f"bad-{i}") for i in range(4)] + [row("bad id!", "bad-x", credit_limit="-1")])
    run_id = (await import_and_wait(client, content))["id"]

    seen, after = [], None
    while True:
        result = await graphql(client, RUN_ERRORS, id=run_id, first=2, after=after)
        errors = result["data"]["importRun"]["errors"]
        assert errors["totalCount"] == 7
        seen += [(e["node"]["row"], e["node"]["code"]) for e in errors["edges"]]
        if not errors["pageInfo"]["hasNextPage"]:
            break
        after = errors["pageInfo"]["endCursor"]

    assert seen == [
        (2, "INVALID_EMAIL"),
        (3, "INVALID_EMAIL"),
        (4, "INVALID_EMAIL"),
        (5, "INVALID_EMAIL"),
        (6, "INVALID_ID"),
        (6, "INVALID_EMAIL"),
        (6, "INVALID_CREDIT_LIMIT"),
    ]


async def test_an_errors_cursor_of_another_run_is_refused(client, worker):
    first = (await import_and_wait(client, csv_file([row("", "x"), row("", "y")])))["id"]
    second = (await import_and_wait(client, csv_file([row("", "x"), row("", "y")])))["id"]
    cursor = (await graphql(client, RUN_ERRORS, id=first, first=1))["data"]["importRun"]["errors"]["pageInfo"][
        "endCursor"
    ]

    result = await graphql(client, RUN_ERRORS, id=second, first=1, after=cursor)

    assert error_codes(result) == ["INVALID_CURSOR"]


async def test_imports_read_can_list_runs(client, client_with):
    run_id = await queue(client, "mine.csv")
    reader = await client_with("imports:read")

    assert (await runs(reader))["edges"][0]["node"]["id"] == run_id
    assert (await graphql(reader, IMPORT_RUN, id=run_id))["data"]["importRun"]["id"] == run_id


@pytest.mark.parametrize("scopes", [("accounts:read", "accounts:write"), ("imports:write",)])
async def test_history_needs_imports_read(client, client_with, scopes):
    run_id = await queue(client, "mine.csv")
    other = await client_with(*scopes)

    assert error_codes(await graphql(other, IMPORT_RUNS)) == ["FORBIDDEN"]
    assert error_codes(await graphql(other, IMPORT_RUN, id=run_id)) == ["FORBIDDEN"]


@pytest.mark.parametrize("scopes", [("imports:read",), ("accounts:write", "accounts:read")])
async def test_import_csv_needs_imports_write_and_stores_nothing(client, client_with, database, scopes):
    other = await client_with(*scopes)

    result = await upload_csv(other, GOOD)

    assert error_codes(result) == ["FORBIDDEN"]
    assert result["data"] is None or result["data"].get("importCsv") is None
    assert await import_runs_total(client) == 0
    assert await database.collection(collections.IMPORT_RUNS).count_documents({}) == 0
    assert await database.collection(collections.IMPORT_CHUNKS).count_documents({}) == 0


async def test_imports_write_alone_can_start_an_import(client, client_with):
    writer = await client_with("imports:write")

    payload = (await upload_csv(writer, GOOD))["data"]["importCsv"]

    assert payload["errors"] == [] and payload["importRun"]["status"] == "QUEUED"
    assert await import_runs_total(client) == 1
