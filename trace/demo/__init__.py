"""A realistic demo data set, at the trade's real magnitudes (``docs/DOMAIN.md`` §Demo data): two garden
growers and two forest growers, a 西洋参 garden, a multi-year crop with field work and several fungicide sprays a
season, harvests, a red-ginseng batch merged from two harvests, slices (饮片) cut from it, quality tests, packaging
into serialised units, shipping, storage and sale; and the cases each rule needs: a suspicious forest lot, a
recalled harvest whose boxes are on a shop's shelf, a batch waiting for its test.

Rooms: ``actors`` (organisations and their keys), ``story`` (how a story is written down), one module a story
(``gardens``, ``forest``, ``works``, ``recall``, ``quinquefolius``, ``slices``; ``fungicides`` the products the
gardens spray), ``loading`` (signing, loading, the manifest), ``accounts`` (an account a demo actor, for the
workplace page).

The demo actors' keys are derived from their names, so every run produces the same keys and the same events:
they are published demo keys and must never sign anything real.
"""

from __future__ import annotations

from .accounts import DEMO_PASSWORD, open_demo_accounts
from .actors import ACTORS, DEMO_SEED_PREFIX, MEMBERSHIP_AT, DemoActor
from .loading import LOTS, MEMBERSHIP_EVENTS_PER_ACTOR, PACKAGING_RUNS, _events, demo_events, load_demo, manifest
from .works import GTIN_250G, UNITS

__all__ = [
    "ACTORS",
    "DEMO_PASSWORD",
    "DEMO_SEED_PREFIX",
    "GTIN_250G",
    "LOTS",
    "MEMBERSHIP_AT",
    "MEMBERSHIP_EVENTS_PER_ACTOR",
    "PACKAGING_RUNS",
    "UNITS",
    "DemoActor",
    "_events",
    "demo_events",
    "load_demo",
    "manifest",
    "open_demo_accounts",
]
