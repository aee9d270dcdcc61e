"""What accounts, tokens and held keys share: the permissions, actor ids, and who a request is.

Permissions (``Permission``) are a small closed set; ``admin`` covers every other one.

==================  ============================================================================
``events:write``    submit events as the credential's actor (``POST /api/v1/me/events``)
``private:read``    reads by role with a token: private members, findings, scan signals (``service.reads``)
``audit:read``      read the audit trail with a token (``GET /api/v1/audit``; regulators only)
``admin``           everything above, and administration
==================  ============================================================================
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from ..chain.errors import FieldProblem, MalformedError

ACTOR = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
"""An actor id, as events name it (``Event.actor``)."""


class Permission(StrEnum):
    EVENTS_WRITE = "events:write"
    PRIVATE_READ = "private:read"
    AUDIT_READ = "audit:read"
    ADMIN = "admin"


SESSION_PERMISSIONS: tuple[Permission, ...] = (Permission.EVENTS_WRITE,)
"""What a logged-in person may do as their actor (roles, built apart as ledger events, will widen this);
also the most a token issued from a session may carry."""


def check_actor(actor: str, pointer: str = "/actor") -> str:
    if not isinstance(actor, str) or not ACTOR.fullmatch(actor):
        raise MalformedError(FieldProblem(pointer, "1-64 characters of a-z 0-9 . _ - starting with a letter or digit"))
    return actor


def parse_permissions(names: Iterable[object], pointer: str = "/permissions") -> tuple[Permission, ...]:
    """Known permission names, each once, in a stable order; an unknown name is refused by its position."""
    found: set[Permission] = set()
    known = {p.value: p for p in Permission}
    for i, name in enumerate(names):
        if not isinstance(name, str) or name not in known:
            problem = FieldProblem(f"{pointer}/{i}", f"unknown permission {name!r} (known: {', '.join(known)})")
            raise MalformedError(problem)
        found.add(known[name])
    if not found:
        raise MalformedError(FieldProblem(pointer, "name at least one permission"))
    return tuple(p for p in Permission if p in found)


def digest(secret: str | bytes) -> bytes:
    """SHA-256 of a secret as stored (the secret itself never is)."""
    return hashlib.sha256(secret.encode() if isinstance(secret, str) else secret).digest()


@dataclass(frozen=True)
class Principal:
    """Who is asking, and what they may do: from a session or a token."""

    actor: str
    permissions: tuple[Permission, ...]
    via: str  # "session" or "token"
    credential_id: str = ""  # the token id (empty for a session)

    def allows(self, needed: Permission) -> bool:
        return needed in self.permissions or Permission.ADMIN in self.permissions
