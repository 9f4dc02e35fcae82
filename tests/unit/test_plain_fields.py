"""PlainFieldExecutor answers what strawberry's own executor answers, also for the values the
service's types never hold: nulls in non-null fields, values of the wrong type, failing reads,
awaitable attributes. A small schema of such values is run through both executors; each item
of the list is nullable, so that every item's errors reach the answer."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
import strawberry
from strawberry.extensions import SchemaExtension
from strawberry.permission import BasePermission

from customer_credit.graphql.core.plain_fields import PlainField, PlainFieldExecutor, plain_field


@strawberry.enum
class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Refused(BasePermission):
    message = "refused"

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        return False


class Later:
    """An awaitable attribute value (made into a coroutine only when awaited)."""

    def __await__(self) -> Any:
        return self.value().__await__()

    async def value(self) -> str:
        return "awaited"


@strawberry.type
class Item:
    name: str
    note: str | None
    count: int
    ratio: float
    price: Decimal
    at: datetime
    day: date
    colour: Colour
    flag: bool
    secret: str | None = strawberry.field(default=None, permission_classes=[Refused])

    @strawberry.field
    def shout(self) -> str:
        return self.name.upper()


class Broken:
    """Reads that fail, as a plain field would see them."""

    @property
    def name(self) -> str:
        raise RuntimeError("no name")


def item(**changes: Any) -> Any:
    values: dict[str, Any] = {
        "name": "ana",
        "note": None,
        "count": 3,
        "ratio": 0.5,
        "price": Decimal("1.50"),
        "at": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        "day": date(2026, 1, 2),
        "colour": Colour.BLUE,
        "flag": True,
    }
    made = Item(**{**values, **{k: v for k, v in changes.items() if k in values}})
    for name, value in changes.items():
        object.__setattr__(made, name, value)
    return made


NOT_A_NUMBER = object()  # one object, so that both executors show the same repr


def items() -> list[Any]:
    return [
        item(),
        item(note="a note", colour=Colour.RED, flag=False, count=-7, ratio=1e-7),
        item(name=None),  # null in a non-null field
        item(count=2**40),  # an Int out of range
        item(count="12"),  # a string where an Int is due
        item(name=12),  # an int where a String is due
        item(colour="BLUE"),  # the enum's name instead of its member
        item(note=ValueError("kept as a value")),
        item(name=Later()),  # an awaitable attribute
        item(at="2026-01-02"),  # a string where a DateTime is due
        item(price=NOT_A_NUMBER),
    ]


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item | None] | None:
        return items()

    @strawberry.field
    def broken(self) -> Item | None:
        return Broken()  # type: ignore[return-value]


FIELDS = "name note count ratio price at day colour flag"
QUERIES = [
    "{ items { %s } }" % FIELDS,
    "{ items { __typename shout alias: name name %s } }" % FIELDS,
    "{ items { secret name } }",
    "{ broken { name } }",
    "{ broken { note } items { ...F } } fragment F on Item { note colour }",
]


class ResolveMiddleware(SchemaExtension):
    """An extension that wraps every resolver: the fast path must step aside for it."""

    def resolve(self, _next: Any, root: Any, info: Any, *args: Any, **kwargs: Any) -> Any:
        result = _next(root, info, *args, **kwargs)
        return result.upper() if isinstance(result, str) else result


class QuietSchema(strawberry.Schema):
    def process_errors(self, errors: Any, execution_context: Any = None) -> None:
        """The errors are the point of these queries: not logged."""


def schemas(extensions: list[Any]) -> tuple[strawberry.Schema, strawberry.Schema]:
    standard = QuietSchema(query=Query, extensions=extensions)
    fast = QuietSchema(query=Query, extensions=extensions, execution_context_class=PlainFieldExecutor)
    return standard, fast


def answer(result: Any) -> tuple:
    return result.data, [error.formatted for error in result.errors or []]


@pytest.mark.parametrize("extensions", [[], [ResolveMiddleware]], ids=["plain", "with resolve middleware"])
@pytest.mark.parametrize("query", QUERIES)
async def test_answers_and_errors_are_the_standard_executors(query: str, extensions: list[Any]):
    standard, fast = schemas(extensions)

    assert answer(await fast.execute(query)) == answer(await standard.execute(query))


def field_def(name: str) -> Any:
    schema = strawberry.Schema(query=Query)
    return schema._schema.type_map["Item"].fields[name]  # type: ignore[union-attr]


@pytest.mark.parametrize("name", ["name", "note", "count", "price", "at", "colour"])
def test_attribute_fields_are_plain(name: str):
    assert isinstance(plain_field(field_def(name)), PlainField)


@pytest.mark.parametrize("name", ["shout", "secret"])
def test_fields_with_a_resolver_or_a_permission_are_not_plain(name: str):
    assert plain_field(field_def(name)) is None
