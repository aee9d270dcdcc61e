"""A bundle re-judged for authority: the membership its own records prove, replayed in log order. Pure Python.

:func:`verify_bundle` is the whole offline check of a proof bundle (``docs/FORMAT.md`` §7): the proofs and
chains of ``ginseng_trace.chain.bundle``, with the actors' keys taken from the bundle's membership records
(and the trust anchors the verifier is given), and then every record judged by the authority rule at its
log position: its key registered before it and neither revoked nor expired, its organisation and actor not
suspended, its organisation holding a role that may record it, and the relation to the lot the rule asks for
that the bundle can show (a lab's sample, a regulator's hold, a correction's original recorder, the lot-id
and GS1 prefixes of a lot's creator). Custody is not re-judged here: a lot's holdings depend on sibling lots
made from the same inputs, which a bundle does not carry (``ginseng-trace check`` judges it on the ledger).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import suppress
from datetime import datetime

from ..chain.bundle import BundleError, BundleReport
from ..chain.bundle import verify_bundle as verify_proofs
from ..chain.canonical import parse_json
from ..chain.errors import MalformedError
from ..chain.keys import ActorKey, VerifierKey
from ..chain.records import Event, Record
from ..chain.times import parse_utc
from ..chain.verify import KeyLookup, StoredEntry
from .authority import check_authority, recorder_of
from .context import Context
from .epcis_reading import CAPTURED, read_captured
from .membership import Membership, org_of_lot
from .state import LotState, apply

EPOCH = "1970-01-01T00:00:00Z"


def _event(entry: StoredEntry) -> Event:
    try:
        return Event.from_json(parse_json(entry.event_bytes))
    except MalformedError as exc:
        raise BundleError(f"record at log index {entry.log_index}: {exc.diagnostics()}") from None


class BundleMembership:
    """The :class:`~ginseng_trace.chain.bundle.MembershipCheck` of the ledger's rules, over ``anchors``."""

    def __init__(self, anchors: Sequence[VerifierKey]) -> None:
        self.anchors = tuple(anchors)

    def keys(self, entries: Sequence[StoredEntry]) -> KeyLookup:
        """Every key the bundle's membership records register, and the anchors' (signatures only: whether a
        key was valid at a record's position is :meth:`judge`'s question)."""
        found = {(k.name, k.key_id_hex): ActorKey(k, EPOCH) for k in self.anchors}
        for entry in entries:
            if org_of_lot(entry.lot_id) is None:
                continue
            event = _event(entry)
            if event.type == "register_key":
                try:
                    key = VerifierKey.parse(str(event.payload.get("key", "")))
                except MalformedError:
                    continue  # judge() refuses the record
                found.setdefault((key.name, key.key_id_hex), ActorKey(key, EPOCH))
        return lambda actor, key_id: found.get((actor, key_id))

    def judge(self, entries: Sequence[StoredEntry]) -> tuple[str, ...]:
        return judge_records(
            ((e.log_index, _event(e), parse_utc(Record.from_bytes(e.record_bytes).recorded_at)) for e in entries),
            self.anchors,
        )


def judge_records(records: Iterable[tuple[int, Event, datetime]], anchors: Sequence[VerifierKey]) -> tuple[str, ...]:
    """Replay ``(log index, event, sealed at)`` in log order, folding membership and each lot's authority facts;
    raise :class:`BundleError` at the first record its signer was not allowed to record; return the
    organisations whose membership was replayed."""
    membership = Membership(anchors)
    states: dict[str, LotState] = {}
    for index, event, recorded in records:
        where = f"record at log index {index} ({event.type} of lot {event.lot_id} by {event.actor})"
        signer = membership.signer(event.actor, event.key_id, index, recorded)
        if isinstance(signer, str):
            raise BundleError(f"{where}: {signer}")
        reading = read_captured(event) if event.type == CAPTURED else None
        judged = reading.event if reading is not None else event  # a captured movement, judged as ours
        inputs = {lot: states[lot] for lot in judged.inputs if lot in states}
        context = Context(judged, states.get(judged.lot_id), inputs, recorded, "", signer, membership, False, reading)
        for finding in check_authority(context):
            if finding.hard:
                raise BundleError(f"{where}: not allowed: {finding.message}")
        # a fact the authority rule does not need may be missing (a private member, a sibling's stock)
        with suppress(KeyError, TypeError, ValueError):
            apply(judged, states, recorder=recorder_of(signer))
        membership.apply(event, index)
    return tuple(sorted(membership.orgs))


def verify_bundle(
    data: bytes,
    log_keys: Sequence[VerifierKey],
    witness_keys: Sequence[VerifierKey] = (),
    anchors: Sequence[VerifierKey] = (),
) -> BundleReport:
    """Verify a bundle offline, membership and authority included; return what it proved or raise
    :class:`BundleError`. ``anchors``: the trust anchors' keys (the operator's, as the ledger publishes them)."""
    return verify_proofs(data, log_keys, witness_keys, membership=BundleMembership(anchors))
