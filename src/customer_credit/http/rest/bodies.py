"""Request bodies and parameters in: JSON types checked here, every value rule left to the domain.

A body is a JSON object whose members are listed (`InputField`s, which also give the OpenAPI
request schemas). A member that is not listed is refused (400 UNKNOWN_MEMBER, naming it), so a
misspelt member never passes for an omitted one; a member of the wrong JSON type is refused with
its field's code. Every such error of a body is reported at once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from customer_credit.domain.messages import Message, message
from customer_credit.http.rest.errors import (
    MALFORMED_JSON,
    UNKNOWN_MEMBER,
    ApiError,
    ErrorDetail,
    invalid_parameter,
)
from customer_credit.http.rest.exact_json import load_json

T = TypeVar("T")

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MAX_WHOLE_DIGITS = 19
ONE_MS = timedelta(milliseconds=1)


class WrongType(Exception):
    """A member of the wrong type; its argument is the key of the catalog's TYPE.* message that says so."""


def text(value: Any) -> str:
    if not isinstance(value, str):
        raise WrongType("TYPE.string")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate escaped in the JSON (`"\ud800"`)
        raise WrongType("TYPE.unicode") from None
    return value


def number(value: Any) -> Decimal:
    """A JSON number, exact: `load_json` reads fractions as Decimals; integers become Decimals here."""
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise WrongType("TYPE.number")
    return Decimal(value)


def whole(value: Any) -> Any:
    """As in JSON Schema, a number with a zero fraction (`3.0`, `3e0`) is an integer: that int. Anything else,
    and a number of more than MAX_WHOLE_DIGITS digits (no rule takes one), is left as it is."""
    if isinstance(value, Decimal) and value == value.to_integral_value() and value.adjusted() < MAX_WHOLE_DIGITS:
        return int(value)
    return value


def integer(value: Any) -> int:
    value = whole(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise WrongType("TYPE.integer")
    return value


def epoch_ms_of(value: str) -> int | None:
    """An ISO-8601 date-time with a time zone (`Z` or `±hh:mm`) as epoch milliseconds; None if it is not one."""
    try:
        moment = datetime.fromisoformat(value.upper())
        if moment.tzinfo is None:
            return None
        return (moment - EPOCH) // ONE_MS
    except (ValueError, OverflowError):
        return None


def date_time(value: Any) -> int:
    moment = epoch_ms_of(text(value))
    if moment is None:
        raise WrongType("TYPE.dateTime")
    return moment


def date_of(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def one_of(name: str, value: str | None, values: Mapping[str, T], text: Message) -> T | None:
    """A query parameter naming one of an enum's values in any case (`open`, `OPEN`, `Open`), as the CSV
    reader reads them; None when it is absent, 400 INVALID_PARAMETER (`text`) when it names none."""
    if value is None:
        return None
    folded = {word.casefold(): member for word, member in values.items()}
    member = folded.get(value.casefold())
    if member is None:
        raise invalid_parameter(name, text)
    return member


def shown(name: str) -> str:
    """A member name as an error may echo it: lone surrogates escaped, at most 200 characters."""
    return name.encode("utf-8", "backslashreplace").decode("utf-8")[:200]


@dataclass(frozen=True)
class InputField:
    name: str  # the JSON member
    convert: Callable[[Any], Any]
    code: str  # the error code for a value of the wrong JSON type
    schema: dict[str, Any]
    required: bool = False
    attribute: str | None = None  # the request attribute it fills, where a record is built from the members


def object_schema(fields: Sequence[InputField], description: str) -> dict[str, Any]:
    """The OpenAPI schema of a body made of these members."""
    schema: dict[str, Any] = {
        "type": "object",
        "description": f"{description} Members not listed here are refused (400 {UNKNOWN_MEMBER}).",
        "properties": {field.name: field.schema for field in fields},
        "additionalProperties": False,
    }
    required = [field.name for field in fields if field.required]
    if required:
        schema["required"] = required
    return schema


def parse_object(body: bytes, fields: Sequence[InputField]) -> dict[str, Any]:
    """The body's members, converted; JSON null or an absent member is left out (a required one is
    refused with its field's code)."""
    data = load_json(body)
    if not isinstance(data, dict):
        raise ApiError.of(400, MALFORMED_JSON, message("MALFORMED_JSON.object"))
    known = {field.name for field in fields}
    errors = [
        ErrorDetail(shown(name), UNKNOWN_MEMBER, message("UNKNOWN_MEMBER", name=repr(shown(name))))
        for name in data
        if name not in known
    ]
    values: dict[str, Any] = {}
    for field in fields:
        raw = data.get(field.name)
        if raw is None:
            if field.required:
                errors.append(ErrorDetail(field.name, field.code, message("TYPE.required", name=field.name)))
            continue
        try:
            values[field.name] = field.convert(raw)
        except WrongType as wrong:
            errors.append(ErrorDetail(field.name, field.code, message(str(wrong), name=field.name)))
    if errors:
        raise ApiError(400, tuple(errors))
    return values
