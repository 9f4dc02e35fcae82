"""The embedded server's process: each write command is one SQLite transaction whose documents still
succeed or fail one by one, text is never read as a date, and an aggregation does not count the whole
collection first. The handler runs in this process, its
SQL traced; the same behaviour over the wire is in tests/api (both backends)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from motor.motor_asyncio import AsyncIOMotorClient
from neosqlite.collection import datetime_utils
from neosqlite.collection.aggregation_cursor import AggregationCursor
from nx_27017.handler import NeoSQLiteHandler

from customer_credit.persistence import embedded_process


@pytest.fixture
def handler(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> NeoSQLiteHandler:
    """A handler with the process's changes made, undone after the test."""
    for name in ("handle_insert", "handle_command"):
        monkeypatch.setattr(NeoSQLiteHandler, name, getattr(NeoSQLiteHandler, name))
    monkeypatch.setattr(datetime_utils, "is_datetime_value", datetime_utils.is_datetime_value)
    monkeypatch.setattr(AggregationCursor, "_estimate_result_size", AggregationCursor._estimate_result_size)
    embedded_process.commit_each_write_command_once()
    embedded_process.compare_text_as_text()
    embedded_process.aggregate_without_counting_the_collection()
    return NeoSQLiteHandler(data_dir=str(tmp_path))


def traced(handler: NeoSQLiteHandler) -> list[str]:
    statements: list[str] = []
    handler.get_database("t").db.set_trace_callback(statements.append)
    return statements


def command(body: dict, **payload: list) -> dict:
    sections = [("body", {**body, "$db": "t"})]
    sections += [("payload", {name: documents}) for name, documents in payload.items()]
    return {"request_id": 1, "sections": sections}


def transactions(statements: list[str]) -> list[str]:
    return [s for s in statements if s in ("BEGIN", "COMMIT", "ROLLBACK")]


def test_an_insert_commits_all_its_documents_once(handler):
    statements = traced(handler)

    _, answer = handler.handle_insert(command({"insert": "c"}, documents=[{"_id": n} for n in range(3)]))

    assert answer["n"] == 3
    assert transactions(statements) == ["BEGIN", "COMMIT"]
    assert sum(s.startswith("INSERT INTO c(") for s in statements) == 3


def test_a_duplicate_in_an_unordered_insert_fails_alone(handler):
    handler.handle_insert(command({"insert": "c"}, documents=[{"_id": 1}]))

    _, answer = handler.handle_insert(
        command({"insert": "c", "ordered": False}, documents=[{"_id": 0}, {"_id": 1}, {"_id": 2}])
    )

    assert answer["n"] == 2
    assert [error["index"] for error in answer["writeErrors"]] == [1]
    assert handler.get_database("t")["c"].count_documents({}) == 3


def test_the_updates_of_a_bulk_write_commit_once(handler):
    handler.handle_insert(command({"insert": "c"}, documents=[{"_id": n, "v": 0} for n in range(3)]))
    statements = traced(handler)
    updates = [{"q": {"_id": n}, "u": {"$set": {"v": 1}}} for n in range(3)]

    _, answer = handler.handle_command(command({"update": "c", "ordered": False}, updates=updates))

    assert (answer["n"], answer["nModified"]) == (3, 3)
    assert transactions(statements) == ["BEGIN", "COMMIT"]


def test_a_read_is_not_wrapped_in_a_transaction(handler):
    handler.handle_insert(command({"insert": "c"}, documents=[{"_id": 1}]))
    statements = traced(handler)

    handler.handle_command(command({"count": "c", "query": {}}))

    assert transactions(statements) == []


def test_text_that_starts_like_a_date_is_not_a_date(handler):
    assert not datetime_utils.is_datetime_value("2024-01-15-a")
    assert datetime_utils.is_datetime_value({"$date": datetime(2024, 1, 15)})


def test_an_aggregation_reads_what_it_matches_without_counting_the_collection(handler):
    handler.handle_insert(command({"insert": "c"}, documents=[{"_id": n, "k": n % 2} for n in range(4)]))
    statements = traced(handler)
    pipeline = [{"$match": {"k": 1}}, {"$count": "n"}]

    _, answer = handler.handle_command(command({"aggregate": "c", "pipeline": pipeline, "cursor": {}}))

    assert answer["cursor"]["firstBatch"] == [{"n": 2}]
    assert [s for s in statements if s.startswith("SELECT COUNT(1) FROM c")] == []


@pytest.mark.integration
async def test_a_transaction_of_the_client_is_left_to_it(embedded_uri):
    client: AsyncIOMotorClient = AsyncIOMotorClient(embedded_uri)
    collection = client["client_transaction"]["c"]
    try:
        await collection.insert_one({"_id": 0})
        async with await client.start_session() as session:
            async with session.start_transaction():
                await collection.insert_many([{"_id": 1}, {"_id": 2}], session=session)
                await session.abort_transaction()
        assert await collection.count_documents({}) == 1
    finally:
        await client.drop_database("client_transaction")
        client.close()
