"""Compact JSON text, exactly as `json.dumps(data, separators=(",", ":"))` writes it, made faster.

orjson writes the same text for JSON's own types but for three things: it leaves non-ASCII
characters and DEL (U+007F) unescaped where json.dumps (ensure_ascii) escapes them as `\\uXXXX`,
and it writes some floats differently (`1e-7` for `1e-07`; the schema has no Float, so answers
hold no float). Non-ASCII characters can only stand inside JSON strings, so they are escaped
afterwards with json's own escaping function; a text with DEL is left to json.dumps. What is
not one of JSON's own types (dataclasses, datetimes, subclasses, keys that are not strings,
integers past 64 bits, lone surrogates) makes orjson fail, and json.dumps then gives its own
answer or error; only enum members and UUIDs, which GraphQL never leaves in an answer (it
serializes leaf values first), orjson would write where json.dumps refuses them.
"""

from __future__ import annotations

import codecs
import json
from json.encoder import encode_basestring_ascii
from typing import Any

import orjson

# Dataclasses, datetimes and subclasses of the JSON types would be written by orjson, not by json.dumps.
ONLY_JSON_TYPES = orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_SUBCLASS
JSON_ESCAPES = "customer_credit.json_escapes"


def json_escapes(error: UnicodeError) -> tuple[str, int]:
    """A run of characters that ASCII cannot encode, as json.dumps escapes them (surrogate pairs past U+FFFF)."""
    assert isinstance(error, UnicodeEncodeError)
    return encode_basestring_ascii(error.object[error.start : error.end])[1:-1], error.end


codecs.register_error(JSON_ESCAPES, json_escapes)


def compact_json(data: Any) -> str:
    try:
        encoded = orjson.dumps(data, option=ONLY_JSON_TYPES)
    except TypeError:  # orjson.JSONEncodeError included
        return json.dumps(data, separators=(",", ":"))
    if b"\x7f" in encoded:
        return json.dumps(data, separators=(",", ":"))
    if encoded.isascii():
        return encoded.decode("ascii")
    return encoded.decode().encode("ascii", JSON_ESCAPES).decode("ascii")
