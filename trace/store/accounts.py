"""The accounts repository: people's accounts, sessions, API tokens and server-held keys, over the unit of
work's connection (the same transaction as :class:`LedgerRepository`'s, see :meth:`AccountRepository.of`).

None of these tables is ledger data: the use cases write them with ``append_lock=False``. The caller owns the
transaction; this class never commits.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, Select, func, select, update

from .repository import LedgerRepository
from .tables import accounts, api_tokens, held_keys, sessions


@dataclass(frozen=True)
class StoredAccount:
    login: str
    actor: str
    password_hash: str
    created_at: str
    disabled_at: str | None


@dataclass(frozen=True)
class StoredSession:
    """A session row with its account's actor and whether that account is disabled."""

    token_hash: bytes
    login: str
    actor: str
    created_at: str
    expires_at: str
    csrf_hash: bytes
    revoked_at: str | None
    account_disabled_at: str | None


@dataclass(frozen=True)
class StoredAccountState:
    """An account as the operator lists it: without its password hash, with its live sessions counted."""

    login: str
    actor: str
    created_at: str
    disabled_at: str | None
    live_sessions: int


@dataclass(frozen=True)
class StoredToken:
    """A token row; ``issued_by`` is the account whose session issued it (None: the operator's, for the actor),
    ``issuer_disabled_at`` whether that account is disabled."""

    token_id: str
    secret_hash: bytes
    actor: str
    permissions: tuple[str, ...]
    label: str
    created_at: str
    expires_at: str
    revoked_at: str | None
    issued_by: str | None = None
    issuer_disabled_at: str | None = None


@dataclass(frozen=True)
class StoredHeldKey:
    actor: str
    key_id: str
    nonce: bytes
    ciphertext: bytes
    created_at: str


def _bytes(value: object) -> bytes:
    """Column bytes: a memoryview on PostgreSQL, bytes on SQLite."""
    return bytes(value) if isinstance(value, bytes | memoryview | bytearray) else b""


