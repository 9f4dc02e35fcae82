"""The baselines of the HTTP rows: bare Starlette routes with no GraphQL, no middleware and no
authentication, run as their own uvicorn process.

`GET /accounts` (row 2): the same find as `accounts(first: 50)`, returning the same eleven fields
as JSON. "The same find" is the service's own: its repository's `find_page` with the default
order and the record attributes its resolver asks for the eleven fields (`fields_for`, taken
from the service's code at start-up, so the baseline follows changes to the query), on a Motor
client built by the service's `connect`.

`POST /authorize` (row 5): the database writes of one `authorizeCredit` with a new idempotency
key, made by the service's own ledger repository in the service's order: the idempotency-key
insert (`claim_key`), the conditional account update (`authorize`: `headroom >= amount` ->
hold it and record the pending operation), then `complete`: the transaction document (an
upsert guarded by its revision) and the move of the operation from pending to done. The input
is checked and the operation planned by the service's pure domain functions, as the use case
does. What the route leaves out: GraphQL and the API-key lookup; the store settings are read
once at start-up here (the service reads them at most once a second).
It answers the same fields as the benchmark's mutation selects, in the same JSON shape.

Same uvicorn settings as `customer-credit serve` (uvicorn's defaults: uvloop and httptools
when installed), with the access log off as `serve` has it:

    MONGODB_URI=... MONGODB_DATABASE=... python benchmarks/bare_app.py --port 8123
"""

from __future__ import annotations

import argparse
import contextlib
import os
import uuid
from datetime import UTC, datetime
from decimal import Decimal

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from customer_credit.domain.accounts import Account, AccountQuery
from customer_credit.domain.clock import now_ms
from customer_credit.domain.credit import request_fingerprint, validate_authorization
from customer_credit.domain.ledger_planner import plan_authorization
from customer_credit.domain.money import cents_to_decimal, tolerance_units_to_decimal
from customer_credit.graphql.accounts.queries import fields_for
from customer_credit.persistence.accounts import AccountRepository, projection, sort_key
from customer_credit.persistence.database import Database, connect
from customer_credit.persistence.ledger import LedgerRepository
from customer_credit.persistence.store_settings import StoreSettingsRepository

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
ACTOR = "bare"


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


def create_app(uri: str, database: str, *, db: Database | None = None) -> Starlette:
    """`db`: a database handle to use as is (the benchmark's in-process command count), else its own client."""
    state: dict = {}

    @contextlib.asynccontextmanager
    async def lifespan(app):
        state["db"] = db if db is not None else connect(uri, database)
        state["accounts"] = AccountRepository(state["db"])
        state["ledger"] = LedgerRepository(state["db"])
        state["settings"] = await StoreSettingsRepository(state["db"]).get()
        yield
        if db is None:
            state["db"].close()

    async def accounts(request: Request):
        first = int(request.query_params.get("first", "50"))
        page = await state["accounts"].find_page(QUERY, limit=first + 1, fields=FIELDS)
        return JSONResponse({"data": {"accounts": {"nodes": [node(a) for _, a in page[:first]]}}})

    async def authorize(request: Request):
        body = await request.json()
        ledger: LedgerRepository = state["ledger"]
        settings = state["settings"]
        account_id, key = body["accountId"], body["idempotencyKey"]
        amount, installments = Decimal(body["amount"]), int(body.get("installments", 1))
        fingerprint = request_fingerprint(
            "authorizeCredit",
            {
                "accountId": account_id,
                "amount": amount,
                "installments": installments,
                "expiresAt": None,
                "orderId": None,
            },
        )
        inputs = validate_authorization(
            amount=amount,
            installments=installments,
            expires_at_ms=None,
            key=key,
            now_ms=now_ms(),
            max_installments=settings.max_installments,
            authorization_ttl_hours=settings.authorization_ttl_hours,
        )
        record = await ledger.claim_key(f"authorizeCredit:{key}", fingerprint, str(uuid.uuid4()), account_id, now_ms())
        op, effect = plan_authorization(
            account_id, record["op_id"], inputs, order_id=None, actor=ACTOR, now_ms=now_ms()
        )
        if not await ledger.authorize(op, effect, tolerance_enabled=settings.tolerance_enabled):
            error = {"field": "amount", "code": "INSUFFICIENT_CREDIT", "message": "not held"}
            return JSONResponse({"data": {"authorizeCredit": {"transaction": None, "errors": [error]}}})
        await ledger.complete(op)
        t = op.transaction
        assert t is not None
        transaction = {
            "id": t.id,
            "status": t.status.value,
            "amount": str(cents_to_decimal(t.amount_cents)),
            "expiresAt": iso(t.expires_at_ms),
        }
        return JSONResponse({"data": {"authorizeCredit": {"transaction": transaction, "errors": []}}})

    async def healthz(request: Request):
        return JSONResponse({"status": "ok"})

    return Starlette(
        routes=[
            Route("/accounts", accounts),
            Route("/authorize", authorize, methods=["POST"]),
            Route("/healthz", healthz),
        ],
        lifespan=lifespan,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    app = create_app(os.environ["MONGODB_URI"], os.environ.get("MONGODB_DATABASE", "customer_credit"))
    uvicorn.run(app, host=args.host, port=args.port, log_level="info", access_log=False)


if __name__ == "__main__":
    main()
