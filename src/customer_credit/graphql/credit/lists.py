"""The credit lists (an account's transactions, invoices and statement; the store's invoices) as
keyset connections, each with its total counted only when asked."""

from __future__ import annotations

from datetime import datetime

from strawberry.types import Info

from customer_credit.domain.clock import now_ms
from customer_credit.domain.credit import CreditTransactionStatus
from customer_credit.domain.credit_records import InvoiceQuery
from customer_credit.graphql.core.connection import Connection
from customer_credit.graphql.core.pagination import check_page_size, decode_cursor, fingerprint
from customer_credit.graphql.credit.types import CreditTransaction, Invoice, StatementEntry
from customer_credit.usecases.credit import complete_pending, today_utc


def epoch_ms(value: datetime | None) -> int | None:
    return int(value.timestamp() * 1000) if value is not None else None


async def transactions_of(
    info: Info, account_id: str, *, first: int | None, after: str | None, status: CreditTransactionStatus | None
) -> Connection[CreditTransaction]:
    context = info.context
    ledger = context.services.ledger
    size = check_page_size(first, context.settings.max_page_size)
    query_id = fingerprint("transactions", account_id, status)
    position = decode_cursor(after, query_id, str)[0] if after is not None else None
    await complete_pending(ledger, account_id)
    found = await ledger.transactions_page(account_id, status=status, after=position, limit=size + 1) if size else []
    now = now_ms()
    page = [([key], CreditTransaction.of(t, now)) for key, t in found[:size]]

    async def counter(limit: int | None) -> int:
        return await ledger.count_transactions(account_id, status, limit)

    return Connection.of(page, scope=query_id, has_next_page=len(found) > size, after=after, counter=counter)


async def invoices_page(
    info: Info, query: InvoiceQuery, *, first: int | None, after: str | None
) -> Connection[Invoice]:
    context = info.context
    ledger = context.services.ledger
    size = check_page_size(first, context.settings.max_page_size)
    query_id = fingerprint("invoices", query)
    position = decode_cursor(after, query_id, str)[0] if after is not None else None
    if query.account_id is not None:
        await complete_pending(ledger, query.account_id)
    today = today_utc()
    found = await ledger.invoices_page(query, today=today, after=position, limit=size + 1) if size else []
    page = [([key], Invoice.of(invoice)) for key, invoice in found[:size]]

    async def counter(limit: int | None) -> int:
        return await ledger.count_invoices(query, today=today, limit=limit)

    return Connection.of(page, scope=query_id, has_next_page=len(found) > size, after=after, counter=counter)


async def statement_of(
    info: Info,
    account_id: str,
    *,
    first: int | None,
    after: str | None,
    from_: datetime | None,
    to: datetime | None,
) -> Connection[StatementEntry]:
    context = info.context
    ledger = context.services.ledger
    size = check_page_size(first, context.settings.max_page_size, default=50)
    from_ms, to_ms = epoch_ms(from_), epoch_ms(to)
    query_id = fingerprint("statement", account_id, from_ms, to_ms)
    position = decode_cursor(after, query_id, str)[0] if after is not None else None
    await complete_pending(ledger, account_id)
    found = (
        await ledger.entries_page(account_id, from_ms=from_ms, to_ms=to_ms, after=position, limit=size + 1)
        if size
        else []
    )
    page = [([entry.id], StatementEntry.of(entry)) for entry in found[:size]]

    async def counter(limit: int | None) -> int:
        return await ledger.count_entries(account_id, from_ms, to_ms, limit)

    return Connection.of(page, scope=query_id, has_next_page=len(found) > size, after=after, counter=counter)
