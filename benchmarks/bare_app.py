"""The read baseline: a bare Starlette route running the same find as `accounts(first: 50)`
and returning the same eleven fields as JSON, with no GraphQL, no middleware and no
authentication. "The same find" is the service's own: its repository's `find_page` with the
default order and the record attributes its resolver asks for the eleven fields (`fields_for`,
taken from the service's code at start-up, so the baseline follows changes to the query), on a
Motor client built by the service's `connect`.

Run as its own uvicorn process, with the same uvicorn settings as `customer-credit serve`
(uvicorn's defaults: uvloop and httptools when installed; the access log off, as `serve` has it):

    MONGODB_URI=... MONGODB_DATABASE=... python benchmarks/bare_app.py --port 8123
"""

from __future__ import annotations

import argparse
import contextlib
import os
from datetime import UTC, datetime

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from customer_credit.domain.accounts import Account, AccountQuery
from customer_credit.domain.money import cents_to_decimal, tolerance_units_to_decimal
from customer_credit.graphql.accounts.queries import fields_for
from customer_credit.persistence.accounts import AccountRepository, projection, sort_key
from customer_credit.persistence.database import connect

NODE_FIELDS = {
    "id",
    "email",
    "documentType",
    "document",
    "creditLimit",
    "tolerance",
    "status",
    "description",
    "createdAt",
    "updatedAt",
    "version",
}
QUERY = AccountQuery()  # what `accounts` uses with no filter and no orderBy
FIELDS = fields_for(NODE_FIELDS)  # the record attributes the resolver asks the repository for
PROJECTION = projection(FIELDS, sort_key(QUERY))  # the stored keys that find asks the database for


def iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat()


def node(a: Account) -> dict:
    return {
        "id": a.id,
        "email": a.email,
        "documentType": a.document_type.value if a.document_type else None,
        "document": a.document,
        "creditLimit": str(cents_to_decimal(a.credit_limit_cents)),
        "tolerance": str(tolerance_units_to_decimal(a.tolerance_units)),
        "status": a.status.value,
        "description": a.description,
        "createdAt": iso(a.created_at_ms),
        "updatedAt": iso(a.updated_at_ms),
        "version": a.version,
    }


def create_app(uri: str, database: str) -> Starlette:
    state: dict = {}

    @contextlib.asynccontextmanager
    async def lifespan(app):
        state["db"] = connect(uri, database)
        state["accounts"] = AccountRepository(state["db"])
        yield
        state["db"].close()

    async def accounts(request: Request):
        first = int(request.query_params.get("first", "50"))
        page = await state["accounts"].find_page(QUERY, limit=first + 1, fields=FIELDS)
        return JSONResponse({"data": {"accounts": {"nodes": [node(a) for _, a in page[:first]]}}})

    async def healthz(request: Request):
        return JSONResponse({"status": "ok"})

    return Starlette(routes=[Route("/accounts", accounts), Route("/healthz", healthz)], lifespan=lifespan)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    app = create_app(os.environ["MONGODB_URI"], os.environ.get("MONGODB_DATABASE", "customer_credit"))
    uvicorn.run(app, host=args.host, port=args.port, log_level="info", access_log=False)


if __name__ == "__main__":
    main()
