"""EPCIS 2.0 capture (REST binding ``POST /capture``, ``POST /events``): a partner's events become ledger events.

Each captured EPCIS event is one ledger event of type ``epcis_event`` whose payload is the event exactly as sent
and the ``@context`` of the document it came in (so the export gives it back with the same CBV 2.0 hash),
signed with the submitting actor's server-held key, hash-chained and in the transparency log like any other.
Its lot is the first lot of ours its identifiers name (a Digital Link or LGTIN naming a lot with a record, or
our resolver's ``<base>/lot/<lot>``), and the submitter must hold every lot of ours it names (the authority
rule's ``custodian_only``); an event naming none of our lots goes on the submitter's organisation's chain
``epcis:<organisation>``. Its event id is ``epcis-<CBV hash, 48 hex digits>-<actor>``, so the same actor
capturing an event again is an idempotent retry.

A document is judged whole before anything is written: every event the schema, the rules or the authority
policy refuse is named (its index, and why, as an RFC 9457 problem). With ``rollback`` (the default) one refusal
stores nothing; with ``proceed`` the others are stored. The capture job's document (``GET /capture/{id}``) says
which.
"""

from __future__ import annotations

import dataclasses
import json
import re
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..chain.errors import Error, FieldProblem, MalformedError
from ..chain.records import SignedEvent
from ..chain.times import format_utc
from ..epcis.capture import CapturedEvent, lot_of, read_document, read_single
from ..events.epcis_reading import moved_as
from ..events.rules import RuleViolationError
from ..events.state import LotState
from ..store import CaptureJobsRepository, LedgerRepository, Store
from .appending import Appending
from .errors import NotFoundError, RefusedError, RelationRequiredError, UnknownLotError
from .held_keys import HeldKeys
from .views import Appended, RecordView

BEHAVIOURS = ("rollback", "proceed")
_INDEX = re.compile(r"/epcisBody/eventList/(\d+)")


class NotCustodianError(RelationRequiredError):
    """A captured event names a lot of ours that its submitter does not hold."""

    def __init__(self, pointer: str, detail: str) -> None:
        self.pointer = pointer
        super().__init__("custodian", detail)


@dataclass(frozen=True)
class CaptureOutcome:
    """A capture judged (and, unless refused under ``rollback``, stored): the job document without its
    errors, and each refused event's error by the event's index in the document."""

    job: dict[str, Any]
    errors: dict[int, Error]


def _custodians(state: str) -> set[str]:
    return LotState.from_json(state).custodians()


def _utc(moment: str) -> str:
    return format_utc(datetime.fromisoformat(moment))


def _index_of(exc: Error) -> int | None:
    where = exc.violation.pointer if isinstance(exc, RuleViolationError) else getattr(exc, "pointer", "")
    match = _INDEX.match(str(where))
    return int(match.group(1)) if match else None


