"""`creditTransaction`, `invoice`, `invoices` and `invoiceTotals`: reads need `credit:read`."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from customer_credit.domain.clock import now_ms
from customer_credit.domain.credit_records import InvoiceQuery
from customer_credit.graphql.core.connection import Connection
from customer_credit.graphql.core.permissions import requires
from customer_credit.graphql.credit.lists import invoices_page
from customer_credit.graphql.credit.types import CreditTransaction, Invoice, InvoiceFilter, InvoiceTotals
from customer_credit.usecases.credit import credit_transaction, invoice, invoice_totals


def invoice_query(filter: InvoiceFilter | None) -> InvoiceQuery:
    if filter is None:
        return InvoiceQuery()
    return InvoiceQuery(
        account_id=str(filter.account_id) if filter.account_id is not None else None,
        status=filter.status,
        overdue=filter.overdue,
        due_from=filter.due_from,
        due_to=filter.due_to,
        transaction_id=str(filter.transaction_id) if filter.transaction_id is not None else None,
        order_id=filter.order_id,
    )


@strawberry.type
class CreditQueries:
    @strawberry.field(permission_classes=[requires("credit:read")])
    async def credit_transaction(self, info: Info, id: strawberry.ID) -> CreditTransaction | None:
        found = await credit_transaction(info.context.services.ledger, str(id))
        return CreditTransaction.of(found, now_ms()) if found is not None else None

    @strawberry.field(permission_classes=[requires("credit:read")])
    async def invoice(self, info: Info, id: strawberry.ID) -> Invoice | None:
        found = await invoice(info.context.services.ledger, str(id))
        return Invoice.of(found) if found is not None else None

    @strawberry.field(description="By due date, then id.", permission_classes=[requires("credit:read")])
    async def invoices(
        self, info: Info, first: int | None = 20, after: str | None = None, filter: InvoiceFilter | None = None
    ) -> Connection[Invoice]:
        return await invoices_page(info, invoice_query(filter), first=first, after=after)

    @strawberry.field(
        description="Count and sums of every invoice the filter matches (not of one page).",
        permission_classes=[requires("credit:read")],
    )
    async def invoice_totals(self, info: Info, filter: InvoiceFilter | None = None) -> InvoiceTotals:
        return InvoiceTotals.of(await invoice_totals(info.context.services.ledger, invoice_query(filter)))
