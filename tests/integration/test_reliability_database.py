"""The database goes away under a running service, for real: the embedded nx-27017 child is
SIGKILLed (and restarted by serve's supervisor), or an external server that the test owns is
stopped for as long as the test wants. The service must answer fast while it cannot reach the
database, recover by itself, keep the data, and never fail an import for a transient outage.
"""

from __future__ import annotations

import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.support.csv_files import planted_create_file
from tests.support.graphql import gql, gql_data
from tests.support.imports import upload_to, wait_for_run_at
from tests.support.processes import ExternalMongo, Launcher, Serve, create_key, embedded_uri, service_env, status
from tests.support.served import COUNT, OPEN, check_created_exactly
from tests.support.waiting import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]

TIMEOUT_MS = 1500
# A call that cannot reach the database must be answered within the server selection timeout plus 1 s.
FAST = TIMEOUT_MS / 1000 + 1.0


def timed(call):
    started = time.monotonic()
    try:
        result = call()
    except httpx.HTTPError as exc:  # a hang shows up here, as the client's own timeout
        result = exc
    return result, time.monotonic() - started


def unavailable(response) -> bool:
    """A GraphQL answer that says, in the contract's words, that the database is unavailable."""
    if not isinstance(response, httpx.Response) or response.status_code not in (200, 503):
        return False
    try:
        errors = response.json().get("errors") or []
    except ValueError:
        return False
    return bool(errors) and all((e.get("extensions") or {}).get("code") == "DATABASE_UNAVAILABLE" for e in errors)


def succeeded(response) -> bool:
    return isinstance(response, httpx.Response) and response.status_code == 200 and not response.json().get("errors")


def test_a_killed_embedded_database_is_restarted_and_the_running_import_finishes_exactly(
    launcher: Launcher, tmp_path: Path
) -> None:
    """SIGKILL of serve's nx-27017 child in the middle of an import: /readyz and GraphQL answer
    within the timeout while it is down (503, or 200 once the supervisor has it back), the service
    recovers by itself with its data, and the import is paused, not FAILED, and ends exactly."""
    data_dir = tmp_path / "data"
    serve = launcher.serve(data_dir, env=service_env(None, MONGODB_TIMEOUT_MS=str(TIMEOUT_MS), IMPORT_BATCH_SIZE="250"))
    secret = serve.admin_secret
    planted = planted_create_file(3000, "kill")
    run_id = upload_to(serve.url, secret, planted.content)
    wait_for_run_at(serve.url, secret, run_id, until=lambda run: run["processedRows"] >= 500, timeout=20)
    child = serve.embedded_pid()

    os.kill(child, signal.SIGKILL)
    killed = time.monotonic()
    readyz: list[tuple[float, int | None, float]] = []  # (since the kill, status, duration)
    calls: list[tuple[float, object, float]] = []
    while True:
        code, took = timed(lambda: status(serve.url, "/readyz", timeout=30))
        readyz.append((time.monotonic() - killed, code, took))
        response, took = timed(lambda: gql(serve.url, secret, COUNT, timeout=30))
        calls.append((time.monotonic() - killed, response, took))
        if code == 200 and succeeded(response) and serve.embedded_pid() != child:
            break
        assert time.monotonic() - killed < 20, f"not recovered 20 s after the kill: {readyz[-3:]}"
    recovered = time.monotonic() - killed
    not_ready = [entry for entry in readyz if entry[1] != 200]
    failed = [entry for entry in calls if not succeeded(entry[1])]
    print(
        f"\nrecovered {recovered:.2f}s after the SIGKILL; /readyz 503 {len(not_ready)} times "
        f"(last at {not_ready[-1][0] if not_ready else 0:.2f}s); {len(failed)} GraphQL calls failed: "
        f"{sorted({getattr(r, 'status_code', type(r).__name__) for _, r, _ in failed})}"
    )

    assert all(code in (200, 503) for _, code, _ in readyz), readyz
    assert max(took for _, _, took in readyz) < FAST, f"/readyz took too long while down: {readyz}"
    assert max(took for _, _, took in calls) < FAST, f"a GraphQL call hung: {[(t, d) for t, _, d in calls]}"
    # The supervisor's first back-off is 0.2 s and nx-27017 starts in about a second.
    assert recovered < 10

    run = wait_for_run_at(serve.url, secret, run_id, timeout=40)
    assert run["status"] != "FAILED", run
    check_created_exactly(embedded_uri(data_dir), serve.url, secret, run_id, planted)
    assert serve.proc.poll() is None


