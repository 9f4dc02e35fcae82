"""`/graphql` over HTTP and WebSocket: strawberry's view with the request context, the key from
a WebSocket's `connection_init`, and the GraphQL envelope for failures met before the view runs.

GraphQL over HTTP (the spec's media types): a client whose Accept prefers
`application/graphql-response+json` gets that media type, and a request error (the document does not
parse or validate, or the variables do not coerce: errors and no execution) is then HTTP 400 without
a `data` entry. A client asking for `application/json` (or anything else) keeps the legacy answer:
HTTP 200 and `data: null`. GET runs queries only (a mutation is 405, with `Allow: POST`); it needs the
key as POST does, and a browser cannot send an `Authorization` header cross-site without a preflight.
"""

from __future__ import annotations

from typing import Any

from cross_web import HTTPException
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types import ExecutionResult

from customer_credit.graphql.context import RequestContext
from customer_credit.graphql.core.compact_json import compact_json
from customer_credit.graphql.core.error_hiding import hidden
from customer_credit.graphql.schema import build_schema
from customer_credit.http.auth import bearer_secret
from customer_credit.http.graphql_parsing import HardenedRequestParsing
from customer_credit.settings import Settings

GRAPHQL_PATH = "/graphql"
GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"


def accepted_weights(accept: str) -> dict[str, float]:
    """Each media range of an Accept header with its q (1 when absent, 0 when unreadable)."""
    weights: dict[str, float] = {}
    for item in accept.split(","):
        media_range, *parameters = (part.strip() for part in item.split(";"))
        weight = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        weights.setdefault(media_range.lower(), weight)
    return weights


def prefers_graphql_response(headers: Headers) -> bool:
    """Whether the client accepts `application/graphql-response+json` at least as much as `application/json`."""
    weights = accepted_weights(headers.get("accept", ""))
    wanted = weights.get(GRAPHQL_RESPONSE_JSON, 0.0)
    return wanted > 0 and wanted >= weights.get(JSON, 0.0)


def is_request_error(result: ExecutionResult) -> bool:
    """No execution took place: every error is the request's (no error has a field path)."""
    errors = result.errors or []
    return result.data is None and bool(errors) and all(error.path is None for error in errors)


class GraphQLView(HardenedRequestParsing, GraphQL[RequestContext, None]):
    """Malformed bodies, multipart `operations`/`map` and WebSocket messages are refused cleanly
    (HTTP 400, close 4400) by HardenedRequestParsing, never a crash."""

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> RequestContext:
        return RequestContext(
            request=request,
            response=response,
            caller=request.scope.get("state", {}).get("caller"),
            services=request.app.state.services,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            response = await self.run(request)
        except HTTPException as error:
            response = refusal(request, error)
        if isinstance(response, Response) and response.media_type == JSON and prefers_graphql_response(request.headers):
            response.headers["content-type"] = GRAPHQL_RESPONSE_JSON
            if getattr(request.state, "request_error", False):
                response.status_code = 400
        await response(scope, receive, send)

    def encode_json(self, data: object) -> str:
        """Strawberry's JSON text (compact, ASCII-escaped), written faster; text, so that WebSocket
        messages stay text frames."""
        return compact_json(data)

    async def process_result(self, request: Any, result: ExecutionResult) -> GraphQLHTTPResponse:
        processed = await super().process_result(request, result)
        if isinstance(request, Request) and prefers_graphql_response(request.headers) and is_request_error(result):
            processed.pop("data", None)
            request.state.request_error = True
        return processed

    async def on_ws_connect(self, context: RequestContext):
        """Browsers cannot set headers on a WebSocket: the key may come in `connection_init`'s payload."""
        params = context.connection_params or {}
        value = params.get("Authorization") or params.get("authorization") if isinstance(params, dict) else None
        headers = Headers({"authorization": value}) if isinstance(value, str) else context.request.headers
        secret = bearer_secret(headers)
        caller = await context.services.api_keys.authenticate(secret) if secret else None
        if caller is None:
            raise ConnectionRejectionError()
        context.caller = caller
        return await super().on_ws_connect(context)


def graphql_routes(settings: Settings) -> list[BaseRoute]:
    view = GraphQLView(
        build_schema(settings),
        graphql_ide="graphiql" if settings.graphiql_enabled else None,
        allow_queries_via_get=True,
        multipart_uploads_enabled=True,
    )
    return [Route(GRAPHQL_PATH, view), WebSocketRoute(GRAPHQL_PATH, view)]


def refusal(request: Request, error: HTTPException) -> Response:
    """Strawberry's plain-text refusal; a mutation sent with GET is 405 (only queries run over GET)."""
    if request.method == "GET" and isinstance(error.__cause__, InvalidOperationTypeError):
        return PlainTextResponse(
            "Only queries can be sent with GET; send a mutation with POST.", 405, {"Allow": "POST"}
        )
    return PlainTextResponse(error.reason, error.status_code)


async def database_unavailable(request: Request, exc: Exception) -> Response:
    """An outage during the key lookup, before any operation: the errors of a GraphQL response,
    hidden as the schema hides a resolver's (an error id, logged), with HTTP 503."""
    return JSONResponse({"errors": [hidden(exc).formatted]}, 503)
