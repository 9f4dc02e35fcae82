"""The OpenAPI document at /api/creditcontrol/openapi.json: generated from the route registry, and
every (operation, status) it documents is answered that way, with the documented body."""

from __future__ import annotations

from typing import Any

import pytest
import pytest_asyncio
from starlette.routing import Route

OPENAPI_URL = "/api/creditcontrol/openapi.json"
ACCOUNT_URL = "/api/creditcontrol/accounts/{}"
ACCOUNTS_URL = "/api/creditcontrol/accounts"
EXPORT_URL = "/accounts/export.csv"

OPEN_BODY = b'{"email": "open@example.com", "creditLimit": 1500.10}'
TAKEN_EMAIL_BODY = b'{"email": "taken@example.com"}'
BAD_EMAIL_BODY = b'{"email": "not-an-email"}'
OVERSIZED_BODY = b'{"description": "' + b"x" * 1_100_000 + b'"}'


@pytest_asyncio.fixture
async def document(client) -> dict:
    response = await client.get(OPENAPI_URL)
    assert response.status_code == 200
    return response.json()


@pytest_asyncio.fixture
async def seeded(client):
    for account_id, body in (
        ("acc-1", OPEN_BODY),
        ("acc-taken", TAKEN_EMAIL_BODY),
        ("acc-closed", b'{"email": "c@example.com"}'),
    ):
        assert (await client.put(ACCOUNT_URL.format(account_id), content=body)).status_code == 201
    assert (await client.delete(ACCOUNT_URL.format("acc-closed"))).status_code == 200


def resolve(schema: dict, document: dict) -> dict:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


JSON_TYPES = {
    "object": dict,
    "array": list,
    "string": str,
    "integer": int,
    "number": (int, float),
    "boolean": bool,
    "null": type(None),
}


def mismatches(schema: dict, value: Any, document: dict, where: str = "$") -> list[str]:
    """Where `value` breaks `schema`: types, required members, enums (the subset the document uses)."""
    schema = resolve(schema, document)
    types = schema.get("type")
    if types is not None:
        allowed = tuple(JSON_TYPES[t] for t in ([types] if isinstance(types, str) else types))
        if not isinstance(value, allowed) or (isinstance(value, bool) and bool not in allowed):
            return [f"{where}: {value!r} is not {types}"]
    problems = []
    if "enum" in schema and value not in schema["enum"]:
        problems.append(f"{where}: {value!r} not in {schema['enum']}")
    if isinstance(value, dict):
        problems += [f"{where}.{name}: missing" for name in schema.get("required", []) if name not in value]
        for name, member in schema.get("properties", {}).items():
            if name in value:
                problems += mismatches(member, value[name], document, f"{where}.{name}")
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            problems += mismatches(schema["items"], item, document, f"{where}[{index}]")
    return problems


# One request per documented (operationId, status); each gets the clients and the database switch.
SCENARIOS = {
    ("openOrChangeAccount", 200): lambda c: c.key.put(ACCOUNT_URL.format("acc-1"), content=b'{"creditLimit": 7}'),
    ("openOrChangeAccount", 201): lambda c: c.key.put(
        ACCOUNT_URL.format("acc-new"), content=OPEN_BODY.replace(b"open@", b"new@")
    ),
    ("openOrChangeAccount", 400): lambda c: c.key.put(ACCOUNT_URL.format("acc-new"), content=BAD_EMAIL_BODY),
    ("openOrChangeAccount", 401): lambda c: c.anonymous.put(ACCOUNT_URL.format("acc-new"), content=OPEN_BODY),
    ("openOrChangeAccount", 403): lambda c: c.reader.put(ACCOUNT_URL.format("acc-new"), content=OPEN_BODY),
    ("openOrChangeAccount", 409): lambda c: c.key.put(ACCOUNT_URL.format("acc-new"), content=TAKEN_EMAIL_BODY),
    ("openOrChangeAccount", 413): lambda c: c.key.put(ACCOUNT_URL.format("acc-1"), content=OVERSIZED_BODY),
    ("openOrChangeAccount", 503): lambda c: c.down(c.key.put(ACCOUNT_URL.format("acc-1"), content=OPEN_BODY)),
    ("getAccount", 200): lambda c: c.reader.get(ACCOUNT_URL.format("acc-1")),
    ("getAccount", 400): lambda c: c.key.get(ACCOUNT_URL.format("a.b")),
    ("getAccount", 401): lambda c: c.anonymous.get(ACCOUNT_URL.format("acc-1")),
    ("getAccount", 403): lambda c: c.writer.get(ACCOUNT_URL.format("acc-1")),
    ("getAccount", 404): lambda c: c.key.get(ACCOUNT_URL.format("nobody")),
    ("getAccount", 503): lambda c: c.down(c.key.get(ACCOUNT_URL.format("acc-1"))),
    ("closeAccount", 200): lambda c: c.key.delete(ACCOUNT_URL.format("acc-1")),
    ("closeAccount", 400): lambda c: c.key.delete(ACCOUNT_URL.format("a.b")),
    ("closeAccount", 401): lambda c: c.anonymous.delete(ACCOUNT_URL.format("acc-1")),
    ("closeAccount", 403): lambda c: c.reader.delete(ACCOUNT_URL.format("acc-1")),
    ("closeAccount", 404): lambda c: c.key.delete(ACCOUNT_URL.format("nobody")),
    ("closeAccount", 409): lambda c: c.key.delete(ACCOUNT_URL.format("acc-closed")),
    ("closeAccount", 503): lambda c: c.down(c.key.delete(ACCOUNT_URL.format("acc-1"))),
    ("searchAccounts", 200): lambda c: c.reader.get(ACCOUNTS_URL, params={"from": 1, "to": 2, "status": "Open"}),
    ("searchAccounts", 400): lambda c: c.key.get(ACCOUNTS_URL, params={"from": 1, "to": 101}),
    ("searchAccounts", 401): lambda c: c.anonymous.get(ACCOUNTS_URL),
    ("searchAccounts", 403): lambda c: c.writer.get(ACCOUNTS_URL),
    ("searchAccounts", 503): lambda c: c.down(c.key.get(ACCOUNTS_URL)),
    ("openApiDocument", 200): lambda c: c.writer.get(OPENAPI_URL),
    ("openApiDocument", 401): lambda c: c.anonymous.get(OPENAPI_URL),
    ("openApiDocument", 503): lambda c: c.down(c.key.get(OPENAPI_URL), "api_keys"),
    ("exportAccounts", 200): lambda c: c.key.get(EXPORT_URL, params={"status": "OPEN"}),
    ("exportAccounts", 400): lambda c: c.key.get(EXPORT_URL, params={"documentType": "RG"}),
    ("exportAccounts", 401): lambda c: c.anonymous.get(EXPORT_URL),
    ("exportAccounts", 403): lambda c: c.reader.get(EXPORT_URL),
    ("exportAccounts", 503): lambda c: c.down(c.key.get(EXPORT_URL)),
}


