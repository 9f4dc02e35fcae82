"""Holds, settlement into invoices, refunds and invoice actions: the credit rules that move money."""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from customer_credit.domain.credit import (
    CreditErrorCode,
    CreditRuleViolation,
    CreditTransactionStatus,
    InvoiceDue,
    InvoiceReduction,
    InvoiceStatus,
    InvoiceTransition,
    PlannedInvoice,
    RefundPlan,
    SettlementPlan,
    StatementEntryKind,
    cancel_invoice,
    cancel_transaction,
    check_postponement,
    check_settleable,
    due_dates,
    expire_transaction,
    invoice_id,
    is_active_hold,
    is_overdue,
    pay_invoice,
    plan_refund,
    plan_settlement,
    postpone_invoice,
    settlement_amount_cents,
    split_installments,
    spread_refund,
    utc_date,
)

AUTHORIZED = CreditTransactionStatus.AUTHORIZED
SETTLED = CreditTransactionStatus.SETTLED
OPEN, PAID, CANCELLED = InvoiceStatus.OPEN, InvoiceStatus.PAID, InvoiceStatus.CANCELLED
NOON_2024_01_31 = calendar.timegm((2024, 1, 31, 12, 0, 0)) * 1000
LATER = NOON_2024_01_31 + 3_600_000


def refused(call: Callable[[], object]) -> list[tuple[str | None, CreditErrorCode]]:
    with pytest.raises(CreditRuleViolation) as caught:
        call()
    assert all(error.message for error in caught.value.errors)
    return [(error.field, error.code) for error in caught.value.errors]


# --- holds ---------------------------------------------------------------------------------------------


def test_an_authorized_hold_before_its_expiry_is_active() -> None:
    assert is_active_hold(AUTHORIZED, LATER, LATER - 1)


def test_an_authorized_hold_at_its_expiry_is_no_longer_active() -> None:
    assert not is_active_hold(AUTHORIZED, LATER, LATER)


@pytest.mark.parametrize("status", [SETTLED, CreditTransactionStatus.CANCELLED, CreditTransactionStatus.EXPIRED])
def test_a_transaction_not_authorized_holds_nothing(status: CreditTransactionStatus) -> None:
    assert not is_active_hold(status, LATER, NOON_2024_01_31)


def test_cancelling_an_authorized_transaction_makes_it_cancelled() -> None:
    assert cancel_transaction(AUTHORIZED) is CreditTransactionStatus.CANCELLED


@pytest.mark.parametrize("status", [SETTLED, CreditTransactionStatus.CANCELLED, CreditTransactionStatus.EXPIRED])
def test_cancelling_a_transaction_not_authorized_is_refused(status: CreditTransactionStatus) -> None:
    assert refused(lambda: cancel_transaction(status)) == [
        ("transactionId", CreditErrorCode.TRANSACTION_NOT_AUTHORIZED)
    ]


def test_an_authorized_transaction_at_its_expiry_expires() -> None:
    assert expire_transaction(AUTHORIZED, LATER, LATER) is CreditTransactionStatus.EXPIRED


def test_an_authorized_transaction_before_its_expiry_stays_authorized() -> None:
    assert expire_transaction(AUTHORIZED, LATER, LATER - 1) is AUTHORIZED


@pytest.mark.parametrize("status", [SETTLED, CreditTransactionStatus.CANCELLED])
def test_expiry_leaves_a_settled_or_cancelled_transaction_alone(status: CreditTransactionStatus) -> None:
    assert expire_transaction(status, LATER, LATER + 1) is status


# --- the settlement plan -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cents", "n", "parts"),
    [
        (10_000, 3, [3334, 3333, 3333]),  # 100.00 in 3
        (20_000, 3, [6667, 6667, 6666]),  # 200.00 in 3
        (10_000, 1, [10_000]),
        (10_000, 4, [2500, 2500, 2500, 2500]),
        (5, 5, [1, 1, 1, 1, 1]),
        (100, 12, [9, 9, 9, 9, 8, 8, 8, 8, 8, 8, 8, 8]),  # 1.00 in 12: 4 remainder cents
    ],
)
def test_split_gives_equal_parts_with_the_remainder_on_the_first(cents: int, n: int, parts: list[int]) -> None:
    assert split_installments(cents, n) == parts


