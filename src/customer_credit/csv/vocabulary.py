"""The words files use for the domain's enums: how they are written, and every spelling that is read.

One table for the export, the REST adapter (which keeps the original API's words) and the
import, so a file the service writes always reads back to the same values.
"""

from __future__ import annotations

from customer_credit.domain.accounts import AccountStatus, DocumentType
from customer_credit.domain.credit import InvoiceStatus

STATUS_TEXT = {AccountStatus.OPEN: "Open", AccountStatus.CLOSED: "Closed"}
INVOICE_STATUS_TEXT = {
    InvoiceStatus.OPEN: "Open",
    InvoiceStatus.PAID: "Paid",
    InvoiceStatus.CANCELLED: "Cancelled",
}
DOCUMENT_TYPE_TEXT = {DocumentType.CPF: "CPF", DocumentType.CNPJ: "CNPJ", DocumentType.OTHER: "Other"}

# Read case- and accent-insensitively (the keys are folded), in English and Portuguese.
STATUS_WORDS = {
    "open": AccountStatus.OPEN,
    "aberta": AccountStatus.OPEN,
    "aberto": AccountStatus.OPEN,
    "closed": AccountStatus.CLOSED,
    "fechada": AccountStatus.CLOSED,
    "fechado": AccountStatus.CLOSED,
}
DOCUMENT_TYPE_WORDS = {
    "cpf": DocumentType.CPF,
    "cnpj": DocumentType.CNPJ,
    "other": DocumentType.OTHER,
    "outro": DocumentType.OTHER,
}
INVOICE_STATUS_WORDS = {
    "open": InvoiceStatus.OPEN,
    "aberta": InvoiceStatus.OPEN,
    "em aberto": InvoiceStatus.OPEN,
    "paid": InvoiceStatus.PAID,
    "paga": InvoiceStatus.PAID,
    "pago": InvoiceStatus.PAID,
    "cancelled": InvoiceStatus.CANCELLED,
    "canceled": InvoiceStatus.CANCELLED,
    "cancelada": InvoiceStatus.CANCELLED,
    "cancelado": InvoiceStatus.CANCELLED,
}
