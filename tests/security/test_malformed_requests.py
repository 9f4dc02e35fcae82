"""Bodies that strawberry's own parsing would turn into an HTTP 500: each is the client's mistake
and gets a 400 (graphql_parsing.HardenedRequestParsing), with nothing written."""

from __future__ import annotations

import json

import pytest

from customer_credit.persistence.database import ACCOUNTS, IMPORT_RUNS
from tests.support.imports import IMPORT_CSV

OPEN = 'mutation { openOrChangeAccount(input: {email: "x@example.com"}) { created } }'
CSV = b"Email\r\nmalformed@example.com\r\n"
PREFLIGHT = {"Apollo-Require-Preflight": "true"}


async def nothing_stored(database) -> bool:
    return all(
        [
            await database.collection(ACCOUNTS).count_documents({}) == 0,
            await database.collection(IMPORT_RUNS).count_documents({}) == 0,
        ]
    )


@pytest.mark.parametrize(
    "body",
    [b"5", b"null", b"true", b'"query"', b"\xff\xfe{\x00}", b'{"query": "' + b"\xc3\x28" + b'"}'],
    ids=["number", "null", "boolean", "string", "utf16-bom", "invalid-utf8"],
)
async def test_json_body_that_is_not_a_json_object_is_400(lenient, database, body):
    response = await lenient.post("/graphql", content=body, headers={"Content-Type": "application/json"})

    assert response.status_code == 400
    assert await nothing_stored(database)


async def test_json_number_with_too_many_digits_is_400(lenient, database):
    body = b'{"query": "{ __typename }", "variables": {"n": ' + b"9" * 5000 + b"}}"
    response = await lenient.post("/graphql", content=body, headers={"Content-Type": "application/json"})

    assert response.status_code == 400


async def test_json_nested_past_the_recursion_limit_is_400(lenient):
    body = b'{"query": "{ __typename }", "variables": {"x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}}"
    response = await lenient.post("/graphql", content=body, headers={"Content-Type": "application/json"})

    assert response.status_code in (400, 413)


def multipart_fields(operations: object, files_map: object) -> dict:
    as_text = lambda value: value if isinstance(value, str) else json.dumps(value)  # noqa: E731
    return {"operations": as_text(operations), "map": as_text(files_map)}


IMPORT = {"query": IMPORT_CSV, "variables": {"file": None, "mode": "CREATE"}}

BAD_MULTIPART = [
    pytest.param(5, {"0": ["variables.file"]}, id="operations-a-number"),
    pytest.param("{", {"0": ["variables.file"]}, id="operations-not-json"),
    pytest.param(IMPORT, 1, id="map-a-number"),
    pytest.param(IMPORT, [["variables.file"]], id="map-a-list"),
    pytest.param(IMPORT, {"0": "variables.file"}, id="map-paths-not-a-list"),
    pytest.param(IMPORT, {"0": [1]}, id="map-path-not-a-string"),
    pytest.param(IMPORT, {"0": ["variables.file.deeper"]}, id="map-path-through-a-null"),
    pytest.param(IMPORT, {"0": ["query.0"]}, id="map-path-into-the-query-text"),
    pytest.param(
        {**IMPORT, "variables": {"file": [], "mode": "CREATE"}},
        {"0": ["variables.file.5"]},
        id="map-path-to-a-missing-index",
    ),
    pytest.param(
        {**IMPORT, "variables": {"file": [None], "mode": "CREATE"}},
        {"0": ["variables.file.-1"]},
        id="map-path-with-a-negative-index",
    ),
    pytest.param(IMPORT, {"9": ["variables.file"]}, id="map-names-a-missing-file"),
]


@pytest.mark.parametrize(("operations", "files_map"), BAD_MULTIPART)
async def test_malformed_multipart_operations_or_map_is_400(lenient, database, operations, files_map):
    response = await lenient.post(
        "/graphql",
        data=multipart_fields(operations, files_map),
        files={"0": ("a.csv", CSV, "text/csv")},
        headers=PREFLIGHT,
    )

    assert response.status_code == 400
    assert await nothing_stored(database)


async def test_multipart_whose_operations_is_a_file_is_400(lenient, database):
    response = await lenient.post(
        "/graphql",
        data={"map": json.dumps({"0": ["variables.file"]})},
        files={
            "operations": ("ops.json", json.dumps(IMPORT).encode(), "application/json"),
            "0": ("a.csv", CSV, "text/csv"),
        },
        headers=PREFLIGHT,
    )

    assert response.status_code == 400
    assert await nothing_stored(database)


async def test_multipart_without_a_boundary_is_400(lenient, database):
    response = await lenient.post(
        "/graphql", content=b"--x\r\nbroken", headers={**PREFLIGHT, "Content-Type": "multipart/form-data"}
    )

    assert response.status_code == 400


async def test_well_formed_multipart_with_the_key_left_out_of_variables_is_served(client):
    """Some clients leave the placeholder out instead of writing `null`: the file still lands."""
    operations = {"query": IMPORT_CSV, "variables": {"mode": "CREATE"}}
    response = await client.post(
        "/graphql",
        data=multipart_fields(operations, {"0": ["variables.file"]}),
        files={"0": ("a.csv", CSV, "text/csv")},
        headers=PREFLIGHT,
    )

    assert response.status_code == 200, response.text
    assert response.json()["data"]["importCsv"]["errors"] == []


# --- WebSocket messages -----------------------------------------------------------------------

PROTOCOL = ["graphql-transport-ws"]


@pytest.fixture
def ws_client():
    """A synchronous client (WebSockets need one) of an app on its own in-process store."""
    import asyncio
    import uuid
    import warnings
    from pathlib import Path

    from customer_credit.http.app import create_app
    from customer_credit.settings import Settings
    from tests.support.mongomock import in_memory_database

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient

    database = in_memory_database(f"ws_{uuid.uuid4().hex[:8]}")
    asyncio.run(database.create_indexes())
    app = create_app(Settings(mongodb_uri="mongodb://unused", data_dir=Path("/nonexistent")), database=database)
    with TestClient(app) as client:
        yield client


@pytest.mark.parametrize(
    "message", ["not json", "5", "[]", '"text"', "{" * 100_000], ids=["prose", "number", "list", "string", "deep"]
)
def test_websocket_message_that_is_not_a_json_object_closes_with_4400(ws_client, message):
    with ws_client.websocket_connect("/graphql", subprotocols=PROTOCOL) as ws:
        ws.send_text(message)

        closed = ws.receive()

    assert closed["type"] == "websocket.close"
    assert closed["code"] == 4400
