"""Hypothesis strategies for the domain's inputs: hostile text, extreme decimals, valid documents."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import strategies as st
from stdnum.br import cnpj

# Every code point, lone surrogates included (JSON can carry them as `\ud800`).
any_char = st.characters(codec=None, exclude_categories=())
hostile_text = st.one_of(
    st.text(any_char, max_size=80),
    st.text(st.sampled_from("0123456789.-/ \t\u00a0\u2007\u3000,;:_+=@!#%&*()[]{}<>'\"\\|"), max_size=40),
    st.text(st.sampled_from("٠١٢٣٤٥٦٧٨٩０１２３４５６７８９𝟎𝟏𝟐𝟑ⅠⅡ¹²³"), max_size=20),  # digits of other scripts
    st.text(max_size=400).map(lambda s: s * 3),  # long
)

# What document punctuation may be: the design's `.` `-` `/` and spaces, and other whitespace.
SEPARATORS = [".", "-", "/", " ", "\t", "\u00a0", "\u2003", "\n", "\r", "\x0b", "\x0c"]

special_decimals = st.sampled_from(
    [
        Decimal("NaN"),
        Decimal("-NaN"),
        Decimal("sNaN"),
        Decimal("Infinity"),
        Decimal("-Infinity"),
        Decimal("0"),
        Decimal("-0"),
        Decimal("-0.00"),
        Decimal("0E+999999999"),
        Decimal("0E-999999999"),
        Decimal("1E+999999999"),
        Decimal("-1E+999999999"),
        Decimal("1E-999999999"),
        Decimal("9" * 500),
        Decimal("0." + "0" * 400 + "1"),
        Decimal("1000000000.00"),
        Decimal("1000000000.01"),
        Decimal("1.0000"),
        Decimal("1.00001"),
        Decimal("0.0001"),
        Decimal("0.00001"),
        Decimal("1E+2"),
        Decimal("1.5E+1"),
    ]
)
any_decimal = st.one_of(
    special_decimals,
    st.decimals(allow_nan=True, allow_infinity=True),
    st.decimals(places=2, allow_nan=False, allow_infinity=False),
    st.builds(
        lambda digits, exponent: Decimal(f"{digits}E{exponent}"),
        st.integers(min_value=-(10**40), max_value=10**40),
        st.integers(min_value=-(10**6), max_value=10**6),
    ),
)


def cpf_check_digit(digits: str) -> str:
    total = sum(int(d) * weight for d, weight in zip(digits, range(len(digits) + 1, 1, -1)))
    return str(total * 10 % 11 % 10)


def cpf_with_check_digits(base: str) -> str:
    first = cpf_check_digit(base)
    return base + first + cpf_check_digit(base + first)


def cnpj_with_check_digits(base: str) -> str:
    return base + cnpj.calc_check_digits(base)


valid_cpfs = st.text("0123456789", min_size=9, max_size=9).map(cpf_with_check_digits).filter(lambda d: len(set(d)) > 1)
valid_cnpjs = (
    st.one_of(
        st.text("0123456789", min_size=12, max_size=12),
        st.text("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=12, max_size=12),  # alphanumeric CNPJ
    )
    .map(cnpj_with_check_digits)
    .filter(lambda d: len(set(d)) > 1)
)


@st.composite
def punctuated(draw, document: st.SearchStrategy[str]) -> tuple[str, str]:
    """A valid document and the same document with separators strewn through it."""
    plain = draw(document)
    out = []
    for char in plain:
        out.append(draw(st.lists(st.sampled_from(SEPARATORS), max_size=2)))
        out.append([char])
    out.append(draw(st.lists(st.sampled_from(SEPARATORS), max_size=2)))
    return plain, "".join("".join(part) for part in out)
