"""Invoice totals kept by status and due day, so that the totals of a list of invoices are a sum
of a few hundred buckets rather than of every invoice.

An invoice only ever changes while it is OPEN (settled into being, paid, cancelled, refunded down or
postponed), and the account lists its OPEN invoices with their amounts and due dates: so an
operation's change of the totals follows from the account's ledger before it and the invoices it
writes, and is recorded with the operation, in the same write (`persistence/invoice_totals.py`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from customer_credit.domain.credit import InvoiceStatus, is_overdue
from customer_credit.domain.credit_records import Invoice, InvoiceQuery, InvoiceTotals, OpenInvoice

# A bucket's key, `STATUS|YYYY-MM-DD`, names what it counts: the invoices in that status due that day.
Buckets = dict[str, tuple[int, int]]  # key -> (count, cents)


def bucket_key(status: InvoiceStatus, due_date: date) -> str:
    return f"{status.value}|{due_date.isoformat()}"


def bucket_of(key: str) -> tuple[InvoiceStatus, date]:
    status, day = key.split("|")
    return InvoiceStatus(status), date.fromisoformat(day)


def added(*parts: Mapping[str, tuple[int, int]]) -> Buckets:
    """The buckets of `parts` added up, without the empty ones."""
    total: Buckets = {}
    for part in parts:
        for key, (count, cents) in part.items():
            before = total.get(key, (0, 0))
            total[key] = (before[0] + count, before[1] + cents)
    return {key: value for key, value in total.items() if value != (0, 0)}


def totals_change(open_invoices: Mapping[str, OpenInvoice], invoices: Iterable[Invoice]) -> Buckets:
    """What writing `invoices` changes in the totals, given the account's OPEN invoices before: each one
    leaves the bucket it was in (none, for a new one) and joins the bucket of its new state."""
    moves: list[Buckets] = []
    for invoice in invoices:
        before = open_invoices.get(invoice.id)
        if before is not None:
            moves.append({bucket_key(InvoiceStatus.OPEN, before.due_date): (-1, -before.amount_cents)})
        moves.append({bucket_key(invoice.status, invoice.due_date): (1, invoice.amount_cents)})
    return added(*moves)


def kept_for(query: InvoiceQuery) -> bool:
    """Whether the kept totals answer `query`: they know invoices by status and due date only."""
    return query.account_id is None and query.transaction_id is None and query.order_id is None


def totals_of(buckets: Mapping[str, tuple[int, int]], query: InvoiceQuery, today: date) -> InvoiceTotals:
    """The totals of the invoices `query` matches (one `kept_for`), from the buckets."""
    count = cents = open_count = open_cents = paid_cents = 0
    for key, (n, amount) in buckets.items():
        status, due_date = bucket_of(key)
        if query.status is not None and status is not query.status:
            continue
        if (query.due_from is not None and due_date < query.due_from) or (
            query.due_to is not None and due_date > query.due_to
        ):
            continue
        if query.overdue is not None and is_overdue(status, due_date, today) is not query.overdue:
            continue
        count, cents = count + n, cents + amount
        if status is InvoiceStatus.OPEN:
            open_count, open_cents = open_count + n, open_cents + amount
        elif status is InvoiceStatus.PAID:
            paid_cents += amount
    return InvoiceTotals(
        count=count,
        amount_cents=cents,
        open_count=open_count,
        open_amount_cents=open_cents,
        paid_amount_cents=paid_cents,
    )