@pytest.mark.parametrize(("cents", "n"), [(100, 0), (-1, 2)])
def test_split_refuses_no_installments_or_a_negative_amount(cents: int, n: int) -> None:
    with pytest.raises(ValueError):
        split_installments(cents, n)


@given(st.integers(min_value=0, max_value=100_000_000_000), st.integers(min_value=1, max_value=48))
def test_split_always_adds_up_with_parts_one_cent_apart_larger_first(cents: int, n: int) -> None:
    parts = split_installments(cents, n)

    assert len(parts) == n
    assert sum(parts) == cents
    assert max(parts) - min(parts) <= 1
    assert parts == sorted(parts, reverse=True)


def test_invoice_k_is_due_k_times_the_due_days_after_settlement() -> None:
    # 2024 is a leap year: 31 Jan + 30 days = 1 Mar, + 60 = 31 Mar, + 90 = 30 Apr
    assert due_dates(date(2024, 1, 31), 3, 30) == [date(2024, 3, 1), date(2024, 3, 31), date(2024, 4, 30)]


def test_due_dates_follow_the_due_days_setting() -> None:
    assert due_dates(date(2024, 12, 31), 2, 1) == [date(2025, 1, 1), date(2025, 1, 2)]


@pytest.mark.parametrize(("installment", "expected"), [(1, "tx-01"), (9, "tx-09"), (12, "tx-12"), (48, "tx-48")])
def test_invoice_ids_are_the_transaction_id_and_two_digits(installment: int, expected: str) -> None:
    assert invoice_id("tx", installment) == expected


@pytest.mark.parametrize("installment", [0, 49])
def test_invoice_ids_exist_only_for_installments_1_to_48(installment: int) -> None:
    with pytest.raises(ValueError):
        invoice_id("tx", installment)


@pytest.mark.parametrize(
    ("epoch_ms", "expected"),
    [
        (0, date(1970, 1, 1)),
        (86_399_999, date(1970, 1, 1)),
        (86_400_000, date(1970, 1, 2)),
        (-1, date(1969, 12, 31)),
        (1_700_000_000_000, date(2023, 11, 14)),
    ],
)
def test_utc_date_is_the_calendar_day_of_a_moment(epoch_ms: int, expected: date) -> None:
    assert utc_date(epoch_ms) == expected


def settle(
    amount: str = "100.00",
    *,
    status: CreditTransactionStatus = AUTHORIZED,
    authorized_cents: int = 12_000,
    expires_at_ms: int = LATER,
    installments: int = 3,
    now_ms: int = NOON_2024_01_31,
) -> SettlementPlan:
    return plan_settlement(
        transaction_id="tx",
        status=status,
        authorized_cents=authorized_cents,
        expires_at_ms=expires_at_ms,
        installments=installments,
        amount=Decimal(amount),
        now_ms=now_ms,
        invoice_due_days=30,
    )


def test_settling_lays_out_one_invoice_per_installment() -> None:
    plan = settle("100.00")

    assert plan == SettlementPlan(
        amount_cents=10_000,
        released_hold_cents=12_000,  # the whole 120.00 hold is released, not only the 100.00 settled
        settlement_date=date(2024, 1, 31),
        invoices=(
            PlannedInvoice("tx-01", 1, 3, 3334, date(2024, 3, 1)),
            PlannedInvoice("tx-02", 2, 3, 3333, date(2024, 3, 31)),
            PlannedInvoice("tx-03", 3, 3, 3333, date(2024, 4, 30)),
        ),
    )


def test_each_invoice_entry_is_negative_and_they_take_the_amount_off_the_balance() -> None:
    plan = settle("100.00")

    assert [i.entry_amount_cents for i in plan.invoices] == [-3334, -3333, -3333]
    assert plan.balance_delta_cents == -10_000


def test_settling_just_before_midnight_utc_dates_the_invoices_from_that_day() -> None:
    last_ms_of_day = calendar.timegm((2024, 1, 31, 23, 59, 59)) * 1000 + 999

    plan = settle(now_ms=last_ms_of_day, expires_at_ms=last_ms_of_day + 1)

    assert plan.settlement_date == date(2024, 1, 31)