class Callers:
    def __init__(self, key, reader, writer, anonymous, down):
        self.key, self.reader, self.writer, self.anonymous = key, reader, writer, anonymous
        self._down = down

    def down(self, request, repository: str = "accounts"):
        """The request, sent once `repository` fails as a lost database does (by default the
        accounts: API keys still work)."""
        self._down(repository)
        return request


def documented(document: dict) -> list[tuple[str, str, str, int, dict]]:
    return [
        (path, method, operation["operationId"], int(status), response)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        for status, response in operation["responses"].items()
    ]


async def test_document_is_openapi_3_1_with_both_auth_styles(document):
    assert document["openapi"] == "3.1.0"
    assert document["info"]["title"] and document["info"]["version"]
    schemes = document["components"]["securitySchemes"]
    assert schemes["bearerAuth"]["scheme"] == "bearer"
    assert {schemes["appKey"]["name"], schemes["appToken"]["name"]} == {"X-VTEX-API-AppKey", "X-VTEX-API-AppToken"}
    assert document["security"] == [{"bearerAuth": []}, {"appKey": [], "appToken": []}]


async def test_document_lists_exactly_the_apps_rest_and_export_routes(app, document):
    served = {
        (route.path, method.lower())
        for route in app.routes
        if isinstance(route, Route)
        and (route.path.startswith("/api/creditcontrol/") or route.path == EXPORT_URL)
        and "{rest:path}" not in route.path
        for method in route.methods - {"HEAD"}
    }

    assert {(path, method) for path, item in document["paths"].items() for method in item} == served


async def test_account_schema_is_built_from_the_fields_the_routes_return(client, document, seeded):
    account = (await client.get(ACCOUNT_URL.format("acc-1"))).json()

    schema = document["components"]["schemas"]["Account"]
    assert set(schema["required"]) == set(schema["properties"]) == set(account)


async def test_request_schema_lists_the_put_body_members(document):
    schema = document["components"]["schemas"]["AccountRequest"]

    assert set(schema["properties"]) == {
        "email",
        "creditLimit",
        "document",
        "documentType",
        "tolerance",
        "description",
        "expectedVersion",
    }


async def test_every_documented_status_has_a_scenario_here(document):
    assert {(operation_id, status) for _, _, operation_id, status, _ in documented(document)} == set(SCENARIOS)


@pytest.mark.parametrize(("operation_id", "status"), sorted(SCENARIOS))
async def test_every_route_answers_as_documented(
    client, client_with, anonymous, seeded, database_down, document, operation_id, status
):
    callers = Callers(
        client, await client_with("accounts:read"), await client_with("accounts:write"), anonymous, database_down
    )
    response_doc = next(r for _, _, o, s, r in documented(document) if (o, s) == (operation_id, status))

    response = await SCENARIOS[(operation_id, status)](callers)

    assert response.status_code == status, response.text
    content = response_doc.get("content")
    if content is None:
        assert response.content == b""
        return
    ((media_type, body),) = content.items()
    assert response.headers["content-type"].startswith(media_type)
    for header in response_doc.get("headers", {}):
        assert header.lower() in response.headers, header
    if media_type == "application/json":
        assert mismatches(body["schema"], response.json(), document) == []
