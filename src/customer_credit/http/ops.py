"""What operators call: `/healthz` (the process answers), `/readyz` (and reaches the database;
both public) and `/metrics` (Prometheus text, for a key with `metrics:read`)."""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from customer_credit.graphql.context import Services
from customer_credit.http.errors import ROUTE_ERRORS
from customer_credit.http.scopes import requires_scopes


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    services: Services | None = getattr(request.app.state, "services", None)
    if services is None or not await services.database.ping():
        return JSONResponse({"status": "unavailable"}, status_code=503)
    return JSONResponse({"status": "ready"})


@requires_scopes("metrics:read")
async def metrics_page(request: Request) -> Response:
    return Response(request.app.state.services.metrics.render(), media_type=CONTENT_TYPE_LATEST)


def ops_routes() -> list[BaseRoute]:
    return [
        Route("/healthz", healthz, middleware=ROUTE_ERRORS),
        Route("/readyz", readyz, middleware=ROUTE_ERRORS),
        Route("/metrics", metrics_page, middleware=ROUTE_ERRORS),
    ]
