"""Who may sign: organisations, their actors, keys and roles, folded from membership events in log order. Pure.

Membership is ledger history (``docs/FORMAT.md`` §8): each organisation has a chain of its own, the lot
``org:<organisation id>``, whose events register it with its roles and identifier spaces, its actors (people
and devices), their keys, role grants and withdrawals, suspensions and reinstatements, and the agreements by
which a grower lets a cooperative read its plots (:data:`AGREEMENT_TYPES`). Every one is signed by an authority
the rules allow (``events.authority``); the first authority is a *trust anchor*, a key given to the ledger and
to every verifier by configuration, which holds the operator role and belongs to no organisation. An agreement
is the data owner's own consent: recorded on the grower's chain by one of its actors (or an operator), and
ended by it, by the cooperative it names, or by an operator (:func:`agreement_parties`).

A key is valid for a record at log position ``i`` when its registration is at a position before ``i``, no
revocation of it is before ``i``, and the record was sealed before the key's ``valid_until``. A
:class:`Membership` holds the organisations it was given or has folded: the ledger gives it the ones a batch
needs; a replay (``ginseng-trace check``, the monitor, a bundle verifier) folds every membership record.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime

from .keys import VerifierKey
from .records import Event
from .times import parse_utc

AGREEMENT_TYPES = frozenset({"agree_cooperative", "end_cooperative"})
"""A grower's agreement that a cooperative may read its plots (``events.visibility``), and its end."""
MEMBERSHIP_TYPES = (
    frozenset(
        {
            "register_organisation",
            "register_actor",
            "register_key",
            "revoke_key",
            "grant_role",
            "withdraw_role",
            "suspend",
            "reinstate",
        }
    )
    | AGREEMENT_TYPES
)
ROLES = ("grower", "cooperative", "processor", "logistics", "retailer", "lab", "regulator", "operator", "certifier")
ORG_LOT_PREFIX = "org:"
ANCHOR_ROLES = frozenset({"operator"})


def org_lot(org_id: str) -> str:
    """The lot id of an organisation's membership chain."""
    return ORG_LOT_PREFIX + org_id


def org_of_lot(lot_id: str) -> str | None:
    """The organisation whose membership chain ``lot_id`` is, or None for a lot of ginseng."""
    return lot_id[len(ORG_LOT_PREFIX) :] if lot_id.startswith(ORG_LOT_PREFIX) else None


def agreement_parties(event: Event) -> frozenset[str]:
    """Who, besides an operator, may record an agreement event: the organisation on whose chain it is (whose
    data it opens), and, to end one, also the cooperative it names."""
    owner = org_of_lot(event.lot_id)
    parties = set() if owner is None else {owner}
    if event.type == "end_cooperative":
        parties.add(str(event.payload.get("cooperative")))
    return frozenset(parties)


@dataclass
class KeyGrant:
    """One registered key of an actor: valid for the records after position ``from_index`` (and before
    ``revoked_index``, sealed before ``valid_until``)."""

    key: str  # the verifier key (vkey text)
    from_index: int
    valid_until: str | None = None
    revoked_index: int | None = None

    def refusal_at(self, index: int, recorded: datetime) -> str | None:
        name = self.key.split("+", 2)
        label = f"key {name[0]}/{name[1]}"
        if index <= self.from_index:
            return f"{label} is registered at log position {self.from_index}, not before position {index}"
        if self.revoked_index is not None and index > self.revoked_index:
            return f"{label} was revoked at log position {self.revoked_index}"
        if self.valid_until is not None and recorded >= parse_utc(self.valid_until):
            return f"{label} expired at {self.valid_until}"
        return None


@dataclass
class Member:
    """An actor of an organisation: a person or a device, with its keys."""

    kind: str
    suspended: bool = False
    keys: dict[str, KeyGrant] = field(default_factory=dict)


@dataclass
class Organisation:
    """An organisation as its membership chain has made it so far."""

    org_id: str
    name: str
    roles: list[str]
    lot_prefixes: list[str]
    gs1_company_prefixes: list[str] = field(default_factory=list)
    unified_social_credit_code: str | None = None
    gln: str | None = None
    suspended: bool = False
    actors: dict[str, Member] = field(default_factory=dict)
    accreditations: list[str] = field(default_factory=list)
    cooperatives: list[str] = field(default_factory=list)  # those its standing agreements let read its plots
    county_code: str | None = None  # GB/T 2260, as registered: where the public page's map places it

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_json(cls, text: str | bytes) -> Organisation:
        data = json.loads(text)
        data["actors"] = {
            name: Member(m["kind"], m["suspended"], {k: KeyGrant(**g) for k, g in m["keys"].items()})
            for name, m in data["actors"].items()
        }
        return cls(**data)

    def may_create(self, lot_id: str) -> bool:
        return any(lot_id.startswith(prefix) for prefix in self.lot_prefixes)

    def owns_gtin(self, code: str) -> bool:
        """Whether a GTIN-14 (or an SSCC-18) lies in one of the organisation's GS1 company prefixes, which
        follow its first digit (the indicator, or the extension digit)."""
        return any(code[1:].startswith(prefix) for prefix in self.gs1_company_prefixes)


