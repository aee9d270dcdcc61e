"""The demo's events signed by their actors, loading them into a ledger, and the manifest that describes them."""

from __future__ import annotations

from typing import Any

from ..chain.records import Event, SignedEvent, sign_event
from ..events.catalogue import private_fields
from ..service import NewActor, Services
from . import forest, gardens, quinquefolius, recall, slices, works
from .actors import ACTORS, BY_NAME, MEMBERSHIP_AT
from .story import Recorded

STORIES = (
    gardens.fusong,
    gardens.jian,
    forest.jingyu,
    forest.linjiang,
    works.red_ginseng,
    recall.recalled_harvest,
    quinquefolius.american_ginseng,
    slices.red_ginseng_slices,
)
"""The stories in the order they are recorded (each after the stories whose lots it takes)."""

LOTS: dict[str, dict[str, str]] = {
    **gardens.LOTS,
    **forest.LOTS,
    **works.LOTS,
    **recall.LOTS,
    **quinquefolius.LOTS,
    **slices.LOTS,
}
"""Every lot of the demo: its kind, product and county."""

PACKAGING_RUNS = ((works.GTIN_250G, works.BOXES, works.UNITS), (recall.GTIN_SUN_DRIED_250G, recall.BOXES, recall.UNITS))
"""(GTIN, lot, units) of each run of serialised boxes."""


def _events() -> list[Recorded]:
    """(actor, event without actor/key_id) in the order they are recorded."""
    return [recorded for story in STORIES for recorded in story()]


def demo_events() -> list[SignedEvent]:
    """The demo's events, signed by their actors (deterministic)."""
    signed: list[SignedEvent] = []
    for actor_name, body in _events():
        key = BY_NAME[actor_name].key
        event = Event.from_json({**body, "actor": actor_name, "key_id": key.verifier().key_id_hex})
        signed.append(sign_event(event, key, private=private_fields(event.type)))
    return signed


MEMBERSHIP_EVENTS_PER_ACTOR = 3
"""Each organisation's registration, its actor and the actor's key."""


def load_demo(ledger: Services) -> dict[str, Any]:
    """Enrol the demo organisations with their roles and keys through membership events signed by the
    ledger's operator, append the demo events (idempotent), and return the manifest."""
    results = []
    for actor in ACTORS:
        results += ledger.membership.enrol(
            actor.name,
            actor.organisation,
            [actor.role],
            actor.lot_prefixes,
            [NewActor(actor.key.verifier(), kind="person")],
            gs1_company_prefixes=actor.gs1_company_prefixes,
            county=actor.county,
            county_code=actor.county_code,
            accreditations=actor.accreditations,
            event_ids=[f"demo-org-{actor.name}-{n}" for n in range(1, MEMBERSHIP_EVENTS_PER_ACTOR + 1)],
            occurred_at=MEMBERSHIP_AT,
        )
    results += ledger.events.append_batch(demo_events())
    if ledger.log_signer is not None:  # the demo's lots are logged at once: their pages and bundles open
        ledger.checkpointer.publish()
    return manifest(
        created=sum(r.created for r in results), heads={r.record.event["lot_id"]: r.record.record_hash for r in results}
    )


def manifest(*, created: int, heads: dict[str, str]) -> dict[str, Any]:
    return {
        "about": "Ginseng Trace demo data set; the actors' signer keys are public demo keys, never use them for real",
        "events_created": created,
        "lots": [{"lot_id": lot, **info, "head": heads.get(lot)} for lot, info in LOTS.items()],
        "packaged_units": [
            {"gtin": gtin, "lot": lot, "serial": f"{n:04d}"}
            for gtin, lot, units in PACKAGING_RUNS
            for n in range(1, units + 1)
        ],
        "actors": [
            {
                "actor": a.name,
                "role": a.role,
                "organisation": a.organisation,
                "verifier_key": a.key.verifier().text(),
                "signer_key": a.key.text(),
            }
            for a in ACTORS
        ],
    }
