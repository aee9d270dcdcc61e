"""The ledger's refusals and failures, raised by the use cases and mapped to HTTP and exit codes at the edges."""

from __future__ import annotations

from ..chain.errors import Error, VerificationError


class RefusedError(Error):
    """A well-formed request the ledger refuses; ``pointer`` names the field at fault."""

    def __init__(self, pointer: str, detail: str) -> None:
        self.pointer = pointer
        super().__init__(detail)


class UnknownKeyError(RefusedError):
    """The event names an actor key the ledger does not know."""


class KeyNotValidError(RefusedError):
    """The event's key was revoked, has expired, or is not valid yet."""


class UnknownLotError(RefusedError):
    """The event names an input lot that has no record."""


class ConflictError(RefusedError):
    """The event id is taken by an event with different content."""


class NotFoundError(Error):
    """No such record or lot."""


class NotLoggedYetError(Error):
    """What was asked for is recorded but no signed checkpoint covers it yet; the checkpointer signs one
    within ``retry_after`` seconds."""

    def __init__(self, detail: str, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(detail)


class IntegrityError(VerificationError):
    """Stored bytes could not even be read back; the ledger has been tampered with."""


# -- accounts, sessions, tokens, held keys (outside the ledger) ---------------------------------------------


class NotAuthenticatedError(Error):
    """The request carries no usable credentials (answered 401 with ``WWW-Authenticate: Bearer``)."""


class MissingCredentialsError(NotAuthenticatedError):
    """No credentials, or credentials that are not even of the right form."""


class BadCredentialsError(NotAuthenticatedError):
    """Credentials of the right form that do not hold: a wrong login or password, an unknown, expired or
    revoked token or session. The detail never says which."""


class WrongPasswordError(BadCredentialsError):
    """A logged-in person's current password, asked for again to change it, is wrong: a failed credential
    (401, counted by the failed-credential limit) whose ``pointer`` names the field. Saying so tells nothing
    about which accounts exist: the session already names the account."""

    def __init__(self, pointer: str, detail: str) -> None:
        self.pointer = pointer
        super().__init__(detail)


class ForbiddenError(Error):
    """Authenticated, but not allowed to do this (answered 403)."""


class WrongScopeError(ForbiddenError):
    """The token or session lacks the permission the operation needs."""

    def __init__(self, needed: str) -> None:
        self.needed = needed
        super().__init__(f"this credential does not carry the permission {needed!r}")


class RoleRequiredError(ForbiddenError):
    """Authenticated, but the actor's organisation does not hold (or, suspended, does not now exercise) the role
    that a read needs."""

    def __init__(self, role: str, what: str) -> None:
        self.role = role
        super().__init__(f"reading {what} needs an organisation holding the role {role!r}, not suspended")


class RelationRequiredError(ForbiddenError):
    """Authenticated, in a role that may make a read, but not in the relation to the lot the read needs (a
    processor asking for the upstream facts of a lot it never held)."""

    def __init__(self, relation: str, detail: str) -> None:
        self.relation = relation
        super().__init__(detail)


class CsrfError(ForbiddenError):
    """An unsafe request on a session cookie without the session's CSRF token in ``X-CSRF-Token``."""


class CrossSiteError(ForbiddenError):
    """An anonymous form post (a consumer's complaint) sent from another site's page, or without the token of
    the page it came from (answered 403)."""


class HeldKeysDisabledError(Error):
    """Server-held keys need ``TRACE_KEY_ENCRYPTION_KEY``, which is not set."""


class HeldKeyUnreadableError(Error):
    """A held key's ciphertext does not decrypt under the configured key-encryption key (a wrong key, or a
    changed row)."""
