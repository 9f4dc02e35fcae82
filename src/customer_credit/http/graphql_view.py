"""`/graphql` over HTTP and WebSocket: strawberry's view with the request context, the key from
a WebSocket's `connection_init`, and the GraphQL envelope for failures met before the view runs."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError

from customer_credit.graphql.context import RequestContext
from customer_credit.graphql.core.error_hiding import hidden
from customer_credit.graphql.schema import build_schema
from customer_credit.http.auth import bearer_secret
from customer_credit.http.graphql_parsing import HardenedRequestParsing
from customer_credit.settings import Settings

GRAPHQL_PATH = "/graphql"


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
        allow_queries_via_get=False,
        multipart_uploads_enabled=True,
    )
    return [Route(GRAPHQL_PATH, view), WebSocketRoute(GRAPHQL_PATH, view)]


async def database_unavailable(request: Request, exc: Exception) -> Response:
    """An outage during the key lookup, before any operation: the errors of a GraphQL response,
    hidden as the schema hides a resolver's (an error id, logged), with HTTP 503."""
    return JSONResponse({"errors": [hidden(exc).formatted]}, 503)
