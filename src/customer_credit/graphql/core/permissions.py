"""Scope checks as Strawberry permission classes, one class per scope."""

from __future__ import annotations

from functools import cache
from typing import Any

from strawberry.permission import BasePermission
from strawberry.types import Info

from customer_credit.domain.api_keys import check_scopes
from customer_credit.graphql.core.errors import RequestError


def check_scope(info: Info, scope: str) -> None:
    """FORBIDDEN unless the caller has `scope`: for a scope that depends on an argument's value."""
    missing = check_scopes(info.context.caller, (scope,))
    if missing is not None:
        raise RequestError(missing.text, "FORBIDDEN")


@cache
def requires(scope: str) -> type[BasePermission]:
    class RequireScope(BasePermission):
        def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
            """Raises FORBIDDEN itself (rather than answering False) so its message can be rendered in the
            request's language, like every RequestError."""
            check_scope(info, scope)
            return True

    RequireScope.__name__ = RequireScope.__qualname__ = f"Require_{scope.replace(':', '_')}"
    return RequireScope
