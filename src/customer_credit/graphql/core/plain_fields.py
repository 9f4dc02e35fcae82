"""Plain scalar fields completed without graphql-core's per-field machinery.

Most fields of a list are scalars that strawberry resolves by reading an attribute (no resolver,
no arguments, no permission or field extension). graphql-core still builds a path and a resolve
info, calls strawberry's resolver wrapper and walks its generic value completion for each of them,
which costs more than the read itself. `PlainFieldExecutor` reads such a field's attribute and
serializes it directly when the value is an ordinary scalar value, and completes an object whose
selected fields are all plain in one loop (each item of a list of accounts, say). Anything else (a
null for a non-null field, a value of another type, a failure, resolve middleware, a deferred
fragment) takes the standard path, which gives the answer and the error exactly as it always has:
the fast path only ever reads attributes, so giving up on it part-way leaves nothing behind.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal
from operator import attrgetter
from typing import Any, NamedTuple

from graphql import GraphQLField, GraphQLObjectType, get_nullable_type, is_leaf_type, is_non_null_type
from graphql.execution.collect_fields import FieldDetailsList
from graphql.pyutils import Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

# What an attribute of a plain field holds in an ordinary answer (enum members too); any other
# value takes the standard path.
SCALAR_VALUES = frozenset({str, int, bool, float, Decimal, datetime, date, time})
# What a leaf type's serializer gives back for those: JSON values, nothing to await.
SERIALIZED = frozenset({str, int, bool, float})


class Standard:
    """The marker of a value the fast path leaves to the standard one."""


STANDARD = Standard()


class PlainField(NamedTuple):
    """How to complete one plain field: its attribute, its type's serializer, whether null is allowed."""

    read: Callable[[Any], Any]
    serialize: Callable[[Any], Any]
    nullable: bool

    def complete(self, source: Any) -> Any:
        """The field's answer, or STANDARD when the standard path must give it."""
        try:
            value = self.read(source)
            if value is None:
                return None if self.nullable else STANDARD
            if type(value) in SCALAR_VALUES or isinstance(value, enum.Enum):
                serialized = self.serialize(value)
                if type(serialized) in SERIALIZED:
                    return serialized
        except Exception:  # the standard path meets it again and reports it as it always has
            pass
        return STANDARD


def plain_field(field_def: GraphQLField) -> PlainField | None:
    """The plan of a field that only reads an attribute and returns a scalar or enum; None for any other."""
    definition = field_def.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if not isinstance(definition, StrawberryField) or not definition.is_basic_field or field_def.args:
        return None
    if definition.default_resolver is not getattr or not getattr(field_def.resolve, "_is_default", False):
        return None
    leaf = get_nullable_type(field_def.type)
    if not is_leaf_type(leaf):
        return None
    return PlainField(
        attrgetter(definition.python_name), leaf.coerce_output_value, not is_non_null_type(field_def.type)
    )


class PlainFieldExecutor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's executor, with plain scalar fields completed directly (same answers, less work)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.without_middleware = not (self.middleware_manager and self.middleware_manager.middlewares)
        # Plans by the identity of graphql-core's field lists and grouped field sets, which it
        # memoizes per operation (every item of a list shares them); each is kept alive with its
        # plan, so that its id cannot be reused.
        self.field_plans: dict[int, tuple[FieldDetailsList, GraphQLObjectType, PlainField | None]] = {}
        self.object_plans: dict[
            int, tuple[FieldDetailsList, GraphQLObjectType, list[tuple[str, PlainField]] | None]
        ] = {}

    def collect_and_execute_subfields(
        self,
        return_type: GraphQLObjectType,
        field_details_list: FieldDetailsList,
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Any:
        plans = self.object_plan(return_type, field_details_list) if position_context is None else None
        if plans is not None:
            completed = {}
            for response_name, plan in plans:
                value = plan.complete(result)
                if value is STANDARD:
                    break
                completed[response_name] = value
            else:
                return completed
        return super().collect_and_execute_subfields(return_type, field_details_list, path, result, position_context)

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: FieldDetailsList,
        path: Path,
        position_context: Any,
    ) -> Any:
        plan = self.field_plan(parent_type, field_details_list)
        if plan is not None:
            value = plan.complete(source)
            if value is not STANDARD:
                return value
        return super().execute_field(parent_type, source, field_details_list, path, position_context)

    def object_plan(
        self, return_type: GraphQLObjectType, field_details_list: FieldDetailsList
    ) -> list[tuple[str, PlainField]] | None:
        """The plans of an object's selected fields, in response order, when every one of them is plain
        (and nothing is deferred)."""
        known = self.object_plans.get(id(field_details_list))
        if known is not None and known[1] is return_type:
            return known[2]
        grouped_field_set, new_defer_usages, _ = self.collect_subfields(return_type, field_details_list)
        selected = [
            (response_name, self.field_plan(return_type, field_details))
            for response_name, field_details in grouped_field_set.items()
        ]
        plain = [(response_name, plan) for response_name, plan in selected if plan is not None]
        plans = plain if len(plain) == len(selected) and not new_defer_usages else None
        self.object_plans[id(field_details_list)] = (field_details_list, return_type, plans)
        return plans

    def field_plan(self, parent_type: GraphQLObjectType, field_details_list: FieldDetailsList) -> PlainField | None:
        known = self.field_plans.get(id(field_details_list))
        if known is not None and known[1] is parent_type:
            return known[2]
        plan = None
        node = field_details_list[0].node
        field_def = self.schema.get_field(parent_type, node.name.value)
        if self.without_middleware and field_def is not None and not node.arguments:
            plan = plain_field(field_def)
        self.field_plans[id(field_details_list)] = (field_details_list, parent_type, plan)
        return plan
