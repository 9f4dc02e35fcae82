"""Schemathesis hooks for fuzzing the GraphQL endpoint: strategies for the schema's own scalars and
a check that no operation ends in a masked unexpected error (which is HTTP 200 with
`INTERNAL_SERVER_ERROR`, so `not_a_server_error` alone would not see it).

Used in process by tests/security/test_graphql_fuzz.py, and by `make fuzz` through
SCHEMATHESIS_HOOKS=tests.security.fuzz_hooks.
"""

from __future__ import annotations

import json

import schemathesis
from hypothesis import strategies as st
from schemathesis.graphql import nodes

numbers = st.one_of(
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
    st.decimals(min_value=-10, max_value=2_000_000_000, places=2, allow_nan=False).map(str),
    st.decimals(min_value=0, max_value=1, places=4, allow_nan=False).map(str),
    st.sampled_from(
        [
            "NaN",
            "Infinity",
            "-0",
            "1E+999999999",
            "0E+999999999",
            "1e-999999999",
            "1,500.00",
            "1.500,00",
            "R$ 10",
            "5%",
            "",
            " ",
            "1_000",
            "０.５",
            "٣",
        ]
    ),
    st.text(max_size=30),
)
dates = st.one_of(st.datetimes().map(lambda d: d.isoformat()), st.text(max_size=30))

schemathesis.graphql.scalar("Decimal", numbers.map(nodes.String))
schemathesis.graphql.scalar("DateTime", dates.map(nodes.String))
# In a JSON request an Upload can only be something that is not a file; the service must refuse it.
schemathesis.graphql.scalar("Upload", st.one_of(st.just(nodes.Null), st.text(max_size=30).map(nodes.String)))

INTERNAL_CODES = ("INTERNAL_SERVER_ERROR", "DATABASE_UNAVAILABLE")


def internal_errors(body: bytes | str) -> list[dict]:
    """The masked unexpected errors in a GraphQL response body."""
    try:
        payload = json.loads(body)
    except ValueError:
        return []
    errors = payload.get("errors") if isinstance(payload, dict) else None
    return [
        error
        for error in errors or []
        if isinstance(error, dict) and (error.get("extensions") or {}).get("code") in INTERNAL_CODES
    ]


@schemathesis.check
def no_http_5xx(ctx, response, case) -> None:
    """Any 5xx. (schemathesis's own `not_a_server_error` also fails a GraphQL error that has a
    `path`, which here is the designed answer for a bad cursor or page size: HTTP 200 with a code.)"""
    if response.status_code >= 500:
        raise AssertionError(f"HTTP {response.status_code}: {response.text[:200]}")


@schemathesis.check
def no_internal_server_error(ctx, response, case) -> None:
    """An unexpected exception is masked as HTTP 200 + INTERNAL_SERVER_ERROR: still a server bug."""
    found = internal_errors(response.content)
    if found:
        raise AssertionError(
            f"masked unexpected error(s): {[e.get('extensions') for e in found]} — find the errorId in the server log"
        )
