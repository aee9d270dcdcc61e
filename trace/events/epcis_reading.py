"""A captured EPCIS 2.0 event read as one of the ledger's own event types, so that the rules and the authority
policy judge it as they judge ours (docs/EPCIS.md "Captured events read as ours"). Pure Python.

A partner's event on a lot of this ledger whose CBV ``bizStep`` moves, holds or ends the lot is what our own
event of that kind is: ``shipping`` a ``ship``, ``receiving`` a ``receive`` (but for a ``returned``
disposition, which stays an EPCIS event), ``retail_selling`` a ``sell``, ``destroying`` a ``destroy``, and
``holding`` a ``recall`` (disposition ``recalled``), a ``release`` (``active``, ``conformant``, ``available``,
``sellable_…``) or a ``hold`` (any other), as our export writes them. Such an event is judged and folded into
the lot's state as that type (a shipping of a held lot is refused as our ``ship`` is; a receiving by the
consignee makes it the custodian; only a regulator recalls), while the record keeps the EPCIS event exactly as
sent. What the reading takes from it:

- ``ship``: ``from`` the source ``owning_party`` (else the recording actor), ``to`` the destination
  ``owning_party``, ``carrier`` a destination ``possessing_party`` other than it;
- ``receive``: ``from`` the source ``owning_party``;
- ``sell``: ``buyer_type`` ``consumer`` (CBV: retail selling is to the end consumer), the lot's serials in
  ``epcList``;
- ``destroy``, ``hold``, ``release``, ``recall``: ``reason`` as the event's ``gt:reason`` says, else that a
  captured EPCIS event recorded it;
- for a movement: ``units`` or ``net_weight_kg`` from the lot's ``quantityList`` entry (``KGM``, ``GRM``,
  ``TNE`` in kilograms; ``H87`` or none a count), or the count of the lot's instances in ``epcList``;
- and any public member of our type's schema that the event carries as an extension in the project namespace
  (``gt:<member>``, as our export writes it), so that an exported event of ours reads back as itself.

A party is one of this ledger's actors named as ``https://ns.ginseng-trace.org/epcis/party/<actor>`` (our
export's form); another form (a PGLN, an SGLN) names no actor here. An event that moves a lot of ours but
cannot be read (no consignee, no shipper, a party that is no actor) is refused by the custody rule: the ledger
would not know who holds the lot after it.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from ..chain.records import Event
from .catalogue import catalogue

CAPTURED = "epcis_event"
NAMESPACE = "https://ns.ginseng-trace.org/epcis/"
PARTY = NAMESPACE + "party/"
CBV = "https://ref.gs1.org/cbv/"
STEPS = {"shipping": "ship", "receiving": "receive", "retail_selling": "sell", "destroying": "destroy"}
HOLDS = frozenset({"hold", "release", "recall"})
RELEASED = frozenset({"active", "conformant", "available", "sellable_accessible", "sellable_not_accessible"})
TO_KG = {"KGM": 1.0, "GRM": 0.001, "TNE": 1000.0}
_ID_FIELDS = ("epcList", "childEPCs", "inputEPCList", "outputEPCList", "parentID")
_CLASS_FIELDS = ("quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList")
# a lot in an identifier: a Digital Link's AI 10 (and its serial, AI 21), an LGTIN's lot, a resolver's /lot/<lot>
_DIGITAL_LINK = re.compile(r"https?://[^/]+(?:/[^?#]*)?/01/\d{14}(?:/22/[^/?#]+)?/10/([^/?#]+)(?:/21/([^/?#]+))?")
_LGTIN = re.compile(r"urn:epc:class:lgtin:[^.]+\.[^.]+\.(.+)")
_RESOLVER_LOT = re.compile(r"https?://[^?#]*/lot/([^/?#]+)")
# where in the EPCIS event each member of our reading comes from (for the pointers of the rules' findings)
SOURCES = {
    "/type": "/bizStep",
    "/occurred_at": "/eventTime",
    "/payload/from": "/sourceList",
    "/payload/to": "/destinationList",
    "/payload/carrier": "/destinationList",
    "/payload/units": "/quantityList",
    "/payload/net_weight_kg": "/quantityList",
    "/payload/serials": "/epcList",
    "/payload/buyer_type": "/bizStep",
    "/payload/reason": "/bizStep",
}


@dataclass(frozen=True)
class Reading:
    """A captured event as the rules see it: ``event``, our type's reading (the captured event itself if it
    is none of ours), and why a movement of a lot of ours could not be read (``problem``, in English and
    Chinese, at ``where`` in the EPCIS event)."""

    sent: Event
    event: Event
    problem: tuple[str, str, str] | None = None

    @property
    def read(self) -> bool:
        return self.event is not self.sent


def gs1_lot_in(uri: str) -> tuple[str, str | None] | None:
    """The lot a GS1 identifier names (a Digital Link's AI 10 on any domain, an LGTIN's lot), and the serial
    (AI 21) if it names one unit of it."""
    if match := _DIGITAL_LINK.match(uri):
        return unquote(match.group(1)), unquote(match.group(2)) if match.group(2) else None
    if match := _LGTIN.fullmatch(uri):
        return unquote(match.group(1)), None
    return None


def lot_in(uri: str) -> tuple[str, str | None] | None:
    """The lot an identifier names (:func:`gs1_lot_in`, or a resolver's ``…/lot/<lot>``), and its serial."""
    if found := gs1_lot_in(uri):
        return found
    match = _RESOLVER_LOT.match(uri)
    return (unquote(match.group(1)), None) if match else None


def step_of(event: Mapping[str, Any]) -> str | None:
    """The CBV business step's bare name (``shipping``), however it is written."""
    step = event.get("bizStep")
    if not isinstance(step, str):
        return None
    return _bare(step, "BizStep")


def moved_as(event: Mapping[str, Any]) -> str | None:
    """Our event type an EPCIS event moving, holding or ending a lot is read as (``ship``…), or None."""
    step, disposition = step_of(event), _bare(event.get("disposition"), "Disp")
    if step == "holding":
        return "recall" if disposition == "recalled" else "release" if disposition in RELEASED else "hold"
    kind = STEPS.get(step or "")
    if kind == "receive" and disposition == "returned":
        return None
    return kind


def judged_as(event: Event) -> Event:
    """The event the rules judge for ``event``: its reading as ours, for a captured event that reads so."""
    return read_captured(event).event if event.type == CAPTURED else event


def _bare(term: object, kind: str) -> str | None:
    if not isinstance(term, str):
        return None
    urn = {"BizStep": "bizstep", "Disp": "disp", "SDT": "sdt"}[kind]
    for prefix in (CBV + kind + "-", f"cbv:{kind}-", f"urn:epcglobal:cbv:{urn}:"):
        if term.startswith(prefix):
            return term[len(prefix) :]
    return term


def _parties(event: Mapping[str, Any], member: str, key: str) -> dict[str, str]:
    """The ``sourceList``/``destinationList`` entries by their bare type (``owning_party``): the identifier."""
    found: dict[str, str] = {}
    for entry in event.get(member) or []:
        if isinstance(entry, Mapping) and isinstance(entry.get(key), str):
            kind = _bare(entry.get("type"), "SDT")
            if kind is not None:
                found.setdefault(kind, str(entry[key]))
    return found


def _actor(uri: str | None) -> str | None:
    return uri[len(PARTY) :] if uri is not None and uri.startswith(PARTY) and len(uri) > len(PARTY) else None


def _extensions(event: Mapping[str, Any], context: object) -> dict[str, Any]:
    """The event's members in the project namespace (``gt:<member>`` or the full IRI), by member name."""
    prefixes = {NAMESPACE}
    for item in context if isinstance(context, list) else []:
        if isinstance(item, Mapping):
            prefixes |= {f"{k}:" for k, v in item.items() if v == NAMESPACE}
    out: dict[str, Any] = {}
    for key, value in event.items():
        for prefix in prefixes:
            if key.startswith(prefix) and "/" not in key[len(prefix) :]:
                out[key[len(prefix) :]] = value
    return out


def _quantity(event: Mapping[str, Any], lot_id: str) -> dict[str, Any]:
    for name in _CLASS_FIELDS:
        for entry in event.get(name) or []:
            named = lot_in(str(entry.get("epcClass", ""))) if isinstance(entry, Mapping) else None
            quantity = entry.get("quantity") if named and named[0] == lot_id else None
            if isinstance(quantity, int | float) and not isinstance(quantity, bool):
                uom = entry.get("uom")
                if uom in TO_KG:
                    return {"net_weight_kg": float(quantity) * TO_KG[str(uom)]}
                if uom in (None, "H87") and float(quantity).is_integer():
                    return {"units": int(quantity)}
    units = _serials(event, lot_id)
    return {"units": len(units)} if units else {}


def _serials(event: Mapping[str, Any], lot_id: str) -> list[str]:
    found: list[str] = []
    for name in _ID_FIELDS:
        value = event.get(name)
        for uri in value if isinstance(value, list) else [value]:
            named = lot_in(uri) if isinstance(uri, str) else None
            if named and named[0] == lot_id and named[1] is not None and named[1] not in found:
                found.append(named[1])
    return found


def _party_problem(step: str, role: str, lot_id: str, uri: str | None) -> tuple[str, str, str]:
    where = "/sourceList" if role == "shipper" else "/destinationList"
    if uri is None:
        said = f"names no {role} (an owning_party in {where[1:]})"
        said_zh = f"未写明{'发货方' if role == 'shipper' else '收货方'}（{where[1:]} 中的 owning_party）"
    else:
        said = f"names the {role} {uri!r}, which is no actor of this ledger"
        said_zh = f"所写{'发货方' if role == 'shipper' else '收货方'} {uri!r} 不是本账本的参与方"
    return (
        where,
        f"a captured {step} event moves lot {lot_id} of this ledger, so it must say who holds the lot after it; "
        f"it {said}: name parties as {PARTY}<actor>",
        f"所提交的 EPCIS {step} 事件涉及本账本的批次 {lot_id}，须写明批次此后由谁保管；该事件{said_zh}，"
        f"参与方须写作 {PARTY}<参与方>",
    )


def _payload(kind: str, step: str, event: Mapping[str, Any], sent: Event) -> dict[str, Any] | tuple[str, str, str]:
    """Our type's payload read from the EPCIS event, or why it cannot be (a missing or unknown party)."""
    sources = _parties(event, "sourceList", "source")
    destinations = _parties(event, "destinationList", "destination")
    payload: dict[str, Any] = {}
    if kind == "ship":
        shipper = sources.get("owning_party", sources.get("possessing_party"))
        consignee = destinations.get("owning_party")
        carrier = destinations.get("possessing_party")
        if shipper is not None and _actor(shipper) is None:
            return _party_problem(step, "shipper", sent.lot_id, shipper)
        if _actor(consignee) is None:
            return _party_problem(step, "consignee", sent.lot_id, consignee)
        payload = {"from": _actor(shipper) or sent.actor, "to": _actor(consignee)}
        if carrier not in (None, consignee) and _actor(carrier) is not None:
            payload["carrier"] = _actor(carrier)
    elif kind == "receive":
        shipper = sources.get("owning_party", sources.get("possessing_party"))
        if _actor(shipper) is None:
            return _party_problem(step, "shipper", sent.lot_id, shipper)
        payload = {"from": _actor(shipper)}
    elif kind == "sell":
        payload = {"buyer_type": "consumer"}
        if serials := _serials(event, sent.lot_id):
            payload["serials"] = serials
    else:  # destroy, hold, release, recall
        disposition = _bare(event.get("disposition"), "Disp")
        said = f" (disposition {disposition})" if disposition else ""
        payload = {"reason": f"recorded by a captured EPCIS {step} event{said}"}
    if kind not in HOLDS:  # a hold names no quantity
        payload |= _quantity(event, sent.lot_id)
    return payload | _extensions(event, sent.payload.get("context"))


def read_captured(sent: Event) -> Reading:
    """``sent`` (a record of type ``epcis_event`` on a lot of ours) as the rules judge it: read as our ``ship``,
    ``receive``, ``sell`` or ``destroy`` where its business step is one, else as itself."""
    event = sent.payload.get("event")
    if sent.type != CAPTURED or not isinstance(event, Mapping) or sent.lot_id.startswith("epcis:"):
        return Reading(sent, sent)
    step, kind = step_of(event), moved_as(event)
    if kind is None or step is None:
        return Reading(sent, sent)
    payload = _payload(kind, step, event, sent)
    if isinstance(payload, tuple):
        return Reading(sent, sent, payload)
    schema = catalogue()[kind]
    own = {k: v for k, v in payload.items() if k in schema.schema.get("properties", {}) and k not in schema.private}
    problems = schema.problems(own, "/payload")
    if problems:
        first = problems[0]
        return Reading(
            sent,
            sent,
            (
                SOURCES.get(first.pointer, ""),
                f"a captured {step} event on lot {sent.lot_id} of this ledger reads as its {kind}, which cannot "
                f"be: {first.pointer} {first.detail}",
                f"所提交的 EPCIS {step} 事件作为本账本批次 {sent.lot_id} 的 {kind} 不合格："
                f"{first.pointer} {first.detail}",
            ),
        )
    return Reading(sent, dataclasses.replace(sent, type=kind, payload=own))
