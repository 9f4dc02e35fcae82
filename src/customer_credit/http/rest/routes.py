"""`/api/creditcontrol/accounts`: the original Customer Credit API's account routes.

Each handler reads the request, calls the resolver the GraphQL mutation or query calls,
and writes the result in that API's shape. Rules, defaults and error codes are the
domain's; this module only translates.

List positions (`from`/`to`, 1-based, at most 100 per call): accounts are listed oldest
first (created_at, then id, ascending), so an account opened while a client pages through
the list lands after every existing position instead of shifting them. A position is
reached by reading the ids of the first `to` matching accounts (one query, ids only) and
then the window's accounts by id; `from` is capped at MAX_POSITION (10,000) so that a call
reads at most 10,099 ids. Measured on the embedded store with 50,000 accounts: 12 ms for
`from=1`, ~0.2 s for `from=10001`; walking there by keyset pages of 1,000 took 15.8 s
(every keyset page is a table scan there), a database skip 11 ms: with a `skip` argument on
`AccountRepository.find_page`, `accounts_window` becomes that one query. Deeper lists: the
GraphQL `accounts` connection (cursors) or `GET /accounts/export.csv`.
"""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Route

from customer_credit.csv.vocabulary import STATUS_TEXT
from customer_credit.domain.accounts import Account, AccountOrderField, AccountQuery
from customer_credit.domain.api_keys import Caller
from customer_credit.domain.messages import message
from customer_credit.domain.money import decimal_to_cents
from customer_credit.http.rest.accounts_json import (
    STATUS_FROM_TEXT,
    account_json,
    parse_account_body,
    parse_holder_body,
)
from customer_credit.http.rest.bodies import one_of
from customer_credit.http.rest.credit_routes import CREDIT_OPERATIONS
from customer_credit.http.rest.errors import METHOD_NOT_ALLOWED, NOT_FOUND, ROUTE_ERRORS, ApiError, invalid_parameter
from customer_credit.http.rest.exact_json import json_response
from customer_credit.http.rest.export import EXPORT_OPERATION, EXPORT_PATH
from customer_credit.http.rest.invoice_export import INVOICE_EXPORT_OPERATION, INVOICE_EXPORT_PATH
from customer_credit.http.rest.openapi import openapi_operation
from customer_credit.http.rest.requests import (
    ACCOUNT_ID_PARAMETER,
    ACCOUNT_PATH,
    ACCOUNTS_PATH,
    PREFIX,
    account_id_of,
    account_view,
    services,
    whole_number,
)
from customer_credit.http.rest.settings_routes import SETTINGS_OPERATIONS
from customer_credit.http.rest.spec import Operation, Outcome, Parameter
from customer_credit.http.rest.summary import COUNT_LIMIT_PARAMETER, count_limit_of, summary_of
from customer_credit.persistence.accounts import AccountRepository
from customer_credit.usecases.accounts import (
    add_holder,
    close_account,
    list_accounts,
    not_found,
    open_or_change_account,
    remove_holder,
)

MAX_WINDOW = 100
DEFAULT_WINDOW = 20
MAX_POSITION = 10_000

ACCOUNTS_TAG = "Accounts"


# --- PUT /accounts/{accountId} -----------------------------------------------------------------


async def put_account(request: Request, caller: Caller) -> Response:
    account_id = account_id_of(request)
    body = parse_account_body(await request.body())
    context = services(request)
    outcome = await open_or_change_account(
        context.accounts,
        account_id=account_id,
        request=body.request,
        actor=caller.name,
        expected_version=body.expected_version,
        default_credit_limit_cents=decimal_to_cents(context.settings.default_credit_limit),
        can_read_pii=caller.has("pii:read"),
    )
    account = account_json(outcome.account, await account_view(request, caller))
    if outcome.created:
        return json_response(account, 201, {"Location": f"{ACCOUNTS_PATH}/{account_id}"})
    return json_response(account)


# --- GET /accounts/{accountId} -----------------------------------------------------------------


