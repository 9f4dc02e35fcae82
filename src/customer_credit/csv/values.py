"""Parsers for the text of one cell; a CellError's message is shown to the user as the row error."""

from __future__ import annotations

import re
from decimal import Decimal

from customer_credit.csv.columns import fold
from customer_credit.csv.vocabulary import DOCUMENT_TYPE_WORDS, INVOICE_STATUS_WORDS, STATUS_WORDS
from customer_credit.domain.accounts import AccountStatus, DocumentType
from customer_credit.domain.credit import InvoiceStatus
from customer_credit.domain.messages import Message, message

_MAX_NUMBER_LENGTH = 64
_NUMBER = re.compile(r"(-?)\s*(R\$|\$)?\s*(-?)([0-9]+(?:[.,][0-9]+)*)", re.IGNORECASE)
_GROUP_START = re.compile(r"[1-9][0-9]{0,2}")


class CellError(ValueError):
    """A cell that cannot be read; `message` says why, in any language."""

    def __init__(self, text: Message) -> None:
        super().__init__(text.english)
        self.message = text


def _grouped_integer(text: str, separator: str) -> str | None:
    """Digits of `1.234.567`-style text, or None unless every group after the first has 3 digits."""
    first, *groups = text.split(separator)
    if _GROUP_START.fullmatch(first) and all(len(g) == 3 for g in groups):
        return first + "".join(groups)
    return None


def _number(text: str, *, currency: bool, example: str) -> Decimal:
    """`example`: the catalog key of the message that shows how to write such a number."""
    stripped = text.strip()
    if not stripped:
        raise CellError(message("NUMBER.required"))
    if len(stripped) > _MAX_NUMBER_LENGTH:
        raise CellError(message("NUMBER.tooLong"))
    match = _NUMBER.fullmatch(stripped)
    if match is None or (match[1] and match[3]) or (match[2] and not currency):
        raise CellError(message(example, value=stripped))
    body = match[4]
    sign = "-" if match[1] or match[3] else ""

    separators = [c for c in body if c in ".,"]
    if not separators:
        digits = body
    elif len(set(separators)) == 1 and len(separators) > 1:
        digits = _grouped_integer(body, separators[0])
        if digits is None:
            raise CellError(message("NUMBER.groups", value=stripped, mark=separators[0]))
    else:
        decimal_mark = separators[-1]
        whole, _, fraction = body.rpartition(decimal_mark)
        if decimal_mark in whole:
            raise CellError(message("NUMBER.repeatedMark", value=stripped, mark=decimal_mark))
        if whole.isdigit():
            if len(fraction) == 3 and _GROUP_START.fullmatch(whole):
                raise CellError(
                    message(
                        "NUMBER.ambiguous",
                        value=stripped,
                        whole=f"{whole}{fraction}",
                        fraction=Decimal(f"{whole}.{fraction}").normalize(),
                    )
                )
        else:
            group_mark = "," if decimal_mark == "." else "."
            whole = _grouped_integer(whole, group_mark)
            if whole is None:
                raise CellError(message("NUMBER.groupsThenMark", value=stripped, group=group_mark, mark=decimal_mark))
        digits = f"{whole}.{fraction}"
    value = Decimal(sign + digits)
    return value.copy_abs() if value.is_zero() else value


def _shown(text: str) -> str:
    """The cell quoted back in a message, cut short so a stray long cell cannot flood the error report."""
    stripped = text.strip()
    return stripped if len(stripped) <= 40 else stripped[:40] + "…"


def parse_amount(text: str) -> Decimal:
    """Money as people type it: `1500`, `1.500,50`, `1,500.50`, `R$ 1500`; never a guess when ambiguous."""
    return _number(text, currency=True, example="NUMBER.notAmount")


def parse_tolerance(text: str) -> Decimal:
    """A fraction (`0.05`) or a percentage (`5%`, `5,5 %`), both exact."""
    stripped = text.strip()
    if not stripped.endswith("%"):
        return _number(stripped, currency=False, example="NUMBER.notFraction")
    percent = _number(stripped[:-1], currency=False, example="NUMBER.notFraction").as_tuple()
    # Shifting the exponent divides by 100 without the rounding of a context-bound division.
    return Decimal((percent.sign, percent.digits, int(percent.exponent) - 2))


def parse_status(text: str) -> AccountStatus:
    status = STATUS_WORDS.get(fold(text))
    if status is None:
        raise CellError(message("INVALID_STATUS.cell", value=_shown(text)))
    return status


def parse_invoice_status(text: str) -> InvoiceStatus:
    status = INVOICE_STATUS_WORDS.get(fold(text))
    if status is None:
        raise CellError(message("INVALID_STATUS.invoiceCell", value=_shown(text)))
    return status


def parse_document_type(text: str) -> DocumentType:
    document_type = DOCUMENT_TYPE_WORDS.get(fold(text))
    if document_type is None:
        raise CellError(message("INVALID_DOCUMENT_TYPE.cell", value=_shown(text)))
    return document_type
