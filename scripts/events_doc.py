"""Generate docs/EVENTS.md from the schemas in schemas/ (``--check`` only compares).

tests/events/test_catalogue.py asserts the document is what this script writes, so
the catalogue and its documentation cannot drift apart.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from ginseng_trace.events import catalogue

DOC = Path(__file__).resolve().parents[1] / "docs" / "EVENTS.md"


def _kind(prop: dict[str, Any], defs: dict[str, Any]) -> str:
    if "$ref" in prop:
        name = prop["$ref"].rsplit("/", 1)[-1]
        return f"{name} ({_kind(defs[name], defs)})" if name in defs else name
    if "enum" in prop:
        labels = prop.get("x-enum-labels", {})
        return " | ".join(
            f"`{v}`" + (f" ({' / '.join(labels[v].values())})" if v in labels else "") for v in prop["enum"]
        )
    if "const" in prop:
        return f"`{json.dumps(prop['const'])}`"
    kind = prop.get("type", "any")
    if kind == "array" and isinstance(prop.get("items"), dict):
        return f"array of {_kind(prop['items'], defs)}"
    return str(kind)


def _members(node: dict[str, Any], defs: dict[str, Any], base: str = "") -> list[tuple[str, dict[str, Any], bool]]:
    """Each member as ``(name, schema, required)``, followed by the members nested in it (an object's as
    ``dose.value``, an array of objects' as ``outputs[].unit``), so the document shows every label."""
    found = []
    required = set(node.get("required", []))
    for name, prop in node.get("properties", {}).items():
        found.append((base + name, prop, name in required))
        target = defs.get(prop.get("$ref", "").rsplit("/", 1)[-1], prop)
        items = target.get("items")
        if isinstance(items, dict) and items.get("properties"):
            found += _members(items, defs, f"{base}{name}[].")
        elif target.get("properties") and target.get("type") == "object":
            found += _members(target, defs, f"{base}{name}.")
    return found


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render() -> str:
    lines = [
        "# Event catalogue",
        "",
        "Generated from `schemas/events/*.yaml` by `scripts/events_doc.py`; do not edit by hand.",
        "Served as JSON Schema at `GET /api/v1/schemas` and `GET /api/v1/schemas/{type}`.",
        "Every payload is an object with exactly the fields below (no others); `note` is allowed everywhere.",
        "Fields marked **private** are never signed in plain text: the signed payload holds their salted",
        "digests in `_sd` and the plain text travels beside it as disclosures (`docs/FORMAT.md` §2a), so",
        "proof bundles and public pages never carry them.",
        "",
        "| type | English | 中文 |",
        "|---|---|---|",
    ]
    schemas = catalogue()
    lines += [f"| [`{n}`](#{n}) | {_cell(s.title)} | {s.title_zh} |" for n, s in schemas.items()]
    for name, schema in schemas.items():
        doc = schema.schema
        defs = doc.get("$defs", {})
        lines += ["", f"## {name}", "", f"**{doc['title']}** — {doc['x-title-zh']}", ""]
        lines += ["| field | required | type | unit | English | 中文 |", "|---|---|---|---|---|---|"]
        private = schema.private
        for field, prop, needed in _members(doc, defs):
            ref = defs.get(prop.get("$ref", "").rsplit("/", 1)[-1], {})
            unit = prop.get("x-unit") or ref.get("x-unit", "")
            title = prop.get("title") or ref.get("title", "")
            title_zh = prop.get("x-title-zh") or ref.get("x-title-zh", "")
            lines.append(
                f"| `{field}` | {'yes' if needed else ''} | {_cell(_kind(prop, defs))}"
                f"{' **private**' if field in private else ''} | {_cell(unit)} "
                f"| {_cell(title)} | {_cell(title_zh)} |"
            )
        rules = [json.dumps(rule, ensure_ascii=False) for key in ("allOf", "anyOf") for rule in doc.get(key, [])]
        if rules:
            lines += ["", "Also: " + "; ".join(f"`{r}`" for r in rules)]
        lines += ["", "Example:", "", "```json", json.dumps(schema.examples[0], ensure_ascii=False, indent=2), "```"]
    return "\n".join(lines) + "\n"


def main() -> int:
    text = render()
    if "--check" in sys.argv:
        if DOC.read_text(encoding="utf-8") != text:
            print("docs/EVENTS.md is stale: run python scripts/events_doc.py")
            return 1
        return 0
    DOC.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
