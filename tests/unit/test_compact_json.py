"""compact_json writes exactly what `json.dumps(data, separators=(",", ":"))` writes, or fails as it fails."""

from __future__ import annotations

import enum
import json
import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from customer_credit.graphql.core.compact_json import compact_json
from customer_credit.graphql.schema import build_schema
from customer_credit.settings import Settings

# What a GraphQL answer is made of (no floats: the schema has none, see the last test).
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


# Text past ASCII, from Latin-1 to the astral planes (surrogates are not text).
WIDE_TEXT = st.text(st.characters(min_codepoint=0x70, max_codepoint=0x10FFFF, exclude_categories=("Cs",)))


class Code(str, enum.Enum):
    OK = "OK"


def standard(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"))


@given(JSON_VALUES)
def test_the_text_is_json_dumps_text(data: Any):
    assert compact_json(data) == standard(data)


@given(st.dictionaries(WIDE_TEXT, st.lists(WIDE_TEXT, max_size=4), max_size=4))
def test_non_ascii_text_is_escaped_as_json_dumps_escapes_it(data: Any):
    assert compact_json(data) == standard(data)


@pytest.mark.parametrize(
    "data",
    [
        {"description": "ação 🎉"},
        {"control": "\x00\x1f\x7f\t\n", "quote": '"\\/'},
        {"lone": "\ud800"},
        {"big": 2**64},
        {1: "an int key"},
        {"subclass": Code.OK},
        [True, False, None, 0, -1, ""],
    ],
)
def test_what_orjson_writes_differently_or_refuses_comes_out_as_json_dumps_writes_it(data: Any):
    assert compact_json(data) == standard(data)


@pytest.mark.parametrize("data", [{"not json": object()}, {"set": {1}}])
def test_what_json_dumps_refuses_is_refused(data: Any):
    with pytest.raises(TypeError):
        standard(data)
    with pytest.raises(TypeError):
        compact_json(data)


def test_the_schema_has_no_float_whose_text_orjson_would_write_differently():
    assert not re.search(r"\bFloat\b", build_schema(Settings()).as_str())
