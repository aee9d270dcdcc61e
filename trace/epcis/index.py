"""What the EPCIS query index keeps of each ledger record: the EPCIS event the mapping makes of it, its
queryable fields, and its EPCs and EPC classes under the names the query matches them by. Pure Python.

The mapping (:mod:`.mapping`) names lots and serials on the public base URL; the index maps with
:data:`INDEX_BASE` in its place, so that what it stores does not depend on where the ledger is served, and
:func:`rebase` puts the reader's base back. An EPC or EPC class is indexed by its *match key*: the constrained
canonical GS1 Digital Link (:func:`.epc.canonical`: an EPC URN and a Digital Link on any domain of one GS1 key
have the same), or, for URIs that name no GS1 key (``<base>/lot/<lot>``), the URI on :data:`INDEX_BASE`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .epc import canonical
from .mapping import Identifiers, LedgerRecord, epcis_event, gtins_of, species_of

INDEX_BASE = "https://index.invalid"
"""The base the index maps with (RFC 2606 ``.invalid``: no real deployment's)."""

EPC_FIELDS = ("epcList", "childEPCs", "parentID", "inputEPCList", "outputEPCList")
CLASS_FIELDS = ("quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList")


@dataclass(frozen=True)
class IndexedEvent:
    """One index row and its EPCs: ``epcs`` is ``(field, match key)`` in the event's order."""

    log_index: int
    event_time: str  # UTC, fixed width (``2025-09-14T01:30:00.000000Z``): text order is time order
    record_time: str
    event_type: str
    action: str | None
    biz_step: str | None
    disposition: str | None
    read_point: str | None
    biz_location: str | None
    document: dict[str, Any]  # the EPCIS event on INDEX_BASE, without eventID
    epcs: tuple[tuple[str, str], ...]


def utc_text(value: str) -> str:
    """An RFC 3339 time with any offset as fixed-width UTC with microseconds (``ValueError`` if it is none)."""
    moment = datetime.fromisoformat(value.replace("z", "Z"))
    if moment.tzinfo is None:
        raise ValueError("a time needs its offset (Z or ±hh:mm)")
    m = moment.astimezone(UTC)
    return f"{m.year:04d}-{m.month:02d}-{m.day:02d}T{m.hour:02d}:{m.minute:02d}:{m.second:02d}.{m.microsecond:06d}Z"


def match_key(uri: str, base: str = INDEX_BASE) -> str:
    """The form an EPC or EPC class is indexed and matched by (a URI on ``base`` is read as on the index's)."""
    found = canonical(uri)
    if found is not None:
        return found
    stem = base.rstrip("/")
    if stem != INDEX_BASE and (uri == stem or uri.startswith(stem + "/")):
        return INDEX_BASE + uri[len(stem) :]
    return uri


def _bare(term: object) -> str | None:
    """A CBV term as the query names it: ``shipping`` for the term and its web URI alike."""
    if not isinstance(term, str):
        return None
    for stem in ("https://ref.gs1.org/cbv/BizStep-", "https://ref.gs1.org/cbv/Disp-"):
        if term.startswith(stem):
            return term[len(stem) :]
    for stem in ("urn:epcglobal:cbv:bizstep:", "urn:epcglobal:cbv:disp:"):
        if term.startswith(stem):
            return term[len(stem) :]
    return term


def _location(value: object) -> str | None:
    return str(value["id"]) if isinstance(value, dict) and isinstance(value.get("id"), str) else None


def identifiers_of(event: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """``(field, URI)`` of every EPC and EPC class of an EPCIS event, in its order."""
    for name in EPC_FIELDS:
        value = event.get(name)
        for uri in [value] if isinstance(value, str) else value if isinstance(value, list) else []:
            if isinstance(uri, str):
                yield name, uri
    for name in CLASS_FIELDS:
        for element in event.get(name) or []:
            if isinstance(element, dict) and isinstance(element.get("epcClass"), str):
                yield name, element["epcClass"]


def indexed(record: LedgerRecord, gtins: Mapping[str, str], species: Mapping[str, str]) -> IndexedEvent:
    """The index row of ``record``, mapped as :func:`.mapping.epcis_event` maps it (on :data:`INDEX_BASE`)."""
    event = epcis_event(record, Identifiers(INDEX_BASE, gtins, species))
    epcs = tuple(dict.fromkeys((name, match_key(uri)) for name, uri in identifiers_of(event)))
    action = event.get("action")
    return IndexedEvent(
        log_index=record.log_index,
        event_time=utc_text(str(event["eventTime"])),
        record_time=utc_text(record.recorded_at),
        event_type=str(event.get("type")),
        action=action if isinstance(action, str) else None,
        biz_step=_bare(event.get("bizStep")),
        disposition=_bare(event.get("disposition")),
        read_point=_location(event.get("readPoint")),
        biz_location=_location(event.get("bizLocation")),
        document=event,
        epcs=epcs,
    )


def learn_lot_facts(
    event: Mapping[str, Any], gtins: MutableMapping[str, str], species: MutableMapping[str, str]
) -> None:
    """What one event (in log order) tells of lot master data the mapping names lots by: as
    :func:`.mapping.gtins_of` and :func:`.mapping.species_of` read a whole history."""
    lot = str(event.get("lot_id"))
    inputs = [str(i) for i in event.get("inputs") or []]
    known_gtins = {i: gtins[i] for i in inputs if i in gtins}
    found = gtins_of(
        [*({"type": "package", "lot_id": i, "payload": {"gtin": g}} for i, g in known_gtins.items()), event]
    )
    if lot in found:
        gtins[lot] = found[lot]
    if lot not in species:
        known_species = {i: species[i] for i in inputs if i in species}
        seed = [{"lot_id": i, "payload": {"species": s}} for i, s in known_species.items()]
        named = species_of([*seed, event])
        if lot in named:
            species[lot] = named[lot]


def rebase(value: Any, base: str) -> Any:
    """``value`` (a stored event) with every URI on :data:`INDEX_BASE` moved to ``base``."""
    stem = base.rstrip("/")
    if isinstance(value, str):
        return stem + value[len(INDEX_BASE) :] if value.startswith(INDEX_BASE) else value
    if isinstance(value, list):
        return [rebase(v, base) for v in value]
    if isinstance(value, dict):
        return {k: rebase(v, base) for k, v in value.items()}
    return value
