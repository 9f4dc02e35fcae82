"""The one Motor client of the process and the collections the service uses."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pymongo
from motor.motor_asyncio import AsyncIOMotorClient, AsyncIOMotorCollection, AsyncIOMotorDatabase
from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.errors import ConnectionFailure, ExecutionTimeout, PyMongoError

# Driver failures, named here so that the layers above persistence never import the driver.
DatabaseError = PyMongoError
ConnectionLost = ConnectionFailure
# What "the database is unavailable right now" looks like from the driver (timeouts included).
UNAVAILABLE = (ConnectionFailure, ExecutionTimeout)

ACCOUNTS = "accounts"
ACCOUNT_EVENTS = "account_events"
API_KEYS = "api_keys"
IMPORT_RUNS = "import_runs"
IMPORT_CHUNKS = "import_file_chunks"
IMPORT_ROW_ERRORS = "import_row_errors"
CREDIT_TRANSACTIONS = "credit_transactions"
INVOICES = "invoices"
STATEMENT_ENTRIES = "statement_entries"
IDEMPOTENCY_KEYS = "idempotency_keys"
EMAIL_CLAIMS = "email_claims"  # `_id`: an email key; its unique `_id` index is the one it needs (email_claims.py)
STORE_SETTINGS = "store_settings"  # one document, `_id: "store"`; no index beyond `_id`
INVOICE_TOTALS = "invoice_totals"  # one document, `_id: "invoices"`; no index beyond `_id` (invoice_totals.py)
UPGRADES = "upgrades"  # `_id`: the name of a start-up upgrade that has completed (upgrades.py)

INDEXES: dict[str, list[IndexModel]] = {
    ACCOUNTS: [
        # Present only while the account is OPEN, so uniqueness holds among open accounts
        # (partial indexes are not honoured by every backend; sparse ones are).
        IndexModel([("email_key", ASCENDING)], unique=True, sparse=True, name="email_key_open_unique"),
        IndexModel([("document_key", ASCENDING)], unique=True, sparse=True, name="document_key_open_unique"),
        IndexModel([("document", ASCENDING)], name="document"),
        # The lower-cased id: a search by id prefix in any case (persistence/accounts.py: id_key).
        IndexModel([("id_key", ASCENDING)], name="id_key"),
        # One unique-per-account key per order (see persistence/accounts.py: SORT_FIELDS).
        IndexModel([("created_sort", ASCENDING)], name="created_sort"),
        IndexModel([("updated_sort", ASCENDING)], name="updated_sort"),
        IndexModel([("email_sort", ASCENDING)], name="email_sort"),
        IndexModel([("limit_sort", ASCENDING)], name="limit_sort"),
        # Accounts with a money operation whose documents may not be written yet (persistence/ledger.py).
        IndexModel([("pending_at", ASCENDING)], sparse=True, name="pending_at"),
        # Accounts with a change of the invoice totals not yet flushed (persistence/invoice_totals.py).
        IndexModel([("totals_at", ASCENDING)], sparse=True, name="totals_at"),
        # Closed accounts only (sparse): what counts them (persistence/accounts.py, CLOSED_BY_INDEX).
        IndexModel([("closed_key", ASCENDING)], sparse=True, name="closed_key"),
    ],
    ACCOUNT_EVENTS: [
        IndexModel([("account_id", ASCENDING), ("version", DESCENDING)], name="account_version"),
    ],
    API_KEYS: [IndexModel([("secret_hash", ASCENDING)], unique=True, name="secret_hash_unique")],
    IMPORT_RUNS: [
        IndexModel([("created_at", DESCENDING)], name="created_at"),
        IndexModel([("status", ASCENDING)], name="status"),
    ],
    IMPORT_CHUNKS: [IndexModel([("run_id", ASCENDING), ("n", ASCENDING)], unique=True, name="run_chunk")],
    IMPORT_ROW_ERRORS: [IndexModel([("run_id", ASCENDING), ("row", ASCENDING), ("seq", ASCENDING)], name="run_row")],
    # An account's transactions and invoices: the embedded server plans an equality only from a one-field
    # index (on `account_id, …` it read the whole collection: 8 ms a page at 20,000 accounts with credit,
    # growing with the store); MongoDB pages them along the two-field one.
    CREDIT_TRANSACTIONS: [
        IndexModel([("account_id", ASCENDING)], name="account"),
        IndexModel([("account_id", ASCENDING), ("created_sort", DESCENDING)], name="account_created"),
        IndexModel([("status", ASCENDING), ("expires_at", ASCENDING)], name="status_expiry"),
    ],
    INVOICES: [
        IndexModel([("account_id", ASCENDING)], name="account"),
        IndexModel([("account_id", ASCENDING), ("due_sort", ASCENDING)], name="account_due"),
        IndexModel([("due_sort", ASCENDING)], name="due"),
        # What `invoiceTotals` groups and sums, by status and due date: the embedded server answers the
        # `$group` from this index alone instead of reading every invoice (300,000: 489 -> 28 ms; the
        # overdue ones 243 -> 80 ms), and MongoDB can cover it the same way.
        IndexModel(
            [("status", ASCENDING), ("due_sort", ASCENDING), ("amount_cents", ASCENDING)], name="status_due_amount"
        ),
        IndexModel([("transaction_id", ASCENDING)], name="transaction"),
        # OPEN invoices only (sparse): the overdue ones as one range (persistence/ledger.py: OPEN_DUE).
        IndexModel([("open_due", ASCENDING)], sparse=True, name="open_due"),
    ],
    IDEMPOTENCY_KEYS: [IndexModel([("at", ASCENDING)], name="at")],
    # An account's statement, one range (persistence/ledger.py: ENTRY_KEY).
    STATEMENT_ENTRIES: [IndexModel([("entry_key", ASCENDING)], name="entry_key")],
}


@dataclass
class Database:
    """A database handle plus its client, so the lifespan can close what it opened."""

    client: AsyncIOMotorClient
    db: AsyncIOMotorDatabase

    def collection(self, name: str) -> AsyncIOMotorCollection:
        return self.db[name]

    async def ping(self) -> bool:
        try:
            await self.db.command("ping")
        except PyMongoError:
            return False
        return True

    async def create_indexes(self) -> None:
        for name, models in INDEXES.items():
            await self.db[name].create_indexes(models)

    def close(self) -> None:
        self.client.close()


def connect(uri: str, database: str, *, timeout_ms: int = 5000) -> Database:
    """Bounded timeouts everywhere, so an unreachable store fails fast instead of hanging."""
    client: AsyncIOMotorClient[dict[str, Any]] = AsyncIOMotorClient(
        uri,
        tz_aware=True,
        serverSelectionTimeoutMS=timeout_ms,
        connectTimeoutMS=timeout_ms,
        socketTimeoutMS=max(timeout_ms * 6, 30_000),
        uuidRepresentation="standard",
    )
    return Database(client=client, db=client[database])


@contextmanager
def database_deadline(seconds: float) -> Iterator[None]:
    """Every database operation inside shares one deadline, the driver's client-side operation timeout,
    retries included: a database that stops answering (a frozen process, a partition without a reset)
    fails them once it passes, where a socket read would wait for the driver's next heartbeat."""
    with pymongo.timeout(seconds):
        yield


def wrap(client, database: str) -> Database:
    """Adopt an existing client (tests hand in a mongomock-motor client)."""
    return Database(client=client, db=client[database])
