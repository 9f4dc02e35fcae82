"""The scopes a route needs, declared on its endpoint: `@requires_scopes("metrics:read")`.

A missing scope raises `MissingScope`; the route's exception handlers answer it as FORBIDDEN in
the route's envelope (errors.py for the plain routes, rest/errors.py for the REST operations).
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from customer_credit.domain.api_keys import check_scopes
from customer_credit.http.auth import caller_of

Endpoint = Callable[[Request], Awaitable[Response]]


def requires_scopes(*scopes: str) -> Callable[[Endpoint], Endpoint]:
    def decorate(endpoint: Endpoint) -> Endpoint:
        @functools.wraps(endpoint)
        async def checked(request: Request) -> Response:
            missing = check_scopes(caller_of(request), scopes)
            if missing is not None:
                raise missing
            return await endpoint(request)

        return checked

    return decorate
