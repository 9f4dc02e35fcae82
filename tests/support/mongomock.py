"""The in-process store of the fast tests: mongomock-motor."""

from __future__ import annotations

import uuid

from mongomock_motor import AsyncMongoMockClient

from customer_credit.persistence.database import Database, wrap


def in_memory_database(name: str | None = None) -> Database:
    """A fresh in-process database (no indexes yet: `await database.create_indexes()`)."""
    patch_bulk_update()
    client = AsyncMongoMockClient()
    return wrap(client, name or f"test_{uuid.uuid4().hex[:12]}")


def patch_bulk_update() -> None:
    """mongomock#912: with PyMongo >= 4.11 an UpdateOne in bulk_write passes `sort`, which mongomock
    does not accept. Test doubles only: production code runs the real driver."""
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
