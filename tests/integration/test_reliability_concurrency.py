"""Many clients at once against the live server, over real sockets: uniqueness and version
checks hold under races (the database decides, never a check-then-write), and two imports that
change the same accounts at the same time leave every account in a state one of them wrote, with
one history event per version.
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support.csv_files import csv_file
from tests.support.graphql import codes, gql_data
from tests.support.imports import counts, upload_to, wait_for_run_at
from tests.support.observed_cli import updates_log
from tests.support.processes import ExternalMongo, Launcher, Serve, create_key, freeze_when_busy, service_env
from tests.support.served import accounts_with_history, history_gaps, lease_holder_pid, run_document
from tests.support.waiting import eventually, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]

CLIENTS = 30
ACCOUNTS = 200

OPEN_OR_CHANGE = """
mutation Race($input: OpenOrChangeAccountInput!) {
  openOrChangeAccount(input: $input) { created account { id version } errors { field code message } }
}
"""

ACCOUNT = """
query Account($id: ID!) {
  account(id: $id) { id email document creditLimit version history(first: 100) { totalCount nodes { version source } } }
}
"""

TOTAL = "query Total($search: String) { accounts(first: 0, filter: {search: $search}) { totalCount } }"
RUN_TIMES = "query Run($id: ID!) { importRun(id: $id) { startedAt finishedAt } }"


@dataclass
class Services:
    """Two service processes on one external database. Each has its own import worker, so two
    runs really are processed at the same time. A batch holds a whole file, so that two runs
    uploaded together read their accounts before either writes them (the widest race)."""

    db: ExternalMongo
    first: Serve
    second: Serve
    secret: str
    updates_log: Path  # each process's updates of accounts (tests.support.observed_cli)

    @property
    def url(self) -> str:
        return self.first.url


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    tmp_path = tmp_path_factory.mktemp("concurrency")
    db = ExternalMongo(tmp_path / "db")
    launcher = Launcher(tmp_path)
    try:
        secret = create_key(db)
        env = service_env(db, IMPORT_BATCH_SIZE="1000")
        log = tmp_path / "updates"
        yield Services(
            db,
            launcher.serve(tmp_path / "unused", env=env, updates_log=log),
            launcher.serve(tmp_path / "unused", env=env, updates_log=log),
            secret,
            log,
        )
    finally:
        launcher.cleanup()
        db.close()


async def race(url: str, secret: str, inputs: list[dict]) -> list[dict]:
    """Every input from its own client (its own connection), released at the same instant."""
    start = asyncio.Event()
    waiting = 0

    async def one(client: httpx.AsyncClient, account_input: dict) -> dict:
        nonlocal waiting
        waiting += 1
        await start.wait()
        response = await client.post("/graphql", json={"query": OPEN_OR_CHANGE, "variables": {"input": account_input}})
        assert response.status_code == 200, response.text
        body = response.json()
        assert not body.get("errors"), body
        return body["data"]["openOrChangeAccount"]

    clients = [
        httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {secret}"}, timeout=30) for _ in inputs
    ]
    try:
        # Connect every client first, so that the requests really arrive together.
        await asyncio.gather(*(client.get("/healthz") for client in clients))
        tasks = [asyncio.create_task(one(client, account_input)) for client, account_input in zip(clients, inputs)]

        async def every_task_waits() -> None:
            assert waiting == len(tasks)

        await eventually(every_task_waits, timeout=5)
        start.set()
        return await asyncio.gather(*tasks)
    finally:
        await asyncio.gather(*(client.aclose() for client in clients))


def all_codes(results: list[dict]) -> list[str]:
    """The error codes of every payload, sorted."""
    return sorted(code for result in results for code in codes(result))


def total(services: Services, search: str) -> int:
    return gql_data(services.url, services.secret, TOTAL, {"search": search})["accounts"]["totalCount"]


def test_the_same_email_from_30_clients_opens_one_account(services: Services) -> None:
    url, secret = services.url, services.secret
    results = asyncio.run(
        race(url, secret, [{"id": f"email-race-{i}", "email": "Race@Example.com"} for i in range(CLIENTS)])
    )
    winners = [result for result in results if result["created"]]
    assert len(winners) == 1 and winners[0]["errors"] == []
    assert all_codes(results) == ["EMAIL_IN_USE"] * (CLIENTS - 1)
    found = gql_data(
        url, secret, '{ accounts(first: 100, filter: {email: "race@example.com"}) { totalCount nodes { id } } }'
    )
    assert found["accounts"]["totalCount"] == 1
    assert found["accounts"]["nodes"][0]["id"] == winners[0]["account"]["id"]
    assert total(services, "email-race-") == 1, "a losing client left an account behind"


def test_the_same_document_from_30_clients_opens_one_account(services: Services) -> None:
    url, secret = services.url, services.secret
    inputs = [
        {"id": f"doc-race-{i}", "email": f"doc{i}@example.com", "documentType": "CPF", "document": "529.982.247-25"}
        for i in range(CLIENTS)
    ]
    results = asyncio.run(race(url, secret, inputs))
    assert sum(result["created"] for result in results) == 1
    assert all_codes(results) == ["DOCUMENT_IN_USE"] * (CLIENTS - 1)
    found = gql_data(url, secret, '{ accounts(first: 100, filter: {document: "52998224725"}) { totalCount } }')
    assert found["accounts"]["totalCount"] == 1
    assert total(services, "doc-race-") == 1


def test_expected_version_races_have_one_winner_and_unpinned_changes_all_get_through(services: Services) -> None:
    url, secret = services.url, services.secret
    opened = gql_data(url, secret, OPEN_OR_CHANGE, {"input": {"id": "hot", "email": "hot@example.com"}})
    assert opened["openOrChangeAccount"]["account"]["version"] == 1

    pinned = asyncio.run(
        race(
            url,
            secret,
            [
                {"id": "hot", "email": "hot@example.com", "creditLimit": f"{1000 + i}.00", "expectedVersion": 1}
                for i in range(CLIENTS)
            ],
        )
    )
    winners = [result for result in pinned if not result["errors"]]
    assert len(winners) == 1, pinned
    assert all_codes(pinned) == ["VERSION_CONFLICT"] * (CLIENTS - 1)
    account = gql_data(url, secret, ACCOUNT, {"id": "hot"})["account"]
    assert account["version"] == 2 and account["creditLimit"] == f"{1000 + pinned.index(winners[0])}.00"
    assert history_gaps(account) is None, history_gaps(account)

    # Without expectedVersion the loser of each version race retries on the new version: all get through.
    free = asyncio.run(
        race(
            url,
            secret,
            [{"id": "hot", "email": "hot@example.com", "creditLimit": f"{5000 + i}.00"} for i in range(CLIENTS)],
        )
    )
    assert all_codes(free) == [], free
    assert sorted(result["account"]["version"] for result in free) == list(range(3, 3 + CLIENTS))
    account = gql_data(url, secret, ACCOUNT, {"id": "hot"})["account"]
    assert account["version"] == 2 + CLIENTS
    assert history_gaps(account) is None, history_gaps(account)
    assert [node["source"] for node in account["history"]["nodes"]] == ["API"] * (2 + CLIENTS)


def two_imports_at_once(services: Services, prefix: str):
    """Open ACCOUNTS accounts, then upload file A to one process and file B to the other at the same
    instant, both changing every account's limit (A: 1000+i, B: 2000+i). B's rows sit one spreadsheet
    row lower (a blank row after the header), as in two different files."""
    secret = services.secret
    ids = [f"{prefix}-{i:03d}" for i in range(ACCOUNTS)]
    created = wait_for_run_at(
        services.url,
        secret,
        upload_to(
            services.url,
            secret,
            csv_file(
                header=["Id", "Email", "Credit Limit"],
                rows=[[account_id, f"{account_id}@example.com", "100"] for account_id in ids],
            ),
        ),
    )
    assert created["createdCount"] == ACCOUNTS, created
    limits = {
        "A": {account_id: f"{1000 + i}.00" for i, account_id in enumerate(ids)},
        "B": {account_id: f"{2000 + i}.00" for i, account_id in enumerate(ids)},
    }
    run_ids: dict[str, str] = {}
    barrier = threading.Barrier(2)

    def send(name: str, serve: Serve) -> None:
        blank = [["", ""]] if name == "B" else []
        content = csv_file(
            header=["Id", "Credit Limit"],
            rows=blank + [[account_id, limit] for account_id, limit in limits[name].items()],
        )
        barrier.wait()
        run_ids[name] = upload_to(serve.url, secret, content, mode="UPDATE", filename=f"{name}.csv")

    threads = [threading.Thread(target=send, args=args) for args in (("A", services.first), ("B", services.second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    runs = {name: wait_for_run_at(services.url, secret, run_id, timeout=40) for name, run_id in run_ids.items()}
    times = {
        name: gql_data(services.url, secret, RUN_TIMES, {"id": run_id})["importRun"] for name, run_id in run_ids.items()
    }
    overlapped = (
        times["A"]["startedAt"] < times["B"]["finishedAt"] and times["B"]["startedAt"] < times["A"]["finishedAt"]
    )
    print(
        f"\n{prefix}: A {runs['A']['status']} {counts(runs['A'])}\n{prefix}: B {runs['B']['status']} "
        f"{counts(runs['B'])}\nthe runs overlapped: {overlapped}"
    )
    found = accounts_with_history(services.url, secret, search=prefix)
    assert sorted(account["id"] for account in found) == ids
    return runs, run_ids, limits, found, overlapped


def test_two_update_imports_of_the_same_accounts_at_once_leave_each_account_as_one_of_them_wrote_it(
    services: Services,
) -> None:
    for attempt in range(3):  # until the two runs overlap in time, as the test means them to
        runs, run_ids, limits, accounts, overlapped = two_imports_at_once(services, f"both{attempt}")
        if overlapped:
            break
    assert overlapped, "the two runs never ran at the same time"
    for name, run in runs.items():
        assert run["status"] in ("SUCCEEDED", "COMPLETED_WITH_ERRORS"), (name, run)
        assert run["processedRows"] == run["totalRows"] == ACCOUNTS, (name, run)
        assert run["updatedCount"] + run["unchangedCount"] + run["failedCount"] == ACCOUNTS, (name, run)
        assert run["createdCount"] == 0
    holders = {"A": 0, "B": 0}
    for account in accounts:
        holder = holder_of(account, limits)
        holders[holder] += 1
        assert history_gaps(account) is None, history_gaps(account)
        assert {node["importRunId"] for node in account["history"]["nodes"][:-1]} <= set(run_ids.values())
        newest = account["history"]["nodes"][0]
        assert newest["importRunId"] == run_ids[holder], (
            f"{account['id']} holds {holder}'s value; newest event {newest}"
        )
    print(f"final limits: {holders}")


def holder_of(account: dict, limits: dict[str, dict[str, str]]) -> str:
    holder = next((name for name in "AB" if account["creditLimit"] == limits[name][account["id"]]), None)
    assert holder is not None, f"{account['id']} holds neither file's value: {account['creditLimit']}"
    return holder


# The tests below need one run to read its accounts before the other writes them, and to write after
# it: every write of that run is then stale. Left to the scheduler that happens at some attempts only,
# so the race is arranged: run B (whose rows carry the accounts' emails, so that checking them takes a
# while) is frozen while it checks its batch - after reading the accounts, before writing them - and
# run A, on the other process, changes every account meanwhile. Whether the race happened is read
# from B's own updates (tests.support.observed_cli): its batch write must have matched none of its
# accounts (every one stale). Should the freeze miss that moment (then nothing is stale and the
# attempt proves little), the race is run again, up to ATTEMPTS times, and the test fails if it
# never happened.
ATTEMPTS = 3
RACE_ACCOUNTS = 600

LATEST = """
query Latest($after: String, $search: String) {
  accounts(first: 100, after: $after, filter: {search: $search}) {
    pageInfo { hasNextPage endCursor }
    nodes { id creditLimit version history(first: 1) { nodes { version importRunId } } }
  }
}
"""


def latest_states(services: Services, prefix: str) -> list[dict]:
    found, after = [], None
    while True:
        page = gql_data(services.url, services.secret, LATEST, {"after": after, "search": prefix})["accounts"]
        found += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            return found
        after = page["pageInfo"]["endCursor"]


def started(db: ExternalMongo, run_id: str) -> bool:
    return run_document(db, run_id).get("started_at") is not None


def arranged_race(services: Services, prefix: str, *, shift_b: bool):
    secret = services.secret
    ids = [f"{prefix}-{i:03d}" for i in range(RACE_ACCOUNTS)]
    emails = {account_id: f"{account_id}@example.com" for account_id in ids}
    created = wait_for_run_at(
        services.url,
        secret,
        upload_to(
            services.url,
            secret,
            csv_file(header=["Id", "Email", "Credit Limit"], rows=[[i, emails[i], "100"] for i in ids]),
        ),
    )
    assert created["createdCount"] == RACE_ACCOUNTS, created
    limits = {
        "A": {account_id: f"{1000 + i}.00" for i, account_id in enumerate(ids)},
        "B": {account_id: f"{2000 + i}.00" for i, account_id in enumerate(ids)},
    }
    blank = [["", "", ""]] if shift_b else []
    file_b = csv_file(
        header=["Id", "Email", "Credit Limit"], rows=blank + [[i, emails[i], limits["B"][i]] for i in ids]
    )
    file_a = csv_file(header=["Id", "Credit Limit"], rows=[[i, limits["A"][i]] for i in ids])

    run_ids = {"B": upload_to(services.second.url, secret, file_b, mode="UPDATE", filename="B.csv")}
    wait_until(lambda: started(services.db, run_ids["B"]), 10, "run B to start", interval=0.002)
    b, a = (
        (services.first, services.second)
        if lease_holder_pid(services.db, run_ids["B"]) == services.first.proc.pid
        else (services.second, services.first)
    )
    updates_before = len(updates_log(services.updates_log, b.proc.pid))
    frozen = freeze_when_busy(b.proc.pid, nth=2)
    try:
        run_ids["A"] = upload_to(a.url, secret, file_a, mode="UPDATE", filename="A.csv")
        wait_for_run_at(a.url, secret, run_ids["A"], timeout=30)
    finally:
        os.kill(b.proc.pid, signal.SIGCONT)
    runs = {name: wait_for_run_at(services.url, secret, run_id, timeout=40) for name, run_id in run_ids.items()}
    b_updates = updates_log(services.updates_log, b.proc.pid)[updates_before:]
    stale = sum(update["statements"] - update["matched"] for update in b_updates)
    print(
        f"\n{prefix}: B frozen: {frozen}; B's stale update statements: {stale}\n"
        f"{prefix}: A {runs['A']['status']} {counts(runs['A'])}\n{prefix}: B {runs['B']['status']} {counts(runs['B'])}"
    )
    found = latest_states(services, prefix)
    assert sorted(account["id"] for account in found) == ids
    return runs, run_ids, limits, found, frozen and stale > 0, stale


def every_counted_update_is_applied(
    services: Services, prefix: str, *, shift_b: bool, attempts: int = ATTEMPTS
) -> None:
    """Until the arranged race happens (at most `attempts` times): every update either run counted
    is applied, and each account's newest event is that of the run whose value it holds."""
    for attempt in range(attempts):
        runs, run_ids, limits, accounts, raced, stale = arranged_race(services, f"{prefix}{attempt}", shift_b=shift_b)
        assert all(run["status"] != "FAILED" for run in runs.values()), runs
        applied = sum(account["version"] - 1 for account in accounts)
        counted = runs["A"]["updatedCount"] + runs["B"]["updatedCount"]
        assert applied == counted, f"the runs counted {counted} updates; the accounts show {applied}"
        for account in accounts:
            # The newest event is the change that produced the account's current state.
            holder, newest = holder_of(account, limits), account["history"]["nodes"][0]
            assert newest["importRunId"] == run_ids[holder], (
                f"{account['id']} holds {holder}'s value but its newest event is the other run's: {newest}"
            )
        if raced:
            # A changed every account between B's read and B's write: every one of B's writes was stale.
            assert stale == RACE_ACCOUNTS, f"{stale} of B's {RACE_ACCOUNTS} updates went stale"
            assert runs["B"]["updatedCount"] == RACE_ACCOUNTS, runs["B"]
            return
    pytest.fail(f"the race was never arranged in {attempts} attempts: none of B's writes went stale")


def test_no_update_is_lost_when_two_imports_change_the_same_rows_at_once(services: Services) -> None:
    """A and B change each account in the same spreadsheet row. (Until AccountBatchRepository._unapplied
    compared the run as well as the row, B took A's write for its own: counted as updated, never
    retried, its change lost, and sometimes its event stored for a version that held A's change.)"""
    every_counted_update_is_applied(services, "same", shift_b=False)


def test_an_import_batch_whose_every_update_went_stale_is_retried_not_failed(services: Services) -> None:
    """Here B's rows sit one row lower than A's (as in two different files), so every one of B's
    writes is stale, recognised as such, and retried on the version A left. (Until record_events
    returned early on an empty list, insert_many([]) raised TypeError here and the run ended FAILED.)"""
    every_counted_update_is_applied(services, "shift", shift_b=True, attempts=2)
