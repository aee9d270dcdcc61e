"""Events (what an actor signs) and records (what the ledger seals).

The byte-level rules here are specified in ``docs/FORMAT.md``; a third party
re-implementing them needs nothing else.

* An **event** is a JSON object; its *signed bytes* are its RFC 8785 canonical
  encoding. The actor signs ``SIGNING_CONTEXT || signed bytes`` with Ed25519.
  Event hash = SHA-256(signed bytes).
* A **record** seals one event into its lot's chain: the event hash and
  signature, the lot's sequence number, ``prev`` (the hash of the lot's previous
  record, or ``GENESIS``), the heads of the event's input lots at sealing time,
  and ``recorded_at``. Record hash = SHA-256(canonical record bytes).

The ledger stores both byte strings exactly as they were signed and sealed and
verifies over those stored bytes; nothing is re-serialised to be verified.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import hmac
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from .canonical import JSONValue, canonical_bytes, parse_canonical
from .disclosure import SALT_BYTES, Disclosure, b64url, conceal, reveal
from .errors import FieldProblem, MalformedError, SignatureError
from .keys import SignerKey, VerifierKey
from .times import parse_utc

SIGNING_CONTEXT = b"ginseng-trace/event/v1\n"
"""Prefix of every signed message, so an event signature can never be replayed as another kind."""

SALT_CONTEXT = b"ginseng-trace/salt/v1\n"
"""Prefix of the message from which :func:`sign_event` derives a disclosure's salt (``docs/FORMAT.md`` §2a)."""

GENESIS = "0" * 64
"""``prev`` of the first record of every lot."""

EVENT_FIELDS = frozenset({"event_id", "lot_id", "type", "occurred_at", "actor", "key_id", "inputs", "payload"})
OPTIONAL_EVENT_FIELDS = frozenset({"inputs"})
ENVELOPE_FIELDS = frozenset({"event", "signature", "disclosures"})
RECORD_FIELDS = frozenset({"event", "sig", "lot", "seq", "prev", "inputs", "recorded_at"})

_IDENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
_ACTOR = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
_TYPE = re.compile(r"[a-z][a-z0-9_]{0,63}")
_KEY_ID = re.compile(r"[0-9a-f]{8}")
_HASH = re.compile(r"[0-9a-f]{64}")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _check(problems: list[FieldProblem], pointer: str, ok: bool, detail: str) -> None:
    if not ok:
        problems.append(FieldProblem(pointer, detail))


@dataclass(frozen=True)
class Event:
    """What an actor says happened to a lot. Immutable once built; validated on construction."""

    event_id: str
    lot_id: str
    type: str
    occurred_at: str
    actor: str
    key_id: str
    payload: Mapping[str, Any]
    inputs: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        problems: list[FieldProblem] = []
        text = (
            (
                "event_id",
                self.event_id,
                _IDENT,
                "1-128 characters of A-Z a-z 0-9 . _ : - starting with a letter or digit",
            ),
            ("lot_id", self.lot_id, _IDENT, "1-128 characters of A-Z a-z 0-9 . _ : - starting with a letter or digit"),
            ("type", self.type, _TYPE, "a lower-case event type name such as 'harvest'"),
            ("actor", self.actor, _ACTOR, "1-64 characters of a-z 0-9 . _ - starting with a letter or digit"),
            ("key_id", self.key_id, _KEY_ID, "8 lower-case hex digits (the key id of the actor's verifier key)"),
        )
        for name, value, pattern, rule in text:
            ok = isinstance(value, str) and pattern.fullmatch(value) is not None
            _check(problems, f"/{name}", ok, f"must be {rule}")
        if not isinstance(self.occurred_at, str):
            problems.append(FieldProblem("/occurred_at", "must be a string"))
        else:
            try:
                _ = self.occurred
            except ValueError as exc:
                problems.append(FieldProblem("/occurred_at", str(exc)))
        _check(problems, "/payload", isinstance(self.payload, Mapping), "must be a JSON object")
        for i, lot in enumerate(self.inputs):
            ok = isinstance(lot, str) and _IDENT.fullmatch(lot) is not None
            _check(problems, f"/inputs/{i}", ok, "must be a lot id")
        named = [lot for lot in self.inputs if isinstance(lot, str)]  # (anything else is not hashable, and named)
        _check(problems, "/inputs", len(set(named)) == len(named), "must not name a lot twice")
        _check(problems, "/inputs", self.lot_id not in self.inputs, "a lot cannot be its own input")
        if problems:
            raise MalformedError(problems)

    @cached_property
    def occurred(self) -> datetime:
        return parse_utc(self.occurred_at)

    @classmethod
    def from_json(cls, value: JSONValue) -> Event:
        """Build an event from a parsed JSON object, naming every wrong field."""
        if not isinstance(value, dict):
            raise MalformedError(FieldProblem("", "an event must be a JSON object"))
        problems = [FieldProblem(f"/{k}", "unknown field") for k in sorted(set(value) - EVENT_FIELDS)]
        missing = EVENT_FIELDS - OPTIONAL_EVENT_FIELDS - set(value)
        problems += [FieldProblem(f"/{k}", "is required") for k in sorted(missing)]
        inputs = value.get("inputs", [])
        if not isinstance(inputs, list):
            problems.append(FieldProblem("/inputs", "must be a list of lot ids"))
        if problems:
            raise MalformedError(problems)
        return cls(
            event_id=value["event_id"],
            lot_id=value["lot_id"],
            type=value["type"],
            occurred_at=value["occurred_at"],
            actor=value["actor"],
            key_id=value["key_id"],
            payload=value["payload"],
            inputs=tuple(inputs),
        )

    def to_json(self) -> dict[str, JSONValue]:
        """The JSON object form; ``inputs`` is left out when there are none."""
        obj: dict[str, JSONValue] = {
            "event_id": self.event_id,
            "lot_id": self.lot_id,
            "type": self.type,
            "occurred_at": self.occurred_at,
            "actor": self.actor,
            "key_id": self.key_id,
            "payload": dict(self.payload),
        }
        if self.inputs:
            obj["inputs"] = list(self.inputs)
        return obj


