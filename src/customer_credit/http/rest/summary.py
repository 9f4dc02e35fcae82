"""A REST list's `summary`: `count` is exact, as in the original API, unless the call names a
`countLimit`; then the matches are counted up to it and `precision` says EXACT or AT_LEAST (GraphQL's
`count(limit:)`), so that the call's cost does not grow with the store (README, Performance)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from customer_credit.domain.messages import message
from customer_credit.http.rest.errors import invalid_parameter
from customer_credit.http.rest.requests import whole_number
from customer_credit.http.rest.spec import Parameter
from customer_credit.usecases.counts import MAX_COUNT_LIMIT, Counter, count_up_to, valid_count_limit

COUNT_LIMIT_PARAMETER = Parameter(
    "countLimit",
    "query",
    {"type": "integer", "minimum": 1, "maximum": MAX_COUNT_LIMIT},
    f"Count the matches up to this many (1 to {MAX_COUNT_LIMIT}): summary.count is then exact when there are "
    "at most that many (summary.precision EXACT), otherwise this limit (AT_LEAST). Without it, summary.count "
    "is exact and its cost follows the number of matches.",
)


def count_limit_of(request: Request) -> int | None:
    value = request.query_params.get("countLimit")
    if value is None:
        return None
    limit = whole_number(value)
    if limit is None or not valid_count_limit(limit):
        raise invalid_parameter("countLimit", message("INVALID_PARAMETER.countLimit", max=MAX_COUNT_LIMIT))
    return limit


async def summary_of(counter: Counter, limit: int | None) -> dict[str, Any]:
    """`{count}` exact, or `{count, precision}` counted up to `limit`."""
    counted = await count_up_to(counter, limit)
    if limit is None:
        return {"count": counted.count}
    return {"count": counted.count, "precision": "EXACT" if counted.exact else "AT_LEAST"}
