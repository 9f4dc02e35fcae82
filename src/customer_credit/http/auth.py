"""API-key authentication as a pure ASGI middleware.

Every route except the public ones needs `Authorization: Bearer <secret>` (or the original REST
API's pair: the key's name and its secret); a missing or wrong key is a bare 401. The caller is
put in the request scope for the routes and the GraphQL context.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.datastructures import Headers, QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from customer_credit.domain.api_keys import Caller
from customer_credit.persistence.api_keys import ApiKeyRepository
from customer_credit.persistence.database import UNAVAILABLE

PUBLIC_PATHS = frozenset({"/healthz", "/readyz", "/admin"})
PUBLIC_PREFIXES = ("/admin/",)  # the admin page's static files; not `/administrator` or `/admin.json`

OutageHandler = Callable[[Request, Exception], Awaitable[Response]]


def is_public(scope: Scope, headers: Headers) -> bool:
    path = scope["path"]
    if path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES):
        return True
    # The GraphiQL page itself (a browser GET asking for HTML, with no query) is public. The query
    # string is read as the view reads it (`?%71uery=` names `query` too): a GET with a query runs it.
    return (
        path == "/graphql"
        and scope["method"] == "GET"
        and "text/html" in headers.get("accept", "")
        and "query" not in QueryParams(scope.get("query_string", b""))
    )


def bearer_secret(headers: Headers) -> str | None:
    scheme, _, secret = headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return secret.strip()


async def authenticate(keys: ApiKeyRepository, headers: Headers) -> Caller | None:
    """A Bearer key, or the original REST API's pair: the key's name and its secret."""
    secret = bearer_secret(headers)
    if secret is not None:
        return await keys.authenticate(secret)
    name, token = headers.get("x-vtex-api-appkey"), headers.get("x-vtex-api-apptoken")
    if name and token:
        return await keys.authenticate_pair(name, token)
    return None


def caller_of(request: Request) -> Caller:
    """The ApiKeyMiddleware has authenticated the request before any route runs."""
    return request.scope["state"]["caller"]


class ApiKeyMiddleware:
    """`unavailable` answers when the key lookup finds the database unavailable. It runs before
    routing, so the app passes a handler that answers in the envelope of the path's transport."""

    def __init__(self, app: ASGIApp, unavailable: OutageHandler):
        self.app = app
        self.unavailable = unavailable

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if scope["method"] == "OPTIONS" or is_public(scope, headers):
            await self.app(scope, receive, send)
            return
        try:
            caller = await authenticate(scope["app"].state.services.api_keys, headers)
        except UNAVAILABLE as exc:
            response = await self.unavailable(Request(scope, receive, send), exc)
            await response(scope, receive, send)
            return
        if caller is None:
            await Response(status_code=401, headers={"WWW-Authenticate": "Bearer"})(scope, receive, send)
            return
        scope.setdefault("state", {})["caller"] = caller
        await self.app(scope, receive, send)
