"""`/api/creditcontrol/accounts/{accountId}/transactions|invoices|statements` and `/invoices`: using an
account's credit, in the original Customer Credit API's paths.

Each handler checks the path, reads the body, calls the credit use case the GraphQL mutation calls
(`usecases/credit.py`: every rule, the idempotency and the ledger are there) and writes the result.
A transaction or invoice is reached through its account: one of another account is 404 NOT_FOUND,
as an unknown one is. The `Idempotency-Key` request header is the operation's idempotency key;
without it a call is not deduplicated.

Lists are keyset pages: `limit` (1 to 100) entries from the position `after` names (the previous
page's `paging.next`, an opaque cursor tied to the list's filters), with `summary.count` counting
every entry that matches the filters, whatever the page (with `countLimit`, up to it: `summary.py`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from customer_credit.domain.accounts import validate_account_id
from customer_credit.domain.api_keys import Caller
from customer_credit.domain.clock import now_ms
from customer_credit.domain.credit_records import CreditTransaction, Invoice, InvoiceQuery
from customer_credit.domain.errors import AccountRuleViolation
from customer_credit.domain.messages import message
from customer_credit.graphql.core.errors import RequestError
from customer_credit.graphql.core.pagination import decode_cursor, encode_cursor, fingerprint
from customer_credit.http.rest.accounts_json import ACCOUNT_ID_SCHEMA
from customer_credit.http.rest.bodies import date_of, epoch_ms_of, one_of, parse_object
from customer_credit.http.rest.credit_json import (
    AUTHORIZE_FIELDS,
    INVOICE_STATUS_FROM_TEXT,
    INVOICE_STATUS_TEXT,
    POSTPONEMENT_FIELDS,
    REFUND_FIELDS,
    SETTLE_FIELDS,
    entry_json,
    invoice_json,
    transaction_json,
)
from customer_credit.http.rest.errors import NOT_FOUND, ApiError, invalid_parameter
from customer_credit.http.rest.exact_json import json_response
from customer_credit.http.rest.requests import (
    ACCOUNT_ID_PARAMETER,
    ACCOUNT_PATH,
    IDEMPOTENCY_KEY_HEADER,
    PREFIX,
    account_id_of,
    idempotency_key_of,
    ledgers_of,
    services,
    whole_number,
)
from customer_credit.http.rest.spec import Operation, Outcome, Parameter
from customer_credit.http.rest.summary import COUNT_LIMIT_PARAMETER, count_limit_of, summary_of
from customer_credit.usecases import credit
from customer_credit.usecases.accounts import not_found as account_not_found

TRANSACTIONS_PATH = f"{ACCOUNT_PATH}/transactions"
TRANSACTION_PATH = f"{TRANSACTIONS_PATH}/{{transactionId}}"
ACCOUNT_INVOICES_PATH = f"{ACCOUNT_PATH}/invoices"
ACCOUNT_INVOICE_PATH = f"{ACCOUNT_INVOICES_PATH}/{{invoiceId}}"
STATEMENTS_PATH = f"{ACCOUNT_PATH}/statements"
INVOICES_PATH = f"{PREFIX}/invoices"

MAX_LIMIT = 100
STATEMENT_LIMIT = 50
INVOICE_LIMIT = 20

TRANSACTIONS_TAG = "Transactions"
INVOICES_TAG = "Invoices"
STATEMENTS_TAG = "Statements"


# --- reading what a path names --------------------------------------------------------------------


def _nowhere(kind: str, field: str, account_id: str, object_id: str) -> ApiError:
    """404 for an object not in the account the path names; `kind` picks the NOT_FOUND.* message."""
    return ApiError.of(
        404, NOT_FOUND, message(f"NOT_FOUND.{kind}", account=repr(account_id), id=repr(object_id)), field
    )


async def transaction_in_path(request: Request) -> CreditTransaction:
    """The path's transaction, which must belong to the path's account (else 404 NOT_FOUND)."""
    account_id = account_id_of(request)
    transaction_id = request.path_params["transactionId"]
    found = await credit.credit_transaction(services(request).ledger, transaction_id)
    if found is None or found.account_id != account_id:
        raise _nowhere("accountTransaction", "transactionId", account_id, transaction_id)
    return found


async def invoice_in_path(request: Request) -> Invoice:
    """The path's invoice, which must belong to the path's account (else 404 NOT_FOUND)."""
    account_id = account_id_of(request)
    invoice_id = request.path_params["invoiceId"]
    found = await credit.invoice(services(request).ledger, invoice_id)
    if found is None or found.account_id != account_id:
        raise _nowhere("accountInvoice", "invoiceId", account_id, invoice_id)
    return found


async def transaction_out(request: Request, transaction_id: str) -> dict[str, Any]:
    """A transaction as it stands now, with its invoices."""
    ledger = services(request).ledger
    found = await credit.credit_transaction(ledger, transaction_id)
    if found is None:
        raise ApiError.of(404, NOT_FOUND, message("NOT_FOUND.transaction", id=repr(transaction_id)), "transactionId")
    invoices = await ledger.invoices_of(found.id) if found.invoice_ids else []
    return transaction_json(found, invoices, now_ms=now_ms(), today=credit.today_utc())


async def invoice_out(request: Request, invoice_id: str) -> dict[str, Any]:
    found = await credit.invoice(services(request).ledger, invoice_id)
    if found is None:
        raise ApiError.of(404, NOT_FOUND, message("NOT_FOUND.invoice", id=repr(invoice_id)), "invoiceId")
    return invoice_json(found, credit.today_utc())


# --- transactions ---------------------------------------------------------------------------------


async def authorize(request: Request, caller: Caller) -> Response:
    account_id = account_id_of(request)
    body = parse_object(await request.body(), AUTHORIZE_FIELDS)
    outcome = await credit.authorize_credit(
        await ledgers_of(request),
        account_id=account_id,
        amount=body["value"],
        installments=body.get("installments", 1),
        expires_at_ms=body.get("expirationDate"),
        order_id=body.get("orderId"),
        key=idempotency_key_of(request),
        actor=caller.name,
    )
    return json_response(await transaction_out(request, outcome.result_id), 201)


async def settle(request: Request, caller: Caller) -> Response:
    transaction = await transaction_in_path(request)
    body = parse_object(await request.body(), SETTLE_FIELDS)
    outcome = await credit.settle_credit(
        await ledgers_of(request),
        transaction_id=transaction.id,
        amount=body["value"],
        key=idempotency_key_of(request),
        actor=caller.name,
    )
    return json_response(await transaction_out(request, outcome.result_id))


async def cancel(request: Request, caller: Caller) -> Response:
    transaction = await transaction_in_path(request)
    outcome = await credit.cancel_credit(
        await ledgers_of(request), transaction_id=transaction.id, key=idempotency_key_of(request), actor=caller.name
    )
    return json_response(await transaction_out(request, outcome.result_id))


async def refund(request: Request, caller: Caller) -> Response:
    transaction = await transaction_in_path(request)
    body = parse_object(await request.body(), REFUND_FIELDS)
    outcome = await credit.refund_credit(
        await ledgers_of(request),
        transaction_id=transaction.id,
        amount=body["value"],
        key=idempotency_key_of(request),
        actor=caller.name,
    )
    return json_response(await transaction_out(request, outcome.result_id))


# --- invoice actions ------------------------------------------------------------------------------


async def pay(request: Request, caller: Caller) -> Response:
    invoice = await invoice_in_path(request)
    outcome = await credit.pay_invoice(
        await ledgers_of(request), invoice_id=invoice.id, key=idempotency_key_of(request), actor=caller.name
    )
    return json_response(await invoice_out(request, outcome.result_id))


async def postpone(request: Request, caller: Caller) -> Response:
    invoice = await invoice_in_path(request)
    body = parse_object(await request.body(), POSTPONEMENT_FIELDS)
    outcome = await credit.postpone_invoice(
        await ledgers_of(request),
        invoice_id=invoice.id,
        days=body["dueDays"],
        key=idempotency_key_of(request),
        actor=caller.name,
    )
    return json_response(await invoice_out(request, outcome.result_id))


async def cancel_invoice(request: Request, caller: Caller) -> Response:
    invoice = await invoice_in_path(request)
    outcome = await credit.cancel_invoice(
        await ledgers_of(request), invoice_id=invoice.id, key=idempotency_key_of(request), actor=caller.name
    )
    return json_response(await invoice_out(request, outcome.result_id))


# --- lists ----------------------------------------------------------------------------------------


def limit_of(request: Request, default: int) -> int:
    value = request.query_params.get("limit")
    if value is None:
        return default
    limit = whole_number(value)
    if limit is None or not 1 <= limit <= MAX_LIMIT:
        raise invalid_parameter("limit", message("INVALID_PARAMETER.limit", max=MAX_LIMIT))
    return limit


def after_of(request: Request, query_id: str) -> str | None:
    cursor = request.query_params.get("after")
    if cursor is None:
        return None
    try:
        return str(decode_cursor(cursor, query_id, str)[0])
    except RequestError:
        raise invalid_parameter("after", message("INVALID_PARAMETER.after")) from None


def moment_of(request: Request, name: str) -> int | None:
    value = request.query_params.get(name)
    if value is None:
        return None
    moment = epoch_ms_of(value)
    if moment is None:
        raise invalid_parameter(name, message("INVALID_PARAMETER.moment", name=name))
    return moment


def day_of(request: Request, name: str) -> Any:
    value = request.query_params.get(name)
    if value is None:
        return None
    day = date_of(value)
    if day is None:
        raise invalid_parameter(name, message("INVALID_PARAMETER.day", name=name))
    return day


def check_range(low: Any, high: Any) -> None:
    if low is not None and high is not None and high < low:
        raise invalid_parameter("to", message("INVALID_PARAMETER.dayRange"))


def invoice_status_of(request: Request) -> Any:
    text = message("INVALID_PARAMETER.oneOf", name="status", values=", ".join(INVOICE_STATUS_TEXT.values()))
    return one_of("status", request.query_params.get("status"), INVOICE_STATUS_FROM_TEXT, text)


async def existing_account(request: Request) -> str:
    """The path's account id; 404 NOT_FOUND unless the account exists (open or closed)."""
    account_id = account_id_of(request)
    if await services(request).accounts.get(account_id, fields={"id"}) is None:
        raise account_not_found(account_id)
    await credit.complete_pending(services(request).ledger, account_id)
    return account_id