@dataclass(frozen=True)
class Signer:
    """Who signed an event, as membership stood at its position: the actor, its organisation and roles."""

    actor: str
    org: str | None  # None for a trust anchor
    roles: frozenset[str]

    @property
    def anchor(self) -> bool:
        return self.org is None

    def holds(self, roles: Iterable[str]) -> bool:
        return not self.roles.isdisjoint(roles)

    def describe(self) -> str:
        return ", ".join(sorted(self.roles)) or "no role"


class Membership:
    """Organisations by id and actors' organisations, with the trust anchors; folds membership events."""

    def __init__(
        self,
        anchors: Iterable[VerifierKey] = (),
        orgs: Mapping[str, Organisation] | None = None,
    ) -> None:
        self.anchors = {(k.name, k.key_id_hex): k for k in anchors}
        self.orgs: dict[str, Organisation] = dict(orgs or {})
        self.actor_orgs = {actor: org.org_id for org in self.orgs.values() for actor in org.actors}
        self.changed: set[str] = set()

    def is_anchor_name(self, actor: str) -> bool:
        return any(name == actor for name, _ in self.anchors)

    def org_of(self, actor: str) -> Organisation | None:
        org = self.actor_orgs.get(actor)
        return None if org is None else self.orgs.get(org)

    def signer(self, actor: str, key_id: str, index: int, recorded: datetime) -> Signer | str:
        """The signer of a record at log position ``index`` sealed at ``recorded``, or why its key may not
        sign there."""
        if (actor, key_id) in self.anchors:
            return Signer(actor, None, ANCHOR_ROLES)
        org = self.org_of(actor)
        if org is None:
            return f"actor {actor!r} is a member of no registered organisation"
        member = org.actors[actor]
        grant = member.keys.get(key_id)
        if grant is None:
            return f"actor {actor!r} of {org.org_id} has no registered key {key_id}"
        refusal = grant.refusal_at(index, recorded)
        if refusal is not None:
            return refusal
        if org.suspended:
            return f"organisation {org.org_id} is suspended"
        if member.suspended:
            return f"actor {actor!r} of {org.org_id} is suspended"
        return Signer(actor, org.org_id, frozenset(org.roles))

    def apply(self, event: Event, index: int) -> None:
        """Fold a membership event recorded at log position ``index`` (already judged by the rules)."""
        org_id = org_of_lot(event.lot_id)
        if org_id is None or event.type not in MEMBERSHIP_TYPES:
            return
        payload = event.payload
        if event.type == "register_organisation":
            self.orgs[org_id] = Organisation(
                org_id,
                str(payload["name"]),
                sorted(payload["roles"]),
                list(payload["lot_prefixes"]),
                list(payload.get("gs1_company_prefixes", [])),
                payload.get("unified_social_credit_code"),
                payload.get("gln"),
                accreditations=list(payload.get("accreditations", [])),
                county_code=str(payload["county_code"]) if payload.get("county_code") else None,
            )
            self.changed.add(org_id)
            return
        org = self.orgs.get(org_id)
        if org is None:
            return
        self.changed.add(org_id)
        actor = payload.get("actor")
        if event.type == "register_actor":
            org.actors[str(actor)] = Member(str(payload["kind"]))
            self.actor_orgs[str(actor)] = org_id
        elif event.type == "register_key" and actor in org.actors:
            key = VerifierKey.parse(str(payload["key"]))
            org.actors[actor].keys[key.key_id_hex] = KeyGrant(key.text(), index, payload.get("valid_until"))
        elif event.type == "revoke_key" and actor in org.actors:
            grant = org.actors[actor].keys.get(str(payload["key_id"]))
            if grant is not None and grant.revoked_index is None:
                grant.revoked_index = index
        elif event.type == "grant_role":
            org.roles = sorted({*org.roles, str(payload["role"])})
        elif event.type == "withdraw_role":
            org.roles = [r for r in org.roles if r != payload["role"]]
        elif event.type == "agree_cooperative":
            org.cooperatives = sorted({*org.cooperatives, str(payload["cooperative"])})
        elif event.type == "end_cooperative":
            org.cooperatives = [c for c in org.cooperatives if c != payload["cooperative"]]
        elif event.type in ("suspend", "reinstate"):
            suspended = event.type == "suspend"
            if actor is None:
                org.suspended = suspended
            elif actor in org.actors:
                org.actors[actor].suspended = suspended
