"""The app's lifespan: it owns the database (and the embedded server when no MONGODB_URI is set),
the first admin key of an empty store, and the import worker."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable

from starlette.applications import Starlette
from starlette.types import StatelessLifespan

from customer_credit.domain.money import decimal_to_cents
from customer_credit.graphql.context import Services
from customer_credit.observability.metrics import Metrics
from customer_credit.persistence.database import Database, connect
from customer_credit.persistence.embedded import EmbeddedMongo
from customer_credit.persistence.upgrades import run_once
from customer_credit.settings import Settings
from customer_credit.usecases.credit import keep_invoice_totals
from customer_credit.worker.credit_sweeper import CreditSweeper
from customer_credit.worker.import_worker import ImportWorker

ADMIN_KEY_NAME = "admin"


def import_worker(services: Services) -> ImportWorker:
    settings = services.settings
    return ImportWorker(
        services.imports,
        services.account_batches,
        services.ledgers,
        batch_size=settings.import_batch_size,
        lease_seconds=settings.import_lease_seconds,
        default_credit_limit_cents=decimal_to_cents(settings.default_credit_limit),
        metrics=services.metrics,
    )


async def bootstrap_admin_key(services: Services, announce: Callable[[str], None]) -> None:
    """On the first start of an empty store, create an admin key so GraphiQL can be used at once."""
    if await services.api_keys.is_empty():
        secret = await services.api_keys.create(ADMIN_KEY_NAME, frozenset({"admin"}))
        announce(secret)


def lifespan(
    settings: Settings,
    metrics: Metrics,
    database: Database | None,
    announce_admin_key: Callable[[str], None] | None,
) -> StatelessLifespan[Starlette]:
    """With `database` given (tests), the app uses it as is: no worker, no indexes."""

    @contextlib.asynccontextmanager
    async def run(app: Starlette) -> AsyncIterator[None]:
        if database is not None:
            app.state.services = Services.build(settings, database, metrics)
            yield
            return
        async with contextlib.AsyncExitStack() as stack:
            uri = settings.mongodb_uri
            if uri is None:
                embedded = EmbeddedMongo(settings.data_dir)
                uri = await embedded.start()
                stack.push_async_callback(embedded.stop)
            connected = connect(uri, settings.mongodb_database, timeout_ms=settings.mongodb_timeout_ms)
            stack.callback(connected.close)
            await connected.create_indexes()
            services = Services.build(settings, connected, metrics)
            if announce_admin_key is not None:
                await bootstrap_admin_key(services, announce_admin_key)
            await run_once(connected, "account-ledgers", services.accounts.add_missing_ledgers)
            await run_once(connected, "email-claims", services.accounts.claim_unclaimed_emails)
            await run_once(connected, "id-keys", services.accounts.add_id_keys)
            await run_once(connected, "closed-keys", services.accounts.add_closed_keys)
            await run_once(connected, "entry-keys", services.ledger.add_entry_keys)
            await run_once(connected, "open-dues", services.ledger.add_open_dues)
            await run_once(connected, "invoice-totals", lambda: keep_invoice_totals(services.ledger))
            services.import_worker = import_worker(services)
            services.import_worker.start()
            stack.push_async_callback(services.import_worker.stop)
            sweeper = CreditSweeper(services.ledger)
            sweeper.start()
            stack.push_async_callback(sweeper.stop)
            app.state.services = services
            yield

    return run