async def page_json(
    rows: Awaitable[list[tuple[str, Any]]],
    summary: Awaitable[dict[str, Any]],
    size: int,
    query_id: str,
    write: Callable[[Any], Any],
) -> Response:
    found, counted = await asyncio.gather(rows, summary)
    following = encode_cursor(query_id, [found[size - 1][0]]) if len(found) > size else None
    page = {"data": [write(row) for _, row in found[:size]], "summary": counted, "paging": {"next": following}}
    return json_response(page)


async def statements(request: Request, caller: Caller) -> Response:
    account_id = await existing_account(request)
    size, count_limit = limit_of(request, STATEMENT_LIMIT), count_limit_of(request)
    from_ms, to_ms = moment_of(request, "from"), moment_of(request, "to")
    check_range(from_ms, to_ms)
    query_id = fingerprint("statement", account_id, from_ms, to_ms)
    after = after_of(request, query_id)
    ledger = services(request).ledger

    async def rows() -> list[tuple[str, Any]]:
        entries = await ledger.entries_page(account_id, from_ms=from_ms, to_ms=to_ms, after=after, limit=size + 1)
        return [(entry.id, entry) for entry in entries]

    async def counted(limit: int | None) -> int:
        return await ledger.count_entries(account_id, from_ms, to_ms, limit)

    return await page_json(rows(), summary_of(counted, count_limit), size, query_id, entry_json)