class Capture:
    """Capturing EPCIS documents and single events as ledger events, and the jobs that say how it went."""

    def __init__(
        self, store: Store, appending: Appending, held_keys: HeldKeys, *, clock: Callable[[], datetime]
    ) -> None:
        self.store = store
        self.appending = appending
        self.held_keys = held_keys
        self.clock = clock

    def _signed(self, actor: str, items: Sequence[CapturedEvent], base: str) -> Signing:
        """Each event signed as a ledger event on its lot, or why it may not be (a lot of ours named that does
        not exist, or that the submitter does not hold), or the event it is the same as (by CBV hash: captured
        before, or earlier in the document)."""
        signer = self.held_keys.signer(actor)
        named = [[hit for uri in item.identifiers if (hit := lot_of(uri, base)) is not None] for item in items]
        ids = [f"epcis-{item.cbv_hash.removeprefix('ni:///sha-256;')[:48]}-{actor}" for item in items]

        def read(repo: LedgerRepository) -> tuple[dict[str, tuple[int, str]], dict[str, str], str, Any]:
            lots = {lot for found in named for lot, _ in found}
            org = repo.membership.org_ids_of([actor]).get(actor, actor)
            return repo.heads(lots), repo.lot_states(lots), org, repo.by_event_ids(set(ids))

        heads, states, org, existing = self.store.read(read)
        done = Signing([], {}, {}, {k: Appended(RecordView.of(v), created=False) for k, v in existing.items()})
        signed, errors = done.pairs, done.errors
        first: dict[str, int] = {}
        for item, found, event_id in zip(items, named, ids, strict=True):
            where = f"/epcisBody/eventList/{item.index}"
            if event_id in done.existing or event_id in first:
                done.same[item.index] = done.existing[event_id] if event_id in done.existing else first[event_id]
                continue
            first[event_id] = item.index
            ours = list(dict.fromkeys(lot for lot, _ in found if lot in heads))
            unknown = [lot for lot, own in found if own and lot not in heads]
            moved = moved_as(item.event)
            # a movement is judged as our own ship, receive, sale or destruction (the consignee receives)
            held = [] if moved else ours
            strangers = [lot for lot in held if lot in states and actor not in _custodians(states[lot])]
            if unknown:
                errors[item.index] = UnknownLotError(where, f"names lot {unknown[0]!r}, which has no record here")
                continue
            if moved and len(ours) > 1:
                errors[item.index] = MalformedError(
                    FieldProblem(
                        where,
                        f"a {moved} of lots of this ledger names one lot, not {len(ours)} ({', '.join(ours)}): "
                        "send one event a lot",
                    )
                )
                continue
            if strangers:
                holders = ", ".join(sorted(_custodians(states[strangers[0]]))) or "nobody"
                errors[item.index] = NotCustodianError(
                    where,
                    f"names lot {strangers[0]!r}, held by {holders}, not by {actor}: only a lot's custodian "
                    "captures events about it",
                )
                continue
            event = {
                "event_id": event_id,
                "lot_id": ours[0] if ours else f"epcis:{org}",
                "type": "epcis_event",
                "occurred_at": _utc(item.event["eventTime"]),
                "payload": {"event": item.event, "context": item.context},
            }
            try:
                signed.append((item.index, self.appending.sign_as(signer, event)))
            except MalformedError as exc:
                errors[item.index] = exc.at(where)
        return done

    def _judged(self, pairs: list[Pair], errors: dict[int, Error]) -> list[Pair]:
        """The events the ledger takes, after taking out, one at a time, each it refuses (into ``errors``)."""
        remaining = list(pairs)
        while remaining:
            try:
                self.appending.judge([s for _, s in remaining], pointer=_pointers(remaining))
                return remaining
            except (RefusedError, RuleViolationError, MalformedError) as exc:
                index = _index_of(exc)
                if index is None or index in errors:
                    raise
                errors[index] = _in_document(exc)
                remaining = [(n, s) for n, s in remaining if n != index]
        return remaining

    def capture(self, actor: str, document: object, *, behaviour: str, base: str) -> CaptureOutcome:
        """Capture an ``EPCISDocument`` as ``actor``: what was stored, and each refused event's error. Raises
        ``MalformedError`` (every problem named) for a document that is not schema-valid EPCIS 2.0, before
        anything is judged; :meth:`save` keeps the job once its errors are described."""
        if behaviour not in BEHAVIOURS:
            raise MalformedError(
                FieldProblem("/GS1-Capture-Error-Behaviour", f"{behaviour!r}: one of {', '.join(BEHAVIOURS)}")
            )
        created = format_utc(self.clock())
        items = read_document(document)
        signing = self._signed(actor, items, base)
        errors = signing.errors
        taken = self._judged(signing.pairs, errors)
        stored: dict[int, Appended] = {}
        if behaviour == "proceed" or not errors:
            try:
                results = self.appending.append_batch([s for _, s in taken], pointer=_pointers(taken)) if taken else []
                stored = {n: r for (n, _), r in zip(taken, results, strict=True)}
            except (RefusedError, RuleViolationError, MalformedError) as exc:  # the ledger moved since the judging
                errors[_index_of(exc) or taken[0][0]] = _in_document(exc)
        for n, same in signing.same.items():  # the same event as one captured before, or earlier here
            if isinstance(same, Appended):
                stored[n] = same
            elif same in stored:
                stored[n] = Appended(stored[same].record, created=False)
            elif same in errors:
                errors[n] = errors[same]
        stored = dict(sorted(stored.items())) if not errors or behaviour == "proceed" else {}
        hashes = {item.index: str(item.event.get("eventID", item.cbv_hash)) for item in items}
        job = {
            "captureID": secrets.token_hex(16),
            "createdAt": created,
            "finishedAt": format_utc(self.clock()),
            "running": False,
            "success": not errors,
            "captureErrorBehaviour": behaviour,
            "errors": [],
            "events": [_captured_json(n, hashes[n], a) for n, a in stored.items()],
        }
        return CaptureOutcome(job, dict(sorted(errors.items())))

    def save(self, actor: str, job: Mapping[str, Any]) -> None:
        """Keep a capture job's document (its errors described), for :meth:`job`."""
        text = json.dumps(job, ensure_ascii=False)
        self.store.write(
            lambda repo: CaptureJobsRepository.of(repo).add(str(job["captureID"]), actor, str(job["createdAt"]), text),
            append_lock=False,
        )

    def capture_event(self, actor: str, event: object, *, base: str) -> tuple[Appended, str]:
        """Capture one EPCIS event (``POST /events``) as ``actor``: stored, or the first refusal raised (its
        pointer relative to the event). Returns the record and the event's ID (as sent, else its CBV hash)."""
        item = read_single(event, format_utc(self.clock()))
        signing = self._signed(actor, [item], base)
        if signing.errors:
            raise _relative(signing.errors[0])
        same = signing.same.get(0)
        if isinstance(same, Appended):
            return same, str(item.event.get("eventID", item.cbv_hash))
        try:
            appended = self.appending.append_batch([signing.pairs[0][1]], pointer=lambda _: "")[0]
        except (RefusedError, RuleViolationError) as exc:
            raise _relative(_in_document(exc)) from None
        return appended, str(item.event.get("eventID", item.cbv_hash))

    def job(self, job_id: str, actor: str, *, admin: bool = False) -> dict[str, Any]:
        """A capture job's document, for the actor that submitted it (or an admin); NotFoundError otherwise."""
        found = self.store.read(lambda repo: CaptureJobsRepository.of(repo).get(job_id))
        if found is None or (found[0] != actor and not admin):
            raise NotFoundError(f"no capture job {job_id} of {actor}")
        job: dict[str, Any] = json.loads(found[1])
        return job


