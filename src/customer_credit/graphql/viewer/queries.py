"""`viewer`: the API key making the request (any valid key), so a client can offer only what the key can do."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from customer_credit.domain.api_keys import Caller
from customer_credit.domain.messages import message
from customer_credit.graphql.core.errors import RequestError


@strawberry.type(description="The API key making the request.")
class Viewer:
    name: str = strawberry.field(description="The key's name.")
    scopes: list[str] = strawberry.field(
        description="Every scope the key has, in a fixed order. An `admin` key lists all of them (`admin` "
        "included), so a client tests for the scope an operation needs, e.g. `accounts:write`."
    )

    @classmethod
    def of(cls, caller: Caller) -> Viewer:
        return cls(name=caller.name, scopes=list(caller.effective_scopes()))


@strawberry.type
class ViewerQueries:
    @strawberry.field(description="The API key making the request: its name and scopes (any valid key).")
    def viewer(self, info: Info) -> Viewer:
        caller = info.context.caller
        if caller is None:  # the transports refuse a request without a valid key before it gets here
            raise RequestError(message("FORBIDDEN.noKey"), "FORBIDDEN")
        return Viewer.of(caller)
