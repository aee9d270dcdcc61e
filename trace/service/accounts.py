"""Accounts and sessions: a person logs in with a login name and a password and acts as one actor.

Passwords are kept as argon2id hashes (argon2-cffi's ``PasswordHasher``, RFC 9106 parameters); a login for a
name that does not exist verifies the password against a dummy hash all the same, so that the answer takes
as long and says the same as for a wrong password. A hash made with older parameters is replaced at the next
successful login. A session is 32 random bytes (the ``gt_session`` cookie, base64url); the database keeps
only their SHA-256, and the SHA-256 of the session's CSRF token. None of this is ledger data: every write
here runs without the append lock.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ..chain.errors import FieldProblem, MalformedError
from ..chain.times import format_utc
from ..store import AccountRepository, LedgerRepository, Store
from .credentials import SESSION_PERMISSIONS, Principal, check_actor, digest
from .errors import BadCredentialsError, ConflictError

LOGIN = re.compile(r"[a-z0-9][a-z0-9._@-]{0,63}")
LOGIN_RULE = "1-64 characters of a-z 0-9 . _ @ - starting with a letter or digit"
MIN_PASSWORD = 12
MAX_PASSWORD = 1024
LOGIN_FAILED = "the login name or the password is wrong"
"""The one answer to every failed login: it never says whether the login exists."""


@dataclass(frozen=True)
class Account:
    login: str
    actor: str
    created_at: str


@dataclass(frozen=True)
class Session:
    """A live session. ``token`` and ``csrf_token`` are set only on the session :meth:`Accounts.login`
    returns (they are stored as hashes and cannot be read back)."""

    login: str
    actor: str
    created_at: str
    expires_at: str
    token: str = field(default="", repr=False)
    csrf_token: str = field(default="", repr=False)
    csrf_hash: bytes = field(default=b"", repr=False)

    @property
    def principal(self) -> Principal:
        return Principal(self.actor, SESSION_PERMISSIONS, "session")

    def csrf_matches(self, text: str | None) -> bool:
        """True when ``text`` is this session's CSRF token (compared in constant time)."""
        return bool(text) and hmac.compare_digest(digest(text or ""), self.csrf_hash)


def _token_bytes(text: str) -> bytes | None:
    """The 32 bytes of a session token's text, or None if it is not one."""
    if not text or len(text) != 43:
        return None
    try:
        raw = base64.urlsafe_b64decode(text + "=")
    except (binascii.Error, ValueError):
        return None
    return raw if len(raw) == 32 else None


class Accounts:
    """Creating accounts, logging in and out, and finding a request's session."""

    def __init__(
        self,
        store: Store,
        *,
        clock: Callable[[], datetime],
        session_hours: float = 12,
        hasher: PasswordHasher | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.session_length = timedelta(hours=session_hours)
        self.hasher = hasher or PasswordHasher()  # argon2id

    @cached_property
    def _dummy_hash(self) -> str:
        """What an unknown login's password is verified against: same parameters, so same time."""
        return self.hasher.hash(secrets.token_urlsafe(16))

    def create(self, login: str, actor: str, password: str) -> Account:
        """A new account ``login`` acting as ``actor``."""
        if not isinstance(login, str) or not LOGIN.fullmatch(login):
            raise MalformedError(FieldProblem("/login", LOGIN_RULE))
        check_actor(actor)
        if not isinstance(password, str) or not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
            rule = f"a password has {MIN_PASSWORD} to {MAX_PASSWORD} characters"
            raise MalformedError(FieldProblem("/password", rule))
        hashed = self.hasher.hash(password)
        now = format_utc(self.clock())

        def add(unit: LedgerRepository) -> Account:
            repo = AccountRepository.of(unit)
            if repo.account(login) is not None:
                raise ConflictError("/login", f"the login {login!r} is taken")
            repo.add_account(login, actor, hashed, now)
            return Account(login, actor, now)

        return self.store.write(add, append_lock=False)

    def login(self, login: str, password: str) -> Session:
        """A new session for ``login`` if ``password`` is its password; otherwise
        :class:`BadCredentialsError`, the same for an unknown login, a disabled account and a wrong password."""
        if not isinstance(login, str) or not isinstance(password, str) or len(password) > MAX_PASSWORD:
            raise BadCredentialsError(LOGIN_FAILED)
        found = (
            self.store.read(lambda unit: AccountRepository.of(unit).account(login)) if LOGIN.fullmatch(login) else None
        )
        try:
            self.hasher.verify(found.password_hash if found is not None else self._dummy_hash, password)
        except (VerificationError, InvalidHashError):
            raise BadCredentialsError(LOGIN_FAILED) from None
        if found is None or found.disabled_at is not None:
            raise BadCredentialsError(LOGIN_FAILED)
        rehashed = self.hasher.hash(password) if self.hasher.check_needs_rehash(found.password_hash) else None
        raw = secrets.token_bytes(32)
        token = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
        csrf = secrets.token_urlsafe(32)
        now = self.clock()
        session = Session(
            found.login,
            found.actor,
            format_utc(now),
            format_utc(now + self.session_length),
            token=token,
            csrf_token=csrf,
            csrf_hash=digest(csrf),
        )

        def start(unit: LedgerRepository) -> None:
            repo = AccountRepository.of(unit)
            repo.drop_expired_sessions(found.login, session.created_at)
            repo.add_session(digest(raw), found.login, session.created_at, session.expires_at, session.csrf_hash)
            if rehashed is not None:
                repo.set_password_hash(found.login, rehashed)

        self.store.write(start, append_lock=False)
        return session

    def session(self, token: str) -> Session | None:
        """The live session whose cookie is ``token``; None for anything else (unknown, expired, logged out,
        its account disabled, or not a token at all)."""
        raw = _token_bytes(token)
        if raw is None:
            return None
        row = self.store.read(lambda unit: AccountRepository.of(unit).session(digest(raw)))
        if row is None or row.revoked_at is not None or row.account_disabled_at is not None:
            return None
        if row.expires_at <= format_utc(self.clock()):  # fixed-width RFC 3339: text order is time order
            return None
        return Session(row.login, row.actor, row.created_at, row.expires_at, csrf_hash=row.csrf_hash)

    def logout(self, token: str) -> bool:
        """End the session ``token``; False if it was not a live session."""
        raw = _token_bytes(token)
        if raw is None:
            return False
        now = format_utc(self.clock())
        return self.store.write(
            lambda unit: AccountRepository.of(unit).revoke_session(digest(raw), now), append_lock=False
        )
