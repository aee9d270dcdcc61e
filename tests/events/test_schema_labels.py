"""Every member and every enumeration value of the catalogue has a label in both languages, so the forms
generated from it (``static/forms.js``) never show a raw key or code. Members: ``title`` and ``x-title-zh``
(their own or the definition's they refer to); enumeration values: ``x-enum-labels: {value: {zh, en}}``
(the convention of ``schemas/common.yaml``; JSON Schema has none of its own)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from ginseng_trace.events import catalogue


def _resolved(schema: Mapping[str, Any], node: Any) -> Any:
    if isinstance(node, Mapping) and "$ref" in node:
        target = schema["$defs"][str(node["$ref"]).rsplit("/", 1)[-1]]
        return {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def unlabelled(schema: Mapping[str, Any], node: Any = None, path: str = "") -> Iterator[str]:
    """Where ``schema`` lacks a label: ``/member`` (no title in one language) or ``/member=value`` (an
    enumeration value without zh and en), array items as ``[]``, ``oneOf``/``anyOf`` branches as ``|n``."""
    node = _resolved(schema, schema if node is None else node)
    if not isinstance(node, Mapping):
        return
    labels = node.get("x-enum-labels") or {}
    yield from (f"{path}={value} (a label for no value)" for value in labels if value not in node.get("enum", []))
    for value in node.get("enum", []):
        names = labels.get(value)
        if not (isinstance(names, Mapping) and names.get("zh") and names.get("en")):
            yield f"{path}={value}"
    for name, member in (node.get("properties") or {}).items():
        resolved = _resolved(schema, member)
        if not (resolved.get("title") and resolved.get("x-title-zh")):
            yield f"{path}/{name}"
        yield from unlabelled(schema, member, f"{path}/{name}")
    if "items" in node:
        yield from unlabelled(schema, node["items"], f"{path}[]")
    for key in ("oneOf", "anyOf"):
        for i, branch in enumerate(node.get(key, [])):
            yield from unlabelled(schema, branch, f"{path}|{i}")


@pytest.mark.parametrize("name", sorted(catalogue()))
def test_every_member_and_enumeration_value_has_labels_in_both_languages(name: str) -> None:
    assert list(unlabelled(catalogue()[name].schema)) == []


def test_every_shared_definition_has_labels_too() -> None:
    """``schemas/common.yaml``'s definitions, also those no schema uses yet: a new member referring to one
    brings its labels with it."""
    schema = next(iter(catalogue().values())).schema
    for name, definition in schema["$defs"].items():
        assert definition.get("title"), name
        assert definition.get("x-title-zh"), name
        assert list(unlabelled(schema, definition, f"$defs/{name}")) == []


def test_a_missing_label_is_found_wherever_it_is() -> None:
    schema = {
        "$defs": {
            "unit": {
                "enum": ["kg", "g"],
                "title": "Unit",
                "x-title-zh": "单位",
                "x-enum-labels": {"kg": {"zh": "千克", "en": "kg"}},
            }
        },
        "properties": {
            "rows": {
                "type": "array",
                "title": "Rows",
                "x-title-zh": "行",
                "items": {
                    "properties": {"value": {"type": "number", "title": "Amount"}, "unit": {"$ref": "#/$defs/unit"}}
                },
            },
            "kind": {"enum": ["a"], "title": "Kind", "x-title-zh": "类", "x-enum-labels": {"a": {"zh": "甲"}, "b": {}}},
        },
    }
    assert list(unlabelled(schema)) == ["/rows[]/value", "/rows[]/unit=g", "/kind=b (a label for no value)", "/kind=a"]
