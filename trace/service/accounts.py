"""Accounts and sessions: a person logs in with a login name and a password and acts as one actor.

Passwords are kept as argon2id hashes (argon2-cffi's ``PasswordHasher``, RFC 9106 parameters); a login for a
name that does not exist verifies the password against a dummy hash all the same, so that the answer takes
as long and says the same as for a wrong password. A hash made with older parameters is replaced at the next
successful login. A session is 32 random bytes (the ``gt_session`` cookie, base64url); the database keeps
only their SHA-256, and the SHA-256 of the session's CSRF token. None of this is ledger data: every write
here runs without the append lock.

Disabling an account ends its sessions and revokes the API tokens its sessions issued, at once and for good:
enabling it again lets it log in, nothing more. Changing a password (the person, who gives the current one)
or resetting it (the operator) ends every session of the account; the person's own session is replaced by a
new one (a new cookie and CSRF token), so that a copy of the old cookie stops too. API tokens outlive a
password change: they are credentials of their own, revoked one by one or by disabling the account.

Each write that follows a password check re-checks, in its transaction, that the hash it checked is still the
account's and the account still enabled (``AccountRepository.replace_password_hash``): a login racing a
password change or a disable opens no session the change or the disable would not have ended.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
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
from ..store import AccountRepository, LedgerRepository, Store, StoredAccount
from .credentials import SESSION_PERMISSIONS, Principal, check_actor, digest
from .errors import BadCredentialsError, ConflictError, NotFoundError, WrongPasswordError

LOGIN = re.compile(r"[a-z0-9][a-z0-9._@-]{0,63}")
LOGIN_RULE = "1-64 characters of a-z 0-9 . _ @ - starting with a letter or digit"
MIN_PASSWORD = 12
MAX_PASSWORD = 1024
LOGIN_FAILED = "the login name or the password is wrong"
"""The one answer to every failed login: it never says whether the login exists."""
SESSION_ENDED = "the session is unknown, expired or ended: log in again"
"""The one answer to a session cookie that does not hold."""
PASSWORD_RULE = f"a password has {MIN_PASSWORD} to {MAX_PASSWORD} characters"


CSRF_CONTEXT = b"ginseng-trace csrf v1"


def csrf_of(token: str) -> str:
    """A session's CSRF token: HMAC-SHA256 of a fixed context under the session token (OWASP's HMAC-based
    synchronizer token), so that any page the server renders for the session can carry it, in every tab,
    without storing it; the session row keeps only its digest, as before. Sessions opened before tokens were
    derived keep their random token (their pages carry none: the person signs in again to record)."""
    mac = hmac.new(token.encode(), CSRF_CONTEXT, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


@dataclass(frozen=True)
class Account:
    login: str
    actor: str
    created_at: str


@dataclass(frozen=True)
class AccountState:
    """An account as the operator sees it (never its password hash)."""

    login: str
    actor: str
    created_at: str
    disabled_at: str | None
    live_sessions: int


@dataclass(frozen=True)
class AccountChange:
    """What disabling, enabling or resetting an account did. ``changed`` is False when it was already so
    (disabling a disabled account, enabling an enabled one); ``other_tokens`` are the ids of the actor's live
    API tokens that this account did not issue (the operator's, or another account's of the same actor),
    which disabling leaves alone."""

    login: str
    actor: str
    disabled_at: str | None
    changed: bool
    sessions_ended: int = 0
    tokens_revoked: int = 0
    other_tokens: tuple[str, ...] = ()


@dataclass(frozen=True)
class SessionInfo:
    """One of an account's live sessions, as its person sees it (no secret, no hash)."""

    created_at: str
    expires_at: str
    current: bool


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