class AccountRepository:
    """Reads and writes account, session, token and held-key rows on ``connection``."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    @classmethod
    def of(cls, unit: LedgerRepository) -> AccountRepository:
        """The accounts repository over the same connection (and so the same transaction) as ``unit``."""
        return cls(unit.connection)

    # -- accounts ------------------------------------------------------------------

    def account(self, login: str) -> StoredAccount | None:
        row = self.connection.execute(select(accounts).where(accounts.c.login == login)).first()
        if row is None:
            return None
        return StoredAccount(row.login, row.actor, row.password_hash, row.created_at, row.disabled_at)

    def add_account(self, login: str, actor: str, password_hash: str, created_at: str) -> None:
        self.connection.execute(
            accounts.insert(),
            {"login": login, "actor": actor, "password_hash": password_hash, "created_at": created_at},
        )

    def set_password_hash(self, login: str, password_hash: str) -> None:
        self.connection.execute(update(accounts).where(accounts.c.login == login).values(password_hash=password_hash))

    def replace_password_hash(self, login: str, seen: str, password_hash: str) -> bool:
        """Set the hash to ``password_hash`` only if it is still ``seen`` and the account is not disabled: False
        if either changed since it was read (a password change, a reset, a disable that committed meanwhile).
        The row stays locked until the transaction ends (on PostgreSQL a concurrent change waits, then finds
        its condition false)."""
        done = self.connection.execute(
            update(accounts)
            .where((accounts.c.login == login) & (accounts.c.password_hash == seen) & accounts.c.disabled_at.is_(None))
            .values(password_hash=password_hash)
        )
        return bool(done.rowcount)

    def set_disabled(self, login: str, at: str | None) -> None:
        """Disable the account from ``at`` on (None: enable it again)."""
        self.connection.execute(update(accounts).where(accounts.c.login == login).values(disabled_at=at))

    def account_states(self, now: str) -> list[StoredAccountState]:
        """Every account by login, with the number of its sessions live at ``now``."""
        live = (
            select(sessions.c.login, func.count().label("live"))
            .where(sessions.c.revoked_at.is_(None) & (sessions.c.expires_at > now))
            .group_by(sessions.c.login)
            .subquery()
        )
        query = (
            select(accounts.c.login, accounts.c.actor, accounts.c.created_at, accounts.c.disabled_at, live.c.live)
            .outerjoin(live, live.c.login == accounts.c.login)
            .order_by(accounts.c.login)
        )
        return [
            StoredAccountState(r.login, r.actor, r.created_at, r.disabled_at, int(r.live or 0))
            for r in self.connection.execute(query)
        ]

    # -- sessions ------------------------------------------------------------------

    def add_session(self, token_hash: bytes, login: str, created_at: str, expires_at: str, csrf_hash: bytes) -> None:
        self.connection.execute(
            sessions.insert(),
            {
                "token_hash": token_hash,
                "login": login,
                "created_at": created_at,
                "expires_at": expires_at,
                "csrf_hash": csrf_hash,
            },
        )

    def session(self, token_hash: bytes) -> StoredSession | None:
        query = (
            select(sessions, accounts.c.actor, accounts.c.disabled_at)
            .join(accounts, accounts.c.login == sessions.c.login)
            .where(sessions.c.token_hash == token_hash)
        )
        row = self.connection.execute(query).first()
        if row is None:
            return None
        return StoredSession(
            _bytes(row.token_hash),
            row.login,
            row.actor,
            row.created_at,
            row.expires_at,
            _bytes(row.csrf_hash),
            row.revoked_at,
            row.disabled_at,
        )

    def revoke_session(self, token_hash: bytes, at: str) -> bool:
        """End a session now; False if there was no such live session."""
        done = self.connection.execute(
            update(sessions)
            .where((sessions.c.token_hash == token_hash) & sessions.c.revoked_at.is_(None))
            .values(revoked_at=at)
        )
        return bool(done.rowcount)

    def revoke_sessions(self, login: str, at: str) -> int:
        """End every session of the account not ended yet; how many. Expired ones too: another server's clock
        may be behind this one's."""
        done = self.connection.execute(
            update(sessions).where((sessions.c.login == login) & sessions.c.revoked_at.is_(None)).values(revoked_at=at)
        )
        return int(done.rowcount)

    def live_sessions(self, login: str, now: str) -> list[StoredSession]:
        """The account's sessions live at ``now``, newest first."""
        query = (
            select(sessions, accounts.c.actor, accounts.c.disabled_at)
            .join(accounts, accounts.c.login == sessions.c.login)
            .where((sessions.c.login == login) & sessions.c.revoked_at.is_(None) & (sessions.c.expires_at > now))
            .order_by(sessions.c.created_at.desc(), sessions.c.expires_at.desc())
        )
        return [
            StoredSession(
                _bytes(r.token_hash),
                r.login,
                r.actor,
                r.created_at,
                r.expires_at,
                _bytes(r.csrf_hash),
                r.revoked_at,
                r.disabled_at,
            )
            for r in self.connection.execute(query)
        ]

    def drop_expired_sessions(self, login: str, now: str) -> None:
        """Forget the account's sessions that have expired (times are fixed-width RFC 3339: text order)."""
        self.connection.execute(sessions.delete().where((sessions.c.login == login) & (sessions.c.expires_at <= now)))

    # -- API tokens ----------------------------------------------------------------

    def add_token(
        self,
        token_id: str,
        secret_hash: bytes,
        actor: str,
        permissions: Sequence[str],
        label: str,
        created_at: str,
        expires_at: str,
        issued_by: str | None = None,
    ) -> None:
        self.connection.execute(
            api_tokens.insert(),
            {
                "token_id": token_id,
                "secret_hash": secret_hash,
                "actor": actor,
                "permissions": json.dumps(list(permissions)),
                "label": label,
                "created_at": created_at,
                "expires_at": expires_at,
                "issued_by": issued_by,
            },
        )

    def _tokens(self) -> Select[Any]:
        """Token rows with their issuing account's ``disabled_at`` (None also for a token without an issuer)."""
        issuer = accounts.c.login == api_tokens.c.issued_by
        return select(api_tokens, accounts.c.disabled_at).outerjoin(accounts, issuer)

    @staticmethod
    def _stored_token(row: Row[Any]) -> StoredToken:
        return StoredToken(
            row.token_id,
            _bytes(row.secret_hash),
            row.actor,
            tuple(json.loads(row.permissions)),
            row.label,
            row.created_at,
            row.expires_at,
            row.revoked_at,
            row.issued_by,
            row.disabled_at,
        )

    def token(self, token_id: str) -> StoredToken | None:
        """The token with its issuing account's state."""
        row = self.connection.execute(self._tokens().where(api_tokens.c.token_id == token_id)).first()
        return None if row is None else self._stored_token(row)

    def live_tokens(self, actor: str, now: str) -> list[StoredToken]:
        """The actor's tokens neither revoked nor expired at ``now`` (by whomever issued), oldest first."""
        query = (
            self._tokens()
            .where((api_tokens.c.actor == actor) & api_tokens.c.revoked_at.is_(None) & (api_tokens.c.expires_at > now))
            .order_by(api_tokens.c.created_at, api_tokens.c.token_id)
        )
        return [self._stored_token(r) for r in self.connection.execute(query)]

    def revoke_tokens_issued_by(self, login: str, at: str) -> int:
        """Revoke every unrevoked token the account's sessions issued (expired ones too); how many."""
        done = self.connection.execute(
            update(api_tokens)
            .where((api_tokens.c.issued_by == login) & api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=at)
        )
        return int(done.rowcount)

    def revoke_token(self, token_id: str, at: str) -> bool:
        """Revoke a token now; False if there was no such unrevoked token."""
        done = self.connection.execute(
            update(api_tokens)
            .where((api_tokens.c.token_id == token_id) & api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=at)
        )
        return bool(done.rowcount)

    # -- server-held keys ----------------------------------------------------------

    def add_held_key(self, actor: str, key_id: str, nonce: bytes, ciphertext: bytes, created_at: str) -> None:
        self.connection.execute(
            held_keys.insert(),
            {"actor": actor, "key_id": key_id, "nonce": nonce, "ciphertext": ciphertext, "created_at": created_at},
        )

    def held_keys(self, actor: str) -> list[StoredHeldKey]:
        """The actor's held keys, newest first."""
        query = (
            select(held_keys)
            .where(held_keys.c.actor == actor)
            .order_by(held_keys.c.created_at.desc(), held_keys.c.key_id)
        )
        return [
            StoredHeldKey(r.actor, r.key_id, _bytes(r.nonce), _bytes(r.ciphertext), r.created_at)
            for r in self.connection.execute(query)
        ]
