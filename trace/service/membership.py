"""Membership as ledger events: enrolling organisations with their actors, keys and roles, and changing them.

Every change is an event on the organisation's chain ``org:<id>`` (``events.membership``), signed by an
authority and appended through the one append path, so the rules judge it (``events.authority``) and the
transparency log carries it. The service signs with the operator key it was given (the trust anchor, or an
operator's own key); any other authority signs its membership events itself and submits them like any event.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..chain.errors import FieldProblem, MalformedError
from ..chain.keys import ALG_ED25519, SignerKey, VerifierKey
from ..chain.records import Event, sign_event
from ..chain.times import format_utc, parse_utc
from ..events.catalogue import private_fields
from ..events.membership import Organisation, org_lot
from ..store import LedgerRepository, Store
from .appending import Appending
from .errors import NotFoundError, RefusedError
from .views import Appended

MAX_LIVE_KEYS = 5
"""How many keys (neither revoked nor expired, server-held ones included) an actor may hold at once when a person
registers their own: a phone, a spare, a new phone before the old one's key is revoked. An operator registering
keys (``add_key``) is not bound by it."""


@dataclass(frozen=True)
class NewActor:
    """An actor to enrol with its organisation: a person or a device, and its first key."""

    key: VerifierKey  # named by the actor id
    kind: str = "person"
    name: str | None = None  # a person's name: private
    valid_until: str | None = None


class MembershipService:
    """Submits membership events signed by ``operator``; reads organisations as the rules see them."""

    def __init__(
        self,
        store: Store,
        events: Appending,
        operator: SignerKey | None,
        *,
        clock: Callable[[], datetime],
    ) -> None:
        self.store = store
        self.events = events
        self.operator = operator
        self.clock = clock
        self._anchor_stored = False

    def ensure_anchor_key(self) -> None:
        """Store the trust anchors' keys with the actors' keys, so their signatures verify like any other."""
        if self._anchor_stored:
            return

        def add(repo: LedgerRepository) -> None:
            for key in self.events.anchors:
                if repo.keys.get(key.name, key.key_id_hex) is None:
                    repo.keys.add(key, format_utc(self.clock()))

        self.store.write(add, append_lock=False)
        self._anchor_stored = True

    def submit(
        self,
        org_id: str,
        changes: Sequence[tuple[str, Mapping[str, Any]]],
        *,
        event_ids: Sequence[str] = (),
        occurred_at: str | None = None,
    ) -> list[Appended]:
        """Sign ``(type, payload)`` changes to ``org_id``'s membership as the operator and append them in
        one batch (all or none); each event id is new unless given (giving them makes a retry idempotent)."""
        signer = self.operator
        if signer is None:
            raise RefusedError("", "this ledger holds no operator key: sign membership events and submit them")
        self.ensure_anchor_key()
        when = occurred_at or format_utc(self.clock())
        batch = []
        for n, (kind, payload) in enumerate(changes):
            event_id = event_ids[n] if n < len(event_ids) else f"m-{org_id}-{secrets.token_hex(6)}"
            event = Event.from_json(
                {
                    "event_id": event_id,
                    "lot_id": org_lot(org_id),
                    "type": kind,
                    "occurred_at": when,
                    "actor": signer.name,
                    "key_id": signer.verifier().key_id_hex,
                    "payload": dict(payload),
                }
            )
            batch.append(sign_event(event, signer, private=private_fields(kind)))
        return self.events.append_batch(batch, pointer=lambda i: f"/{i}/event")

    def enrol(
        self,
        org_id: str,
        name: str,
        roles: Sequence[str],
        lot_prefixes: Sequence[str],
        actors: Sequence[NewActor] = (),
        *,
        gs1_company_prefixes: Sequence[str] = (),
        unified_social_credit_code: str | None = None,
        gln: str | None = None,
        county: str | None = None,
        county_code: str | None = None,
        accreditations: Sequence[str] = (),
        event_ids: Sequence[str] = (),
        occurred_at: str | None = None,
    ) -> list[Appended]:
        """Register an organisation with its roles and identifier spaces (and a lab's accreditations), and its
        first actors with their keys."""
        payload: dict[str, Any] = {"name": name, "roles": list(roles), "lot_prefixes": list(lot_prefixes)}
        optional = {
            "gs1_company_prefixes": list(gs1_company_prefixes) or None,
            "unified_social_credit_code": unified_social_credit_code,
            "gln": gln,
            "county_code": county_code,
            "county": county,
            "accreditations": list(accreditations) or None,
        }
        payload.update({k: v for k, v in optional.items() if v is not None})
        changes: list[tuple[str, Mapping[str, Any]]] = [("register_organisation", payload)]
        for actor in actors:
            changes.append(("register_actor", _actor_payload(actor)))
            changes.append(("register_key", _key_payload(actor.key, self._until(actor.valid_until))))
        return self.submit(org_id, changes, event_ids=event_ids, occurred_at=occurred_at)

    def add_actor(self, org_id: str, actor: NewActor) -> list[Appended]:
        """Register an actor of ``org_id`` with its first key."""
        payload = _key_payload(actor.key, self._until(actor.valid_until))
        return self.submit(org_id, [("register_actor", _actor_payload(actor)), ("register_key", payload)])

    def add_key(self, key: VerifierKey, valid_until: str | None = None) -> Appended:
        """Register another key of an actor (named by the key), valid from its position in the log."""
        if key.alg != ALG_ED25519:
            raise MalformedError(FieldProblem("/key", "an actor key must be an Ed25519 (type 0x01) verifier key"))
        payload = _key_payload(key, self._until(valid_until))
        return self.submit(self.org_of(key.name), [("register_key", payload)])[0]

    def add_own_key(self, actor: str, text: object) -> tuple[Appended | None, VerifierKey]:
        """Register a key a person made for their own ``actor`` (on their device): it must be named by that actor
        (anyone else's is forbidden), and the actor may hold at most :data:`MAX_LIVE_KEYS` live keys. A key already
        registered is not registered again (None: nothing new was recorded); a revoked one is refused."""
        if not isinstance(text, str):
            raise MalformedError(FieldProblem("/key", "must be an Ed25519 verifier key text <actor>+<key id>+<base64>"))
        try:
            key = VerifierKey.parse(text)
        except MalformedError as exc:
            raise MalformedError(FieldProblem("/key", exc.diagnostics())) from None
        if key.alg != ALG_ED25519:
            raise MalformedError(FieldProblem("/key", "an actor key must be an Ed25519 (type 0x01) verifier key"))
        if key.name != actor:
            raise RefusedError(
                "/key", f"a key named {key.name!r} is not yours: you may register keys for {actor!r} only"
            )
        now = format_utc(self.clock())
        held = self.store.read(lambda repo: repo.keys.all([actor]))
        same = next((k for k in held if k.key.key_id_hex == key.key_id_hex), None)
        if same is not None:
            if same.revoked_at is not None:
                raise RefusedError("/key", f"key {key.key_id_hex} was revoked: make a new key")
            return None, key
        live = [k for k in held if k.ends is None or parse_utc(k.ends) > parse_utc(now)]
        if len(live) >= MAX_LIVE_KEYS:
            raise RefusedError(
                "/key", f"{actor} already holds {len(live)} live keys (at most {MAX_LIVE_KEYS}): revoke one first"
            )
        return self.submit(self.org_of(actor), [("register_key", _key_payload(key, None))])[0], key

    def _until(self, valid_until: str | None) -> str | None:
        if valid_until is None:
            return None
        try:
            end = format_utc(parse_utc(valid_until))
        except ValueError as exc:
            raise MalformedError(FieldProblem("/valid_until", str(exc))) from None
        if end <= format_utc(self.clock()):
            raise MalformedError(FieldProblem("/valid_until", f"{valid_until} is not in the future"))
        return end

    def revoke_key(self, actor: str, key_id: str, reason: str) -> Appended:
        """Revoke an actor's key: it signs no record after this one; what it signed before stays verifiable."""
        if not reason.strip():
            raise MalformedError(FieldProblem("/reason", "say why the key is revoked"))
        return self.submit(self.org_of(actor), [("revoke_key", {"actor": actor, "key_id": key_id, "reason": reason})])[
            0
        ]

    def change(self, org_id: str, kind: str, payload: Mapping[str, Any]) -> Appended:
        """One membership change (``grant_role``, ``withdraw_role``, ``suspend``, ``reinstate``)."""
        return self.submit(org_id, [(kind, payload)])[0]

    def org_of(self, actor: str) -> str:
        org = self.store.read(lambda repo: repo.membership.org_ids_of([actor]).get(actor))
        if org is None:
            raise NotFoundError(f"actor {actor!r} is a member of no registered organisation")
        return org

    def organisation(self, org_id: str) -> Organisation:
        found = self.store.read(lambda repo: repo.membership.organisations([org_id]))
        if org_id not in found:
            raise NotFoundError(f"no organisation {org_id!r} is registered")
        return Organisation.from_json(found[org_id])

    def organisations(self) -> list[Organisation]:
        rows = self.store.read(lambda repo: repo.membership.all_organisations())
        return [Organisation.from_json(text) for text in rows.values()]


def _actor_payload(actor: NewActor) -> dict[str, Any]:
    payload: dict[str, Any] = {"actor": actor.key.name, "kind": actor.kind}
    if actor.name:
        payload["name"] = actor.name
    return payload


def _key_payload(key: VerifierKey, valid_until: str | None) -> dict[str, Any]:
    payload: dict[str, Any] = {"actor": key.name, "key": key.text()}
    if valid_until is not None:
        payload["valid_until"] = valid_until
    return payload
