"""One CSV row of an invoice import -> the invoice it names and the status it asks for.

Only `Invoice Id` and `Status` are read; the export's other columns are read-only. A blank
Status asks for nothing (the row counts as unchanged), as a blank cell of an account update does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from customer_credit.csv.columns import Column, HeaderMap
from customer_credit.csv.rows import ImportRowErrorCode, RowError, cell
from customer_credit.csv.values import CellError, parse_invoice_status
from customer_credit.domain.credit import InvoiceStatus
from customer_credit.domain.messages import Message, message


@dataclass
class InvoiceCommand:
    """A parsed invoice row: which invoice, which status, or why it cannot be applied."""

    row: int
    invoice_id: str | None
    target: InvoiceStatus | None
    errors: list[RowError] = field(default_factory=list)

    def fail(self, column: str | None, code: ImportRowErrorCode, text: Message, account_id: str | None = None) -> None:
        self.errors.append(RowError(self.row, column, code, text, account_id))


def map_invoice_row(row: int, cells: tuple[str, ...], header: HeaderMap) -> InvoiceCommand:
    command = InvoiceCommand(row=row, invoice_id=cell(cells, header, Column.INVOICE_ID), target=None)
    width = len(header.headers)
    if any(value.strip() for value in cells[width:]):
        command.fail(
            None, ImportRowErrorCode.MALFORMED_ROW, message("MALFORMED_ROW.cells", cells=len(cells), width=width)
        )
        return command
    if command.invoice_id is None:
        command.fail(header.label(Column.INVOICE_ID), ImportRowErrorCode.REQUIRED, message("REQUIRED.invoiceId"))
    status = cell(cells, header, Column.STATUS)
    if status is not None:
        try:
            command.target = parse_invoice_status(status)
        except CellError as exc:
            command.fail(header.label(Column.STATUS), ImportRowErrorCode.INVALID_STATUS, exc.message)
    return command
