"""GraphQL-level errors: each carries `extensions.code`, so clients can branch on it.

Every text of a GraphQL answer is rendered in the request's language here: the payloads'
`message` fields through `rendered`, the top-level errors by `RenderErrorMessages`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from customer_credit.domain.messages import Message, message


class RequestError(GraphQLError):
    """A request the service refuses as a whole (bad cursor, page too large, missing scope)."""

    def __init__(self, text: Message, code: str):
        super().__init__(text.english, extensions={"code": code})
        self.text = text


def rendered(info: Any, text: Message) -> str:
    """A payload's message in the language of the request `info` belongs to."""
    return text.render(info.context.language)


# Top-level errors that are not RequestErrors but whose message is the catalog's text for their code.
_BY_CODE = ("DATABASE_UNAVAILABLE", "INTERNAL_SERVER_ERROR")


class RenderErrorMessages(SchemaExtension):
    """The top-level errors the service raises (RequestError, and the hidden failures' messages),
    in the request's language."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        context = self.execution_context.context
        if result is None or not result.errors or context is None:
            return
        for error in result.errors:
            original = error if isinstance(error, RequestError) else error.original_error
            code = (error.extensions or {}).get("code")
            if isinstance(original, RequestError):
                error.message = original.text.render(context.language)
            elif code in _BY_CODE:
                error.message = message(code).render(context.language)
