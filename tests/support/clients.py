"""API keys, and in-process HTTP clients of the app that carry one."""

from __future__ import annotations

import httpx

from customer_credit.persistence.api_keys import ApiKeyRepository
from customer_credit.persistence.database import Database


async def make_key(database: Database, name: str, scopes: set[str]) -> str:
    """A new API key with the given scopes; its secret."""
    return await ApiKeyRepository(database).create(name, frozenset(scopes))


def http_client(app, secret: str | None, *, raise_app_exceptions: bool = True) -> httpx.AsyncClient:
    """A client of the ASGI app, sending `secret` as a bearer token (none when None)."""
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=raise_app_exceptions)
    return httpx.AsyncClient(transport=transport, base_url="http://testserver", headers=headers)
