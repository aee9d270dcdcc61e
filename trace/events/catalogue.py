"""The event catalogue: one JSON Schema (2020-12, written in YAML) per event type, in ``schemas/``.

Each schema carries English and Chinese titles (``title``, ``x-title-zh``),
units (``x-unit``) and a documented example. The definitions in
``schemas/common.yaml`` are added to every schema's ``$defs``. Payloads are
validated with ``jsonschema-rs`` (a maintained, compiled validator: one to two
microseconds per payload, so validation never weighs on ingest).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources
from typing import Any

import jsonschema_rs
import yaml

from ..chain.errors import FieldProblem, MalformedError
from ..chain.pointer import pointer as json_pointer
from ..chain.records import Event, SignedEvent

DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMAS_PACKAGE = "ginseng_trace.schemas"


@dataclass(frozen=True, eq=False)
class EventSchema:
    """One event type: its name, titles, JSON Schema and documented examples."""

    type: str
    title: str
    title_zh: str
    schema: Mapping[str, Any]
    validator: Any  # a compiled jsonschema_rs validator

    @cached_property
    def private(self) -> frozenset[str]:
        """Payload members marked ``x-private`` (directly or on the definition they refer to): signed only
        as salted digests, never in plain text (``docs/FORMAT.md`` §2a)."""
        found = set()
        for name, member in self.schema.get("properties", {}).items():
            ref = member.get("$ref", "")
            target = self.schema["$defs"].get(ref.removeprefix("#/$defs/"), {}) if ref else {}
            if member.get("x-private") or target.get("x-private"):
                found.add(name)
        return frozenset(found)

    @property
    def examples(self) -> list[Any]:
        return list(self.schema.get("examples", []))

    def problems(self, payload: Any, pointer: str) -> list[FieldProblem]:
        """Every way ``payload`` breaks the schema, each located under ``pointer``."""
        found = []
        for error in self.validator.iter_errors(payload):
            path = list(error.instance_path)
            kind = error.kind
            if isinstance(kind, jsonschema_rs.ValidationErrorKind.Required):
                path.append(kind.property)  # name the missing field itself
            elif isinstance(kind, jsonschema_rs.ValidationErrorKind.AdditionalProperties) and len(kind.unexpected) == 1:
                path.append(kind.unexpected[0])  # and the one unexpected field
            found.append(FieldProblem(json_pointer(path, pointer), error.message))
        return found

    @cached_property
    def _members_validator(self) -> Any:
        partial = {k: v for k, v in self.schema.items() if k not in {"required", "anyOf", "oneOf", "allOf"}}
        return jsonschema_rs.validator_for(partial)

    def patch_problems(self, patch: Mapping[str, Any], pointer: str) -> list[FieldProblem]:
        """Every way a JSON merge patch (RFC 7386) of one of this type's payloads breaks the schema, member by
        member: each member it sets must be valid as the schema has it, and only an optional one removed
        (set to null). Each problem is located under ``pointer``."""
        required = set(self.schema.get("required", []))
        found = [
            FieldProblem(json_pointer([name], pointer), f"{name} is required: it can be corrected, not removed")
            for name, value in patch.items()
            if value is None and name in required
        ]
        kept = {name: value for name, value in patch.items() if value is not None}
        for error in self._members_validator.iter_errors(kept):
            path = list(error.instance_path)
            kind = error.kind
            if isinstance(kind, jsonschema_rs.ValidationErrorKind.AdditionalProperties) and len(kind.unexpected) == 1:
                path.append(kind.unexpected[0])
            found.append(FieldProblem(json_pointer(path, pointer), error.message))
        return found


def _load_yaml(name: str) -> Any:
    text = resources.files(SCHEMAS_PACKAGE).joinpath(name).read_text(encoding="utf-8")
    return yaml.safe_load(text)


@cache
def catalogue() -> dict[str, EventSchema]:
    """Every event type's schema, compiled once; a malformed schema fails loudly here."""
    common = _load_yaml("common.yaml")
    found: dict[str, EventSchema] = {}
    folder = resources.files(SCHEMAS_PACKAGE).joinpath("events")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".yaml"):
            continue
        name = entry.name.removesuffix(".yaml")
        schema = yaml.safe_load(entry.read_text(encoding="utf-8"))
        schema = {"$schema": DIALECT, "$id": f"urn:ginseng-trace:event:{name}", **schema}
        schema["$defs"] = {**common, **schema.get("$defs", {})}
        jsonschema_rs.meta.validate(schema)
        validator = jsonschema_rs.validator_for(schema)
        found[name] = EventSchema(name, schema["title"], schema["x-title-zh"], schema, validator)
    return found


@cache
def enum_labels(definition: str) -> dict[str, dict[str, str]]:
    """The labels of each value of an enumeration in ``schemas/common.yaml`` (its ``x-enum-labels``: for
    ``species`` the Chinese name and the Latin binomial, ``zh`` and ``la``)."""
    labels = _load_yaml("common.yaml")[definition]["x-enum-labels"]
    return {str(value): {str(k): str(v) for k, v in names.items()} for value, names in labels.items()}


def event_types() -> dict[str, str]:
    """``type -> "English title / 中文标题"``."""
    return {name: f"{s.title} / {s.title_zh}" for name, s in catalogue().items()}


def check_event_type(event_type: str, pointer: str = "/event/type") -> EventSchema:
    """The schema of ``event_type``; :class:`MalformedError` naming ``pointer`` if the type is unknown."""
    schema = catalogue().get(event_type)
    if schema is None:
        known = ", ".join(catalogue())
        raise MalformedError(FieldProblem(pointer, f"unknown event type {event_type!r}; known: {known}"))
    return schema


def check_payload(event_type: str, payload: Any, pointer: str = "/event/payload") -> None:
    """Raise :class:`MalformedError` naming every field of ``payload`` its type's schema refuses."""
    problems = check_event_type(event_type).problems(payload, pointer)
    if problems:
        raise MalformedError(problems)


def private_fields(event_type: str) -> frozenset[str]:
    """The payload members of ``event_type`` that are signed only as salted digests."""
    return check_event_type(event_type).private


def check_submitted(signed: SignedEvent, pointer: str = "/event") -> Event:
    """The submitted event with its private members revealed, once its type is known, every private member
    came as a disclosure (none in plain text, none public behind a digest) and the revealed payload fits the
    type's schema. :class:`MalformedError` names every problem."""
    event = signed.event
    schema = check_event_type(event.type, pointer + "/type")
    problems = [
        FieldProblem(f"{pointer}/payload/{name}", "is private: sign its salted digest and send it as a disclosure")
        for name in sorted(schema.private & set(event.payload))
    ]
    envelope = pointer.removesuffix("/event")
    problems += [
        FieldProblem(f"{envelope}/disclosures/{i}", f"payload member {d.name!r} is public and must be signed as is")
        for i, d in enumerate(signed.disclosures)
        if d.name not in schema.private
    ]
    if problems:
        raise MalformedError(problems)
    try:
        revealed = signed.revealed
    except MalformedError as exc:
        # reveal() names /event/payload and /disclosures; nest both under this envelope's place
        raise exc.at(envelope) from None
    check_payload(event.type, dict(revealed.payload), pointer + "/payload")
    return revealed
