"""Exact money and fractions: Decimals at the edges, integers inside.

Credit limits are stored as integer cents and tolerances as integer
ten-thousandths, so no binary float ever touches an amount.
"""

from __future__ import annotations

from decimal import Decimal

CENTS_PER_UNIT = 100
TOLERANCE_SCALE = 10_000
MAX_CREDIT_LIMIT_CENTS = 1_000_000_000 * CENTS_PER_UNIT
MAX_MAGNITUDE_DIGITS = 30


class PrecisionError(ValueError):
    """The value has more decimal places than the field allows."""


class MagnitudeError(ValueError):
    """The value is far beyond any amount the service accepts."""


def to_scaled_int(value: Decimal, places: int) -> int:
    """`value` times 10**places, refusing anything that would need rounding."""
    if not isinstance(value, Decimal) or not value.is_finite():
        raise ValueError("not a finite decimal number")
    if not value:
        return 0  # also "0E+999999999999", whose digits would otherwise be scaled up for ever
    if value.adjusted() > MAX_MAGNITUDE_DIGITS:
        raise MagnitudeError("too large")
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # finite: not 'n', 'N' or 'F'
    shift = exponent + places
    if shift < 0:
        dropped = digits[shift:]
        if any(dropped):
            raise PrecisionError(f"at most {places} decimal places")
        digits = digits[:shift]
        shift = 0
    magnitude: int = int("".join(map(str, digits)) or "0") * 10**shift
    return -magnitude if sign else magnitude


def decimal_to_cents(value: Decimal) -> int:
    return to_scaled_int(value, 2)


def cents_to_decimal(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2).quantize(Decimal("0.01"))


def decimal_to_tolerance_units(value: Decimal) -> int:
    return to_scaled_int(value, 4)


def tolerance_units_to_decimal(units: int) -> Decimal:
    """At least two places ("0.05", "1.00"), at most four ("0.0525")."""
    value = Decimal(units).scaleb(-4).quantize(Decimal("0.0001"))
    trimmed = value.normalize()
    exponent = trimmed.as_tuple().exponent
    if isinstance(exponent, int) and exponent > -2:
        return value.quantize(Decimal("0.01"))
    return trimmed
