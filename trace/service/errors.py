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