async def invoice_page(request: Request, query: InvoiceQuery) -> Response:
    size, count_limit = limit_of(request, INVOICE_LIMIT), count_limit_of(request)
    query_id = fingerprint("invoices", query)
    after = after_of(request, query_id)
    ledger = services(request).ledger
    today = credit.today_utc()
    return await page_json(
        ledger.invoices_page(query, today=today, after=after, limit=size + 1),
        summary_of(lambda limit: ledger.count_invoices(query, today=today, limit=limit), count_limit),
        size,
        query_id,
        lambda invoice: invoice_json(invoice, today),
    )


async def account_invoices(request: Request, caller: Caller) -> Response:
    account_id = await existing_account(request)
    return await invoice_page(request, InvoiceQuery(account_id=account_id, status=invoice_status_of(request)))


async def search_invoices(request: Request, caller: Caller) -> Response:
    account_id = request.query_params.get("creditAccountId")
    if account_id is not None:
        try:
            validate_account_id(account_id)
        except AccountRuleViolation:
            raise invalid_parameter("creditAccountId", message("INVALID_PARAMETER.accountId")) from None
    due_from, due_to = day_of(request, "from"), day_of(request, "to")
    check_range(due_from, due_to)
    query = InvoiceQuery(account_id=account_id, status=invoice_status_of(request), due_from=due_from, due_to=due_to)
    return await invoice_page(request, query)


