"""The import's CSV downloads: the template (any key) and a run's error report (`imports:read`).

The report is written with the upload's delimiter, in UTF-8 with a BOM, and streams; the run is read
first, so that an unknown run is a 404 and a database that is down a 503, both before the status line
is sent.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from customer_credit.accept_language import request_language
from customer_credit.csv.template import template_csv
from customer_credit.csv.writer import error_report
from customer_credit.domain.messages import message
from customer_credit.http.errors import ROUTE_ERRORS, rendered
from customer_credit.http.scopes import requires_scopes


async def import_template(request: Request) -> Response:
    return Response(
        template_csv(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="customer-credit-template.csv"'},
    )


@requires_scopes("imports:read")
async def import_error_report(request: Request) -> Response:
    runs = request.app.state.services.imports
    run = await runs.get(request.path_params["run_id"])
    if run is None:
        return JSONResponse({"code": "NOT_FOUND", "message": rendered(request, message("NOT_FOUND.importRunAny"))}, 404)
    report = error_report(
        run.layout.header,
        runs.all_row_errors(run.id),
        delimiter=run.layout.delimiter,
        language=request_language(request.headers),
    )
    return StreamingResponse(
        report,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="import-{run.id}-errors.csv"'},
    )


def import_routes() -> list[BaseRoute]:
    return [
        Route("/imports/template.csv", import_template, middleware=ROUTE_ERRORS),
        Route("/imports/{run_id}/errors.csv", import_error_report, middleware=ROUTE_ERRORS),
    ]