def test_during_a_held_outage_readyz_is_503_calls_fail_fast_and_the_import_pauses_then_finishes(
    launcher: Launcher, external_db: ExternalMongo, tmp_path: Path
) -> None:
    """An external database stopped for 4 s under a service that is importing."""
    secret = create_key(external_db)
    serve = launcher.serve(
        tmp_path / "unused",
        env=service_env(external_db, MONGODB_TIMEOUT_MS=str(TIMEOUT_MS), IMPORT_BATCH_SIZE="250"),
    )
    planted = planted_create_file(3000, "held")
    run_id = upload_to(serve.url, secret, planted.content)
    before = wait_for_run_at(serve.url, secret, run_id, until=lambda run: run["processedRows"] >= 500, timeout=20)

    external_db.stop()
    stopped = time.monotonic()
    readyz = []
    calls = []
    while time.monotonic() - stopped < 4:
        readyz.append(timed(lambda: status(serve.url, "/readyz", timeout=30)))
        calls.append(timed(lambda: gql(serve.url, secret, COUNT, timeout=30)))
        calls.append(timed(lambda: gql(serve.url, secret, OPEN % "during@example.com", timeout=30)))
    external_db.start()
    restarted = time.monotonic()

    print(f"\n/readyz while down: {[(code, round(took, 2)) for code, took in readyz]}")
    print(f"GraphQL while down: {[(getattr(r, 'status_code', r), round(took, 2)) for r, took in calls]}")
    assert readyz and all(code == 503 for code, _ in readyz), readyz
    assert max(took for _, took in readyz) < FAST, readyz
    assert max(took for _, took in calls) < FAST, [took for _, took in calls]
    assert not any(succeeded(response) for response, _ in calls)

    back = wait_until(lambda: status(serve.url, "/readyz") == 200, 15, "/readyz back to 200")
    print(f"/readyz 200 again {back:.2f}s after the database came back")
    assert gql_data(serve.url, secret, OPEN % "after@example.com")["openOrChangeAccount"]["created"] is True

    run = wait_for_run_at(serve.url, secret, run_id, timeout=40)
    print(f"run ended {time.monotonic() - restarted:.2f}s after the database came back: {run['status']}")
    assert run["status"] != "FAILED", run
    assert run["processedRows"] > before["processedRows"]
    assert any("paused: database unavailable" in entry.get("message", "") for entry in serve.log()), (
        "the outage never reached the import worker: the test proved nothing"
    )
    # The account opened after the outage is not the import's: check the run's own accounts.
    _drop_account(external_db, "after@example.com")
    check_created_exactly(external_db.uri, serve.url, secret, run_id, planted)


def _drop_account(db: ExternalMongo, email: str) -> None:
    async def drop(database) -> None:
        account = await database.accounts.find_one({"email": email})
        await database.accounts.delete_one({"_id": account["_id"]})
        await database.account_events.delete_many({"account_id": account["_id"]})

    db.call(drop)


def test_graphql_calls_during_an_outage_say_database_unavailable(
    launcher: Launcher, external_db: ExternalMongo, tmp_path: Path
) -> None:
    """Answered in the API's terms (extensions.code DATABASE_UNAVAILABLE, HTTP 200 or 503), within the
    bound. (Until ApiKeyMiddleware caught the driver's errors, the API-key lookup turned every
    authenticated request into a bare text/plain HTTP 500.)"""
    secret = create_key(external_db)
    serve = launcher.serve(tmp_path / "unused", env=service_env(external_db, MONGODB_TIMEOUT_MS=str(TIMEOUT_MS)))
    assert gql_data(serve.url, secret, COUNT)["accounts"]["totalCount"] == 0

    external_db.stop()
    try:
        answers = [
            timed(lambda: gql(serve.url, secret, query, timeout=30))  # noqa: B023 (called at once)
            for query in (COUNT, OPEN % "x@example.com")
        ]
    finally:
        external_db.start()
    print(
        "\n"
        + "\n".join(
            f"{getattr(r, 'status_code', r)} {getattr(r, 'text', '')[:120]!r} in {took:.2f}s" for r, took in answers
        )
    )
    assert all(took < FAST for _, took in answers)
    assert all(unavailable(response) for response, _ in answers)