def test_settling_the_whole_authorized_amount_is_accepted() -> None:
    assert settle("120.00").amount_cents == 12_000


def test_settling_one_cent_above_the_authorization_is_refused() -> None:
    assert refused(lambda: settle("120.01")) == [("amount", CreditErrorCode.AMOUNT_EXCEEDS_AUTHORIZATION)]


@pytest.mark.parametrize("amount", ["0", "-1.00", "1.001", "NaN"])
def test_settling_a_zero_negative_or_malformed_amount_is_invalid_amount(amount: str) -> None:
    assert refused(lambda: settle(amount)) == [("amount", CreditErrorCode.INVALID_AMOUNT)]


@pytest.mark.parametrize("status", [SETTLED, CreditTransactionStatus.CANCELLED, CreditTransactionStatus.EXPIRED])
def test_settling_a_transaction_not_authorized_is_refused(status: CreditTransactionStatus) -> None:
    assert refused(lambda: settle(status=status)) == [("transactionId", CreditErrorCode.TRANSACTION_NOT_AUTHORIZED)]


def test_settling_at_the_expiry_is_transaction_expired_though_still_authorized() -> None:
    assert refused(lambda: settle(expires_at_ms=NOON_2024_01_31)) == [
        ("transactionId", CreditErrorCode.TRANSACTION_EXPIRED)
    ]


def test_settling_one_millisecond_before_the_expiry_is_accepted() -> None:
    assert settle(expires_at_ms=NOON_2024_01_31 + 1).amount_cents == 10_000


def test_settling_fewer_cents_than_installments_is_invalid_amount() -> None:
    assert refused(lambda: settle("0.02", installments=3)) == [("amount", CreditErrorCode.INVALID_AMOUNT)]


def test_settling_one_cent_per_installment_is_accepted() -> None:
    assert [i.amount_cents for i in settle("0.03", installments=3).invoices] == [1, 1, 1]


def test_check_settleable_passes_an_authorized_transaction_before_its_expiry() -> None:
    check_settleable(AUTHORIZED, LATER, LATER - 1)


def test_settlement_amount_of_exactly_the_authorization_is_its_cents() -> None:
    assert settlement_amount_cents(Decimal("120"), 12_000) == 12_000


def test_settlement_amount_over_the_authorization_is_refused() -> None:
    assert refused(lambda: settlement_amount_cents(Decimal("120.01"), 12_000)) == [
        ("amount", CreditErrorCode.AMOUNT_EXCEEDS_AUTHORIZATION)
    ]


# --- refunds -----------------------------------------------------------------------------------------------------


def three_invoices(
    first: InvoiceStatus = OPEN, second: InvoiceStatus = OPEN, third: InvoiceStatus = OPEN
) -> list[InvoiceDue]:
    """100.00 settled in 3: 33.34, 33.33, 33.33."""
    return [InvoiceDue(1, 3334, first), InvoiceDue(2, 3333, second), InvoiceDue(3, 3333, third)]


def refund(
    amount: str,
    invoices: list[InvoiceDue],
    *,
    status: CreditTransactionStatus = SETTLED,
    settled_cents: int = 10_000,
    refunded_cents: int = 0,
) -> RefundPlan:
    return plan_refund(
        status=status,
        amount=Decimal(amount),
        settled_cents=settled_cents,
        refunded_cents=refunded_cents,
        invoices=invoices,
    )


def test_a_refund_lowers_the_open_invoices_from_the_last_installment_backwards() -> None:
    # 40.00: installment 3 loses all 33.33 (cancelled), installment 2 loses the other 6.67 (33.33 → 26.66)
    plan = refund("40.00", three_invoices())

    assert plan.reductions == (
        InvoiceReduction(3, 3333, 0, CANCELLED),
        InvoiceReduction(2, 3333, 2666, OPEN),
    )
    assert plan.credit_in_favour_cents == 0
    assert plan.refunded_after_cents == 4000


def test_a_refund_beyond_the_open_invoices_is_credit_in_the_holders_favour() -> None:
    # installments 1 and 2 paid; 50.00 takes 33.33 off installment 3 and leaves 16.67 in the holder's favour
    plan = refund("50.00", three_invoices(PAID, PAID, OPEN))

    assert plan.reductions == (InvoiceReduction(3, 3333, 0, CANCELLED),)
    assert plan.credit_in_favour_cents == 1667


