"""The account operations as GraphQL constants, and calls that use them through an in-process client."""

from __future__ import annotations

from typing import Any

import httpx

from customer_credit.persistence.database import ACCOUNT_EVENTS, ACCOUNTS, Database

from .graphql import graphql, payload_of

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

ACCOUNT_WITH_HISTORY = """
query AccountWithHistory($id: ID!) {
  account(id: $id) {
    id email documentType document creditLimit tolerance status description version
    history(first: 100) { totalCount nodes { version actor source importRunId changes { field from to } } }
  }
}
"""

ACCOUNTS_TOTAL = """
query AccountsTotal { accounts(first: 0) { totalCount } }
"""

ACCOUNT_BY_EMAIL = """
query AccountByEmail($email: String!) {
  accounts(first: 10, filter: {email: $email}) {
    totalCount
    nodes { id email documentType document creditLimit tolerance status description version }
  }
}
"""


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


async def account_with_history(client: httpx.AsyncClient, account_id: str) -> dict | None:
    return payload_of(await graphql(client, ACCOUNT_WITH_HISTORY, id=account_id), "account")


async def accounts_by_email(client: httpx.AsyncClient, email: str) -> list[dict]:
    return payload_of(await graphql(client, ACCOUNT_BY_EMAIL, email=email), "accounts")["nodes"]


async def account_by_email(client: httpx.AsyncClient, email: str) -> dict:
    found = await accounts_by_email(client, email)
    assert len(found) == 1, found
    return found[0]


async def accounts_total(client: httpx.AsyncClient) -> int:
    return payload_of(await graphql(client, ACCOUNTS_TOTAL), "accounts")["totalCount"]


async def stored_state(database: Database) -> tuple[list[dict], list[dict]]:
    """Every account and every event, straight from the store."""
    accounts = await database.collection(ACCOUNTS).find({}).sort("_id", 1).to_list(length=None)
    events = await database.collection(ACCOUNT_EVENTS).find({}).sort("_id", 1).to_list(length=None)
    return accounts, events
