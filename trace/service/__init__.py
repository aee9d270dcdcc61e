"""Use cases: the only room that combines the chain, the ginseng domain and storage.

One small class a use case, each over the store's unit of work (``store.Store``): each public method runs in
transactions it asks the store for; nothing below it commits. :class:`Services` wires them for one database.

=================  ===========================================================================
``appending``      submitting signed events: check, snapshot, decide (``decision``, pure), write
``membership``     organisations, actors, keys and roles, as membership events signed by an operator
``actor_keys``     actors' public keys as signature checks read them (derived from membership)
``records``        records, a lot's history and public history, stored findings, lineage
``reads``          reads by role: private members, findings and scan signals as regulators and partners
                   see them (``events.visibility``), each audited; the audit trail
``checks``         ``check`` (the rules replayed) and ``verify`` (every hash, link and signature)
``log``            the transparency log's reads: state, checkpoints, proofs, tiles, lot-heads map
``checkpoints``    the checkpointer: the only use case that signs checkpoints
``witnessing``     witnesses' cosignatures, and asking witnesses for them
``bundles``        a lot's offline proof bundle
``backup``         the whole ledger exported as a verifiable archive, and restored into an empty database
``scans``          the scan counter, with its own write-behind lifecycle
``hints``          what the record page checks on the device: a plot's sowing, seedlings, latest pesticide
``home``           a person's home: the lots that concern their organisation and what is due on them
``console``        the regulator's console: findings filtered and counted by county and rule, the log
``complaints``     consumers' complaints from the scan page (not ledger data): taken, counted in public
``accounts``       people's accounts and sessions (argon2id passwords); ``tokens``: API tokens;
                   ``held_keys``: server-held actor keys (AES-GCM under the key-encryption key);
                   ``credentials``: the permissions and who a request is (outside the ledger, no append lock)
``readiness``      whether this instance should be sent requests; ``metrics``: its Prometheus metrics
``errors``         refusals and failures; ``views``: what the use cases return; ``cache``: the one cache
=================  ===========================================================================
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from ..chain.errors import SignatureError
from ..chain.keys import SignerKey, VerifierKey
from ..events.findings import Finding
from ..events.rules import RuleViolationError
from ..store import Store
from .accounts import Accounts
from .actor_keys import ActorKeys
from .appending import Appending
from .backup import Backups
from .bundles import Bundles
from .capture import Capture
from .checkpoints import Checkpointer
from .checks import Checks
from .complaints import Complaints
from .console import Console
from .credentials import Permission, Principal
from .epcis import EpcisExport
from .epcis_query import EpcisQuery
from .errors import (
    BadCredentialsError,
    ConflictError,
    CrossSiteError,
    CsrfError,
    HeldKeysDisabledError,
    HeldKeyUnreadableError,
    IntegrityError,
    KeyNotValidError,
    MissingCredentialsError,
    NotAuthenticatedError,
    NotFoundError,
    NotLoggedYetError,
    RefusedError,
    RelationRequiredError,
    RoleRequiredError,
    UnknownKeyError,
    UnknownLotError,
    WrongPasswordError,
    WrongScopeError,
)
from .fsma204 import Fsma204
from .held_keys import HeldKeys
from .hints import Hints
from .home import Home
from .log import TransparencyLog
from .lot_graph import LotGraphs
from .membership import MembershipService, NewActor
from .metrics import Metrics
from .monitoring import MonitorReports
from .readiness import Readiness
from .reads import ReadRecord, Reads
from .records import Records
from .scanning import Scanning
from .scans import ScanCounter
from .tokens import ApiTokens
from .views import Appended, CheckpointView, CheckReport, LogKeyPeriod, LotInfo, RecordView
from .witnessing import Cosignatures

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class Services:
    """Every use case over one store, wired once. It holds no behaviour of its own: a change goes to the
    use case's own module."""

    def __init__(
        self,
        store: Store,
        *,
        clock: Clock = utc_now,
        dev_signer: SignerKey | None = None,
        log_signer: SignerKey | None = None,
        checkpoint_every: int = 1000,
        checkpoint_seconds: float = 5.0,
        witness_keys: Sequence[VerifierKey] = (),
        monitor_keys: Sequence[VerifierKey] = (),
        operator: SignerKey | None = None,
        anchors: Sequence[VerifierKey] = (),
        key_encryption_key: bytes | None = None,
        session_hours: float = 12,
        scan_key: bytes | None = None,
        ready_checkpoint_seconds: float = 300,
    ) -> None:
        """``anchors``: the trust anchors' keys (default: the ``operator`` key's), which hold the operator role
        without any membership event; ``operator``: the key this service signs membership events with;
        ``scan_key``: the key scans' clients are hashed under (default: a random one for this process);
        ``ready_checkpoint_seconds``: how long records may wait for a checkpoint before ``readiness`` says
        not ready."""
        anchors = tuple(anchors) or ((operator.verifier(),) if operator else ())
        self.store = store
        self.clock = clock
        self.metrics = Metrics()
        self.log = TransparencyLog(store, checkpoint_seconds=checkpoint_seconds, signed=log_signer is not None)
        self.checkpointer = Checkpointer(store, self.log, log_signer, clock=clock, every=checkpoint_every)
        self.keys = ActorKeys(store, self.log, clock=clock)
        self.events = Appending(
            store,
            self.keys,
            self.log,
            self.checkpointer,
            clock=clock,
            anchors=anchors,
            dev_signer=dev_signer,
            metrics=self.metrics,
        )
        self.membership = MembershipService(store, self.events, operator, clock=clock)
        self.records = Records(store, self.log)
        self.reads = Reads(store, clock=clock)
        self.checks = Checks(
            store, self.log, clock=clock, anchors=anchors, log_key=log_signer.verifier() if log_signer else None
        )
        self.bundles = Bundles(store, self.log)
        self.backups = Backups(store, self.checks)
        self.epcis = EpcisExport(store, self.reads, clock=clock)
        self.epcis_query = EpcisQuery(store, clock=clock)
        self.fsma204 = Fsma204(store)
        self.cosignatures = Cosignatures(store, self.log, witness_keys)
        scan_key = scan_key if scan_key is not None else secrets.token_bytes(32)
        self.scans = ScanCounter(store, clock=clock, key=scan_key)
        self.complaints = Complaints(store, clock=clock, key=scan_key)
        self.accounts = Accounts(store, clock=clock, session_hours=session_hours)
        self.tokens = ApiTokens(store, clock=clock)
        self.held_keys = HeldKeys(store, key_encryption_key, clock=clock)
        self.capture = Capture(store, self.events, self.held_keys, clock=clock)
        self.home = Home(store, clock=clock)
        self.hints = Hints(store)
        origin = log_signer.name if log_signer else None
        self.monitors = MonitorReports(store, self.log, monitor_keys, clock=clock, origin=origin)
        self.console = Console(store, self.reads, self.log, tuple(k.name for k in self.witness_keys), self.monitors)
        self.lot_graphs = LotGraphs(store, self.checks, self.reads)
        self.scanning = Scanning(store, self.reads)
        self.readiness = Readiness(store, self.checkpointer, clock=clock, checkpoint_seconds=ready_checkpoint_seconds)
        self.metrics.watch_log(store, lambda: tuple(k.name for k in self.witness_keys), clock)

    @property
    def log_signer(self) -> SignerKey | None:
        return self.checkpointer.signer

    @property
    def anchors(self) -> tuple[VerifierKey, ...]:
        return self.events.anchors

    @property
    def dev_signer(self) -> SignerKey | None:
        return self.events.dev_signer

    @property
    def witness_keys(self) -> tuple[VerifierKey, ...]:
        return self.cosignatures.witness_keys

    def close(self) -> None:
        """Write the scans still pending; the store stays open for its owner to close."""
        self.scans.close()


__all__ = [
    "Appended",
    "BadCredentialsError",
    "CheckReport",
    "CheckpointView",
    "ConflictError",
    "CrossSiteError",
    "CsrfError",
    "Finding",
    "HeldKeyUnreadableError",
    "HeldKeysDisabledError",
    "IntegrityError",
    "KeyNotValidError",
    "LogKeyPeriod",
    "LotInfo",
    "MissingCredentialsError",
    "NewActor",
    "NotAuthenticatedError",
    "NotFoundError",
    "NotLoggedYetError",
    "Permission",
    "Principal",
    "ReadRecord",
    "RecordView",
    "RefusedError",
    "RelationRequiredError",
    "RoleRequiredError",
    "RuleViolationError",
    "Services",
    "SignatureError",
    "UnknownKeyError",
    "UnknownLotError",
    "WrongPasswordError",
    "WrongScopeError",
    "utc_now",
]
