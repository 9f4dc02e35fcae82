"""The Starlette application: routes, middleware and the lifespan that owns the database."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from .auth import ApiKeyMiddleware, bearer_secret
from .context import RequestContext, Services
from .domain.keys import Caller
from .imports.template import template_csv
from .persistence.database import Database, connect
from .persistence.embedded import EmbeddedMongo
from .schema import build_schema
from .settings import Settings

logger = logging.getLogger("customer_credit")

ADMIN_KEY_NAME = "admin"


class GraphQLView(GraphQL):
    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> RequestContext:
        return RequestContext(
            request=request,
            response=response,
            caller=request.scope["state"]["caller"],
            services=request.app.state.services,
        )


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    services: Services | None = getattr(request.app.state, "services", None)
    if services is None or not await services.database.ping():
        return JSONResponse({"status": "unavailable"}, status_code=503)
    return JSONResponse({"status": "ready"})


async def import_template(request: Request) -> Response:
    return Response(
        template_csv(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="customer-credit-template.csv"'},
    )


async def bootstrap_admin_key(services: Services, announce: Callable[[str], None]) -> None:
    """On the first start of an empty store, create an admin key so GraphiQL can be used at once."""
    if await services.api_keys.is_empty():
        secret = await services.api_keys.create(ADMIN_KEY_NAME, frozenset({"admin"}))
        announce(secret)


def create_app(
    settings: Settings | None = None,
    *,
    database: Database | None = None,
    announce_admin_key: Callable[[str], None] | None = None,
) -> Starlette:
    """With `database` given (tests), the app uses it as is; otherwise the lifespan connects,
    starting the embedded server when no MONGODB_URI is set."""
    settings = settings or Settings()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if database is not None:
            app.state.services = Services.build(settings, database)
            yield
            return
        async with contextlib.AsyncExitStack() as stack:
            uri = settings.mongodb_uri
            if uri is None:
                embedded = EmbeddedMongo(settings.data_dir)
                uri = await embedded.start()
                stack.push_async_callback(embedded.stop)
                logger.info("embedded store at %s (data in %s)", uri, settings.data_dir)
            connected = connect(uri, settings.mongodb_database, timeout_ms=settings.mongodb_timeout_ms)
            stack.callback(connected.close)
            await connected.create_indexes()
            services = Services.build(settings, connected)
            if announce_admin_key is not None:
                await bootstrap_admin_key(services, announce_admin_key)
            app.state.services = services
            yield

    async def authenticate(headers: Headers) -> Caller | None:
        secret = bearer_secret(headers)
        if secret is None:
            return None
        return await app.state.services.api_keys.authenticate(secret)

    graphql = GraphQLView(
        build_schema(settings),
        graphql_ide="graphiql" if settings.graphiql_enabled else None,
        allow_queries_via_get=False,
        multipart_uploads_enabled=True,
    )
    routes = [
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/graphql", graphql),
        WebSocketRoute("/graphql", graphql),
        Route("/imports/template.csv", import_template),
    ]
    middleware = [
        Middleware(
            CORSMiddleware,
            allow_origins=settings.cors_allowed_origins,
            allow_methods=["GET", "POST", "PUT", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Apollo-Require-Preflight", "X-Apollo-Operation-Name"],
        ),
        Middleware(ApiKeyMiddleware, authenticate=authenticate),
    ]
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    if database is not None:
        app.state.services = Services.build(settings, database)
    return app