@dataclass(frozen=True)
class SignedEvent:
    """An event with its exact signed bytes, the actor's signature over them, and the disclosures of its
    private payload members (``docs/FORMAT.md`` §2a); ``event`` is the event as signed, ``revealed`` the
    same event with its private members put back."""

    event: Event
    signed_bytes: bytes
    signature: bytes
    disclosures: tuple[Disclosure, ...] = ()

    @cached_property
    def event_hash(self) -> str:
        return sha256_hex(self.signed_bytes)

    @cached_property
    def revealed(self) -> Event:
        """The event with every private member in place; :class:`MalformedError` unless each digest of the
        payload's ``_sd`` has its disclosure and each disclosure its digest."""
        if not self.disclosures and "_sd" not in self.event.payload:
            return self.event
        payload = reveal(self.event.payload, self.disclosures)
        return dataclasses.replace(self.event, payload=payload)

    @classmethod
    def from_json(cls, event: JSONValue, signature_b64: JSONValue, disclosures: JSONValue | None = None) -> SignedEvent:
        """From a submitted envelope: the event object, the base64 signature and the disclosures (a list)."""
        try:
            parsed = Event.from_json(event)
        except MalformedError as exc:
            raise exc.at("/event") from None
        if disclosures is None:
            disclosures = []
        if not isinstance(disclosures, list):
            raise MalformedError(FieldProblem("/disclosures", "must be a list of disclosures"))
        found = tuple(Disclosure.parse(d, f"/disclosures/{i}") for i, d in enumerate(disclosures))
        return cls(parsed, canonical_bytes(event), decode_signature(signature_b64, "/signature"), found)

    @classmethod
    def from_envelope(cls, body: JSONValue) -> SignedEvent:
        """From ``{"event": …, "signature": …, "disclosures": […]}`` (disclosures only when there are any)."""
        if not isinstance(body, dict) or not {"event", "signature"} <= set(body) <= ENVELOPE_FIELDS:
            raise MalformedError(
                FieldProblem("", 'an envelope is {"event": {...}, "signature": "...", "disclosures": [...]}')
            )
        return cls.from_json(body["event"], body["signature"], body.get("disclosures"))

    def envelope(self) -> dict[str, JSONValue]:
        """The submission form: the signed event, the signature in base64 and the disclosures, if any."""
        body: dict[str, JSONValue] = {
            "event": parse_canonical(self.signed_bytes),
            "signature": base64.b64encode(self.signature).decode(),
        }
        if self.disclosures:
            body["disclosures"] = [d.encoded for d in self.disclosures]
        return body

    @classmethod
    def from_stored(cls, signed_bytes: bytes, signature: bytes) -> SignedEvent:
        """From stored bytes, which must be canonical."""
        return cls(Event.from_json(parse_canonical(signed_bytes)), signed_bytes, signature)

    def verify(self, key: VerifierKey) -> None:
        """Raise :class:`SignatureError` unless ``key`` is the named key and the signature holds."""
        if key.name != self.event.actor or key.key_id_hex != self.event.key_id:
            raise SignatureError(
                f"event {self.event.event_id!r} names key {self.event.actor}/{self.event.key_id}, "
                f"not {key.name}/{key.key_id_hex}"
            )
        if not key.verifies(self.signature, SIGNING_CONTEXT + self.signed_bytes):
            raise SignatureError(
                f"signature of event {self.event.event_id!r} does not verify under key {key.name}/{key.key_id_hex}"
            )


def decode_signature(value: JSONValue, pointer: str) -> bytes:
    if not isinstance(value, str):
        raise MalformedError(FieldProblem(pointer, "must be a base64 string"))
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise MalformedError(FieldProblem(pointer, f"invalid base64: {exc}")) from exc
    if len(raw) != 64:
        raise MalformedError(FieldProblem(pointer, f"an Ed25519 signature is 64 bytes, got {len(raw)}"))
    return raw


