"""The verifiable core of Ginseng Trace: pure functions and values, no I/O.

A third-party verifier needs only this package and ``docs/FORMAT.md``.
"""

from .canonical import canonical_bytes, parse_json
from .errors import Break, ChainBrokenError, Error, FieldProblem, MalformedError, SignatureError, VerificationError
from .keys import SignerKey, VerifierKey
from .records import GENESIS, SIGNING_CONTEXT, Event, InputLink, Record, SealedRecord, SignedEvent, seal, sign_event
from .verify import ChainVerifier, Report, StoredEntry, verify_entries

__all__ = [
    "GENESIS",
    "SIGNING_CONTEXT",
    "Break",
    "ChainBrokenError",
    "ChainVerifier",
    "Error",
    "Event",
    "FieldProblem",
    "InputLink",
    "MalformedError",
    "Record",
    "Report",
    "SealedRecord",
    "SignatureError",
    "SignedEvent",
    "SignerKey",
    "StoredEntry",
    "VerificationError",
    "VerifierKey",
    "canonical_bytes",
    "parse_json",
    "seal",
    "sign_event",
    "verify_entries",
]