def test_a_refund_of_a_fully_paid_transaction_is_all_credit_in_favour() -> None:
    plan = refund("100.00", three_invoices(PAID, PAID, PAID))

    assert plan.reductions == ()
    assert plan.credit_in_favour_cents == 10_000


def test_a_refund_passes_over_cancelled_invoices() -> None:
    plan = refund("10.00", three_invoices(OPEN, OPEN, CANCELLED))

    assert plan.reductions == (InvoiceReduction(2, 3333, 2333, OPEN),)


def test_a_refund_follows_installment_order_whatever_order_the_invoices_come_in() -> None:
    plan = refund("40.00", list(reversed(three_invoices())))

    assert [r.installment for r in plan.reductions] == [3, 2]


def test_a_refund_is_always_one_refund_entry_of_plus_the_amount() -> None:
    # 50.00 = 33.33 off installment 3 + 16.67 in favour; both raise the balance
    plan = refund("50.00", three_invoices(PAID, OPEN, OPEN))

    assert plan.entry_kind is StatementEntryKind.REFUND
    assert plan.balance_delta_cents == 5000
    assert plan.reduced_cents + plan.credit_in_favour_cents == 5000


def test_refunding_exactly_what_is_left_refundable_is_accepted() -> None:
    # settled 100.00, refunded 40.00 before: 60.00 left
    assert refund("60.00", three_invoices(PAID, PAID, PAID), refunded_cents=4000).refunded_after_cents == 10_000


def test_refunding_one_cent_more_than_is_refundable_is_refused() -> None:
    assert refused(lambda: refund("60.01", three_invoices(), refunded_cents=4000)) == [
        ("amount", CreditErrorCode.AMOUNT_EXCEEDS_REFUNDABLE)
    ]


@pytest.mark.parametrize("status", [AUTHORIZED, CreditTransactionStatus.CANCELLED, CreditTransactionStatus.EXPIRED])
def test_refunding_a_transaction_not_settled_exceeds_the_nothing_refundable(status: CreditTransactionStatus) -> None:
    assert refused(lambda: refund("1.00", [], status=status, settled_cents=0)) == [
        ("amount", CreditErrorCode.AMOUNT_EXCEEDS_REFUNDABLE)
    ]


@pytest.mark.parametrize("amount", ["0", "-5.00", "0.001"])
def test_refunding_a_zero_negative_or_malformed_amount_is_invalid_amount(amount: str) -> None:
    assert refused(lambda: refund(amount, three_invoices())) == [("amount", CreditErrorCode.INVALID_AMOUNT)]


invoice_lists = st.lists(
    st.tuples(st.integers(min_value=0, max_value=50_000), st.sampled_from(list(InvoiceStatus))), min_size=0, max_size=12
).map(lambda rows: [InvoiceDue(k, cents, status) for k, (cents, status) in enumerate(rows, start=1)])


@given(invoice_lists, st.data())
def test_a_refund_never_makes_an_invoice_negative_and_reductions_plus_excess_are_the_amount(
    invoices: list[InvoiceDue], data: st.DataObject
) -> None:
    open_total = sum(i.amount_cents for i in invoices if i.status is OPEN)
    amount = data.draw(st.integers(min_value=1, max_value=open_total + 100_000))
    by_installment = {i.installment: i for i in invoices}

    reductions, excess = spread_refund(amount, invoices)

    assert sum(r.reduced_cents for r in reductions) + excess == amount
    assert excess == max(amount - open_total, 0)
    for r in reductions:
        before = by_installment[r.installment]
        assert before.status is OPEN and r.amount_before_cents == before.amount_cents
        assert 0 <= r.amount_after_cents < r.amount_before_cents
        assert r.status is (CANCELLED if r.amount_after_cents == 0 else OPEN)
    for later, earlier in zip(reductions, reductions[1:], strict=False):
        assert later.installment > earlier.installment and later.amount_after_cents == 0


# --- invoice actions ----------------------------------------------------------------------------------------------


