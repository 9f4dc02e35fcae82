"""The credit contract's names, an account's numbers and the input checks of the credit mutations.

Amounts are worked out by hand in each test; every boundary is pinned on both sides.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_FLOOR, Decimal, localcontext

import pytest
from hypothesis import given
from hypothesis import strategies as st

from customer_credit.domain.credit import (
    AdjustmentInput,
    AuthorizationInput,
    CreditError,
    CreditErrorCode,
    CreditRuleViolation,
    CreditTransactionStatus,
    InvoiceStatus,
    StatementEntryKind,
    adjustment_amount_cents,
    amount_cents,
    available_credit_cents,
    check_sufficient_credit,
    expiry_ms,
    idempotency_key,
    installment_count,
    note_text,
    spending_limit_cents,
    validate_adjustment,
    validate_authorization,
)
from customer_credit.domain.messages import verbatim

NOW = 1_700_000_000_000  # 2023-11-14T22:13:20Z
HOUR = 3_600_000
THIRTY_DAYS = 2_592_000_000  # 30 × 24 × 3,600,000 ms


def refused(call: Callable[[], object]) -> list[tuple[str | None, CreditErrorCode]]:
    """The (field, code) pairs of the violation `call` raises; fails the test when it raises none."""
    with pytest.raises(CreditRuleViolation) as caught:
        call()
    assert all(error.message.english for error in caught.value.errors)
    return [(error.field, error.code) for error in caught.value.errors]


# --- the contract's names ----------------------------------------------------------------------------


def test_transaction_statuses_are_the_contracts() -> None:
    assert [s.value for s in CreditTransactionStatus] == ["AUTHORIZED", "SETTLED", "CANCELLED", "EXPIRED"]


def test_invoice_statuses_are_the_contracts() -> None:
    assert [s.value for s in InvoiceStatus] == ["OPEN", "PAID", "CANCELLED"]


def test_statement_entry_kinds_are_the_contracts() -> None:
    assert [k.value for k in StatementEntryKind] == ["INVOICE", "PAYMENT", "REFUND", "CANCELLATION", "ADJUSTMENT"]


def test_credit_error_codes_are_the_contracts_eighteen() -> None:
    assert [c.value for c in CreditErrorCode] == [
        "NOT_FOUND", "ACCOUNT_CLOSED", "INVALID_AMOUNT", "INVALID_INSTALLMENTS", "INVALID_EXPIRY",
        "INSUFFICIENT_CREDIT", "TRANSACTION_NOT_AUTHORIZED", "TRANSACTION_EXPIRED", "AMOUNT_EXCEEDS_AUTHORIZATION",
        "AMOUNT_EXCEEDS_REFUNDABLE", "INVOICE_NOT_OPEN", "INVOICE_PAID", "POSTPONEMENT_DISABLED",
        "INVALID_POSTPONEMENT", "INVALID_NOTE", "INVALID_SETTING", "IDEMPOTENCY_KEY_REUSED", "INVALID_IDEMPOTENCY_KEY",
    ]  # fmt: skip


def test_enum_members_compare_equal_to_their_names_as_strings() -> None:
    assert CreditTransactionStatus.AUTHORIZED == "AUTHORIZED"
    assert CreditErrorCode("INVOICE_PAID") is CreditErrorCode.INVOICE_PAID


def test_single_builds_a_violation_with_one_error() -> None:
    violation = CreditRuleViolation.single("amount", CreditErrorCode.INVALID_AMOUNT, verbatim("Bad amount."))

    assert violation.errors == [CreditError("amount", CreditErrorCode.INVALID_AMOUNT, verbatim("Bad amount."))]
    assert str(violation) == "Bad amount."


def test_a_violation_with_several_errors_joins_their_messages() -> None:
    violation = CreditRuleViolation(
        [
            CreditError("amount", CreditErrorCode.INVALID_AMOUNT, verbatim("A.")),
            CreditError(None, CreditErrorCode.NOT_FOUND, verbatim("B.")),
        ]
    )

    assert str(violation) == "A.; B."


# --- the numbers of an account -----------------------------------------------------------------------


def test_spending_limit_adds_the_tolerance_to_the_limit() -> None:
    # 1000.00 × 1.0525 = 1052.50
    assert spending_limit_cents(100_000, 525, True) == 105_250


def test_spending_limit_rounds_down_to_the_cent() -> None:
    # 0.03 × 1.3333 = 0.039999 → 0.03, never 0.04
    assert spending_limit_cents(3, 3333, True) == 3


def test_spending_limit_rounds_down_a_fraction_just_below_a_cent() -> None:
    # 12.34 × 1.0001 = 12.341234 → 12.34
    assert spending_limit_cents(1234, 1, True) == 1234


def test_spending_limit_with_full_tolerance_is_twice_the_limit() -> None:
    assert spending_limit_cents(100_000, 10_000, True) == 200_000


def test_spending_limit_is_the_limit_alone_while_tolerance_is_disabled() -> None:
    assert spending_limit_cents(100_000, 525, False) == 100_000


def test_spending_limit_of_a_zero_limit_is_zero() -> None:
    assert spending_limit_cents(0, 10_000, True) == 0


@given(st.integers(min_value=0, max_value=100_000_000_000), st.integers(min_value=0, max_value=10_000))
def test_spending_limit_is_the_exact_product_rounded_down(limit: int, tolerance: int) -> None:
    with localcontext() as context:
        context.prec = 60
        exact = Decimal(limit) * (1 + Decimal(tolerance) / 10_000)
        expected = int(exact.to_integral_value(rounding=ROUND_FLOOR))

    assert spending_limit_cents(limit, tolerance, True) == expected


def test_available_credit_is_spending_plus_balance_minus_held() -> None:
    # 1052.50 + (−200.00) − 300.00 = 552.50
    assert available_credit_cents(105_250, -20_000, 30_000) == 55_250


def test_available_credit_counts_credit_in_the_holders_favour() -> None:
    # 100.00 + 15.00 − 0 = 115.00
    assert available_credit_cents(10_000, 1_500, 0) == 11_500


def test_available_credit_goes_negative_when_the_limit_is_below_what_is_in_use() -> None:
    # 100.00 + (−150.00) − 0 = −50.00
    assert available_credit_cents(10_000, -15_000, 0) == -5_000


def test_an_amount_equal_to_the_available_credit_is_sufficient() -> None:
    check_sufficient_credit(5_000, 5_000)


def test_one_cent_above_the_available_credit_is_insufficient_credit() -> None:
    assert refused(lambda: check_sufficient_credit(5_001, 5_000)) == [("amount", CreditErrorCode.INSUFFICIENT_CREDIT)]


def test_any_amount_is_insufficient_against_negative_available_credit() -> None:
    assert refused(lambda: check_sufficient_credit(1, -5_000)) == [("amount", CreditErrorCode.INSUFFICIENT_CREDIT)]


# --- amounts -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "cents"),
    [("10.5", 1050), ("0.01", 1), ("1000000000.00", 100_000_000_000), ("1.230", 123), ("1E+2", 10_000)],
)
def test_amount_becomes_cents(raw: str, cents: int) -> None:
    assert amount_cents(Decimal(raw)) == cents


@pytest.mark.parametrize(
    "raw", ["0", "0.00", "-0", "-0.01", "-10", "0.001", "1.005", "1000000000.01", "1E+30", "NaN", "sNaN", "Infinity"]
)
def test_amount_out_of_range_or_with_more_places_is_invalid_amount(raw: str) -> None:
    assert refused(lambda: amount_cents(Decimal(raw))) == [("amount", CreditErrorCode.INVALID_AMOUNT)]


def test_a_float_is_never_an_amount() -> None:
    assert refused(lambda: amount_cents(10.5)) == [("amount", CreditErrorCode.INVALID_AMOUNT)]  # type: ignore[arg-type]


def test_amount_errors_carry_the_field_they_are_checked_for() -> None:
    assert refused(lambda: amount_cents(Decimal("0"), field="value")) == [("value", CreditErrorCode.INVALID_AMOUNT)]


@pytest.mark.parametrize(
    ("raw", "cents"),
    [
        ("-10.00", -1000),
        ("0.01", 1),
        ("-0.01", -1),
        ("1000000000.00", 100_000_000_000),
        ("-1000000000.00", -100_000_000_000),
    ],
)
def test_adjustment_amount_is_signed_cents(raw: str, cents: int) -> None:
    assert adjustment_amount_cents(Decimal(raw)) == cents


@pytest.mark.parametrize("raw", ["0", "-0.00", "1000000000.01", "-1000000000.01", "-1.001", "NaN", "-Infinity"])
def test_adjustment_of_zero_or_beyond_the_range_is_invalid_amount(raw: str) -> None:
    assert refused(lambda: adjustment_amount_cents(Decimal(raw))) == [("amount", CreditErrorCode.INVALID_AMOUNT)]


# --- installments --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("installments", "maximum"), [(1, 12), (12, 12), (48, 48), (1, 1)])
def test_installments_from_one_to_the_maximum_are_accepted(installments: int, maximum: int) -> None:
    assert installment_count(installments, maximum) == installments


@pytest.mark.parametrize(("installments", "maximum"), [(0, 12), (13, 12), (-1, 12), (2, 1), (49, 48)])
def test_installments_outside_one_to_the_maximum_are_invalid(installments: int, maximum: int) -> None:
    assert refused(lambda: installment_count(installments, maximum)) == [
        ("installments", CreditErrorCode.INVALID_INSTALLMENTS)
    ]


def test_a_boolean_is_not_a_number_of_installments() -> None:
    assert refused(lambda: installment_count(True, 12)) == [("installments", CreditErrorCode.INVALID_INSTALLMENTS)]


# --- expiry ----------------------------------------------------------------------------------------------


def test_expiry_defaults_to_now_plus_the_ttl() -> None:
    # 120 h = 432,000,000 ms
    assert expiry_ms(None, now_ms=NOW, authorization_ttl_hours=120) == NOW + 432_000_000


def test_expiry_default_follows_the_ttl_setting() -> None:
    assert expiry_ms(None, now_ms=NOW, authorization_ttl_hours=1) == NOW + HOUR


def test_expiry_exactly_thirty_days_ahead_is_accepted() -> None:
    assert expiry_ms(NOW + THIRTY_DAYS, now_ms=NOW, authorization_ttl_hours=120) == NOW + THIRTY_DAYS


def test_expiry_one_millisecond_past_thirty_days_is_invalid() -> None:
    assert refused(lambda: expiry_ms(NOW + THIRTY_DAYS + 1, now_ms=NOW, authorization_ttl_hours=120)) == [
        ("expiresAt", CreditErrorCode.INVALID_EXPIRY)
    ]


def test_expiry_one_millisecond_ahead_is_accepted() -> None:
    assert expiry_ms(NOW + 1, now_ms=NOW, authorization_ttl_hours=120) == NOW + 1


@pytest.mark.parametrize("offset", [0, -1, -HOUR])
def test_expiry_now_or_in_the_past_is_invalid(offset: int) -> None:
    assert refused(lambda: expiry_ms(NOW + offset, now_ms=NOW, authorization_ttl_hours=120)) == [
        ("expiresAt", CreditErrorCode.INVALID_EXPIRY)
    ]


# --- idempotency keys --------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["a", "k" * 128, " ", "~", "order-42/try 1", " padded "])
def test_idempotency_key_of_1_to_128_printable_ascii_is_kept_verbatim(key: str) -> None:
    assert idempotency_key(key) == key


@pytest.mark.parametrize("key", ["", "k" * 129, "tab\there", "\x1f", "\x7f", "café", "line\n", "\ud800"])
def test_idempotency_key_empty_too_long_or_not_printable_ascii_is_invalid(key: str) -> None:
    assert refused(lambda: idempotency_key(key)) == [("idempotencyKey", CreditErrorCode.INVALID_IDEMPOTENCY_KEY)]


# --- notes ------------------------------------------------------------------------------------------------


def test_note_is_stripped() -> None:
    assert note_text("  goodwill credit \n") == "goodwill credit"


@pytest.mark.parametrize("note", ["x", "x" * 500, "  " + "x" * 500 + "  ", "😀" * 500])
def test_note_of_1_to_500_characters_after_stripping_is_accepted(note: str) -> None:
    assert note_text(note) == note.strip()


@pytest.mark.parametrize("note", ["", "   ", "\t\n", "x" * 501, "😀" * 501])
def test_note_empty_after_stripping_or_over_500_characters_is_invalid(note: str) -> None:
    assert refused(lambda: note_text(note)) == [("note", CreditErrorCode.INVALID_NOTE)]


@pytest.mark.parametrize("note", ["\ud800", "ok \udfff ok"])
def test_note_with_a_lone_surrogate_is_invalid(note: str) -> None:
    assert refused(lambda: note_text(note)) == [("note", CreditErrorCode.INVALID_NOTE)]


# --- whole requests ---------------------------------------------------------------------------------------


def authorize(
    amount: str = "100.00", installments: int = 3, expires_at_ms: int | None = None, key: str = "k-1"
) -> AuthorizationInput:
    return validate_authorization(
        amount=Decimal(amount),
        installments=installments,
        expires_at_ms=expires_at_ms,
        key=key,
        now_ms=NOW,
        max_installments=12,
        authorization_ttl_hours=120,
    )


def test_a_valid_authorization_comes_back_in_cents_with_its_default_expiry() -> None:
    assert authorize() == AuthorizationInput(10_000, 3, NOW + 432_000_000, "k-1")


def test_an_authorization_reports_every_bad_field_at_once() -> None:
    assert refused(lambda: authorize(amount="0", installments=13, expires_at_ms=NOW, key="")) == [
        ("amount", CreditErrorCode.INVALID_AMOUNT),
        ("installments", CreditErrorCode.INVALID_INSTALLMENTS),
        ("expiresAt", CreditErrorCode.INVALID_EXPIRY),
        ("idempotencyKey", CreditErrorCode.INVALID_IDEMPOTENCY_KEY),
    ]


def test_an_authorization_with_more_installments_than_cents_is_invalid_installments() -> None:
    assert refused(lambda: authorize(amount="0.02", installments=3)) == [
        ("installments", CreditErrorCode.INVALID_INSTALLMENTS)
    ]


def test_an_authorization_with_one_cent_per_installment_is_accepted() -> None:
    assert authorize(amount="0.03", installments=3).amount_cents == 3


def test_a_valid_adjustment_comes_back_signed_with_its_note_stripped() -> None:
    adjustment = validate_adjustment(amount=Decimal("-25.50"), note="  returned goods ", key="adj-1")

    assert adjustment == AdjustmentInput(-2550, "returned goods", "adj-1")


def test_an_adjustment_reports_every_bad_field_at_once() -> None:
    assert refused(lambda: validate_adjustment(amount=Decimal("0"), note=" ", key="k" * 129)) == [
        ("amount", CreditErrorCode.INVALID_AMOUNT),
        ("note", CreditErrorCode.INVALID_NOTE),
        ("idempotencyKey", CreditErrorCode.INVALID_IDEMPOTENCY_KEY),
    ]
