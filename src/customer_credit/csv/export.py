"""An account as a row of the export file, written the way the importer reads it back.

Every value reads back to the same stored value: the Id (rows are matched by it), credit
limits with two decimal places (`1500.00`), tolerances as fractions (`0.05`), status
`Open`/`Closed`, document type `CPF`/`CNPJ`/`Other`, and CPF/CNPJ with their punctuation
(`529.982.247-25`), which the importer strips and which keeps a spreadsheet from turning a
document into a number (a 14-digit CNPJ into 1.12E+13, or a CPF's leading zero lost).
`Created At` and `Updated At` follow; the importer ignores them.
"""

from __future__ import annotations

from datetime import UTC, datetime

from stdnum.br import cnpj, cpf

from customer_credit.csv.columns import EXPORT_ONLY_HEADERS, TEMPLATE_HEADER
from customer_credit.csv.vocabulary import DOCUMENT_TYPE_TEXT, STATUS_TEXT
from customer_credit.domain.accounts import Account, DocumentType
from customer_credit.domain.money import cents_to_decimal, tolerance_units_to_decimal

EXPORT_HEADER: tuple[str, ...] = (*TEMPLATE_HEADER, *EXPORT_ONLY_HEADERS)


def iso_datetime(epoch_ms: int) -> str:
    """Epoch milliseconds as ISO-8601 UTC with milliseconds: `2026-01-05T12:34:56.789Z`."""
    seconds, millis = divmod(epoch_ms, 1000)
    moment = datetime.fromtimestamp(seconds, tz=UTC).replace(microsecond=millis * 1000)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def written_document(document_type: DocumentType | None, document: str | None) -> str | None:
    """CPF and CNPJ with their usual punctuation; other documents as stored."""
    if not document:
        return document
    if document_type is DocumentType.CPF and len(document) == 11:
        return str(cpf.format(document))
    if document_type is DocumentType.CNPJ and len(document) == 14:
        return str(cnpj.format(document))
    return document


def export_cells(account: Account) -> list[str | None]:
    return [
        account.id,
        account.email,
        written_document(account.document_type, account.document),
        DOCUMENT_TYPE_TEXT[account.document_type] if account.document_type else None,
        str(cents_to_decimal(account.credit_limit_cents)),
        str(tolerance_units_to_decimal(account.tolerance_units)),
        STATUS_TEXT[account.status],
        account.description,
        iso_datetime(account.created_at_ms),
        iso_datetime(account.updated_at_ms),
    ]
