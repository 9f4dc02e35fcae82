"""What the API tests share: the account operations as constants, valid documents, a database
outage, and helpers.

The fixtures `database`, `app`, `client`, `anonymous` and `client_with` come from
tests/conftest.py; every test here runs on both backends.
"""

from __future__ import annotations

import inspect
import json
from typing import Any

import httpx
import pytest
from pymongo.errors import ServerSelectionTimeoutError

from customer_credit.persistence.database import ACCOUNT_EVENTS, ACCOUNTS, Database
from tests.conftest import graphql

# Valid documents, as a person would type them (punctuation included).
CPF = "529.982.247-25"
CPF_COMPACT = "52998224725"
OTHER_CPF = "111.444.777-35"
CNPJ = "11.222.333/0001-81"
CNPJ_COMPACT = "11222333000181"
ALPHANUMERIC_CNPJ = "12.ABC.345/01DE-35"

ACCOUNT_FIELDS = """
  id email documentType document creditLimit tolerance status description createdAt updatedAt version
"""

OPEN_OR_CHANGE = f"""
mutation OpenOrChange($input: OpenOrChangeAccountInput!) {{
  openOrChangeAccount(input: $input) {{
    created
    errors {{ field code message }}
    account {{ {ACCOUNT_FIELDS} }}
  }}
}}
"""

CLOSE = f"""
mutation Close($id: ID!) {{
  closeAccount(id: $id) {{
    errors {{ field code message }}
    account {{ {ACCOUNT_FIELDS} }}
  }}
}}
"""

ACCOUNT = f"""
query Account($id: ID!) {{
  account(id: $id) {{ {ACCOUNT_FIELDS} }}
}}
"""


def payload_of(result: dict, operation: str) -> dict:
    assert "errors" not in result, result.get("errors")
    return result["data"][operation]


async def open_or_change(client: httpx.AsyncClient, **input: Any) -> dict:
    """The openOrChangeAccount payload; the request itself must be well-formed."""
    return payload_of(await graphql(client, OPEN_OR_CHANGE, input=input), "openOrChangeAccount")


async def open_account(client: httpx.AsyncClient, **input: Any) -> dict:
    """Open (or change) an account that must succeed; its fields."""
    payload = await open_or_change(client, **input)
    assert payload["errors"] == [], payload["errors"]
    return payload["account"]


async def close_account(client: httpx.AsyncClient, account_id: str) -> dict:
    return payload_of(await graphql(client, CLOSE, id=account_id), "closeAccount")


async def fetch_account(client: httpx.AsyncClient, account_id: str) -> dict | None:
    return payload_of(await graphql(client, ACCOUNT, id=account_id), "account")


def codes(payload: dict) -> list[str]:
    return [error["code"] for error in payload["errors"]]


def error_codes(result: dict) -> list[str | None]:
    """The `extensions.code` of each top-level GraphQL error."""
    return [error.get("extensions", {}).get("code") for error in result.get("errors", [])]


async def post_raw(
    client: httpx.AsyncClient, body: bytes | str, content_type: str = "application/json"
) -> httpx.Response:
    return await client.post("/graphql", content=body, headers={"Content-Type": content_type})


def request_body(query: str, **variables: Any) -> bytes:
    """A JSON body built by hand, so that values httpx would refuse (lone surrogates) can be sent escaped."""
    return json.dumps({"query": query, "variables": variables}).encode()


async def stored_state(database: Database) -> tuple[list[dict], list[dict]]:
    """Every account and every event, straight from the store."""
    accounts = await database.collection(ACCOUNTS).find({}).sort("_id", 1).to_list(length=None)
    events = await database.collection(ACCOUNT_EVENTS).find({}).sort("_id", 1).to_list(length=None)
    return accounts, events


@pytest.fixture
def unchanged_store(database: Database):
    """`async with unchanged_store():` asserts that the block wrote no account and no event."""

    class Unchanged:
        async def __aenter__(self):
            self.before = await stored_state(database)

        async def __aexit__(self, *exc_info):
            if exc_info[0] is None:
                assert await stored_state(database) == self.before, "the request wrote to the store"

    return Unchanged


# What the driver says when it cannot reach the database: internals no client may ever see.
DRIVER_DETAIL = "db-7.internal.example.net:27017: [Errno 111] Connection refused, Topology Description: <...>"


@pytest.fixture
def database_down(app, monkeypatch):
    """`database_down()`: from then on every call to the app's repositories raises what the driver
    raises when it cannot reach the database (ServerSelectionTimeoutError), the API-key lookup
    included. `database_down("imports")`: only those repositories (`Services` attribute names)."""

    async def unreachable(*args: Any, **kwargs: Any) -> Any:
        raise ServerSelectionTimeoutError(DRIVER_DETAIL)

    async def unreachable_rows(*args: Any, **kwargs: Any) -> Any:
        raise ServerSelectionTimeoutError(DRIVER_DETAIL)
        yield

    def down(*repositories: str) -> None:
        services = app.state.services
        for name in repositories or ("api_keys", "accounts", "imports", "account_batches"):
            repository = getattr(services, name)
            for method, function in inspect.getmembers(type(repository), inspect.isfunction):
                if inspect.iscoroutinefunction(function):
                    monkeypatch.setattr(repository, method, unreachable)
                elif inspect.isasyncgenfunction(function):
                    monkeypatch.setattr(repository, method, unreachable_rows)

    return down
