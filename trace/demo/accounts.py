"""The demo's accounts: one a demo actor, so that a new user can sign in to the workplace page (``/app``) as
each demo role. The login is the actor's name and the password is :data:`DEMO_PASSWORD`, published like the
demo keys: never on a ledger holding anything real. When the service holds keys (``TRACE_KEY_ENCRYPTION_KEY``
set; ``./scripts/serve`` makes one for the demo), each demo actor's published key is held for it too, so that
the accounts can record from the app. Accounts are not ledger data: opening them appends nothing."""

from __future__ import annotations

from contextlib import suppress

from ..service import Services
from ..service.errors import ConflictError
from .actors import ACTORS

DEMO_PASSWORD = "ginseng-trace-demo"  # noqa: S105 - published, as the demo keys are
"""Every demo account's password (public, as the demo keys are)."""


def open_demo_accounts(ledger: Services) -> list[tuple[str, str]]:
    """Open each demo actor's account (and hold its key, when the service holds keys) unless already open;
    return ``(login, role)`` of every demo account. Idempotent."""
    found = []
    for actor in ACTORS:
        with suppress(ConflictError):  # opened before
            ledger.accounts.create(actor.name, actor.name, DEMO_PASSWORD)
        if ledger.held_keys.enabled and not ledger.held_keys.holds(actor.name, actor.key.verifier().key_id_hex):
            ledger.held_keys.hold(actor.key)
        found.append((actor.name, actor.role))
    return found
