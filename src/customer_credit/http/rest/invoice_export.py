"""`GET /invoices/export.csv`: every matching invoice, to mark Paid or Cancelled in a spreadsheet and
import back (`importCsv(kind: INVOICES)`).

The InvoiceFilter's fields are the query parameters. Scope `credit:read`, as for reading invoices.
The Email column is masked without `pii:read`, as GraphQL masks it: an invoice import reads only
Invoice Id and Status, so a masked file still imports back. Streamed like the account export: keyset
pages (by due date, then id) of EXPORT_PAGE_SIZE, each written as one chunk, formula-safe cells,
UTF-8 with a BOM, CRLF line ends.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from customer_credit.csv.invoice_export import INVOICE_EXPORT_HEADER, invoice_cells
from customer_credit.csv.vocabulary import INVOICE_STATUS_TEXT
from customer_credit.csv.writer import csv_line
from customer_credit.domain.api_keys import Caller
from customer_credit.domain.credit import InvoiceStatus
from customer_credit.domain.credit_records import Invoice, InvoiceQuery
from customer_credit.domain.messages import message
from customer_credit.domain.pii import mask_email
from customer_credit.http.rest.credit_routes import day_of
from customer_credit.http.rest.errors import invalid_parameter
from customer_credit.http.rest.export import EXPORT_PAGE_SIZE, STREAMED_CSV, choice
from customer_credit.http.rest.spec import Operation, Outcome, Parameter
from customer_credit.persistence.ledger import LedgerRepository
from customer_credit.usecases.credit import today_utc

INVOICE_EXPORT_PATH = "/invoices/export.csv"

# The filter's values as GraphQL spells them (PAID), and as the file does (Paid).
INVOICE_STATUS_PARAMETER = {
    **{status.value: status for status in InvoiceStatus},
    **{text: status for status, text in INVOICE_STATUS_TEXT.items()},
}
BOOLEAN_PARAMETER = {"true": True, "false": False}
DAY_SCHEMA = {"type": "string", "format": "date"}


async def export_invoices_csv(
    ledger: LedgerRepository,
    query: InvoiceQuery,
    *,
    pii: bool,
    first_page: list[tuple[str, Invoice]],
    page_size: int = EXPORT_PAGE_SIZE,
) -> AsyncIterator[bytes]:
    """The header, then one chunk per keyset page (`first_page`: read by the caller, page_size + 1 long)."""
    yield ("\ufeff" + csv_line(INVOICE_EXPORT_HEADER)).encode("utf-8")
    page = first_page
    today = today_utc()
    while True:
        invoices = [invoice for _, invoice in page[:page_size]]
        if invoices:
            emails = await ledger.account_emails({invoice.account_id for invoice in invoices})
            yield "".join(csv_line(invoice_cells(invoice, shown(emails, invoice, pii))) for invoice in invoices).encode(
                "utf-8"
            )
        if len(page) <= page_size:
            return
        page = await ledger.invoices_page(query, today=today, after=page[page_size - 1][0], limit=page_size + 1)


def shown(emails: dict[str, str], invoice: Invoice, pii: bool) -> str | None:
    email = emails.get(invoice.account_id)
    return email if pii or not email else mask_email(email)


def invoice_export_query(request: Request) -> InvoiceQuery:
    """The InvoiceFilter's fields as query parameters; an empty id is no filter."""
    params = request.query_params
    due_from, due_to = day_of(request, "dueFrom"), day_of(request, "dueTo")
    if due_from is not None and due_to is not None and due_to < due_from:
        raise invalid_parameter("dueTo", message("INVALID_PARAMETER.dueRange"))
    overdue = params.get("overdue")
    if overdue is not None and overdue.casefold() not in BOOLEAN_PARAMETER:
        raise invalid_parameter("overdue", message("INVALID_PARAMETER.boolean", name="overdue"))
    return InvoiceQuery(
        account_id=params.get("accountId") or None,
        status=choice(request, "status", INVOICE_STATUS_PARAMETER),
        overdue=BOOLEAN_PARAMETER[overdue.casefold()] if overdue is not None else None,
        due_from=due_from,
        due_to=due_to,
        transaction_id=params.get("transactionId") or None,
        order_id=params.get("orderId") or None,
    )


async def export_invoices(request: Request, caller: Caller) -> Response:
    query = invoice_export_query(request)
    ledger = request.app.state.services.ledger
    # The first page is read before the response starts, so that a database that is down is a 503.
    first_page = await ledger.invoices_page(query, today=today_utc(), after=None, limit=EXPORT_PAGE_SIZE + 1)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return StreamingResponse(
        export_invoices_csv(ledger, query, pii=caller.has("pii:read"), first_page=first_page),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="invoices-{stamp}.csv"'},
    )


INVOICE_EXPORT_OPERATION = Operation(
    method="GET",
    path=INVOICE_EXPORT_PATH,
    operation_id="exportInvoices",
    summary="Export invoices as CSV",
    description="Every matching invoice, by due date then id, in the columns "
    f"{','.join(INVOICE_EXPORT_HEADER)}; mark Status Paid or Cancelled (Paga, Cancelada) in a spreadsheet and "
    "import the file back with importCsv(mode: UPDATE, kind: INVOICES), which reads only Invoice Id and Status. "
    "Email is masked without pii:read. Formula-safe: a cell a spreadsheet would evaluate (=, +, -, @) starts "
    "with an apostrophe. UTF-8 with a BOM.",
    tag="Export",
    handler=export_invoices,
    scopes=("credit:read",),
    parameters=(
        Parameter("accountId", "query", {"type": "string"}, "Only this account's invoices."),
        Parameter(
            "status", "query", {"type": "string", "enum": list(INVOICE_STATUS_PARAMETER)}, "Invoice status (any case)."
        ),
        Parameter(
            "overdue",
            "query",
            {"type": "string", "enum": list(BOOLEAN_PARAMETER)},
            "true: Open and due before today (UTC); false: the others.",
        ),
        Parameter("dueFrom", "query", DAY_SCHEMA, "Due on or after this day."),
        Parameter("dueTo", "query", DAY_SCHEMA, "Due on or before this day."),
        Parameter("transactionId", "query", {"type": "string"}, "Only this transaction's invoices."),
        Parameter("orderId", "query", {"type": "string"}, "Only the invoices of this order."),
    ),
    responses={
        200: STREAMED_CSV,
        400: Outcome("A parameter is not one of its values, or not a day (INVALID_PARAMETER).", "Error"),
    },
)


def invoice_export_routes() -> list:
    return [INVOICE_EXPORT_OPERATION.route()]