def test_paying_an_open_invoice_makes_it_paid_with_a_payment_of_plus_its_amount() -> None:
    assert pay_invoice(OPEN, 3333) == InvoiceTransition(PAID, StatementEntryKind.PAYMENT, 3333)


@pytest.mark.parametrize("status", [PAID, CANCELLED])
def test_paying_an_invoice_not_open_is_refused(status: InvoiceStatus) -> None:
    assert refused(lambda: pay_invoice(status, 3333)) == [("invoiceId", CreditErrorCode.INVOICE_NOT_OPEN)]


def test_cancelling_an_open_invoice_makes_it_cancelled_with_a_cancellation_of_plus_its_amount() -> None:
    assert cancel_invoice(OPEN, 2666) == InvoiceTransition(CANCELLED, StatementEntryKind.CANCELLATION, 2666)


def test_cancelling_a_paid_invoice_is_invoice_paid() -> None:
    assert refused(lambda: cancel_invoice(PAID, 3333)) == [("invoiceId", CreditErrorCode.INVOICE_PAID)]


def test_cancelling_a_cancelled_invoice_is_invoice_not_open() -> None:
    assert refused(lambda: cancel_invoice(CANCELLED, 3333)) == [("invoiceId", CreditErrorCode.INVOICE_NOT_OPEN)]


def postpone(
    days: int,
    *,
    status: InvoiceStatus = OPEN,
    due: date = date(2024, 3, 1),
    original: date = date(2024, 3, 1),
    enabled: bool = True,
    maximum: int = 30,
) -> date:
    return postpone_invoice(
        status=status,
        due_date=due,
        original_due_date=original,
        days=days,
        postponement_enabled=enabled,
        max_postponement_days=maximum,
    )


def test_postponing_moves_the_due_date_by_the_days() -> None:
    assert postpone(10) == date(2024, 3, 11)


def test_postponing_up_to_the_maximum_in_total_is_accepted() -> None:
    # already 20 days later than the original; 10 more makes 30 = the maximum
    assert postpone(10, due=date(2024, 3, 21)) == date(2024, 3, 31)


def test_postponing_one_day_past_the_maximum_in_total_is_refused() -> None:
    assert refused(lambda: postpone(11, due=date(2024, 3, 21))) == [("days", CreditErrorCode.INVALID_POSTPONEMENT)]


@pytest.mark.parametrize("days", [0, -1])
def test_postponing_by_fewer_than_one_day_is_refused(days: int) -> None:
    assert refused(lambda: postpone(days)) == [("days", CreditErrorCode.INVALID_POSTPONEMENT)]


def test_postponing_when_the_maximum_is_zero_is_refused() -> None:
    assert refused(lambda: postpone(1, maximum=0)) == [("days", CreditErrorCode.INVALID_POSTPONEMENT)]


def test_postponing_while_the_store_disables_it_is_postponement_disabled() -> None:
    assert refused(lambda: postpone(1, enabled=False)) == [(None, CreditErrorCode.POSTPONEMENT_DISABLED)]


@pytest.mark.parametrize("status", [PAID, CANCELLED])
def test_postponing_an_invoice_not_open_is_refused(status: InvoiceStatus) -> None:
    assert refused(lambda: postpone(1, status=status)) == [("invoiceId", CreditErrorCode.INVOICE_NOT_OPEN)]


def test_check_postponement_counts_what_was_postponed_before() -> None:
    check_postponement(5, 25, postponement_enabled=True, max_postponement_days=30)
    assert refused(lambda: check_postponement(6, 25, postponement_enabled=True, max_postponement_days=30)) == [
        ("days", CreditErrorCode.INVALID_POSTPONEMENT)
    ]


def test_an_open_invoice_due_yesterday_is_overdue() -> None:
    assert is_overdue(OPEN, date(2024, 3, 1), today=date(2024, 3, 2))


def test_an_open_invoice_due_today_is_not_overdue_yet() -> None:
    assert not is_overdue(OPEN, date(2024, 3, 1), today=date(2024, 3, 1))


@pytest.mark.parametrize("status", [PAID, CANCELLED])
def test_a_paid_or_cancelled_invoice_is_never_overdue(status: InvoiceStatus) -> None:
    assert not is_overdue(status, date(2024, 3, 1), today=date(2024, 4, 1))
