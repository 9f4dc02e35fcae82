"""Fixtures shared by every test: a database on each backend, the app, and clients carrying API keys.

The `database` fixture runs each test twice: on mongomock-motor (in process) and on the
embedded nx-27017 server over a real socket (marked `integration`). Helpers live in tests/support.
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
from hypothesis import settings as hypothesis_settings

from customer_credit.http.app import create_app
from customer_credit.persistence.database import Database, connect
from customer_credit.persistence.embedded import EmbeddedMongo
from customer_credit.persistence.invoice_totals import InvoiceTotalsRepository
from customer_credit.settings import Settings
from tests.support.clients import http_client, make_key
from tests.support.mongomock import in_memory_database

BACKENDS = ["mongomock", pytest.param("embedded", marks=pytest.mark.integration)]

# The property tests specify behaviour, not speed: no per-example wall-clock deadline, whose 200 ms
# default a GC pause or a busy 2-core machine exceeds now and then (a FlakyFailure, not a finding).
hypothesis_settings.register_profile("customer-credit", deadline=None)
hypothesis_settings.load_profile("customer-credit")


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
        db = in_memory_database(name)
    else:
        db = connect(request.getfixturevalue("embedded_uri"), name, timeout_ms=5000)
    await db.create_indexes()
    await InvoiceTotalsRepository(db).build()  # as the first start of `serve` does
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


@pytest_asyncio.fixture
async def client(app, database: Database) -> AsyncIterator[httpx.AsyncClient]:
    """A client whose key has every scope."""
    async with http_client(app, await make_key(database, "tester", {"admin"})) as c:
        yield c


@pytest_asyncio.fixture
async def lenient(app, database) -> AsyncIterator[httpx.AsyncClient]:
    """An admin client that sees a crash as the 500 a real server would send, instead of an exception."""
    async with http_client(app, await make_key(database, "lenient", {"admin"}), raise_app_exceptions=False) as c:
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


@pytest_asyncio.fixture
async def worker(app):
    """The background import worker, with small batches so that every test crosses batch boundaries."""
    from customer_credit.worker.import_worker import ImportWorker

    services = app.state.services
    services.import_worker = ImportWorker(
        services.imports,
        services.account_batches,
        services.ledgers,
        batch_size=3,
        lease_seconds=30,
        default_credit_limit_cents=100_00,
        poll_seconds=0.05,
        metrics=services.metrics,
    )
    services.import_worker.start()
    yield services.import_worker
    await services.import_worker.stop()
