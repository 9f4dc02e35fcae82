"""Opaque keyset cursors and the shared connection types.

A cursor carries the position (sort value and id) plus a fingerprint of the
query it came from, so a cursor from another filter or order is refused
instead of silently giving a wrong page.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from typing import Any

import strawberry

from customer_credit.domain.accounts import is_unicode_text
from customer_credit.domain.messages import message
from customer_credit.graphql.core.compact_json import compact_json
from customer_credit.graphql.core.errors import RequestError


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


def fingerprint(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:12]


def encode_cursor(query_fingerprint: str, position: list[Any]) -> str:
    raw = compact_json([query_fingerprint, *position])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def position_value_ok(value: Any, kind: type) -> bool:
    """A cursor is client input: each position value must be a plain int or short text, nothing else."""
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool) and -(2**63) <= value < 2**63
    return isinstance(value, str) and len(value) <= 1024 and is_unicode_text(value)


def decode_cursor(cursor: str, query_fingerprint: str, *kinds: type) -> list[Any]:
    """The position inside a cursor made by the same query, one value per kind (`int` or `str`);
    anything else is refused."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        decoded = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError):
        decoded = None
    if (
        not isinstance(decoded, list)
        or len(decoded) != len(kinds) + 1
        or decoded[0] != query_fingerprint
        or not all(position_value_ok(value, kind) for value, kind in zip(decoded[1:], kinds))
    ):
        raise RequestError(message("INVALID_CURSOR"), "INVALID_CURSOR")
    return decoded[1:]


def check_page_size(first: int | None, maximum: int, default: int = 20) -> int:
    """A page size within bounds; a larger request is an error, never silently truncated."""
    if first is None:
        return default
    if first < 0 or first > maximum:
        raise RequestError(message("PAGE_SIZE", max=maximum), "PAGE_SIZE")
    return first
