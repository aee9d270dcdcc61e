"""JSON in and out: strict parsing and RFC 8785 canonical encoding.

Canonical bytes (the JSON Canonicalization Scheme, RFC 8785) are what actors
sign and what the ledger hashes. Parsing is strict: duplicate object keys,
``NaN``/``Infinity`` and invalid UTF-8 are refused, because two readers could
disagree about what such a document means.
"""

from __future__ import annotations

import json
from typing import Any

import rfc8785

from .errors import FieldProblem, MalformedError

JSONValue = Any
"""A value made of dict, list, str, int, float, bool and None."""


class NotJSONError(MalformedError):
    """The input is not a JSON document at all."""


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    for key, value in pairs:
        if key in obj:
            raise ValueError(f"duplicate object key {key!r}")
        obj[key] = value
    return obj


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def parse_json(data: bytes | str) -> JSONValue:
    """Parse one JSON document strictly; raise :class:`MalformedError` on any defect."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise NotJSONError(FieldProblem("", f"not valid JSON: {exc}")) from exc


def canonical_bytes(value: JSONValue) -> bytes:
    """The RFC 8785 canonical UTF-8 encoding of ``value``."""
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, TypeError, RecursionError) as exc:
        raise MalformedError(FieldProblem("", f"cannot be canonicalised: {exc}")) from exc


def parse_canonical(data: bytes) -> JSONValue:
    """Parse bytes that must already be in canonical form (stored events and records)."""
    value = parse_json(data)
    if canonical_bytes(value) != data:
        raise MalformedError(FieldProblem("", "bytes are not in RFC 8785 canonical form"))
    return value