async def get_account(request: Request, caller: Caller) -> Response:
    account_id = account_id_of(request)
    account = await services(request).accounts.get(account_id)
    if account is None:
        raise not_found(account_id)
    return json_response(account_json(account, await account_view(request, caller)))


# --- DELETE /accounts/{accountId} --------------------------------------------------------------


async def delete_account(request: Request, caller: Caller) -> Response:
    account = await close_account(services(request).accounts, account_id=account_id_of(request), actor=caller.name)
    return json_response(account_json(account, await account_view(request, caller)))


# --- POST /accounts/{accountId}/holders, DELETE /accounts/{accountId}/holders/{holderId} --------

HOLDERS_PATH = f"{ACCOUNT_PATH}/holders"
HOLDER_PATH = f"{HOLDERS_PATH}/{{holderId}}"


async def post_holder(request: Request, caller: Caller) -> Response:
    account_id = account_id_of(request)
    email = parse_holder_body(await request.body())
    outcome = await add_holder(services(request).accounts, account_id=account_id, email=email, actor=caller.name)
    account = account_json(outcome.account, await account_view(request, caller))
    return json_response(account, 201 if outcome.added else 200)


async def delete_holder(request: Request, caller: Caller) -> Response:
    account = await remove_holder(
        services(request).accounts,
        account_id=account_id_of(request),
        holder_id=request.path_params["holderId"],
        actor=caller.name,
    )
    return json_response(account_json(account, await account_view(request, caller)))


# --- GET /accounts?from=&to=&status=&email= ----------------------------------------------------


def position(request: Request, name: str, default: int) -> int:
    text = request.query_params.get(name)
    if text is None:
        return default
    number = whole_number(text)
    if number is None or number < 1:
        raise invalid_parameter(name, message("INVALID_PARAMETER.position", name=name))
    return number


def list_query(request: Request) -> AccountQuery:
    status = one_of("status", request.query_params.get("status"), STATUS_FROM_TEXT, message("INVALID_PARAMETER.status"))
    email = request.query_params.get("email") or None
    return AccountQuery(email=email, status=status, order_field=AccountOrderField.CREATED_AT, descending=False)


def window_of(request: Request) -> tuple[int, int]:
    """(offset, size) from the 1-based, inclusive `from`/`to`."""
    first = position(request, "from", 1)
    if first > MAX_POSITION:
        raise invalid_parameter(
            "from",
            message("INVALID_PARAMETER.fromTooDeep", max=MAX_POSITION),
        )
    last = position(request, "to", first + DEFAULT_WINDOW - 1)
    if last < first:
        raise invalid_parameter("to", message("INVALID_PARAMETER.toBeforeFrom"))
    if last - first + 1 > MAX_WINDOW:
        raise invalid_parameter("to", message("INVALID_PARAMETER.window", max=MAX_WINDOW))
    return first - 1, last - first + 1


async def accounts_window(accounts: AccountRepository, query: AccountQuery, offset: int, size: int) -> list[Account]:
    if offset == 0:
        return (await list_accounts(accounts, query, first=size, after=None, fields=None)).accounts
    heads = await list_accounts(accounts, query, first=offset + size, after=None, fields={"id"})
    ids = [head.id for head in heads.accounts[offset:]]
    found = await asyncio.gather(*(accounts.get(account_id) for account_id in ids))
    return [account for account in found if account is not None]


async def search_accounts(request: Request, caller: Caller) -> Response:
    offset, size = window_of(request)
    query = list_query(request)
    accounts = services(request).accounts
    counted = summary_of(lambda limit: accounts.count(query, limit), count_limit_of(request))
    found, summary = await asyncio.gather(accounts_window(accounts, query, offset, size), counted)
    view = await account_view(request, caller)
    return json_response({"data": [account_json(a, view) for a in found], "summary": summary})


# --- the operations ----------------------------------------------------------------------------

