"""The scope check every transport makes: GraphQL's permission classes, the REST operations and
the plain routes. Each transport answers a missing scope as FORBIDDEN in its own envelope."""

from __future__ import annotations

from collections.abc import Iterable

from customer_credit.domain.api_keys import Caller


class MissingScope(Exception):
    def __init__(self, scope: str) -> None:
        super().__init__(f"This API key lacks the scope '{scope}'.")
        self.scope = scope

    @property
    def message(self) -> str:
        return str(self)


def check_scopes(caller: Caller | None, scopes: Iterable[str]) -> MissingScope | None:
    """The first of `scopes` the caller lacks, as the error to answer with; None if it has them all.
    A request without a key lacks every scope."""
    for scope in scopes:
        if caller is None or not caller.has(scope):
            return MissingScope(scope)
    return None
