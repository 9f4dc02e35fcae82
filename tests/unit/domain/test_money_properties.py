"""Property tests of exact money: amounts are integers inside, Decimals at the edges, and the
trip between them loses nothing and never rounds."""

from __future__ import annotations

from decimal import Decimal, localcontext

import pytest
from hypothesis import given
from hypothesis import strategies as st

from customer_credit.domain.money import (
    MAX_CREDIT_LIMIT_CENTS,
    TOLERANCE_SCALE,
    MagnitudeError,
    PrecisionError,
    cents_to_decimal,
    decimal_to_cents,
    decimal_to_tolerance_units,
    to_scaled_int,
    tolerance_units_to_decimal,
)

from .strategies import any_decimal

two_places = st.decimals(min_value=0, max_value=1_000_000_000, places=2, allow_nan=False, allow_infinity=False)
four_places = st.decimals(min_value=0, max_value=1, places=4, allow_nan=False, allow_infinity=False)


@given(two_places)
def test_a_two_place_amount_survives_the_trip_through_cents(amount):
    assert cents_to_decimal(decimal_to_cents(amount)) == amount


@given(st.integers(min_value=0, max_value=MAX_CREDIT_LIMIT_CENTS))
def test_cents_survive_the_trip_through_a_decimal(cents):
    amount = cents_to_decimal(cents)

    assert decimal_to_cents(amount) == cents
    assert amount.as_tuple().exponent == -2  # always written with two places: "1500.00"


@given(four_places)
def test_a_four_place_tolerance_survives_the_trip_through_units(tolerance):
    assert tolerance_units_to_decimal(decimal_to_tolerance_units(tolerance)) == tolerance


@given(st.integers(min_value=0, max_value=TOLERANCE_SCALE))
def test_tolerance_units_survive_the_trip_through_a_decimal(units):
    tolerance = tolerance_units_to_decimal(units)

    assert decimal_to_tolerance_units(tolerance) == units
    assert -4 <= tolerance.as_tuple().exponent <= -2  # "0.05", "1.00", "0.0525"


@given(two_places, st.integers(min_value=0, max_value=6))
def test_trailing_zeros_and_exponent_form_do_not_change_the_cents(amount, zeros):
    padded = Decimal(f"{amount:f}" + ("0" * zeros if "." in f"{amount:f}" else "." + "0" * zeros if zeros else ""))
    scientific = Decimal(f"{amount:E}")

    assert decimal_to_cents(padded) == decimal_to_cents(scientific) == decimal_to_cents(amount)


@pytest.mark.parametrize("places", [2, 4])
@given(value=any_decimal)
def test_scaling_is_exact_or_refused(places, value):
    try:
        scaled = to_scaled_int(value, places)
    except (PrecisionError, MagnitudeError, ValueError):
        return
    assert isinstance(scaled, int)
    with localcontext() as exact:
        exact.prec = 100  # the default 28 digits would round the comparison itself
        assert Decimal(scaled).scaleb(-places) == value


@given(two_places, st.integers(min_value=3, max_value=15))
def test_a_value_that_needs_rounding_is_refused(value, extra_places):
    finer = value + Decimal(1).scaleb(-extra_places)  # at most 25 digits: exact in the default context

    with pytest.raises((PrecisionError, MagnitudeError)):
        decimal_to_cents(finer)


@pytest.mark.parametrize("value", [Decimal("NaN"), Decimal("sNaN"), Decimal("Infinity"), Decimal("-Infinity")])
def test_non_finite_values_are_refused(value):
    with pytest.raises(ValueError):
        decimal_to_cents(value)


@pytest.mark.parametrize("value", ["0E+999999999999", "-0E+999999999999", "0E-999999999999", "-0.000"])
def test_zero_in_any_form_is_zero_at_once(value):
    assert decimal_to_cents(Decimal(value)) == 0


@pytest.mark.parametrize(
    ("units", "shown"), [(500, "0.05"), (550, "0.055"), (525, "0.0525"), (10_000, "1.00"), (0, "0.00")]
)
def test_a_tolerance_is_shown_with_two_to_four_places_never_rounded(units: int, shown: str) -> None:
    assert str(tolerance_units_to_decimal(units)) == shown


def test_a_value_of_thirty_one_digits_is_scaled_and_one_more_is_too_large() -> None:
    assert to_scaled_int(Decimal("9E+30"), 0) == 9 * 10**30
    with pytest.raises(MagnitudeError, match="^too large$"):
        to_scaled_int(Decimal("1E+31"), 0)


@pytest.mark.parametrize(
    ("value", "error", "message"),
    [
        (Decimal("NaN"), ValueError, "not a finite decimal number"),
        (Decimal("0.001"), PrecisionError, "at most 2 decimal places"),
    ],
)
def test_a_value_that_cannot_be_scaled_says_why(value: Decimal, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=f"^{message}$"):
        to_scaled_int(value, 2)
