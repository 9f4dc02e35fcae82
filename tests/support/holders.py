"""Holder emails and the checkout lookup as GraphQL constants, and calls that use them through an
in-process client; the REST paths of holders."""

from __future__ import annotations

from typing import Any

import httpx

from .graphql import graphql, payload_of

HOLDER_ACCOUNT_FIELDS = "id email status version holders { id email addedAt }"

ADD_HOLDER = f"""
mutation AddHolder($accountId: ID!, $email: String!) {{
  addAccountHolder(accountId: $accountId, email: $email) {{
    account {{ {HOLDER_ACCOUNT_FIELDS} }}
    errors {{ field code message }}
  }}
}}
"""

REMOVE_HOLDER = f"""
mutation RemoveHolder($accountId: ID!, $email: String!) {{
  removeAccountHolder(accountId: $accountId, email: $email) {{
    account {{ {HOLDER_ACCOUNT_FIELDS} }}
    errors {{ field code message }}
  }}
}}
"""

LOOKUP_BY_EMAIL = f"""
query LookupByEmail($email: String!) {{
  accountByEmail(email: $email) {{ {HOLDER_ACCOUNT_FIELDS} }}
}}
"""

HOLDERS_HISTORY = """
query HoldersHistory($id: ID!) {
  account(id: $id) { version history(first: 10) { nodes { version changes { field from to } } } }
}
"""


def holders_path(account_id: str) -> str:
    return f"/api/creditcontrol/accounts/{account_id}/holders"


async def add_holder(client: httpx.AsyncClient, account_id: str, email: str) -> dict:
    """The addAccountHolder payload."""
    return payload_of(await graphql(client, ADD_HOLDER, accountId=account_id, email=email), "addAccountHolder")


async def added_holder(client: httpx.AsyncClient, account_id: str, email: str) -> dict:
    """Add a holder that must be added; the account."""
    payload = await add_holder(client, account_id, email)
    assert payload["errors"] == [], payload["errors"]
    return payload["account"]


async def remove_holder(client: httpx.AsyncClient, account_id: str, email: str) -> dict:
    """The removeAccountHolder payload."""
    return payload_of(await graphql(client, REMOVE_HOLDER, accountId=account_id, email=email), "removeAccountHolder")


async def lookup(client: httpx.AsyncClient, email: str) -> dict[str, Any] | None:
    """accountByEmail's answer."""
    return payload_of(await graphql(client, LOOKUP_BY_EMAIL, email=email), "accountByEmail")


async def holder_changes(client: httpx.AsyncClient, account_id: str) -> list[tuple[int, list[dict]]]:
    """(version, changes) of the account's history, newest first."""
    account = payload_of(await graphql(client, HOLDERS_HISTORY, id=account_id), "account")
    return [(event["version"], event["changes"]) for event in account["history"]["nodes"]]
