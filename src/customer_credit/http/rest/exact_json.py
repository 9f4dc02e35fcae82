"""JSON with exact money: a JSON number in a request is read as a `Decimal` (never a float), and
`to_json` writes a `Decimal` as its own digits (`1500.10` stays `1500.10`)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from starlette.responses import Response

from customer_credit.domain.messages import message
from customer_credit.http.rest.errors import MALFORMED_JSON, ApiError


def to_json(value: Any) -> str:
    """`json.dumps`, except that a Decimal is written as its exact digits (a JSON number)."""
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError("only finite decimals are JSON numbers")
        return format(value, "f")
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(str(k), ensure_ascii=False)}:{to_json(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(to_json(item) for item in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def load_json(body: bytes) -> Any:
    """Parse a request body; numbers with a fraction become Decimals. Anything unparsable is a 400."""
    if not body.strip():
        raise ApiError.of(400, MALFORMED_JSON, message("MALFORMED_JSON.object"))
    try:
        return json.loads(body, parse_float=Decimal, parse_constant=_no_constants)
    except (ValueError, RecursionError):  # JSONDecodeError, UnicodeDecodeError, over-long integers
        raise ApiError.of(400, MALFORMED_JSON, message("MALFORMED_JSON")) from None


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(to_json(body).encode("utf-8"), status_code=status, headers=headers, media_type="application/json")
