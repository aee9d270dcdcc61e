"""JSON in and out: strict parsing and RFC 8785 canonical encoding.

Canonical bytes (the JSON Canonicalization Scheme, RFC 8785) are what actors
sign and what the ledger hashes. Parsing is strict: duplicate object keys,
``NaN``/``Infinity`` and invalid UTF-8 are refused, because two readers could
disagree about what such a document means.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import rfc8785

from .errors import FieldProblem, MalformedError

JSONValue = Any
"""A value made of dict, list, str, int, float, bool and None."""


class NotJSONError(MalformedError):
    """The input is not a JSON document at all."""


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise ValueError(f"duplicate object key {key!r}")
            seen.add(key)
    return obj


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


_DECODER = json.JSONDecoder(object_pairs_hook=_no_duplicates, parse_constant=_no_constant)


def parse_json(data: bytes | str) -> JSONValue:
    """Parse one JSON document strictly; raise :class:`MalformedError` on any defect."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        return _DECODER.decode(text)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise NotJSONError(FieldProblem("", f"not valid JSON: {exc}")) from exc


_SAFE_INT = 2**53 - 1


def _stdlib_can_encode(value: JSONValue) -> bool:
    """True when ``json.dumps(sort_keys=True)`` yields exactly the RFC 8785 encoding of ``value``.

    The two agree on strings (both escape only ``"``, backslash and control
    characters, with the same short forms and lower-case ``\\u00xx``), on
    integers, booleans and null. They differ on floats (RFC 8785 uses the
    ECMAScript number form) and on the order of object keys holding characters
    beyond U+FFFF (RFC 8785 sorts by UTF-16 code units). Lone surrogates fail
    to encode as UTF-8 and fall through to the library, which refuses them.
    Leaves are checked inline: this runs on every event the ledger ingests.
    """
    kind = type(value)
    if kind is dict:
        for key in value:  # a plain loop: this runs for every object of every event ingested
            if type(key) is not str or not (key.isascii() or max(key) <= "\uffff"):
                return False
        return _all_encodable(value.values())
    if kind is list:
        return _all_encodable(value)
    if kind is str or kind is bool or value is None:
        return True
    if kind is int:
        return bool(-_SAFE_INT <= value <= _SAFE_INT)
    return False  # floats, and anything that is not JSON at all


_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def _all_encodable(items: Iterable[JSONValue]) -> bool:
    for item in items:
        leaf = type(item)
        if leaf is str or leaf is bool or item is None:
            continue
        if leaf is int:
            if not -_SAFE_INT <= item <= _SAFE_INT:
                return False
        elif not _stdlib_can_encode(item):
            return False
    return True


def _stdlib_encode(value: JSONValue) -> bytes:
    return _ENCODER.encode(value).encode()


def canonical_bytes(value: JSONValue) -> bytes:
    """The RFC 8785 canonical UTF-8 encoding of ``value``.

    Values made of strings, integers, booleans and null take the C-accelerated
    standard library path, which produces identical bytes (a property test
    checks this against ``rfc8785``); everything else goes to ``rfc8785``.
    """
    try:
        if _stdlib_can_encode(value):
            try:
                return _stdlib_encode(value)
            except UnicodeEncodeError:
                pass  # a lone surrogate: let the library say so
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, TypeError, ValueError, RecursionError) as exc:
        raise MalformedError(FieldProblem("", f"cannot be canonicalised: {exc}")) from exc


def parse_canonical(data: bytes) -> JSONValue:
    """Parse bytes that must already be in canonical form (stored events and records)."""
    value = parse_json(data)
    if canonical_bytes(value) != data:
        raise MalformedError(FieldProblem("", "bytes are not in RFC 8785 canonical form"))
    return value