def test_rest_and_plain_routes_during_an_outage_answer_503_in_their_own_envelopes(
    launcher: Launcher, external_db: ExternalMongo, tmp_path: Path
) -> None:
    """Not GraphQL's `{"errors": [...]}`: the REST API answers `{code, message, errorId}`, and so do
    the CSV downloads, each with a Retry-After; the log has each error id with the driver's message."""
    secret = create_key(external_db)
    serve = launcher.serve(tmp_path / "unused", env=service_env(external_db, MONGODB_TIMEOUT_MS=str(TIMEOUT_MS)))
    headers = {"Authorization": f"Bearer {secret}"}
    paths = ("/api/creditcontrol/accounts/acc-1", "/accounts/export.csv", "/imports/run-1/errors.csv")
    assert httpx.get(serve.url + paths[0], headers=headers).status_code == 404

    external_db.stop()
    try:
        answers = [timed(lambda: httpx.get(serve.url + path, headers=headers, timeout=30)) for path in paths]  # noqa: B023
    finally:
        external_db.start()
    print(
        "\n"
        + "\n".join(
            f"{getattr(r, 'status_code', r)} {getattr(r, 'text', '')[:120]!r} in {took:.2f}s" for r, took in answers
        )
    )

    assert all(took < FAST for _, took in answers)
    for response, _ in answers:
        assert response.status_code == 503, response.text
        assert response.headers["retry-after"] == "5"
        body = response.json()
        assert body == {"code": "DATABASE_UNAVAILABLE", "message": body["message"], "errorId": body["errorId"]}
    logged = {entry.get("error_id"): entry for entry in serve.log()}
    for response, _ in answers:
        entry = logged[response.json()["errorId"]]
        assert entry["level"] == "WARNING" and "database unavailable" in entry["message"]


def served_with_the_next_heartbeat_far(launcher: Launcher, external_db: ExternalMongo, tmp_path: Path) -> Serve:
    """A service at MONGODB_TIMEOUT_MS=TIMEOUT_MS whose driver's next heartbeat is ~10 s away: the database
    was restarted under it, and the driver saw it come back at a quick check. A database frozen now is
    not noticed by a heartbeat for that long."""
    serve = launcher.serve(tmp_path / "unused", env=service_env(external_db, MONGODB_TIMEOUT_MS=str(TIMEOUT_MS)))
    external_db.stop()
    assert status(serve.url, "/readyz", timeout=30) == 503
    external_db.start()
    wait_until(lambda: status(serve.url, "/readyz") == 200, 15, "/readyz back to 200")
    return serve


def test_calls_to_a_database_that_stops_answering_do_not_hang(
    launcher: Launcher, external_db: ExternalMongo, tmp_path: Path
) -> None:
    """SIGSTOP of the database process: connections stay open and accept bytes, nothing answers.

    The driver notices a dead server only at its next heartbeat (every 10 s); an API request's
    database work has a deadline of MONGODB_TIMEOUT_MS instead. The heartbeat is ~10 s away when
    the database freezes, so that a call waiting for it would show."""
    secret = create_key(external_db)
    serve = served_with_the_next_heartbeat_far(launcher, external_db, tmp_path)
    assert gql_data(serve.url, secret, COUNT)["accounts"]["totalCount"] == 0

    external_db.freeze()
    try:
        # The client gives up a little after the bound: a hang shows as its timeout.
        answers = [
            timed(lambda: gql(serve.url, secret, COUNT, timeout=FAST + 0.5)),
            timed(lambda: status(serve.url, "/readyz", timeout=FAST + 0.5)),
        ]
    finally:
        external_db.thaw()
    print(f"\nwhile frozen: {[(getattr(r, 'status_code', r), round(took, 2)) for r, took in answers]}")
    assert all(took < FAST for _, took in answers)
    assert unavailable(answers[0][0])
    assert answers[1][0] == 503


def test_uploads_and_csv_downloads_wait_out_a_pause_longer_than_the_request_deadline(
    launcher: Launcher, external_db: ExternalMongo, tmp_path: Path
) -> None:
    """They stream for as long as their file takes, so the request deadline does not bound them: a
    database frozen for twice the deadline (and thawed long before the driver's next heartbeat) delays
    them, and both then answer in full."""
    secret = create_key(external_db)
    serve = served_with_the_next_heartbeat_far(launcher, external_db, tmp_path)
    headers = {"Authorization": f"Bearer {secret}"}
    pause = 2 * TIMEOUT_MS / 1000

    with ThreadPoolExecutor(max_workers=2) as pool:
        external_db.freeze()
        try:
            upload = pool.submit(timed, lambda: upload_to(serve.url, secret, planted_create_file(20, "paused").content))
            export = pool.submit(
                timed, lambda: httpx.get(serve.url + "/accounts/export.csv", headers=headers, timeout=30)
            )
            time.sleep(pause)  # the pause under test: longer than the deadline, shorter than a heartbeat
        finally:
            external_db.thaw()
        (run_id, uploaded_in), (exported, exported_in) = upload.result(), export.result()

    print(f"\nafter a {pause:.1f}s pause: upload {uploaded_in:.2f}s, export {exported_in:.2f}s")
    assert uploaded_in > pause and exported_in > pause, "a call ended before the database came back"
    assert wait_for_run_at(serve.url, secret, run_id, timeout=30)["status"] == "SUCCEEDED"
    assert exported.status_code == 200, exported.text
    assert exported.text.lstrip("\ufeff").startswith("Id")