def sign_event(event: Event, key: SignerKey, *, private: Collection[str] = ()) -> SignedEvent:
    """Sign ``event`` as its actor, its ``private`` payload members concealed behind salted digests
    (``docs/FORMAT.md`` §2a). The key must be the one the event names."""
    verifier = key.verifier()
    if key.name != event.actor or verifier.key_id_hex != event.key_id:
        raise SignatureError(f"key {key.name}/{verifier.key_id_hex} is not the key the event names")

    def salt(name: str, value: JSONValue) -> str:
        # Derived from the signer's secret (as RFC 6979 derives nonces): unguessable without the key, and the
        # same event signed twice gives the same bytes, so a retried submission is recognised, not refused.
        message = SALT_CONTEXT + canonical_bytes([event.event_id, name, value])
        return b64url(hmac.new(key.seed, message, hashlib.sha256).digest()[:SALT_BYTES])

    payload, disclosures = conceal(event.payload, private, salt=salt)
    signed = dataclasses.replace(event, payload=payload) if disclosures else event
    signed_bytes = canonical_bytes(signed.to_json())
    return SignedEvent(signed, signed_bytes, key.sign(SIGNING_CONTEXT + signed_bytes), disclosures)


@dataclass(frozen=True)
class InputLink:
    """An input lot and the hash of its head record when the consuming event was sealed."""

    lot_id: str
    head: str


@dataclass(frozen=True)
class Record:
    """How the ledger seals one event into its lot's chain."""

    event_hash: str
    signature: bytes
    lot_id: str
    seq: int
    prev: str
    recorded_at: str
    inputs: tuple[InputLink, ...] = field(default=())

    def to_json(self) -> dict[str, JSONValue]:
        return {
            "event": self.event_hash,
            "sig": base64.b64encode(self.signature).decode(),
            "lot": self.lot_id,
            "seq": self.seq,
            "prev": self.prev,
            "inputs": [{"lot": link.lot_id, "head": link.head} for link in self.inputs],
            "recorded_at": self.recorded_at,
        }

    def to_bytes(self) -> bytes:
        return canonical_bytes(self.to_json())

    @classmethod
    def from_bytes(cls, data: bytes) -> Record:
        """Parse stored record bytes; they must be canonical and complete."""
        value = parse_canonical(data)
        if not isinstance(value, dict) or set(value) != RECORD_FIELDS:
            raise MalformedError(FieldProblem("", f"a record has exactly the fields {sorted(RECORD_FIELDS)}"))
        problems: list[FieldProblem] = []
        for name in ("event", "prev"):
            ok = isinstance(value[name], str) and _HASH.fullmatch(value[name]) is not None
            _check(problems, f"/{name}", ok, "must be 64 lower-case hex digits")
        seq = value["seq"]
        _check(problems, "/seq", isinstance(seq, int) and not isinstance(seq, bool) and seq >= 1, "must be >= 1")
        _check(problems, "/lot", isinstance(value["lot"], str), "must be a string")
        _check(problems, "/recorded_at", isinstance(value["recorded_at"], str), "must be a string")
        links: list[InputLink] = []
        raw_inputs = value["inputs"]
        if not isinstance(raw_inputs, list):
            problems.append(FieldProblem("/inputs", "must be a list"))
            raw_inputs = []
        for i, item in enumerate(raw_inputs):
            if (
                isinstance(item, dict)
                and set(item) == {"lot", "head"}
                and isinstance(item["lot"], str)
                and isinstance(item["head"], str)
                and _HASH.fullmatch(item["head"])
            ):
                links.append(InputLink(item["lot"], item["head"]))
            else:
                problems.append(FieldProblem(f"/inputs/{i}", "must be {lot, head}"))
        if problems:
            raise MalformedError(problems)
        return cls(
            event_hash=value["event"],
            signature=decode_signature(value["sig"], "/sig"),
            lot_id=value["lot"],
            seq=seq,
            prev=value["prev"],
            recorded_at=value["recorded_at"],
            inputs=tuple(links),
        )


@dataclass(frozen=True)
class SealedRecord:
    """A record with its canonical bytes and hash, ready to store."""

    record: Record
    record_bytes: bytes

    @cached_property
    def record_hash(self) -> str:
        return sha256_hex(self.record_bytes)


def seal(
    signed: SignedEvent,
    *,
    seq: int,
    prev: str,
    input_heads: Mapping[str, str],
    recorded_at: str,
) -> SealedRecord:
    """Seal ``signed`` as record number ``seq`` of its lot, after the record ``prev``.

    ``recorded_at`` is the sealing time as :func:`format_utc` writes it.
    """
    links: Sequence[InputLink] = tuple(InputLink(lot, input_heads[lot]) for lot in signed.event.inputs)
    record = Record(
        event_hash=signed.event_hash,
        signature=signed.signature,
        lot_id=signed.event.lot_id,
        seq=seq,
        prev=prev,
        recorded_at=recorded_at,
        inputs=tuple(links),
    )
    return SealedRecord(record, record.to_bytes())
