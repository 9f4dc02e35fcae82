"""Fixtures shared by every test: a database on each backend, the app, and clients carrying API keys.

The `database` fixture runs each test twice: on mongomock-motor (in process) and on the
embedded nx-27017 server over a real socket (marked `integration`).
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from mongomock_motor import AsyncMongoMockClient

from customer_credit.http.app import create_app
from customer_credit.persistence.database import Database, connect, wrap
from customer_credit.persistence.embedded import EmbeddedMongo
from customer_credit.settings import Settings

BACKENDS = ["mongomock", pytest.param("embedded", marks=pytest.mark.integration)]


@pytest.fixture(scope="session")
def embedded_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One embedded server for the session, supervised from a loop of its own in a thread."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="embedded-mongo", daemon=True)
    thread.start()
    server = EmbeddedMongo(Path(tmp_path_factory.mktemp("embedded")))
    try:
        yield asyncio.run_coroutine_threadsafe(server.start(), loop).result(60)
    finally:
        asyncio.run_coroutine_threadsafe(server.stop(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest_asyncio.fixture
async def database(backend: str, request: pytest.FixtureRequest) -> AsyncIterator[Database]:
    name = f"test_{uuid.uuid4().hex[:12]}"
    if backend == "mongomock":
        db = wrap(AsyncMongoMockClient(), name)
    else:
        db = connect(request.getfixturevalue("embedded_uri"), name, timeout_ms=5000)
    await db.create_indexes()
    yield db
    if backend != "mongomock":
        await db.client.drop_database(name)
    db.close()


@pytest.fixture
def settings() -> Settings:
    return Settings(mongodb_uri="mongodb://unused", data_dir=Path("/nonexistent"))


@pytest.fixture
def app(settings: Settings, database: Database):
    return create_app(settings, database=database)


async def make_key(database: Database, name: str, scopes: set[str]) -> str:
    from customer_credit.persistence.api_keys import ApiKeyRepository

    return await ApiKeyRepository(database).create(name, frozenset(scopes))


def http_client(app, secret: str | None) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver", headers=headers)


@pytest_asyncio.fixture
async def client(app, database: Database) -> AsyncIterator[httpx.AsyncClient]:
    """A client whose key has every scope."""
    async with http_client(app, await make_key(database, "tester", {"admin"})) as c:
        yield c


@pytest_asyncio.fixture
async def lenient(app, database):
    """An admin client that sees a crash as the 500 a real server would send, instead of an exception."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    headers = {"Authorization": f"Bearer {await make_key(database, 'lenient', {'admin'})}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver", headers=headers) as c:
        yield c


@pytest_asyncio.fixture
async def anonymous(app) -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(app, None) as c:
        yield c


@pytest_asyncio.fixture
async def client_with(app, database: Database):
    """Build a client whose key has exactly the given scopes."""
    opened: list[httpx.AsyncClient] = []

    async def build(*scopes: str) -> httpx.AsyncClient:
        c = http_client(app, await make_key(database, f"key-{uuid.uuid4().hex[:8]}", set(scopes)))
        opened.append(c)
        return c

    yield build
    for c in opened:
        await c.aclose()


async def graphql(client: httpx.AsyncClient, query: str, **variables) -> dict:
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    return response.json()


def _patch_mongomock_bulk_update() -> None:
    """mongomock#912: with PyMongo >= 4.11 an UpdateOne in bulk_write passes `sort`, which mongomock
    does not accept. Test fixtures only: production code runs the real driver."""
    from mongomock.collection import BulkOperationBuilder

    original = BulkOperationBuilder.add_update
    if getattr(original, "patched", False):
        return

    def add_update(
        self, selector, doc, multi=False, upsert=False, collation=None, array_filters=None, hint=None, sort=None, **kw
    ):
        return original(self, selector, doc, multi, upsert, collation=collation, array_filters=array_filters, hint=hint)

    add_update.patched = True
    BulkOperationBuilder.add_update = add_update


_patch_mongomock_bulk_update()

IMPORT_CSV = """
mutation Import($file: Upload!, $mode: ImportMode!, $dryRun: Boolean! = false) {
  importCsv(file: $file, mode: $mode, dryRun: $dryRun) {
    importRun { id status totalRows fileName fileSize fileSha256 dryRun mode }
    errors { code message }
  }
}
"""

IMPORT_RUN = """
query Run($id: ID!) {
  importRun(id: $id) {
    id status mode dryRun totalRows processedRows createdCount updatedCount unchangedCount failedCount
    createdAt startedAt finishedAt errorReportUrl
    errors(first: 100) { totalCount nodes { row column code message accountId } }
  }
}
"""

TERMINAL = {"SUCCEEDED", "COMPLETED_WITH_ERRORS", "FAILED"}


@pytest_asyncio.fixture
async def worker(app):
    """The background import worker, with small batches so that every test crosses batch boundaries."""
    from customer_credit.worker.import_worker import ImportWorker

    services = app.state.services
    services.import_worker = ImportWorker(
        services.imports,
        services.account_batches,
        batch_size=3,
        lease_seconds=30,
        default_credit_limit_cents=100_00,
        poll_seconds=0.05,
        metrics=services.metrics,
    )
    services.import_worker.start()
    yield services.import_worker
    await services.import_worker.stop()


async def upload_csv(
    client: httpx.AsyncClient,
    content: bytes,
    mode: str = "CREATE",
    *,
    dry_run: bool = False,
    filename: str = "accounts.csv",
) -> dict:
    """A GraphQL multipart request, as the spec describes it."""
    import json

    operations = {"query": IMPORT_CSV, "variables": {"file": None, "mode": mode, "dryRun": dry_run}}
    response = await client.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.file"]})},
        files={"0": (filename, content, "text/csv")},
        headers={"Apollo-Require-Preflight": "true"},
    )
    assert response.status_code == 200, response.text
    return response.json()


async def wait_for_run(client: httpx.AsyncClient, run_id: str, timeout: float = 30.0) -> dict:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        data = await graphql(client, IMPORT_RUN, id=run_id)
        run = data["data"]["importRun"]
        if run["status"] in TERMINAL:
            return run
        assert asyncio.get_running_loop().time() < deadline, f"run {run_id} still {run['status']}"
        await asyncio.sleep(0.05)


async def import_and_wait(client: httpx.AsyncClient, content: bytes, mode: str = "CREATE", **kwargs) -> dict:
    payload = (await upload_csv(client, content, mode, **kwargs))["data"]["importCsv"]
    assert payload["errors"] == [], payload
    return await wait_for_run(client, payload["importRun"]["id"])
