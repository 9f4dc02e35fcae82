"""Invoice totals kept by status and due day: each operation's change follows from the account's ledger
before it and the invoices it writes; the totals of a filter are a sum of buckets."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from customer_credit.domain.credit import InvoiceStatus
from customer_credit.domain.credit_records import Invoice, InvoiceQuery, Ledger, LedgerEffect, LedgerOp, OpKind
from customer_credit.domain.invoice_totals import added, bucket_key, kept_for, totals_change, totals_of
from customer_credit.domain.ledger_planner import (
    plan_invoice_settlement,
    plan_postponement,
    plan_refund_of,
    plan_settle,
)
from customer_credit.domain.settings_rules import StoreSettings
from tests.unit.domain.test_ledger_planner import DUES, NOW, authorized, holding, settled

OPEN, PAID, CANCELLED = InvoiceStatus.OPEN, InvoiceStatus.PAID, InvoiceStatus.CANCELLED
TODAY = date(2026, 3, 1)


def settlement() -> tuple[LedgerOp, LedgerEffect]:
    """100.00 of an authorization settled in three invoices (33.34, 33.33, 33.33)."""
    transaction = authorized()
    return plan_settle(
        holding(transaction),
        transaction,
        Decimal("100.00"),
        op_id="op-1",
        settings=StoreSettings(),
        actor="shop",
        now_ms=NOW,
    )


def settled_ledger() -> tuple[Ledger, list[Invoice]]:
    """The account after `settlement`, and its invoices."""
    op, effect = settlement()
    open_invoices = {i.invoice_id: i for i in effect.set_open_invoices}
    refundable = {op.result_id: 100_00}  # the settled transaction
    return Ledger("acc-1", revision=1, open_invoices=open_invoices, refundable=refundable), list(op.invoices)


def test_a_settlement_adds_each_new_invoice_to_the_open_bucket_of_its_due_day():
    op, _ = settlement()

    assert totals_change({}, op.invoices) == {
        bucket_key(OPEN, DUES[0]): (1, 33_34),
        bucket_key(OPEN, DUES[1]): (1, 33_33),
        bucket_key(OPEN, DUES[2]): (1, 33_33),
    }


def test_a_paid_invoice_leaves_the_open_bucket_for_the_paid_one_of_the_same_day():
    ledger, invoices = settled_ledger()
    op, _ = plan_invoice_settlement(ledger, invoices[0], OpKind.PAY_INVOICE, op_id="op-2", actor="shop", now_ms=NOW)

    assert totals_change(ledger.open_invoices, op.invoices) == {
        bucket_key(OPEN, DUES[0]): (-1, -33_34),
        bucket_key(PAID, DUES[0]): (1, 33_34),
    }


def test_a_refund_lowers_the_amount_of_an_invoice_it_leaves_open_and_cancels_one_it_brings_to_zero():
    ledger, invoices = settled_ledger()
    op, _ = plan_refund_of(ledger, settled(), invoices, Decimal("40.00"), op_id="op-2", actor="shop", now_ms=NOW)

    assert totals_change(ledger.open_invoices, op.invoices) == {
        bucket_key(OPEN, DUES[2]): (-1, -33_33),
        bucket_key(CANCELLED, DUES[2]): (1, 0),
        bucket_key(OPEN, DUES[1]): (0, -6_67),
    }


def test_a_postponement_moves_the_invoice_to_the_bucket_of_its_new_due_day():
    ledger, invoices = settled_ledger()
    settings = StoreSettings(postponement_enabled=True)
    op, _ = plan_postponement(ledger, invoices[0], 10, settings=settings, op_id="op-2", actor="shop", now_ms=NOW)

    assert totals_change(ledger.open_invoices, op.invoices) == {
        bucket_key(OPEN, DUES[0]): (-1, -33_34),
        bucket_key(OPEN, date(2026, 2, 10)): (1, 33_34),
    }


def test_buckets_add_up_and_the_empty_ones_go():
    one = {bucket_key(OPEN, TODAY): (1, 5_00)}

    assert added(one, {bucket_key(PAID, TODAY): (2, 7_00)}, one) == {
        bucket_key(OPEN, TODAY): (2, 10_00),
        bucket_key(PAID, TODAY): (2, 7_00),
    }
    assert added(one, {bucket_key(OPEN, TODAY): (-1, -5_00)}) == {}


BUCKETS = {
    bucket_key(OPEN, date(2026, 2, 1)): (2, 30_00),  # overdue
    bucket_key(OPEN, TODAY): (1, 40_00),  # due today: not overdue yet
    bucket_key(OPEN, date(2026, 4, 1)): (3, 50_00),
    bucket_key(PAID, date(2026, 2, 1)): (4, 60_00),
    bucket_key(CANCELLED, date(2026, 2, 15)): (5, 0),
}


def totals(**query) -> tuple[int, int, int, int, int]:
    result = totals_of(BUCKETS, InvoiceQuery(**query), TODAY)
    return (result.count, result.amount_cents, result.open_count, result.open_amount_cents, result.paid_amount_cents)


def test_the_totals_of_every_invoice_are_the_sum_of_every_bucket():
    assert totals() == (15, 180_00, 6, 120_00, 60_00)


def test_the_totals_of_a_status_are_its_buckets():
    assert totals(status=PAID) == (4, 60_00, 0, 0, 60_00)
    assert totals(status=OPEN) == (6, 120_00, 6, 120_00, 0)


def test_the_overdue_totals_are_the_open_buckets_due_before_today():
    assert totals(overdue=True) == (2, 30_00, 2, 30_00, 0)
    assert totals(overdue=False) == (13, 150_00, 4, 90_00, 60_00)


def test_a_due_date_range_includes_both_of_its_days():
    assert totals(due_from=date(2026, 2, 1), due_to=date(2026, 2, 15)) == (11, 90_00, 2, 30_00, 60_00)
    assert totals(due_from=TODAY, due_to=TODAY) == (1, 40_00, 1, 40_00, 0)


def test_the_kept_totals_answer_filters_of_status_and_due_dates_only():
    assert kept_for(InvoiceQuery(status=OPEN, overdue=True, due_from=TODAY, due_to=TODAY))
    assert not kept_for(InvoiceQuery(account_id="acc-1"))
    assert not kept_for(InvoiceQuery(transaction_id="t1"))
    assert not kept_for(InvoiceQuery(order_id="order-9"))
