"""`importRunProgress` over WebSocket (graphql-transport-ws): the run each time its progress changes,
ending with the terminal status; the API key comes in `connection_init` (or the handshake header).

Starlette's TestClient runs the app in an event loop of its own (an anyio portal in a thread). The `live`
fixture opens that portal first and builds everything that is bound to a loop in it: the database
client (Motor binds to the loop it is used from), the API key, and the import worker's task. The
TestClient is then pointed at the same portal, so requests, the WebSocket and the worker share one loop.
Both backends run here.
"""

from __future__ import annotations

import asyncio
import uuid
import warnings
from dataclasses import dataclass

import anyio.from_thread
import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # Starlette would rather have httpx2; httpx is what the project pins
    from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from customer_credit.http.app import create_app
from customer_credit.persistence.database import Database, connect
from customer_credit.worker.import_worker import ImportWorker
from tests.support.clients import make_key
from tests.support.csv_files import csv_file, row
from tests.support.imports import TERMINAL, upload_request
from tests.support.mongomock import in_memory_database

PROGRESS = """
subscription Progress($id: ID!) {
  importRunProgress(id: $id) { id status totalRows processedRows createdCount failedCount }
}
"""

PROTOCOL = ["graphql-transport-ws"]
ROWS = 12  # four batches of three
FILE = csv_file([row("", f"p{i}@example.com") if i != 5 else row("", "not-an-email") for i in range(ROWS)])


@dataclass
class Live:
    client: TestClient
    secret: str
    database: Database
    portal: anyio.from_thread.BlockingPortal
    steps: Steps

    def key(self, *scopes: str) -> str:
        return self.portal.call(make_key, self.database, f"key-{uuid.uuid4().hex[:8]}", set(scopes))


class Steps:
    """While on, the worker waits after each batch until the test has seen a message and lets it go on,
    so that the subscription observes the run between batches without any timing assumption."""

    def __init__(self) -> None:
        self.on = False
        self.go = asyncio.Event()  # created in the portal's loop, set from the test through the portal

    async def after_batch(self, run) -> None:
        if self.on:
            await asyncio.wait_for(self.go.wait(), 10)
            self.go.clear()


@pytest.fixture
def live(backend: str, request: pytest.FixtureRequest, settings):
    uri = request.getfixturevalue("embedded_uri") if backend == "embedded" else None
    name = f"test_{uuid.uuid4().hex[:12]}"

    async def open_database() -> Database:
        database = in_memory_database(name) if uri is None else connect(uri, name, timeout_ms=5000)
        await database.create_indexes()
        return database

    async def start_worker(app) -> tuple[ImportWorker, Steps]:
        steps = Steps()
        services = app.state.services
        worker = ImportWorker(
            services.imports,
            services.account_batches,
            services.ledgers,
            batch_size=3,
            lease_seconds=30,
            default_credit_limit_cents=100_00,
            poll_seconds=0.05,
            after_batch=steps.after_batch,
        )
        services.import_worker = worker
        worker.start()
        return worker, steps

    async def close_database(database: Database) -> None:
        if uri is not None:
            await database.client.drop_database(name)
        database.close()

    with anyio.from_thread.start_blocking_portal() as portal:
        database = portal.call(open_database)
        app = create_app(settings, database=database)
        worker, steps = portal.call(start_worker, app)
        client = TestClient(app)
        client.portal = portal  # requests and WebSockets run in the portal's loop, with the worker
        try:
            yield Live(
                client,
                portal.call(make_key, database, "watcher", {"imports:read", "imports:write"}),
                database,
                portal,
                steps,
            )
        finally:
            portal.call(worker.stop)
            portal.call(close_database, database)


def start_import(live: Live) -> str:
    request = upload_request(FILE)
    request["headers"]["Authorization"] = f"Bearer {live.secret}"
    response = live.client.post("/graphql", **request)
    assert response.status_code == 200, response.text
    payload = response.json()["data"]["importCsv"]
    assert payload["errors"] == [], payload
    return payload["importRun"]["id"]


def connect_ws(ws, secret: str | None) -> None:
    ws.send_json({"type": "connection_init", "payload": {"Authorization": f"Bearer {secret}"} if secret else {}})