def _check_password(password: object, pointer: str) -> str:
    """``password`` if it meets the policy (the same at creation, change and reset); else refused by field."""
    if not isinstance(password, str) or not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise MalformedError(FieldProblem(pointer, PASSWORD_RULE))
    return password


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
        hashed = self.hasher.hash(_check_password(password, "/password"))
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
        session = self._new_session(found.login, found.actor)

        def start(unit: LedgerRepository) -> None:
            repo = AccountRepository.of(unit)
            if not repo.replace_password_hash(found.login, found.password_hash, rehashed or found.password_hash):
                raise BadCredentialsError(LOGIN_FAILED)  # changed or disabled since the check: as if wrong
            repo.drop_expired_sessions(found.login, session.created_at)
            self._store_session(repo, session)

        self.store.write(start, append_lock=False)
        return session

    def _new_session(self, login: str, actor: str) -> Session:
        """A new session's secrets and times (not stored yet: :meth:`_store_session`)."""
        token = base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()
        csrf = csrf_of(token)
        now = self.clock()
        return Session(
            login,
            actor,
            format_utc(now),
            format_utc(now + self.session_length),
            token=token,
            csrf_token=csrf,
            csrf_hash=digest(csrf),
        )

    @staticmethod
    def _store_session(repo: AccountRepository, session: Session) -> None:
        raw = _token_bytes(session.token)
        assert raw is not None  # noqa: S101 - made by _new_session
        repo.add_session(digest(raw), session.login, session.created_at, session.expires_at, session.csrf_hash)

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

    def csrf_for(self, token: str) -> str | None:
        """The CSRF token of the live session whose cookie is ``token`` (None if there is none), for a page the
        server renders for that session to carry (the cookie is HttpOnly: the page's scripts cannot derive it)."""
        session = self.session(token)
        return csrf_of(token) if session is not None and session.csrf_matches(csrf_of(token)) else None

    def logout(self, token: str) -> bool:
        """End the session ``token``; False if it was not a live session."""
        raw = _token_bytes(token)
        if raw is None:
            return False
        now = format_utc(self.clock())
        return self.store.write(
            lambda unit: AccountRepository.of(unit).revoke_session(digest(raw), now), append_lock=False
        )

    def sessions(self, token: str) -> list[SessionInfo]:
        """The live sessions of the account whose session ``token`` is, newest first, the current one marked;
        :class:`BadCredentialsError` if ``token`` is not a live session."""
        raw = _token_bytes(token)
        current = self.session(token)
        if raw is None or current is None:
            raise BadCredentialsError(SESSION_ENDED)
        now = format_utc(self.clock())
        rows = self.store.read(lambda unit: AccountRepository.of(unit).live_sessions(current.login, now))
        return [SessionInfo(r.created_at, r.expires_at, r.token_hash == digest(raw)) for r in rows]

    def change_password(self, token: str, current_password: object, new_password: object) -> Session:
        """The person of session ``token`` changes their password: ``current_password`` must be it (else
        :class:`WrongPasswordError`, a failed credential), ``new_password`` meets the policy and differs from it.
        Every session of the account ends, this one included; the new session returned replaces this one."""
        if not isinstance(current_password, str):
            raise MalformedError(FieldProblem("/current_password", "must be text"))
        new = _check_password(new_password, "/new_password")
        raw = _token_bytes(token)
        session = self.session(token)
        if raw is None or session is None:
            raise BadCredentialsError(SESSION_ENDED)
        found = self.store.read(lambda unit: AccountRepository.of(unit).account(session.login))
        if found is None:  # pragma: no cover - a live session's account exists (a foreign key)
            raise BadCredentialsError(SESSION_ENDED)
        if not self._verifies(found.password_hash, current_password):
            raise WrongPasswordError("/current_password", "the current password is wrong")
        if new == current_password:
            raise MalformedError(FieldProblem("/new_password", "is the current password: choose another"))
        hashed = self.hasher.hash(new)
        renewed = self._new_session(found.login, found.actor)

        def change(unit: LedgerRepository) -> None:
            repo = AccountRepository.of(unit)
            if not repo.replace_password_hash(found.login, found.password_hash, hashed):
                raise BadCredentialsError(SESSION_ENDED)  # changed, reset or disabled meanwhile: it ended this
            if not repo.revoke_session(digest(raw), renewed.created_at):
                raise BadCredentialsError(SESSION_ENDED)  # logged out meanwhile
            repo.revoke_sessions(found.login, renewed.created_at)
            self._store_session(repo, renewed)

        self.store.write(change, append_lock=False)
        return renewed

    def _verifies(self, password_hash: str, password: str) -> bool:
        if len(password) > MAX_PASSWORD:
            return False
        try:
            return bool(self.hasher.verify(password_hash, password))
        except (VerificationError, InvalidHashError):
            return False

    def reset_password(self, login: str, password: str) -> AccountChange:
        """The operator sets ``login``'s password (the policy applies, as at creation) and ends every session
        of the account. A disabled account stays disabled; its tokens stay as they are."""
        hashed = self.hasher.hash(_check_password(password, "/password"))
        now = format_utc(self.clock())

        def reset(unit: LedgerRepository) -> AccountChange:
            repo = AccountRepository.of(unit)
            found = self._existing(repo, login)
            repo.set_password_hash(login, hashed)
            ended = repo.revoke_sessions(login, now)
            return AccountChange(login, found.actor, found.disabled_at, True, sessions_ended=ended)

        return self.store.write(reset, append_lock=False)

    def disable(self, login: str) -> AccountChange:
        """Disable ``login`` from now on: it cannot log in (the same answer as a wrong password), its sessions
        end and the API tokens its sessions issued are revoked, all in one transaction and for good. Disabling
        a disabled account ends whatever it still had; it keeps its first ``disabled_at``."""
        now = format_utc(self.clock())

        def disable(unit: LedgerRepository) -> AccountChange:
            repo = AccountRepository.of(unit)
            found = self._existing(repo, login)
            repo.set_disabled(login, found.disabled_at or now)  # also locks the row against a racing login
            ended = repo.revoke_sessions(login, now)
            revoked = repo.revoke_tokens_issued_by(login, now)
            live = repo.live_tokens(found.actor, now)
            others = tuple(t.token_id for t in live if t.issued_by != login and t.issuer_disabled_at is None)
            return AccountChange(
                login, found.actor, found.disabled_at or now, found.disabled_at is None, ended, revoked, others
            )

        return self.store.write(disable, append_lock=False)

    def enable(self, login: str) -> AccountChange:
        """Let a disabled ``login`` log in again. Its ended sessions and revoked tokens stay ended."""

        def enable(unit: LedgerRepository) -> AccountChange:
            repo = AccountRepository.of(unit)
            found = self._existing(repo, login)
            repo.set_disabled(login, None)
            return AccountChange(login, found.actor, None, found.disabled_at is not None)

        return self.store.write(enable, append_lock=False)

    def states(self) -> list[AccountState]:
        """Every account by login, with its live sessions counted."""
        now = format_utc(self.clock())
        rows = self.store.read(lambda unit: AccountRepository.of(unit).account_states(now))
        return [AccountState(r.login, r.actor, r.created_at, r.disabled_at, r.live_sessions) for r in rows]

    @staticmethod
    def _existing(repo: AccountRepository, login: str) -> StoredAccount:
        found = repo.account(login) if isinstance(login, str) and LOGIN.fullmatch(login) else None
        if found is None:
            raise NotFoundError(f"no account {login!r}")
        return found
