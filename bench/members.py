"""The benches' members: their actors enrolled through membership events signed by the benches' operator."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ginseng_trace.chain.keys import SignerKey
from ginseng_trace.service import NewActor, Services

OPERATOR = SignerKey("operator", bytes(range(100, 132)))
"""The benches' operator: the trust anchor that enrols their actors."""
PREFIXES = list("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
GS1 = ["6975123"]
LAB_NAME = "吉林省中药材检测中心"
"""The GS1 company prefix of the benches' GTINs (the demo's, 069751234000xx)."""


def enrol_all(
    ledger: Services,
    keys: Iterable[SignerKey],
    roles_of: Callable[[str], list[str]],
    prefixes_of: Callable[[str], list[str]] = lambda _name: PREFIXES,
    gs1_of: Callable[[str], list[str]] = lambda _name: GS1,
) -> None:
    """Enrol each key's actor as an organisation of its own (roles from ``roles_of``; lot-id and GS1 prefixes
    from ``prefixes_of`` and ``gs1_of``, by default every lot id and the benches' GTINs: organisations'
    identifier spaces are disjoint, so a bench with several creators gives each its own), through membership
    events signed by the ledger's operator."""
    for key in keys:
        roles = roles_of(key.name)
        name = LAB_NAME if "lab" in roles else key.name  # a lab's tests carry its registered name
        ledger.membership.enrol(
            key.name,
            name,
            roles,
            prefixes_of(key.name),
            [NewActor(key.verifier())],
            gs1_company_prefixes=gs1_of(key.name),
        )
