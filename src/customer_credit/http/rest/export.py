"""`GET /accounts/export.csv`: every matching account, in the import template's columns.

The file is meant to be edited in a spreadsheet and imported back in UPDATE mode
(`csv/export.py` writes each account so that it reads back unchanged).

PII: the export needs `pii:read` as well as `accounts:read` (403 otherwise). A masked
email such as `j***@example.com` is a valid address, so a masked file imported back would
overwrite real emails with masks; a file that cannot be re-imported safely is not offered.

Streaming: a keyset walk (creation time, then id, ascending: accounts opened during the
export land after the walk's position, and changes never move an account) in pages of
EXPORT_PAGE_SIZE, each written as one chunk, so memory stays constant however many accounts
match. Every cell is formula-safe (`safe_cell`). UTF-8 with a BOM, CRLF line ends.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from customer_credit.csv.export import EXPORT_HEADER, export_cells
from customer_credit.csv.vocabulary import DOCUMENT_TYPE_TEXT, STATUS_TEXT
from customer_credit.csv.writer import csv_line
from customer_credit.domain.accounts import AccountOrderField, AccountQuery, AccountStatus, DocumentType
from customer_credit.domain.api_keys import Caller
from customer_credit.domain.messages import message
from customer_credit.http.rest.bodies import one_of
from customer_credit.http.rest.spec import Operation, Outcome, Parameter
from customer_credit.persistence.accounts import AccountRepository
from customer_credit.usecases.accounts import AccountPage, list_accounts

EXPORT_PATH = "/accounts/export.csv"
EXPORT_PAGE_SIZE = 1000

# The filter's values as GraphQL spells them (OPEN, OTHER), and as the file does (Open, Other).
STATUS_PARAMETER = {
    **{status.value: status for status in AccountStatus},
    **{text: status for status, text in STATUS_TEXT.items()},
}
DOCUMENT_TYPE_PARAMETER = {
    **{document_type.value: document_type for document_type in DocumentType},
    **{text: document_type for document_type, text in DOCUMENT_TYPE_TEXT.items()},
}


async def export_csv(
    accounts: AccountRepository,
    query: AccountQuery,
    page_size: int = EXPORT_PAGE_SIZE,
    first_page: AccountPage | None = None,
) -> AsyncIterator[bytes]:
    """The header, then one chunk per keyset page (`first_page`: already read by the caller)."""
    yield ("\ufeff" + csv_line(EXPORT_HEADER)).encode("utf-8")
    page = first_page
    if page is None:
        page = await list_accounts(accounts, query, first=page_size, after=None, fields=None)
    while True:
        if page.entries:
            yield "".join(csv_line(export_cells(account)) for account in page.accounts).encode("utf-8")
        if not page.has_next_page:
            return
        last_position, _ = page.entries[-1]
        page = await list_accounts(accounts, query, first=page_size, after=last_position, fields=None)


def choice(request: Request, name: str, values: dict[str, Any]) -> Any:
    text = message("INVALID_PARAMETER.oneOf", name=name, values=", ".join(values))
    return one_of(name, request.query_params.get(name), values, text)


def export_query(request: Request) -> AccountQuery:
    """The AccountFilter's fields as query parameters. An empty email, document or search is no
    filter; status and documentType must be one of their values, in any case."""
    params = request.query_params
    status = choice(request, "status", STATUS_PARAMETER)
    document_type = choice(request, "documentType", DOCUMENT_TYPE_PARAMETER)
    return AccountQuery(
        email=params.get("email") or None,
        document=params.get("document") or None,
        document_type=document_type,
        status=status,
        search=params.get("search") or None,
        order_field=AccountOrderField.CREATED_AT,
        descending=False,
    )


async def export_accounts(request: Request, caller: Caller) -> Response:
    query = export_query(request)
    accounts = request.app.state.services.accounts
    # The first page is read before the response starts, so that a database that is down is a 503;
    # a failure after that can only cut the download short (the status line has been sent).
    first_page = await list_accounts(accounts, query, first=EXPORT_PAGE_SIZE, after=None, fields=None)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return StreamingResponse(
        export_csv(accounts, query, first_page=first_page),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="accounts-{stamp}.csv"'},
    )


STREAMED_CSV = Outcome(
    "The CSV file, streamed.",
    media_type="text/csv",
    schema={"type": "string"},
    headers={"Content-Disposition": {"schema": {"type": "string"}}},
)

EXPORT_OPERATION = Operation(
    method="GET",
    path=EXPORT_PATH,
    operation_id="exportAccounts",
    summary="Export accounts as CSV",
    description="Every matching account, oldest first, in the import template's columns plus Created At and "
    "Updated At (which an import ignores), so that the file, edited in a spreadsheet, can be imported back in "
    "UPDATE mode. Needs pii:read: a masked export could not be imported back safely. Formula-safe: a cell a "
    "spreadsheet would evaluate (=, +, -, @) starts with an apostrophe. UTF-8 with a BOM.",
    tag="Export",
    handler=export_accounts,
    scopes=("accounts:read", "pii:read"),
    parameters=(
        Parameter("search", "query", {"type": "string"}, "Case-insensitive prefix of id, email or document."),
        Parameter("email", "query", {"type": "string"}, "Exact, case-insensitive."),
        Parameter("document", "query", {"type": "string"}, "Exact, punctuation ignored."),
        Parameter(
            "documentType",
            "query",
            {"type": "string", "enum": list(DOCUMENT_TYPE_PARAMETER)},
            "Document type (any case).",
        ),
        Parameter("status", "query", {"type": "string", "enum": list(STATUS_PARAMETER)}, "Account status (any case)."),
    ),
    responses={
        200: STREAMED_CSV,
        400: Outcome("A parameter is not one of its values (INVALID_PARAMETER).", "Error"),
    },
)


def export_routes() -> list:
    return [EXPORT_OPERATION.route()]
