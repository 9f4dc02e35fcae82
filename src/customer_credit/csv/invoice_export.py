"""An invoice as a row of the invoice export, which an invoice import reads back.

Only `Invoice Id` and `Status` are read back (`Open`/`Paid`/`Cancelled`, as the REST API writes
them); the other columns say which invoice it is, for the person editing the file. Amounts with two
decimal places, due dates ISO `YYYY-MM-DD`.
"""

from __future__ import annotations

from customer_credit.csv.columns import INVOICE_HEADER
from customer_credit.csv.vocabulary import INVOICE_STATUS_TEXT
from customer_credit.domain.credit_records import Invoice
from customer_credit.domain.money import cents_to_decimal

INVOICE_EXPORT_HEADER = INVOICE_HEADER


def invoice_cells(invoice: Invoice, email: str | None) -> list[str | None]:
    return [
        invoice.id,
        invoice.account_id,
        email,
        invoice.transaction_id,
        invoice.order_id,
        str(invoice.installment),
        str(cents_to_decimal(invoice.amount_cents)),
        invoice.due_date.isoformat(),
        INVOICE_STATUS_TEXT[invoice.status],
    ]
