"""The Starlette application: every transport's routes, the middleware, and the lifespan."""

from __future__ import annotations

from collections.abc import Callable

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response

from customer_credit.graphql.context import Services
from customer_credit.http import errors, graphql_view
from customer_credit.http.access_log import AccessLogMiddleware
from customer_credit.http.admin import admin_routes
from customer_credit.http.auth import ApiKeyMiddleware
from customer_credit.http.body_size import BodySizeLimit
from customer_credit.http.csrf import UploadPreflight
from customer_credit.http.deadline import DatabaseDeadline
from customer_credit.http.graphql_view import GRAPHQL_PATH, graphql_routes
from customer_credit.http.imports import import_routes
from customer_credit.http.lifespan import lifespan
from customer_credit.http.ops import ops_routes
from customer_credit.http.rest import errors as rest_errors
from customer_credit.http.rest.export import export_routes
from customer_credit.http.rest.invoice_export import invoice_export_routes
from customer_credit.http.rest.routes import is_rest_path, rest_routes
from customer_credit.observability.metrics import Metrics
from customer_credit.persistence.database import Database
from customer_credit.settings import Settings

CORS_HEADERS = [
    "Authorization",
    "Content-Type",
    "Apollo-Require-Preflight",
    "X-Apollo-Operation-Name",
    "X-VTEX-API-AppKey",
    "X-VTEX-API-AppToken",
    "Idempotency-Key",
]


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
    routes = [
        *ops_routes(),
        *graphql_routes(settings),
        *import_routes(),
        *admin_routes(),
        *rest_routes(),
        *export_routes(),
        *invoice_export_routes(),
    ]
    middleware = [
        Middleware(AccessLogMiddleware, metrics=metrics),
        Middleware(
            CORSMiddleware,
            allow_origins=settings.cors_allowed_origins,
            allow_methods=["GET", "POST", "PUT", "DELETE"],
            allow_headers=CORS_HEADERS,
        ),
        Middleware(DatabaseDeadline, seconds=settings.mongodb_timeout_ms / 1000),
        Middleware(ApiKeyMiddleware, unavailable=database_unavailable),
        Middleware(UploadPreflight),
        Middleware(BodySizeLimit, max_body_bytes=settings.max_body_bytes, max_upload_bytes=settings.max_upload_bytes),
    ]
    app = Starlette(
        routes=routes, middleware=middleware, lifespan=lifespan(settings, metrics, database, announce_admin_key)
    )
    if database is not None:
        app.state.services = Services.build(settings, database, metrics)
    return app


async def database_unavailable(request: Request, exc: Exception) -> Response:
    """The key lookup runs before routing: its outage is answered in the envelope of the transport
    the path belongs to, by that transport's own handler."""
    path = request.scope["path"]
    if path == GRAPHQL_PATH:
        return await graphql_view.database_unavailable(request, exc)
    if is_rest_path(path):
        return await rest_errors.ERROR_IDS.database_unavailable(request, exc)
    return await errors.ERROR_IDS.database_unavailable(request, exc)
