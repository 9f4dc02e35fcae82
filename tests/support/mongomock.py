"""The in-process store of the fast tests: mongomock-motor, made to interleave like a real database.

mongomock-motor answers every call without ever giving the event loop a turn, so requests that
run "concurrently" in one loop would still run one after another, each from its first read to its
last write, and no race between them could happen. Here every database call (each collection
method, each cursor's `to_list` and next document, each command) first yields to the event loop
(`asyncio.sleep(0)`), so concurrent requests interleave at every round trip, as they do on a
real server.
"""

from __future__ import annotations

import asyncio
import inspect
import uuid
from typing import Any

from bson import decode
from bson.raw_bson import RawBSONDocument
from mongomock_motor import AsyncMongoMockClient

from customer_credit.persistence.database import Database


def yielding(method):
    """`method` (a coroutine function) that first lets the other tasks of the loop run."""

    async def call(*args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(0)
        return await method(*args, **kwargs)

    return call


class InterleavingCursor:
    def __init__(self, cursor: Any) -> None:
        self._cursor = cursor

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._cursor, name)
        if inspect.iscoroutinefunction(attribute):
            return yielding(attribute)
        if not callable(attribute):
            return attribute

        def chained(*args: Any, **kwargs: Any) -> Any:  # sort(), limit()... return the cursor itself
            result = attribute(*args, **kwargs)
            return self if result is self._cursor else result

        return chained

    def __aiter__(self) -> InterleavingCursor:
        return self

    async def __anext__(self) -> Any:
        await asyncio.sleep(0)
        return await self._cursor.__anext__()


class InterleavingCollection:
    def __init__(self, collection: Any) -> None:
        self._collection = collection

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._collection, name)
        return yielding(attribute) if inspect.iscoroutinefunction(attribute) else attribute

    async def insert_many(self, documents: Any, *args: Any, **kwargs: Any) -> Any:
        """mongomock takes no `RawBSONDocument`, which PyMongo sends as it is: decoded here."""
        await asyncio.sleep(0)
        plain = [decode(d.raw) if isinstance(d, RawBSONDocument) else d for d in documents]
        return await self._collection.insert_many(plain, *args, **kwargs)

    def find(self, *args: Any, **kwargs: Any) -> InterleavingCursor:
        return InterleavingCursor(self._collection.find(*args, **kwargs))

    def aggregate(self, *args: Any, **kwargs: Any) -> InterleavingCursor:
        return InterleavingCursor(self._collection.aggregate(*args, **kwargs))

    def list_indexes(self, *args: Any, **kwargs: Any) -> InterleavingCursor:
        return InterleavingCursor(self._collection.list_indexes(*args, **kwargs))


class InterleavingDatabase:
    def __init__(self, database: Any) -> None:
        self._database = database

    def __getitem__(self, name: str) -> InterleavingCollection:
        return InterleavingCollection(self._database[name])

    def get_collection(self, *args: Any, **kwargs: Any) -> InterleavingCollection:
        return InterleavingCollection(self._database.get_collection(*args, **kwargs))

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._database, name)
        return yielding(attribute) if inspect.iscoroutinefunction(attribute) else attribute


def in_memory_database(name: str | None = None) -> Database:
    """A fresh in-process database (no indexes yet: `await database.create_indexes()`)."""
    patch_bulk_update()
    client = AsyncMongoMockClient()
    return Database(client=client, db=InterleavingDatabase(client[name or f"test_{uuid.uuid4().hex[:12]}"]))


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