Pair = tuple[int, SignedEvent]


@dataclass
class Signing:
    """A document's events signed (by index), refused (by index), or the same as another: a record captured
    before, or the index of an earlier event of the document."""

    pairs: list[Pair]
    errors: dict[int, Error]
    same: dict[int, Appended | int]
    existing: dict[str, Appended]


def _pointers(pairs: Sequence[Pair]) -> Callable[[int], str]:
    return lambda i: f"/epcisBody/eventList/{pairs[i][0]}"


def _in_document(exc: Error) -> Error:
    """A rule's refusal of a captured event read as ours, pointing into the event as sent: the rules point
    into the record (``…/payload/event/destinationList``), the document holds the event itself."""
    if isinstance(exc, RuleViolationError):
        found = exc.violation
        match = _INDEX.match(found.pointer)
        head = match.group(0) if match else ""
        if found.pointer[len(head) :].startswith("/payload/event"):
            pointer = head + found.pointer[len(head) + len("/payload/event") :]
            return RuleViolationError(dataclasses.replace(found, pointer=pointer))
    return exc


def _relative(exc: Error) -> Error:
    """A refusal of a single event with its pointer relative to the event."""
    if isinstance(exc, RefusedError | NotCustodianError):
        exc.pointer = _INDEX.sub("", exc.pointer, count=1)
    return exc


def _captured_json(index: int, event_id: str, appended: Appended) -> Mapping[str, Any]:
    view = appended.record
    return {
        "eventIndex": index,
        "eventID": event_id,
        "lot": view.lot_id,
        "ledgerEventHash": view.event_hash,
        "ledgerRecordHash": view.record_hash,
        "logIndex": view.log_index,
        "created": appended.created,
    }
