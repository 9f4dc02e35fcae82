"""The Starlette application: routes, middleware and the lifespan that owns the database."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable

from prometheus_client import CONTENT_TYPE_LATEST
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError

from customer_credit.csv.template import template_csv
from customer_credit.csv.writer import error_report
from customer_credit.domain.api_keys import Caller
from customer_credit.domain.money import decimal_to_cents
from customer_credit.graphql.context import RequestContext, Services
from customer_credit.graphql.schema import build_schema
from customer_credit.http.access_log import AccessLogMiddleware
from customer_credit.http.admin import admin_routes
from customer_credit.http.auth import ApiKeyMiddleware, bearer_secret
from customer_credit.http.body_size import BodySizeLimit
from customer_credit.http.csrf import UploadPreflight
from customer_credit.http.graphql_parsing import HardenedRequestParsing
from customer_credit.http.rest.export import export_routes
from customer_credit.http.rest.routes import rest_routes
from customer_credit.observability.metrics import Metrics
from customer_credit.persistence.database import Database, connect
from customer_credit.persistence.embedded import EmbeddedMongo
from customer_credit.settings import Settings
from customer_credit.worker.import_worker import ImportWorker

logger = logging.getLogger("customer_credit")

ADMIN_KEY_NAME = "admin"


class GraphQLView(HardenedRequestParsing, GraphQL):
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


async def import_error_report(request: Request) -> Response:
    caller = request.scope["state"]["caller"]
    if not caller.has("imports:read"):
        return JSONResponse({"code": "FORBIDDEN", "message": "This API key lacks the scope 'imports:read'."}, 403)
    runs = request.app.state.services.imports
    run = await runs.get(request.path_params["run_id"])
    if run is None:
        return JSONResponse({"code": "NOT_FOUND", "message": "No import run has this id."}, 404)
    return StreamingResponse(
        error_report(run.layout.header, runs.all_row_errors(run.id)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="import-{run.id}-errors.csv"'},
    )


def import_worker(services: Services) -> ImportWorker:
    settings = services.settings
    return ImportWorker(
        services.imports,
        services.account_batches,
        batch_size=settings.import_batch_size,
        lease_seconds=settings.import_lease_seconds,
        default_credit_limit_cents=decimal_to_cents(settings.default_credit_limit),
        metrics=services.metrics,
    )


async def metrics_page(request: Request) -> Response:
    if not request.scope["state"]["caller"].has("metrics:read"):
        return JSONResponse({"code": "FORBIDDEN", "message": "This API key lacks the scope 'metrics:read'."}, 403)
    return Response(request.app.state.services.metrics.render(), media_type=CONTENT_TYPE_LATEST)


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
    metrics = Metrics()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if database is not None:
            app.state.services = Services.build(settings, database, metrics)
            yield
            return
        async with contextlib.AsyncExitStack() as stack:
            uri = settings.mongodb_uri
            if uri is None:
                embedded = EmbeddedMongo(settings.data_dir)
                uri = await embedded.start()
                stack.push_async_callback(embedded.stop)
            connected = connect(uri, settings.mongodb_database, timeout_ms=settings.mongodb_timeout_ms)
            stack.callback(connected.close)
            await connected.create_indexes()
            services = Services.build(settings, connected, metrics)
            if announce_admin_key is not None:
                await bootstrap_admin_key(services, announce_admin_key)
            services.import_worker = import_worker(services)
            services.import_worker.start()
            stack.push_async_callback(services.import_worker.stop)
            app.state.services = services
            yield

    async def authenticate(headers: Headers) -> Caller | None:
        """A Bearer key, or the original REST API's pair: the key's name and its secret."""
        keys = app.state.services.api_keys
        secret = bearer_secret(headers)
        if secret is not None:
            return await keys.authenticate(secret)
        name, token = headers.get("x-vtex-api-appkey"), headers.get("x-vtex-api-apptoken")
        if name and token:
            return await keys.authenticate_pair(name, token)
        return None

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
        Route("/imports/{run_id}/errors.csv", import_error_report),
        Route("/metrics", metrics_page),
        *admin_routes(),
        *rest_routes(),
        *export_routes(),
    ]
    middleware = [
        Middleware(AccessLogMiddleware, metrics=metrics),
        Middleware(
            CORSMiddleware,
            allow_origins=settings.cors_allowed_origins,
            allow_methods=["GET", "POST", "PUT", "DELETE"],
            allow_headers=[
                "Authorization",
                "Content-Type",
                "Apollo-Require-Preflight",
                "X-Apollo-Operation-Name",
                "X-VTEX-API-AppKey",
                "X-VTEX-API-AppToken",
            ],
        ),
        Middleware(ApiKeyMiddleware, authenticate=authenticate),
        Middleware(UploadPreflight),
        Middleware(BodySizeLimit, max_body_bytes=settings.max_body_bytes, max_upload_bytes=settings.max_upload_bytes),
    ]
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    if database is not None:
        app.state.services = Services.build(settings, database, metrics)
    return app
