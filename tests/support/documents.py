"""Valid Brazilian documents as a person would type them, and the same digits in other scripts."""

from __future__ import annotations

import random

from stdnum.br import cnpj

CPF = "529.982.247-25"
CPF_COMPACT = "52998224725"
OTHER_CPF = "111.444.777-35"
CNPJ = "11.222.333/0001-81"
CNPJ_COMPACT = "11222333000181"
ALPHANUMERIC_CNPJ = "12.ABC.345/01DE-35"


def full_width(text: str) -> str:
    """ASCII letters and digits as their full-width forms (`５２９`)."""
    return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in text)


def math_bold(text: str) -> str:
    """Digits as mathematical bold digits (`𝟓𝟐𝟗`)."""
    return "".join(chr(0x1D7CE + int(c)) if c.isdigit() else c for c in text)


def new_cpf() -> str:
    """A valid CPF (compact) that no other test uses: nine random digits and their check digits."""
    digits = [random.randrange(10) for _ in range(9)]
    for weight in (10, 11):
        digits.append(sum(d * (weight - i) for i, d in enumerate(digits)) * 10 % 11 % 10)
    return "".join(map(str, digits))


def new_cnpj() -> str:
    """A valid CNPJ (compact, numeric) that no other test uses."""
    base = "".join(str(random.randrange(10)) for _ in range(8)) + "0001"
    return base + cnpj.calc_check_digits(base)
