"""The edges of the credit rules: the smallest postponement and invoice, a lowered ceiling, a
fully refunded transaction, and the errors the internal helpers raise."""

from __future__ import annotations

from decimal import Decimal

import pytest

from customer_credit.domain.credit import (
    CreditErrorCode,
    CreditRuleViolation,
    CreditTransactionStatus,
    InvoiceDue,
    InvoiceReduction,
    InvoiceStatus,
    check_postponement,
    invoice_id,
    plan_refund,
    split_installments,
    spread_refund,
)
from customer_credit.domain.settings_rules import StoreSettings, StoreSettingsUpdate, apply_settings_update


def postponement_refusal(days: int, already: int, ceiling: int) -> str:
    with pytest.raises(CreditRuleViolation) as violation:
        check_postponement(days, already, postponement_enabled=True, max_postponement_days=ceiling)
    (error,) = violation.value.errors
    assert (error.field, error.code) == ("days", CreditErrorCode.INVALID_POSTPONEMENT)
    return error.message.english


def test_an_invoice_can_be_postponed_by_a_single_day():
    check_postponement(1, 0, postponement_enabled=True, max_postponement_days=1)


@pytest.mark.parametrize("days", [0, -1, True, 1.0])
def test_days_that_are_not_a_whole_number_of_at_least_1_are_refused(days):
    assert postponement_refusal(days, 0, 30) == "Days must be at least 1."


def test_after_the_store_lowers_the_ceiling_below_what_was_postponed_none_are_left():
    assert postponement_refusal(1, 20, 10) == "An invoice can be postponed by at most 10 days in total; 0 are left."


def test_a_refund_of_one_cent_cancels_an_invoice_of_one_cent():
    reductions, excess = spread_refund(1, [InvoiceDue(1, 1, InvoiceStatus.OPEN)])

    assert reductions == (InvoiceReduction(1, 1, 0, InvoiceStatus.CANCELLED),)
    assert excess == 0


def test_a_fully_refunded_transaction_has_nothing_left_to_refund():
    with pytest.raises(CreditRuleViolation) as violation:
        plan_refund(
            status=CreditTransactionStatus.SETTLED,
            amount=Decimal("0.01"),
            settled_cents=100_00,
            refunded_cents=100_00,
            invoices=[],
        )

    assert violation.value.errors[0].message.english == "The amount is more than the 0.00 still refundable."


@pytest.mark.parametrize(("amount_cents", "n"), [(100, 0), (-1, 1)])
def test_splitting_needs_an_installment_and_a_non_negative_amount(amount_cents, n):
    with pytest.raises(ValueError, match="^need at least one installment and a non-negative amount$"):
        split_installments(amount_cents, n)


@pytest.mark.parametrize("installment", [0, 49])
def test_invoice_ids_exist_for_installments_1_to_48_only(installment):
    with pytest.raises(ValueError, match="^installment must be between 1 and 48$"):
        invoice_id("t1", installment)


def test_an_update_of_one_flag_alone_changes_that_flag():
    updated = apply_settings_update(
        StoreSettings(), StoreSettingsUpdate(postponement_enabled=False), now_ms=5, actor="admin"
    )

    assert updated == StoreSettings(postponement_enabled=False, updated_at_ms=5, updated_by="admin")
