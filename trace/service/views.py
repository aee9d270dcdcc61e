"""What the use cases return: views the API, the pages and the CLI render. None of them is a store row."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from ..chain.canonical import JSONValue, parse_json
from ..chain.disclosure import reveal_stored
from ..chain.errors import MalformedError
from ..chain.keys import VerifierKey
from ..chain.merkle import leaf_hash
from ..events.findings import Finding
from ..store import StoredCheckpoint, StoredRecord
from .errors import IntegrityError


@dataclass(frozen=True)
class RecordView:
    """A stored record as clients see it: its place, its hashes, the sealed record and the signed event.

    The stored bytes are parsed when first asked for, so appending in bulk does not pay for views
    nobody reads.
    """

    stored: StoredRecord

    @property
    def log_index(self) -> int:
        return self.stored.log_index

    @property
    def lot_id(self) -> str:
        return self.stored.lot_id

    @property
    def record_hash(self) -> str:
        return self.stored.record_hash

    @property
    def event_hash(self) -> str:
        return self.stored.event_hash

    @property
    def leaf_hash(self) -> bytes:
        """The record's RFC 9162 leaf hash in the transparency log."""
        return leaf_hash(self.stored.record_bytes)

    @cached_property
    def record(self) -> dict[str, JSONValue]:
        return self._parse(self.stored.record_bytes)

    @cached_property
    def event(self) -> dict[str, JSONValue]:
        """The event as its actor signed it: private members appear only as digests in ``payload._sd``."""
        return self._parse(self.stored.event_bytes)

    @cached_property
    def facts(self) -> dict[str, JSONValue]:
        """The event with the private members the reader fetched put back (an erased one stays absent)."""
        payload = self.event.get("payload")
        if not isinstance(payload, dict):
            return self.event
        try:
            return {**self.event, "payload": dict(reveal_stored(payload, self.stored.disclosures))}
        except MalformedError as exc:
            raise IntegrityError(
                f"record {self.log_index}: a stored disclosure does not match: {exc.diagnostics()}"
            ) from None

    def _parse(self, data: bytes) -> dict[str, JSONValue]:
        try:
            value = parse_json(data)
        except MalformedError as exc:
            raise IntegrityError(f"record {self.log_index} is unreadable: {exc.diagnostics()}") from None
        if not isinstance(value, dict):
            raise IntegrityError(f"record {self.log_index} is unreadable: not a JSON object")
        return value

    @classmethod
    def of(cls, stored: StoredRecord) -> RecordView:
        return cls(stored)

    def to_json(self) -> dict[str, Any]:
        return {
            "log_index": self.log_index,
            "record_hash": self.record_hash,
            "event_hash": self.event_hash,
            "record": self.record,
            "event": self.event,
        }


@dataclass(frozen=True)
class CheckpointView:
    """A checkpoint as the log signed it, with the cosignature lines witnesses returned for it."""

    size: int
    root: bytes
    note: str
    created_at: str
    cosignatures: tuple[str, ...] = ()

    @property
    def cosigned(self) -> str:
        """The signed note with the witnesses' cosignature lines appended."""
        return self.note + "".join(self.cosignatures)

    @classmethod
    def of(cls, stored: StoredCheckpoint) -> CheckpointView:
        return cls(stored.size, stored.root, stored.note, stored.created_at, stored.cosignatures)


@dataclass(frozen=True)
class LotInfo:
    """A lot in another lot's lineage: its id, its kind and how many processing steps away it is."""

    lot_id: str
    kind: str
    depth: int

    def to_json(self) -> dict[str, Any]:
        return {"lot_id": self.lot_id, "kind": self.kind, "depth": self.depth}


@dataclass(frozen=True)
class ReachedLot:
    """A lot a hold or recall of another lot would reach (or that lot itself, at depth 0): what it is, the
    holds already standing over it, and, where the reader may see them, who holds how much of it now and
    what is on its way (``custodians`` and ``in_transit`` None: withheld)."""

    lot_id: str
    kind: str
    depth: int
    unit: str | None
    status: str | None
    holds: tuple[dict[str, Any], ...]
    custodians: tuple[dict[str, Any], ...] | None
    in_transit: tuple[dict[str, Any], ...] | None

    def to_json(self) -> dict[str, Any]:
        return {
            "lot_id": self.lot_id,
            "kind": self.kind,
            "depth": self.depth,
            "unit": self.unit,
            "status": self.status,
            "holds": list(self.holds),
            "custodians": None if self.custodians is None else list(self.custodians),
            "in_transit": None if self.in_transit is None else list(self.in_transit),
        }


@dataclass(frozen=True)
class LogKeyPeriod:
    """A key the log signed checkpoints with, from ``valid_from`` until ``valid_until`` (None: still in use)."""

    key: VerifierKey
    valid_from: str
    valid_until: str | None

    def to_json(self) -> dict[str, str | None]:
        return {"key": self.key.text(), "valid_from": self.valid_from, "valid_until": self.valid_until}


@dataclass(frozen=True)
class Appended:
    """The outcome of one submission: the stored record, whether this call created it, and what the soft
    rules found (only for a record this call created)."""

    record: RecordView
    created: bool
    findings: tuple[Finding, ...] = ()


@dataclass(frozen=True)
class CheckReport:
    """The rules re-run over the whole ledger: what they find now, and how that differs from what is stored.

    ``unstored``: soft findings recomputed now but not stored (the rules file changed, or the records
    predate a rule). ``unreproduced``: stored findings the rules no longer produce (kept: a finding is
    never dropped). ``hard``: stored events that today's hard rules would refuse.
    """

    events: int
    lots: frozenset[str] | None
    findings: tuple[Finding, ...]
    unstored: tuple[Finding, ...]
    unreproduced: tuple[Finding, ...]

    @property
    def hard(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.hard)

    @property
    def ok(self) -> bool:
        return not self.hard and not self.unstored and not self.unreproduced
