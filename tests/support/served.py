"""Checks against a service running as a process, over HTTP and straight in its database."""

from __future__ import annotations

from typing import Any

from .csv_files import PlantedFile
from .graphql import gql, gql_data
from .imports import counts, run_at
from .processes import ExternalMongo, mongo

COUNT = "{ accounts(first: 1) { totalCount } }"
OPEN = 'mutation { openOrChangeAccount(input: {email: "%s"}) { created errors { code } } }'


def account_count(url: str, secret: str) -> int:
    response = gql(url, secret, COUNT)
    assert response.status_code == 200, response.text
    return response.json()["data"]["accounts"]["totalCount"]


HISTORY_PAGE = """
query Page($after: String, $search: String) {
  accounts(first: 100, after: $after, filter: {search: $search}, orderBy: {field: EMAIL, direction: ASC}) {
    pageInfo { hasNextPage endCursor }
    nodes { id email creditLimit version history(first: 100) { totalCount nodes { version source importRunId } } }
  }
}
"""


def accounts_with_history(
    url: str, secret: str, limit: int | None = None, search: str | None = None
) -> list[dict[str, Any]]:
    """Every account (or the first `limit` by email; or those whose id, email or document starts with
    `search`), each with its whole history (≤ 100 events)."""
    found: list[dict[str, Any]] = []
    after = None
    while limit is None or len(found) < limit:
        page = gql_data(url, secret, HISTORY_PAGE, {"after": after, "search": search})["accounts"]
        found += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    return found if limit is None else found[:limit]


def history_gaps(account: dict[str, Any]) -> str | None:
    """Why the account's history does not hold exactly one event per version, newest first, or None.

    `history.totalCount` is computed from the version, so the events themselves are what is checked."""
    history = account["history"]
    versions = [node["version"] for node in history["nodes"]]
    expected = list(range(account["version"], 0, -1))
    if history["totalCount"] != account["version"] or versions != expected:
        return f"{account['id']}: version {account['version']}, totalCount {history['totalCount']}, events {versions}"
    return None


def check_created_exactly(
    uri: str, url: str, secret: str, run_id: str, planted: PlantedFile, *, sample: int = 30
) -> dict[str, Any]:
    """The run created every valid row once and failed every planted bad row, and its history
    events match the accounts. The database holds only this run's accounts."""
    return check_runs_created_exactly(uri, url, secret, {run_id: planted}, sample=sample)[run_id]


def check_runs_created_exactly(
    uri: str, url: str, secret: str, planted: dict[str, PlantedFile], *, sample: int = 30
) -> dict[str, dict[str, Any]]:
    """Each run (id -> its file) created every valid row of its file once and failed every planted bad
    row, with one history event per account carrying the run's id. The database holds only these
    runs' accounts."""
    runs = {}
    for run_id, file in planted.items():
        run = run_at(url, secret, run_id)
        assert counts(run) == {
            "totalRows": file.rows,
            "processedRows": file.rows,
            "createdCount": file.valid,
            "updatedCount": 0,
            "unchangedCount": 0,
            "failedCount": file.invalid,
        }, run
        assert run["status"] == ("COMPLETED_WITH_ERRORS" if file.invalid else "SUCCEEDED"), run
        assert run["errors"]["totalCount"] == file.invalid, run
        runs[run_id] = run

    client, db = mongo(uri)
    try:
        accounts = list(db.accounts.find({}, {"email": 1, "version": 1, "last_event": 1}))
        for run_id, file in planted.items():
            mine = [account for account in accounts if account["last_event"].get("import_run_id") == run_id]
            emails = [account["email"] for account in mine]
            assert len(emails) == file.valid, f"run {run_id}: {len(emails)} accounts for {file.valid} valid rows"
            assert set(emails) == file.emails, f"run {run_id}: accounts differ from the file's valid rows"
            rows = [account["last_event"]["import_row"] for account in mine]
            assert len(set(rows)) == len(rows), f"run {run_id}: two accounts from one row"
            # The import keeps each account's first event in the account; a history read stores it apart.
            stored = [event["import_row"] for event in db.account_events.find({"import_run_id": run_id})]
            assert len(stored) == len(set(stored)) and set(stored) <= set(rows), f"run {run_id}: events {stored}"
        assert len(accounts) == sum(file.valid for file in planted.values()), "accounts from no run, or twice"
        assert all(account["version"] == 1 for account in accounts), "a row was applied more than once"
    finally:
        client.close()

    for account in accounts_with_history(url, secret, limit=sample):
        assert history_gaps(account) is None, history_gaps(account)
        assert [node["importRunId"] for node in account["history"]["nodes"]][0] in planted
    return runs


def run_document(db: ExternalMongo, run_id: str) -> dict[str, Any]:
    """The run as stored in the external database ({} when there is none)."""
    client, database = mongo(db.uri)
    try:
        return database.import_runs.find_one({"_id": run_id}) or {}
    finally:
        client.close()


def lease_holder_pid(db: ExternalMongo, run_id: str) -> int:
    """The pid of the process whose worker holds the run (its lease owner is `host:pid:nonce`)."""
    return int(run_document(db, run_id)["lease_owner"].split(":")[-2])