BAD_REQUEST = Outcome(
    "The request breaks a rule: `code` says which (an AccountErrorCode, MALFORMED_JSON, INVALID_PARAMETER, or "
    "UNKNOWN_MEMBER for a body member that is not one of the request's).",
    "Error",
)
INVALID_ID = Outcome("The id is not a valid account id (INVALID_ID).", "Error")
UNKNOWN_ACCOUNT = Outcome("No account has this id (NOT_FOUND).", "Error")
ONE_ACCOUNT = Outcome("The account.", "Account")

ACCOUNT_OPERATIONS: tuple[Operation, ...] = (
    Operation(
        method="PUT",
        path=ACCOUNT_PATH,
        operation_id="openOrChangeAccount",
        summary="Open or change an account",
        description="With an unknown id, opens the account with that id (201); with a known id, changes the "
        "given fields (200). Members omitted or null are left unchanged (on open: defaults). "
        "The change is recorded in the account's history with the API key's name as actor.",
        tag=ACCOUNTS_TAG,
        handler=put_account,
        scopes=("accounts:write",),
        parameters=(ACCOUNT_ID_PARAMETER,),
        request_component="AccountRequest",
        responses={
            200: Outcome("The account was changed (or already had these values).", "Account"),
            201: Outcome(
                "The account was opened.",
                "Account",
                headers={"Location": {"schema": {"type": "string"}, "description": "The account's URL."}},
            ),
            400: BAD_REQUEST,
            409: Outcome(
                "EMAIL_IN_USE or DOCUMENT_IN_USE (another open account has it), VERSION_CONFLICT "
                "(expectedVersion is not the stored version) or ACCOUNT_CLOSED (a closed account never changes).",
                "Error",
            ),
            413: Outcome("The request body is too large (TOO_LARGE).", "Error"),
        },
    ),
    Operation(
        method="GET",
        path=ACCOUNT_PATH,
        operation_id="getAccount",
        summary="Get an account",
        description="Email and document are masked for a key without the scope pii:read.",
        tag=ACCOUNTS_TAG,
        handler=get_account,
        scopes=("accounts:read",),
        parameters=(ACCOUNT_ID_PARAMETER,),
        responses={200: ONE_ACCOUNT, 400: INVALID_ID, 404: UNKNOWN_ACCOUNT},
    ),
    Operation(
        method="DELETE",
        path=ACCOUNT_PATH,
        operation_id="closeAccount",
        summary="Close an account",
        description="The account becomes Closed and is never reopened or changed; its email and document "
        "become free for a new account. Closing a closed account is 409 ACCOUNT_CLOSED.",
        tag=ACCOUNTS_TAG,
        handler=delete_account,
        scopes=("accounts:write",),
        parameters=(ACCOUNT_ID_PARAMETER,),
        responses={
            200: Outcome("The closed account.", "Account"),
            400: INVALID_ID,
            404: UNKNOWN_ACCOUNT,
            409: Outcome(
                "The account is already closed (ACCOUNT_CLOSED), or it still has Authorized transactions or a "
                "negative balance (OPEN_BALANCE): its invoices are never lost.",
                "Error",
            ),
        },
    ),
    Operation(
        method="POST",
        path=HOLDERS_PATH,
        operation_id="addAccountHolder",
        summary="Add a holder email to an account",
        description="The holder shares the account's credit. An account has at most 10 holders "
        "(TOO_MANY_HOLDERS); an email is the email or a holder email of at most one open account "
        "(EMAIL_IN_USE). An email already among the account's holders changes nothing (200).",
        tag=ACCOUNTS_TAG,
        handler=post_holder,
        scopes=("accounts:write",),
        parameters=(ACCOUNT_ID_PARAMETER,),
        request_component="HolderRequest",
        responses={
            200: Outcome("The email already was a holder: the account, unchanged.", "Account"),
            201: Outcome("The holder was added: the account, with its holders.", "Account"),
            400: BAD_REQUEST,
            404: UNKNOWN_ACCOUNT,
            409: Outcome(
                "EMAIL_IN_USE (an open account has it, this one's own email included), TOO_MANY_HOLDERS or "
                "ACCOUNT_CLOSED.",
                "Error",
            ),
        },
    ),
    Operation(
        method="DELETE",
        path=HOLDER_PATH,
        operation_id="removeAccountHolder",
        summary="Remove a holder from an account",
        description="The holder's email becomes free for another account.",
        tag=ACCOUNTS_TAG,
        handler=delete_holder,
        scopes=("accounts:write",),
        parameters=(
            ACCOUNT_ID_PARAMETER,
            Parameter("holderId", "path", {"type": "string"}, "The holder's `id`, as the account's holders list it."),
        ),
        responses={
            200: Outcome("The account, without the holder.", "Account"),
            400: INVALID_ID,
            404: Outcome("No account has this id, or it has no such holder (NOT_FOUND).", "Error"),
            409: Outcome("The account is closed (ACCOUNT_CLOSED).", "Error"),
        },
    ),
    Operation(
        method="GET",
        path=ACCOUNTS_PATH,
        operation_id="searchAccounts",
        summary="List accounts by position",
        description=f"Accounts oldest first (creation time, then id). `from` and `to` are 1-based, inclusive "
        f"positions; at most {MAX_WINDOW} accounts per call and `from` at most {MAX_POSITION} (deeper: the "
        "GraphQL accounts connection or the CSV export). `summary.count` is the number of matching accounts "
        "(with `countLimit`, counted up to it).",
        tag=ACCOUNTS_TAG,
        handler=search_accounts,
        scopes=("accounts:read",),
        parameters=(
            Parameter(
                "from",
                "query",
                {"type": "integer", "minimum": 1, "maximum": MAX_POSITION, "default": 1},
                "First position, 1-based.",
            ),
            Parameter(
                "to",
                "query",
                {"type": "integer", "minimum": 1},
                f"Last position, inclusive; default from + {DEFAULT_WINDOW - 1}; to - from + 1 at most {MAX_WINDOW}.",
            ),
            Parameter(
                "status",
                "query",
                {"type": "string", "enum": list(STATUS_TEXT.values())},
                "Only accounts in this status (any case).",
            ),
            Parameter("email", "query", {"type": "string"}, "Only the accounts with this email (case-insensitive)."),
            COUNT_LIMIT_PARAMETER,
        ),
        responses={
            200: Outcome("The accounts at the positions asked for, and how many match.", "AccountList"),
            400: Outcome("A parameter is out of range or not one of its values (INVALID_PARAMETER).", "Error"),
        },
    ),
)


