"""Scope checks as Strawberry permission classes, one class per scope."""

from __future__ import annotations

from functools import cache
from typing import Any

from strawberry.permission import BasePermission
from strawberry.types import Info

from customer_credit.domain.api_keys import MissingScope, check_scopes


@cache
def requires(scope: str) -> type[BasePermission]:
    class RequireScope(BasePermission):
        message = MissingScope(scope).message
        error_extensions = {"code": "FORBIDDEN"}

        def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
            return check_scopes(info.context.caller, (scope,)) is None

    RequireScope.__name__ = RequireScope.__qualname__ = f"Require_{scope.replace(':', '_')}"
    return RequireScope