# --- the operations -------------------------------------------------------------------------------

TRANSACTION_ID_PARAMETER = Parameter("transactionId", "path", {"type": "string"}, "The transaction's id.", True)
INVOICE_ID_PARAMETER = Parameter(
    "invoiceId", "path", {"type": "string"}, 'The invoice\'s id ("<transactionId>-01", …).', True
)
IDEMPOTENCY_KEY_PARAMETER = Parameter(
    IDEMPOTENCY_KEY_HEADER,
    "header",
    {"type": "string", "minLength": 1, "maxLength": 128, "pattern": "^[ -~]+$"},
    "The operation's idempotency key: 1 to 128 printable ASCII characters. A retry with the same key and the "
    "same request answers the first call's outcome and applies nothing again; the same key with another "
    "request is 409 IDEMPOTENCY_KEY_REUSED. Keys are kept at least 48 hours. Without one, the call is not "
    "deduplicated.",
)
LIMIT_PARAMETER_DESCRIPTION = f"How many entries, 1 to {MAX_LIMIT}"
AFTER_PARAMETER = Parameter(
    "after",
    "query",
    {"type": "string", "minLength": 1},
    "The previous page's paging.next: the page after it (same filters).",
)


def limit_parameter(default: int) -> Parameter:
    return Parameter(
        "limit",
        "query",
        {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": default},
        f"{LIMIT_PARAMETER_DESCRIPTION} (default {default}).",
    )


INVOICE_STATUS_PARAMETER = Parameter(
    "status",
    "query",
    {"type": "string", "enum": list(INVOICE_STATUS_TEXT.values())},
    "Only invoices in this status (any case).",
)

BUSY = Outcome(
    "The database is unavailable (DATABASE_UNAVAILABLE), or the account kept changing while this was applied "
    "(TRY_AGAIN): nothing was applied; retry after Retry-After seconds, with the same Idempotency-Key.",
    "Error",
    headers={"Retry-After": {"schema": {"type": "string"}, "description": "Seconds to wait before a retry."}},
)
TOO_LARGE_BODY = Outcome("The request body is too large (TOO_LARGE).", "Error")
ONE_TRANSACTION = "The transaction as it now stands, with its invoices."
NO_TRANSACTION = Outcome("No such account, or the account has no transaction with this id (NOT_FOUND).", "Error")
NO_INVOICE = Outcome("No such account, or the account has no invoice with this id (NOT_FOUND).", "Error")
NO_ACCOUNT = Outcome("No account has this id (NOT_FOUND).", "Error")
BAD_KEY = "INVALID_IDEMPOTENCY_KEY (the Idempotency-Key header)"
BAD_BODY = "MALFORMED_JSON, UNKNOWN_MEMBER (naming the member)"
REUSED = "IDEMPOTENCY_KEY_REUSED (this Idempotency-Key was used with another request)"


def bad_request(codes: str) -> Outcome:
    return Outcome(f"The request breaks a rule; `code` says which: {codes}.", "Error")


def conflict(codes: str) -> Outcome:
    return Outcome(f"The stored state refuses the request; `code` says why: {codes}.", "Error")


CREDIT_OPERATIONS: tuple[Operation, ...] = (
    Operation(
        method="POST",
        path=TRANSACTIONS_PATH,
        operation_id="authorizeCredit",
        summary="Authorize (hold) credit",
        description="Holds `value` on the account if it is at most its availableCredit at the moment of the "
        "write (never an overdraw, whatever the concurrency); the transaction is Authorized until it is settled, "
        "cancelled or expires (expirationDate). One Idempotency-Key holds once however often it is retried.",
        tag=TRANSACTIONS_TAG,
        handler=authorize,
        scopes=("credit:write",),
        parameters=(ACCOUNT_ID_PARAMETER, IDEMPOTENCY_KEY_PARAMETER),
        request_component="AuthorizeRequest",
        responses={
            201: Outcome(
                "The transaction, Authorized (on a retry with its key: as it now stands).", "CreditTransaction"
            ),
            400: bad_request(
                f"INVALID_ID (the account id), INVALID_AMOUNT, INVALID_INSTALLMENTS, INVALID_EXPIRY, "
                f"INVALID_PARAMETER (orderId), {BAD_KEY}, {BAD_BODY}"
            ),
            404: NO_ACCOUNT,
            409: conflict(f"INSUFFICIENT_CREDIT (nothing held), ACCOUNT_CLOSED, {REUSED}"),
            413: TOO_LARGE_BODY,
            503: BUSY,
        },
    ),
    Operation(
        method="PUT",
        path=f"{TRANSACTION_PATH}/settlement",
        operation_id="settleCredit",
        summary="Settle a transaction into invoices",
        description="Releases the whole hold and creates one invoice per installment: `value` split into equal "
        "cents, the remainder cents on the first invoices (100.00 in 3: 33.34, 33.33, 33.33); invoice k is due k × "
        "invoiceDueDays days after today (UTC). Each invoice is an Invoice statement entry.",
        tag=TRANSACTIONS_TAG,
        handler=settle,
        scopes=("credit:write",),
        parameters=(ACCOUNT_ID_PARAMETER, TRANSACTION_ID_PARAMETER, IDEMPOTENCY_KEY_PARAMETER),
        request_component="SettleRequest",
        responses={
            200: Outcome(ONE_TRANSACTION, "CreditTransaction"),
            400: bad_request(
                f"INVALID_ID, INVALID_AMOUNT, AMOUNT_EXCEEDS_AUTHORIZATION (more than the authorized value), "
                f"{BAD_KEY}, {BAD_BODY}"
            ),
            404: NO_TRANSACTION,
            409: conflict(
                f"TRANSACTION_NOT_AUTHORIZED (not Authorized), TRANSACTION_EXPIRED (past its expirationDate), {REUSED}"
            ),
            413: TOO_LARGE_BODY,
            503: BUSY,
        },
    ),
    Operation(
        method="DELETE",
        path=TRANSACTION_PATH,
        operation_id="cancelCredit",
        summary="Cancel an authorization",
        description="An Authorized transaction becomes Cancelled and its hold is released. No body.",
        tag=TRANSACTIONS_TAG,
        handler=cancel,
        scopes=("credit:write",),
        parameters=(ACCOUNT_ID_PARAMETER, TRANSACTION_ID_PARAMETER, IDEMPOTENCY_KEY_PARAMETER),
        responses={
            200: Outcome(ONE_TRANSACTION, "CreditTransaction"),
            400: bad_request(f"INVALID_ID, {BAD_KEY}"),
            404: NO_TRANSACTION,
            409: conflict(f"TRANSACTION_NOT_AUTHORIZED (settled, cancelled or expired already), {REUSED}"),
            503: BUSY,
        },
    ),
    Operation(
        method="POST",
        path=f"{TRANSACTION_PATH}/refunds",
        operation_id="refundCredit",
        summary="Refund a settled transaction",
        description="Lowers the transaction's Open invoices from the last installment backwards (an invoice "
        "brought to 0 becomes Cancelled); what exceeds them (installments already paid) stays as credit in the "
        "holder's favour. One Refund statement entry of +value.",
        tag=TRANSACTIONS_TAG,
        handler=refund,
        scopes=("credit:write",),
        parameters=(ACCOUNT_ID_PARAMETER, TRANSACTION_ID_PARAMETER, IDEMPOTENCY_KEY_PARAMETER),
        request_component="RefundRequest",
        responses={
            200: Outcome(ONE_TRANSACTION, "CreditTransaction"),
            400: bad_request(
                f"INVALID_ID, INVALID_AMOUNT, AMOUNT_EXCEEDS_REFUNDABLE (more than settledValue − refundedValue; "
                f"a transaction that is not Settled has nothing refundable), {BAD_KEY}, {BAD_BODY}"
            ),
            404: NO_TRANSACTION,
            409: conflict(REUSED),
            413: TOO_LARGE_BODY,
            503: BUSY,
        },
    ),
    Operation(
        method="GET",
        path=STATEMENTS_PATH,
        operation_id="getStatements",
        summary="An account's statement",
        description="Every change of the account's balance, newest first: `value` as applied, `balanceAfter` the "
        "running balance. Keyset pages: pass the previous page's `paging.next` as `after`. `summary.count` counts "
        "every entry between from and to.",
        tag=STATEMENTS_TAG,
        handler=statements,
        scopes=("credit:read",),
        parameters=(
            ACCOUNT_ID_PARAMETER,
            Parameter("from", "query", {"type": "string", "format": "date-time"}, "Entries at or after this moment."),
            Parameter("to", "query", {"type": "string", "format": "date-time"}, "Entries at or before this moment."),
            limit_parameter(STATEMENT_LIMIT),
            AFTER_PARAMETER,
            COUNT_LIMIT_PARAMETER,
        ),
        responses={
            200: Outcome("A page of the statement.", "StatementPage"),
            400: bad_request("INVALID_ID, INVALID_PARAMETER (from, to, limit, after or countLimit)"),
            404: NO_ACCOUNT,
        },
    ),
    Operation(
        method="GET",
        path=ACCOUNT_INVOICES_PATH,
        operation_id="getAccountInvoices",
        summary="An account's invoices",
        description="By due date, then id. Keyset pages as the statement's.",
        tag=INVOICES_TAG,
        handler=account_invoices,
        scopes=("credit:read",),
        parameters=(
            ACCOUNT_ID_PARAMETER,
            INVOICE_STATUS_PARAMETER,
            limit_parameter(INVOICE_LIMIT),
            AFTER_PARAMETER,
            COUNT_LIMIT_PARAMETER,
        ),
        responses={
            200: Outcome("A page of the account's invoices.", "InvoicePage"),
            400: bad_request("INVALID_ID, INVALID_PARAMETER (status, limit, after or countLimit)"),
            404: NO_ACCOUNT,
        },
    ),
    Operation(
        method="GET",
        path=INVOICES_PATH,
        operation_id="searchInvoices",
        summary="Search invoices",
        description="Every account's invoices by due date, then id; `from` and `to` bound the due date "
        "(inclusive). Keyset pages as the statement's.",
        tag=INVOICES_TAG,
        handler=search_invoices,
        scopes=("credit:read",),
        parameters=(
            Parameter("from", "query", {"type": "string", "format": "date"}, "Due on or after this date."),
            Parameter("to", "query", {"type": "string", "format": "date"}, "Due on or before this date."),
            INVOICE_STATUS_PARAMETER,
            Parameter("creditAccountId", "query", ACCOUNT_ID_SCHEMA, "Only this account's invoices."),
            limit_parameter(INVOICE_LIMIT),
            AFTER_PARAMETER,
            COUNT_LIMIT_PARAMETER,
        ),
        responses={
            200: Outcome("A page of the matching invoices.", "InvoicePage"),
            400: bad_request("INVALID_PARAMETER (from, to, status, creditAccountId, limit, after or countLimit)"),
        },
    ),
    Operation(
        method="POST",
        path=f"{ACCOUNT_INVOICE_PATH}/payments",
        operation_id="payInvoice",
        summary="Record an invoice's payment",
        description="An Open invoice becomes Paid: one Payment statement entry of +value. No body.",
        tag=INVOICES_TAG,
        handler=pay,
        scopes=("invoices:write",),
        parameters=(ACCOUNT_ID_PARAMETER, INVOICE_ID_PARAMETER, IDEMPOTENCY_KEY_PARAMETER),
        responses={
            200: Outcome("The invoice, Paid.", "Invoice"),
            400: bad_request(f"INVALID_ID, {BAD_KEY}"),
            404: NO_INVOICE,
            409: conflict(f"INVOICE_NOT_OPEN (paid or cancelled already), {REUSED}"),
            503: BUSY,
        },
    ),
    Operation(
        method="PUT",
        path=f"{ACCOUNT_INVOICE_PATH}/postponement",
        operation_id="postponeInvoice",
        summary="Postpone an invoice",
        description="Moves an Open invoice's dueDate by dueDays (originalDueDate stays), while the store allows "
        "postponing and the invoice's postponements add up to at most maxPostponementDays.",
        tag=INVOICES_TAG,
        handler=postpone,
        scopes=("invoices:write",),
        parameters=(ACCOUNT_ID_PARAMETER, INVOICE_ID_PARAMETER, IDEMPOTENCY_KEY_PARAMETER),
        request_component="PostponementRequest",
        responses={
            200: Outcome("The invoice with its new due date.", "Invoice"),
            400: bad_request(
                f"INVALID_ID, INVALID_POSTPONEMENT (dueDays below 1, or beyond maxPostponementDays in total), "
                f"{BAD_KEY}, {BAD_BODY}"
            ),
            404: NO_INVOICE,
            409: conflict(f"INVOICE_NOT_OPEN, POSTPONEMENT_DISABLED (the store does not allow it), {REUSED}"),
            413: TOO_LARGE_BODY,
            503: BUSY,
        },
    ),
    Operation(
        method="DELETE",
        path=ACCOUNT_INVOICE_PATH,
        operation_id="cancelInvoice",
        summary="Cancel an invoice",
        description="An Open invoice becomes Cancelled: one Cancellation statement entry of +value. No body.",
        tag=INVOICES_TAG,
        handler=cancel_invoice,
        scopes=("invoices:write",),
        parameters=(ACCOUNT_ID_PARAMETER, INVOICE_ID_PARAMETER, IDEMPOTENCY_KEY_PARAMETER),
        responses={
            200: Outcome("The invoice, Cancelled.", "Invoice"),
            400: bad_request(f"INVALID_ID, {BAD_KEY}"),
            404: NO_INVOICE,
            409: conflict(
                f"INVOICE_PAID (refund the transaction instead), INVOICE_NOT_OPEN (cancelled already), {REUSED}"
            ),
            503: BUSY,
        },
    ),
)
