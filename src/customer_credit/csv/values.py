"""Parsers for the text of one cell; a ValueError's message is shown to the user as the row error."""

from __future__ import annotations

import re
from decimal import Decimal

from customer_credit.csv.columns import fold
from customer_credit.csv.vocabulary import DOCUMENT_TYPE_WORDS, STATUS_WORDS
from customer_credit.domain.accounts import AccountStatus, DocumentType

_MAX_NUMBER_LENGTH = 64
_NUMBER = re.compile(r"(-?)\s*(R\$|\$)?\s*(-?)([0-9]+(?:[.,][0-9]+)*)", re.IGNORECASE)
_GROUP_START = re.compile(r"[1-9][0-9]{0,2}")


def _grouped_integer(text: str, separator: str) -> str | None:
    """Digits of `1.234.567`-style text, or None unless every group after the first has 3 digits."""
    first, *groups = text.split(separator)
    if _GROUP_START.fullmatch(first) and all(len(g) == 3 for g in groups):
        return first + "".join(groups)
    return None


def _number(text: str, *, currency: bool, example: str) -> Decimal:
    stripped = text.strip()
    if not stripped:
        raise ValueError("A number is required")
    if len(stripped) > _MAX_NUMBER_LENGTH:
        raise ValueError("The number is too long")
    match = _NUMBER.fullmatch(stripped)
    if match is None or (match[1] and match[3]) or (match[2] and not currency):
        raise ValueError(f'"{stripped}" is not a number; write it like {example}')
    body = match[4]
    sign = "-" if match[1] or match[3] else ""

    separators = [c for c in body if c in ".,"]
    if not separators:
        digits = body
    elif len(set(separators)) == 1 and len(separators) > 1:
        digits = _grouped_integer(body, separators[0])
        if digits is None:
            raise ValueError(f'"{stripped}" is not a number: the groups between "{separators[0]}" must have 3 digits')
    else:
        decimal_mark = separators[-1]
        whole, _, fraction = body.rpartition(decimal_mark)
        if decimal_mark in whole:
            raise ValueError(f'"{stripped}" is not a number: "{decimal_mark}" appears more than once')
        if whole.isdigit():
            if len(fraction) == 3 and _GROUP_START.fullmatch(whole):
                raise ValueError(
                    f'"{stripped}" is ambiguous: it could be {whole}{fraction} or '
                    f"{Decimal(f'{whole}.{fraction}').normalize():f}. "
                    "Write whole numbers without a thousands separator (1500) "
                    "and decimals with their decimal part (1500.00 or 1.5)"
                )
        else:
            group_mark = "," if decimal_mark == "." else "."
            whole = _grouped_integer(whole, group_mark)
            if whole is None:
                raise ValueError(
                    f'"{stripped}" is not a number: the groups between "{group_mark}" must have 3 digits, '
                    f'and "{decimal_mark}" must come last'
                )
        digits = f"{whole}.{fraction}"
    value = Decimal(sign + digits)
    return value.copy_abs() if value.is_zero() else value


def _shown(text: str) -> str:
    """The cell quoted back in a message, cut short so a stray long cell cannot flood the error report."""
    stripped = text.strip()
    return stripped if len(stripped) <= 40 else stripped[:40] + "…"


def parse_amount(text: str) -> Decimal:
    """Money as people type it: `1500`, `1.500,50`, `1,500.50`, `R$ 1500`; never a guess when ambiguous."""
    return _number(text, currency=True, example="1500, 1500.50 or 1.500,50")


def parse_tolerance(text: str) -> Decimal:
    """A fraction (`0.05`) or a percentage (`5%`, `5,5 %`), both exact."""
    stripped = text.strip()
    if not stripped.endswith("%"):
        return _number(stripped, currency=False, example="0.05 or 5%")
    percent = _number(stripped[:-1], currency=False, example="0.05 or 5%").as_tuple()
    # Shifting the exponent divides by 100 without the rounding of a context-bound division.
    return Decimal((percent.sign, percent.digits, int(percent.exponent) - 2))


def parse_status(text: str) -> AccountStatus:
    status = STATUS_WORDS.get(fold(text))
    if status is None:
        raise ValueError(f'"{_shown(text)}" is not a status; write Open or Closed (Aberta or Fechada)')
    return status


def parse_document_type(text: str) -> DocumentType:
    document_type = DOCUMENT_TYPE_WORDS.get(fold(text))
    if document_type is None:
        raise ValueError(f'"{_shown(text)}" is not a document type; write CPF, CNPJ or Other')
    return document_type
