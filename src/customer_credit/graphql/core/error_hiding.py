"""Unexpected failures reach the client as an error id, never as a message or trace.

Expected failures (GraphQLError and its subclasses: validation, scopes, bad
cursors) keep their message. Anything else is logged in full under a fresh
error id, and only that id goes to the client. (Hiding errors, not masking:
masking is what domain/pii.py does to emails and documents.)
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from customer_credit.persistence.database import UNAVAILABLE

logger = logging.getLogger("customer_credit.errors")


# Anywhere in the message: a variable's coercion error goes on after it ("... Did you mean 'email'?
# Found: {...}"). The suggested names are GraphQL names, which never hold a `?`.
SUGGESTION = re.compile(r" ?Did you mean [^?]*\?")


def without_suggestion(error: GraphQLError) -> GraphQLError:
    """With introspection off, "Did you mean ...?" would leak the schema's field names."""
    message = SUGGESTION.sub("", error.message)
    if message == error.message:
        return error
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions=error.extensions,
    )


def public_error(error: GraphQLError) -> GraphQLError:
    original = error.original_error
    if original is None or isinstance(original, GraphQLError):
        return error
    error_id = uuid.uuid4().hex
    path = ".".join(str(key) for key in error.path or ())
    if isinstance(original, UNAVAILABLE):
        message, code = "The database is unavailable; try again shortly.", "DATABASE_UNAVAILABLE"
        logger.warning(
            "database unavailable [error_id=%s path=%s]: %r",
            error_id,
            path,
            original,
            extra={"error_id": error_id, "path": path},
        )
    else:
        message, code = "Internal server error.", "INTERNAL_SERVER_ERROR"
        logger.error(
            "unexpected error [error_id=%s path=%s]",
            error_id,
            path,
            exc_info=original,
            extra={"error_id": error_id, "path": path},
        )
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions={"code": code, "errorId": error_id},
    )


def hidden(original: Exception) -> GraphQLError:
    """A failure met before any operation runs (the API-key lookup), hidden the same way."""
    return public_error(GraphQLError("", original_error=original))


class HideUnexpectedErrors(SchemaExtension):
    def __init__(self, *, hide_suggestions: bool = False):
        self.hide_suggestions = hide_suggestions

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is not None and result.errors:
            errors = [public_error(error) for error in result.errors]
            if self.hide_suggestions:
                errors = [without_suggestion(error) for error in errors]
            result.errors = errors
