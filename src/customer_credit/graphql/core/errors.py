"""GraphQL-level errors: each carries `extensions.code`, so clients can branch on it."""

from __future__ import annotations

from graphql import GraphQLError


class RequestError(GraphQLError):
    """A request the service refuses as a whole (bad cursor, page too large, missing scope)."""

    def __init__(self, message: str, code: str):
        super().__init__(message, extensions={"code": code})
