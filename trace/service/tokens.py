"""API tokens: long-lived credentials for programs acting as one actor with named permissions.

A token's text is ``gt_<id>_<secret>``: ``id`` is 16 hex digits (the row's key, safe to log and to name in a
revocation), ``secret`` is ``secrets.token_urlsafe(32)`` (256 random bits). Only the SHA-256 of the secret
is stored, so the text is shown once, when issued, and a copy of the database grants nothing. Checking a
token compares digests with :func:`hmac.compare_digest`.

A token belongs to an actor, not to an account: several accounts may act as one actor, and the operator
issues tokens for actors that have none (``ginseng-trace admin token issue``). A token issued from a
session records the account (``issued_by``); disabling that account revokes it, and a token whose issuing
account is disabled is refused even if it was somehow not revoked. The operator's tokens have no issuer:
they stop when revoked, or when they expire.
"""

from __future__ import annotations

import hmac
import re
import secrets
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..chain.errors import FieldProblem, MalformedError
from ..chain.times import format_utc
from ..store import AccountRepository, LedgerRepository, Store
from .credentials import Permission, Principal, check_actor, digest, parse_permissions
from .errors import BadCredentialsError, MissingCredentialsError, NotFoundError, WrongScopeError

TOKEN = re.compile(r"gt_([0-9a-f]{16})_([A-Za-z0-9_-]{43})")
MAX_LIFETIME = timedelta(days=366)
MAX_LABEL = 200
TOKEN_REFUSED = "the token is unknown, expired or revoked"  # noqa: S105 - a message, not a password


@dataclass(frozen=True)
class TokenGrant:
    """What a checked token grants."""

    token_id: str
    actor: str
    permissions: tuple[Permission, ...]
    expires_at: str

    @property
    def principal(self) -> Principal:
        return Principal(self.actor, self.permissions, "token", self.token_id)


@dataclass(frozen=True)
class TokenInfo:
    """A live token as the operator lists it (never its secret or hash); ``issued_by`` is the account whose
    session issued it, empty for the operator's."""

    token_id: str
    actor: str
    permissions: tuple[str, ...]
    label: str
    created_at: str
    expires_at: str
    issued_by: str


class ApiTokens:
    """Issuing, checking and revoking API tokens."""

    def __init__(self, store: Store, *, clock: Callable[[], datetime]) -> None:
        self.store = store
        self.clock = clock

    def issue(
        self,
        actor: str,
        permissions: Iterable[object],
        expires_in: timedelta,
        label: str = "",
        *,
        within: Collection[Permission] | None = None,
        issued_by: str | None = None,
    ) -> tuple[str, str]:
        """A new token for ``actor``: ``(token_id, token text)``. The text is not kept: show it once. With
        ``within`` (what the issuing session may do), a permission beyond it is refused
        (:class:`WrongScopeError`); ``issued_by`` is the issuing session's account (None: the operator)."""
        check_actor(actor)
        granted = parse_permissions(permissions)
        beyond = [p for p in granted if within is not None and p not in within]
        if beyond:
            raise WrongScopeError(beyond[0].value)
        if not timedelta(0) < expires_in <= MAX_LIFETIME:
            rule = f"a token lives more than 0 and at most {MAX_LIFETIME.days} days"
            raise MalformedError(FieldProblem("/days", rule))
        if not isinstance(label, str) or len(label) > MAX_LABEL:
            raise MalformedError(FieldProblem("/label", f"a label is text of at most {MAX_LABEL} characters"))
        token_id = secrets.token_hex(8)
        secret = secrets.token_urlsafe(32)
        now = self.clock()

        def add(unit: LedgerRepository) -> None:
            AccountRepository.of(unit).add_token(
                token_id,
                digest(secret),
                actor,
                [p.value for p in granted],
                label,
                format_utc(now),
                format_utc(now + expires_in),
                issued_by,
            )

        self.store.write(add, append_lock=False)
        return token_id, f"gt_{token_id}_{secret}"

    def check(self, text: str | None, needed: Permission | None) -> TokenGrant:
        """The grant of the token ``text`` if it may do ``needed``. Raises :class:`MissingCredentialsError`
        (none, or not a token's form), :class:`BadCredentialsError` (unknown, expired, revoked, or issued by a
        disabled account: one answer for all) or :class:`WrongScopeError` (a good token without the
        permission; None needs none)."""
        if not text:
            raise MissingCredentialsError("this needs an API token (Authorization: Bearer gt_...) or a session")
        match = TOKEN.fullmatch(text)
        if match is None:
            raise MissingCredentialsError("the credential is not an API token of the form gt_<id>_<secret>")
        token_id, secret = match.groups()
        row = self.store.read(lambda unit: AccountRepository.of(unit).token(token_id))
        presented = digest(secret)
        stored = row.secret_hash if row is not None else bytes(32)
        if not hmac.compare_digest(presented, stored) or row is None:
            raise BadCredentialsError(TOKEN_REFUSED)
        if row.revoked_at is not None or row.expires_at <= format_utc(self.clock()):
            raise BadCredentialsError(TOKEN_REFUSED)
        if row.issuer_disabled_at is not None:  # revoked at the disable; refused all the same
            raise BadCredentialsError(TOKEN_REFUSED)
        grant = TokenGrant(row.token_id, row.actor, tuple(Permission(p) for p in row.permissions), row.expires_at)
        if needed is not None and not grant.principal.allows(needed):
            raise WrongScopeError(needed.value)
        return grant

    def revoke(self, token_id: str, *, actor: str | None = None) -> None:
        """Revoke a token from now on (only one of ``actor``'s, if given). Raises :class:`NotFoundError` if
        there is no such unrevoked token."""

        def revoke(unit: LedgerRepository) -> bool:
            repo = AccountRepository.of(unit)
            row = repo.token(token_id)
            if row is None or (actor is not None and row.actor != actor):
                return False
            return repo.revoke_token(token_id, format_utc(self.clock()))

        if not self.store.write(revoke, append_lock=False):
            raise NotFoundError(f"no unrevoked token {token_id!r}" + (f" of {actor}" if actor else ""))

    def live(self, actor: str) -> list[TokenInfo]:
        """The actor's tokens neither revoked nor expired, oldest first, whoever issued them."""
        check_actor(actor)
        now = format_utc(self.clock())
        rows = self.store.read(lambda unit: AccountRepository.of(unit).live_tokens(actor, now))
        return [
            TokenInfo(r.token_id, r.actor, r.permissions, r.label, r.created_at, r.expires_at, r.issued_by or "")
            for r in rows
            if r.issuer_disabled_at is None
        ]
