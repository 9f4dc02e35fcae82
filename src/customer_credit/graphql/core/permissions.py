"""Scope checks as Strawberry permission classes, one class per scope."""

from __future__ import annotations

from functools import cache
from typing import Any

from strawberry.permission import BasePermission
from strawberry.types import Info


@cache
def requires(scope: str) -> type[BasePermission]:
    class RequireScope(BasePermission):
        message = f"This API key lacks the scope '{scope}'."
        error_extensions = {"code": "FORBIDDEN"}

        def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
            caller = info.context.caller
            return caller is not None and caller.has(scope)

    RequireScope.__name__ = RequireScope.__qualname__ = f"Require_{scope.replace(':', '_')}"
    return RequireScope
