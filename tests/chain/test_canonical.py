"""Strict JSON parsing and RFC 8785 canonical encoding."""

from __future__ import annotations

from typing import Any

import pytest
import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from ginseng_trace.chain import MalformedError, canonical_bytes, parse_json
from ginseng_trace.chain.canonical import NotJSONError, parse_canonical


def test_rfc8785_sorts_keys_and_formats_numbers() -> None:
    # RFC 8785 §3.2.2 and §3.2.3: keys sorted by UTF-16 code units, ES6 number form.
    value = {"b": [1.0, 1e21, 0.000001, -0.0], "a": "\u20ac\u00e9", "\U0001f600": 1, "\ufb33": 2}
    # U+1F600 is the surrogate pair D83D DE00 in UTF-16, so it sorts before U+FB33.
    assert canonical_bytes(value) == '{"a":"\u20ac\u00e9","b":[1,1e+21,0.000001,0],"\U0001f600":1,"\ufb33":2}'.encode()


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ('{"a": 1, "a": 2}', "duplicate object key"),
        ('{"a": NaN}', "NaN is not a JSON number"),
        ('{"a": Infinity}', "Infinity is not a JSON number"),
        ("{", "not valid JSON"),
        (b"\xff\xfe", "not valid JSON"),
    ],
)
def test_strict_parsing_refuses(text: str | bytes, why: str) -> None:
    with pytest.raises(NotJSONError, match=why):
        parse_json(text)


def test_integers_beyond_ieee_double_cannot_be_canonicalised() -> None:
    with pytest.raises(MalformedError, match="cannot be canonicalised"):
        canonical_bytes({"n": 2**60})


def test_parse_canonical_refuses_non_canonical_bytes() -> None:
    with pytest.raises(MalformedError, match="canonical form"):
        parse_canonical(b'{"b":1,"a":2}')
    assert parse_canonical(b'{"a":2,"b":1}') == {"a": 2, "b": 1}


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53) + 1, 2**53 - 1)
    | st.floats(-(2.0**53), 2.0**53, exclude_min=True, exclude_max=True)
    | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


# The rfc8785 library refuses integral floats from 2**53 up to 1e21 (FORMAT.md says so); stay below.
@given(json_values)
def test_canonical_form_is_a_fixed_point(value: object) -> None:
    once = canonical_bytes(value)
    assert canonical_bytes(parse_json(once)) == once
    assert parse_canonical(once) == parse_json(once)


any_text = st.text(st.characters(codec="utf-8"), max_size=12)
any_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53) + 1, 2**53 - 1)
    | st.floats(-(2.0**53), 2.0**53, exclude_min=True, exclude_max=True)
    | any_text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(any_text, children, max_size=4),
    max_leaves=20,
)


@given(any_json)
def test_fast_path_equals_the_rfc8785_library(value: Any) -> None:
    """The standard-library fast path and the rfc8785 library produce the same bytes for every value."""
    assert canonical_bytes(value) == rfc8785.dumps(value)


@pytest.mark.parametrize(
    "value",
    [
        {"\U0001f600": 1, "\ufb33": 2},  # UTF-16 order differs from code point order
        {"sep": "\u2028\u2029\ufeff", "ctl": '\u0000\u0008\u0009\u000a\u000c\u000d\u001f\u007f"\\/'},
        [1.5, 100.0, 1e-7, 1e21],
        {"n": -(2**53) + 1},
    ],
)
def test_tricky_values_match_the_library(value: Any) -> None:
    assert canonical_bytes(value) == rfc8785.dumps(value)
