"""`GET /accounts/export.csv`: every matching account, in the import template's columns.

The file is meant to be edited in a spreadsheet and imported back in UPDATE mode, so every
value is written the way the importer reads it back to the same stored value: the Id
(rows are matched by it), credit limits with two decimal places (`1500.00`), tolerances as
fractions (`0.05`), status `Open`/`Closed`, document type `CPF`/`CNPJ`/`Other`, and CPF/CNPJ
with their punctuation (`529.982.247-25`), which the importer strips and which keeps a
spreadsheet from turning a document into a number (a 14-digit CNPJ into 1.12E+13, or a
CPF's leading zero lost). `Created At` and `Updated At` follow; the importer ignores them.

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
from stdnum.br import cnpj, cpf

from customer_credit.csv.columns import EXPORT_ONLY_HEADERS, TEMPLATE_HEADER
from customer_credit.csv.writer import csv_line
from customer_credit.domain.accounts import AccountStatus, DocumentType
from customer_credit.domain.api_keys import Caller
from customer_credit.domain.money import cents_to_decimal, tolerance_units_to_decimal
from customer_credit.http.rest.mapping import DOCUMENT_TYPE_TEXT, STATUS_TEXT, invalid_parameter, iso_datetime
from customer_credit.http.rest.spec import Operation, Outcome, Parameter
from customer_credit.persistence.accounts import AccountQuery, AccountRepository
from customer_credit.usecases.accounts import AccountPage, list_accounts

EXPORT_PATH = "/accounts/export.csv"
EXPORT_PAGE_SIZE = 1000
EXPORT_HEADER: tuple[str, ...] = (*TEMPLATE_HEADER, *EXPORT_ONLY_HEADERS)

# The filter's values as GraphQL spells them (OPEN, OTHER), and as the file does (Open, Other).
STATUS_PARAMETER = {
    **{status.value: status for status in AccountStatus},
    **{text: status for status, text in STATUS_TEXT.items()},
}
DOCUMENT_TYPE_PARAMETER = {
    **{document_type.value: document_type for document_type in DocumentType},
    **{text: document_type for document_type, text in DOCUMENT_TYPE_TEXT.items()},
}


def written_document(document_type: str | None, document: str | None) -> str | None:
    """CPF and CNPJ with their usual punctuation; other documents as stored."""
    if not document:
        return document
    if document_type == DocumentType.CPF.value and len(document) == 11:
        return cpf.format(document)
    if document_type == DocumentType.CNPJ.value and len(document) == 14:
        return cnpj.format(document)
    return document


def export_cells(account: dict[str, Any]) -> list[str | None]:
    document_type = account.get("document_type")
    return [
        account["_id"],
        account["email"],
        written_document(document_type, account.get("document")),
        DOCUMENT_TYPE_TEXT[DocumentType(document_type)] if document_type else None,
        str(cents_to_decimal(account["credit_limit_cents"])),
        str(tolerance_units_to_decimal(account["tolerance_units"])),
        STATUS_TEXT[AccountStatus(account["status"])],
        account.get("description"),
        iso_datetime(account["created_at"]),
        iso_datetime(account["updated_at"]),
    ]


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
        page = await list_accounts(accounts, query, first=page_size, after=None, projection=None)
    while True:
        if page.documents:
            yield "".join(csv_line(export_cells(account)) for account in page.documents).encode("utf-8")
        if not page.has_next_page:
            return
        last = page.documents[-1]
        page = await list_accounts(accounts, query, first=page_size, after=last[query.sort_key], projection=None)


def choice(request: Request, name: str, values: dict[str, Any]) -> Any:
    text = request.query_params.get(name)
    if text is None:
        return None
    if text not in values:
        raise invalid_parameter(name, f"{name} must be one of {', '.join(values)}.")
    return values[text]


def export_query(request: Request) -> AccountQuery:
    """The AccountFilter's fields as query parameters. An empty email, document or search is no
    filter; status and documentType must be one of their values."""
    params = request.query_params
    status = choice(request, "status", STATUS_PARAMETER)
    document_type = choice(request, "documentType", DOCUMENT_TYPE_PARAMETER)
    return AccountQuery(
        email=params.get("email") or None,
        document=params.get("document") or None,
        document_type=document_type.value if document_type else None,
        status=status.value if status else None,
        search=params.get("search") or None,
        order_field="CREATED_AT",
        descending=False,
    )


async def export_accounts(request: Request, caller: Caller) -> Response:
    query = export_query(request)
    accounts = request.app.state.services.accounts
    # The first page is read before the response starts, so that a database that is down is a 503;
    # a failure after that can only cut the download short (the status line has been sent).
    first_page = await list_accounts(accounts, query, first=EXPORT_PAGE_SIZE, after=None, projection=None)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return StreamingResponse(
        export_csv(accounts, query, first_page=first_page),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="accounts-{stamp}.csv"'},
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
        Parameter("documentType", "query", {"type": "string", "enum": list(DOCUMENT_TYPE_PARAMETER)}, "Document type."),
        Parameter("status", "query", {"type": "string", "enum": list(STATUS_PARAMETER)}, "Account status."),
    ),
    responses={
        200: Outcome(
            "The CSV file, streamed.",
            media_type="text/csv",
            schema={"type": "string"},
            headers={"Content-Disposition": {"schema": {"type": "string"}}},
        ),
        400: Outcome("A parameter is not one of its values (INVALID_PARAMETER).", "Error"),
    },
)


def export_routes() -> list:
    return [EXPORT_OPERATION.route()]
