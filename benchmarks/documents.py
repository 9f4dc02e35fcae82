"""Account documents exactly as the service writes them, for loading a store without the import:
each generated row planned by the service's own `plan_open` (as the import's BatchPlanner does) and
turned into a document by its own `account_document`."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator

import csvgen
from customer_credit.domain.account_planner import Origin, plan_open
from customer_credit.domain.accounts import AccountRequest, EventSource
from customer_credit.domain.money import cents_to_decimal, tolerance_units_to_decimal
from customer_credit.persistence.accounts import account_document


def account_documents(rows: Iterable[csvgen.Row], *, run_id: str = "floor") -> Iterator[dict]:
    """One document per row, ids `00000000-0000-4000-8000-<index>` (generated ids are lower-case UUIDs)."""
    now = int(time.time() * 1000)  # about two rows per millisecond, as an import writes them
    for index, row in enumerate(rows):
        request = AccountRequest(
            email=row.email,
            document_type=row.document_type,
            document=row.document,
            credit_limit=cents_to_decimal(row.credit_limit_cents),
            tolerance=tolerance_units_to_decimal(row.tolerance_units),
            description=row.description,
        )
        origin = Origin(
            actor="bench",
            at_ms=now + index // 2,
            source=EventSource.IMPORT,
            import_run_id=run_id,
            import_row=index + 2,
        )
        yield account_document(plan_open(f"00000000-0000-4000-8000-{index:012d}", request, origin))
