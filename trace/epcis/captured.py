"""Captured EPCIS events in an export (docs/EPCIS.md "Capture"): the event as it was sent, and the document's
``@context`` merged with the one it came in. Pure Python; :mod:`.mapping` calls it for ``epcis_event`` records."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

CAPTURED = "epcis_event"


def captured_event(record: Mapping[str, Any], recorded_at: str) -> dict[str, Any]:
    """A captured EPCIS event as it was sent, every hashed member untouched and none added (our ``gt:`` ledger
    link members are part of the CBV hash, so they would change it: the link is the capture job's and
    ``GET /api/v1/events/{hash}``'s); only ``recordTime`` becomes ours (EPCIS: the repository's record time,
    not hashed). Its ``eventID`` (kept if it came with one, else its CBV hash) is :func:`epcis_document`'s."""
    payload = record.get("payload")
    captured = payload.get("event") if isinstance(payload, dict) else None
    out = dict(captured) if isinstance(captured, dict) else {}
    out["recordTime"] = recorded_at
    return out


def captured_context(record: Mapping[str, Any]) -> list[Any]:
    """The ``@context`` of the document a captured event came in ([] for any other record)."""
    payload = record.get("payload") if record.get("type") == CAPTURED else None
    context = payload.get("context") if isinstance(payload, dict) else None
    return list(context) if isinstance(context, list) else []


def _renamed(value: Any, old: str, new: str) -> Any:
    """``value`` with the CURIE prefix ``old`` written ``new`` (in member names and string values)."""
    if isinstance(value, str):
        return new + value[len(old) :] if value.startswith(old + ":") else value
    if isinstance(value, list):
        return [_renamed(v, old, new) for v in value]
    if isinstance(value, dict):
        return {_renamed(k, old, new): _renamed(v, old, new) for k, v in value.items()}
    return value


def merged_context(
    context: list[Any], event: dict[str, Any], captured: Sequence[Any]
) -> tuple[list[Any], dict[str, Any]]:
    """The document ``context`` with what a captured event's own ``@context`` adds (its context URLs, its
    prefixes), and the event, a prefix renamed where the document already gives that name another IRI (a
    renamed prefix names the same IRIs: the event means, and hashes, the same)."""
    out = list(context)
    inline: dict[str, str] = {}
    for item in out:
        if isinstance(item, dict):
            inline.update({str(k): str(v) for k, v in item.items()})
    added: dict[str, str] = {}
    for item in captured:
        if isinstance(item, str) and item not in out:
            out.append(item)
        elif isinstance(item, dict):
            for prefix, iri in item.items():
                name, n = str(prefix), 1
                while inline.get(name, iri) != iri:
                    name, n = f"{prefix}{n}", n + 1
                if name != prefix:
                    event = _renamed(event, str(prefix), name)
                if name not in inline:
                    inline[name] = added[name] = str(iri)
    if added:
        out.append(added)
    return out, event