def follow(ws, run_id: str, on_message=lambda: None) -> tuple[list[dict], list[dict]]:
    """Subscribe and read to the end: (the runs delivered, any error messages)."""
    ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": PROGRESS, "variables": {"id": run_id}}})
    runs, errors = [], []
    while True:
        message = ws.receive_json()
        on_message()
        if message["type"] == "next":
            errors.extend(message["payload"].get("errors") or [])
            if (message["payload"].get("data") or {}).get("importRunProgress"):
                runs.append(message["payload"]["data"]["importRunProgress"])
        elif message["type"] == "error":
            errors.extend(message["payload"])
            return runs, errors
        elif message["type"] == "complete":
            return runs, errors
        else:
            pytest.fail(f"unexpected message {message}")


def test_progress_increases_and_ends_at_the_terminal_status(live):
    live.steps.on = True
    run_id = start_import(live)

    with live.client.websocket_connect("/graphql", subprotocols=PROTOCOL) as ws:
        connect_ws(ws, live.secret)
        assert ws.receive_json()["type"] == "connection_ack"
        runs, errors = follow(ws, run_id, on_message=lambda: live.portal.call(live.steps.go.set))

    assert errors == []
    processed = [r["processedRows"] for r in runs]
    assert len(runs) >= 3, runs  # at least: before or after the first batch, between batches, at the end
    assert processed == sorted(processed) and 0 < processed[-1]
    assert len({(r["status"], r["processedRows"]) for r in runs}) == len(runs), "each message is a change"
    assert all(r["status"] not in TERMINAL for r in runs[:-1])
    assert runs[-1] | {"id": None} == {
        "id": None,
        "status": "COMPLETED_WITH_ERRORS",
        "totalRows": ROWS,
        "processedRows": ROWS,
        "createdCount": ROWS - 1,
        "failedCount": 1,
    }


def test_a_finished_run_is_delivered_once_and_completes(live):
    run_id = start_import(live)
    with live.client.websocket_connect("/graphql", subprotocols=PROTOCOL) as ws:
        connect_ws(ws, live.secret)
        ws.receive_json()
        follow(ws, run_id)

    with live.client.websocket_connect("/graphql", subprotocols=PROTOCOL) as ws:
        connect_ws(ws, live.secret)
        ws.receive_json()
        runs, errors = follow(ws, run_id)

    assert errors == [] and [r["processedRows"] for r in runs] == [ROWS]


def test_the_key_may_come_in_the_handshake_header(live):
    run_id = start_import(live)

    with live.client.websocket_connect(
        "/graphql", subprotocols=PROTOCOL, headers={"Authorization": f"Bearer {live.secret}"}
    ) as ws:
        connect_ws(ws, None)
        assert ws.receive_json()["type"] == "connection_ack"
        runs, errors = follow(ws, run_id)

    assert errors == [] and runs[-1]["status"] == "COMPLETED_WITH_ERRORS"


@pytest.mark.parametrize("secret", ["cc_wrong", None], ids=["wrong-key", "no-key"])
def test_a_wrong_or_missing_key_is_refused(live, secret):
    with live.client.websocket_connect("/graphql", subprotocols=PROTOCOL) as ws:
        connect_ws(ws, secret)
        with pytest.raises(WebSocketDisconnect) as refused:
            ws.receive_json()

    assert refused.value.code == 4403


def test_a_key_without_imports_read_is_forbidden(live):
    run_id = start_import(live)
    secret = live.key("accounts:read")

    with live.client.websocket_connect("/graphql", subprotocols=PROTOCOL) as ws:
        connect_ws(ws, secret)
        assert ws.receive_json()["type"] == "connection_ack"
        runs, errors = follow(ws, run_id)

    assert runs == []
    assert [e.get("extensions", {}).get("code") for e in errors] == ["FORBIDDEN"]


def test_an_unknown_run_is_not_found(live):
    with live.client.websocket_connect("/graphql", subprotocols=PROTOCOL) as ws:
        connect_ws(ws, live.secret)
        ws.receive_json()
        runs, errors = follow(ws, "no-such-run")

    assert runs == []
    assert [e.get("extensions", {}).get("code") for e in errors] == ["NOT_FOUND"]