# --- the rest of /api/creditcontrol ------------------------------------------------------------


def not_found_or_not_allowed(routes: list[BaseRoute]):
    """JSON for a path under the prefix that no operation serves: 405 (with Allow) or 404."""

    async def fallback(request: Request) -> Response:
        allowed: set[str] = set()
        for route in routes:
            if isinstance(route, Route) and route.matches(request.scope)[0] is Match.PARTIAL:
                allowed |= route.methods or set()
        if allowed:
            text = message("METHOD_NOT_ALLOWED", method=request.method)
            raise ApiError.of(405, METHOD_NOT_ALLOWED, text, headers={"Allow": ", ".join(sorted(allowed))})
        raise ApiError.of(404, NOT_FOUND, message("NOT_FOUND.address"))

    return fallback


def is_rest_path(path: str) -> bool:
    """Whether a path belongs to the REST API (its prefix, and the exports, operations of their own)."""
    return path.startswith(PREFIX + "/") or path in (EXPORT_PATH, INVOICE_EXPORT_PATH)


def rest_routes() -> list[BaseRoute]:
    """The Starlette routes: every registered operation, the OpenAPI document, and JSON 404/405."""
    served = [*ACCOUNT_OPERATIONS, *CREDIT_OPERATIONS, *SETTINGS_OPERATIONS]
    operations = [*served, openapi_operation([*served, EXPORT_OPERATION, INVOICE_EXPORT_OPERATION])]
    routes: list[BaseRoute] = [operation.route() for operation in operations]
    methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"]
    fallback = Route(
        PREFIX + "/{rest:path}", not_found_or_not_allowed(routes), methods=methods, middleware=ROUTE_ERRORS
    )
    return [*routes, fallback]
