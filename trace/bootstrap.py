"""Wiring shared by the CLI and the HTTP app: settings -> store -> services."""

from __future__ import annotations

import os
from pathlib import Path

from .chain.errors import Error
from .chain.keys import SignerKey
from .events.membership import ROLES
from .service import NewActor, Services, utc_now
from .service.backup import Backups
from .service.checks import Checks
from .service.held_keys import parse_key_encryption_key
from .service.log import TransparencyLog
from .settings import Settings
from .store import Store

DEV_ACTOR = "dev-signer"


def private_dir(path: Path) -> None:
    """Make ``path`` (the data directory, or a folder of keys in it) a directory only its owner may enter
    (0700): created so, and made so again if it was open to others."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.stat().st_mode & 0o077:
        path.chmod(0o700)


def private_key_file(path: Path) -> None:
    """Make an existing key file readable by its owner only (0600) if it was readable by others."""
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)


def load_or_create_signer(path: Path, name: str) -> SignerKey:
    """Read a signer key file, creating it (mode 0600) on first use."""
    if path.exists():
        private_key_file(path)
        return SignerKey.parse(path.read_text())
    key = SignerKey.generate(name)
    private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(key.text() + "\n")
    return key


def load_or_create_secret(path: Path) -> bytes:
    """Read a 32-byte secret (hex) from ``path``, creating it (mode 0600) on first use."""
    if path.exists():
        private_key_file(path)
        try:
            secret = bytes.fromhex(path.read_text().strip())
        except ValueError:
            secret = b""
        if len(secret) != 32:
            raise Error(f"{path} must hold 32 bytes as 64 hex digits")
        return secret
    secret = os.urandom(32)
    private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(secret.hex() + "\n")
    return secret


def key_encryption_key(settings: Settings) -> bytes | None:
    """The key server-held keys are encrypted under (TRACE_KEY_ENCRYPTION_KEY), or None: held keys disabled."""
    kek = settings.key_encryption_key
    return parse_key_encryption_key(kek.get_secret_value()) if kek is not None else None


def open_ledger(settings: Settings, *, migrate_first: bool = True) -> Services:
    """Build the ledger for ``settings``; migrate the database to head first unless told not to. The data
    directory is 0700 and every key file in it 0600 (the embedded database too: ``store.db``)."""
    private_dir(settings.data_dir)
    if settings.database_read_url and not settings.resolved_database_url.startswith("postgresql"):
        raise Error("TRACE_DATABASE_READ_URL names a PostgreSQL standby, so TRACE_DATABASE_URL must be its primary")
    store = Store.open(
        settings.resolved_database_url,
        migrate_first=migrate_first,
        timeouts=settings.timeouts,
        replica_url=settings.database_read_url,
    )
    dev_signer = load_or_create_signer(settings.dev_key_file, DEV_ACTOR) if settings.dev_signing else None
    log_signer = load_or_create_signer(settings.log_key_file, settings.log_origin)
    operator = load_or_create_signer(settings.operator_key_file, settings.operator_actor)
    if operator.name != settings.operator_actor:
        raise Error(
            f"the operator key in {settings.operator_key_file} is for actor {operator.name!r}, not "
            f"{settings.operator_actor!r}: the trust anchor of a ledger keeps its actor id"
        )
    if log_signer.name != settings.log_origin:
        raise Error(
            f"the log key in {settings.log_key_file} is for origin {log_signer.name!r}, "
            f"not {settings.log_origin!r}: keep one origin per log"
        )
    ledger = Services(
        store,
        dev_signer=dev_signer,
        log_signer=log_signer,
        checkpoint_every=settings.checkpoint_every,
        checkpoint_seconds=settings.checkpoint_seconds,
        witness_keys=settings.parsed_witness_keys,
        monitor_keys=settings.parsed_monitor_keys,
        operator=operator,
        key_encryption_key=key_encryption_key(settings),
        session_hours=settings.session_hours,
        scan_key=load_or_create_secret(settings.scan_key_file),
        ready_checkpoint_seconds=settings.ready_checkpoint_seconds,
    )
    if migrate_first:  # the anchor's key verifies its signatures like any actor's, also on events it submits
        ledger.membership.ensure_anchor_key()
    if dev_signer is not None:
        enrol_dev_signer(ledger, dev_signer)
    if migrate_first:
        ledger.checkpointer.adopt_log_key()
        ledger.checks.ensure_lot_states()
    return ledger


def enrol_dev_signer(ledger: Services, dev_signer: SignerKey) -> None:
    """Enrol the development actor (once) as an organisation with every role but operator and regulator, and
    the lot-id prefix ``DEV-``."""
    if ledger.store.read(lambda repo: repo.membership.org_ids_of([DEV_ACTOR])):
        return
    roles = [r for r in ROLES if r not in ("operator", "regulator")]
    ledger.membership.enrol(
        DEV_ACTOR,
        "development signer (never in production)",
        roles,
        ["DEV-"],
        [NewActor(dev_signer.verifier(), kind="device")],
    )


def rotate_log_key(settings: Settings) -> tuple[SignerKey, Path]:
    """Retire the log key: keep it under ``retired-log-keys/`` and put a new key for the same origin in its
    place. The ledger adopts the new key when next opened; checkpoints signed before stay verifiable with
    the old one. Returns the new key and where the old one went."""
    old = load_or_create_signer(settings.log_key_file, settings.log_origin)
    retired = settings.data_dir / "retired-log-keys" / f"{old.verifier().key_id_hex}.key"
    private_dir(retired.parent)
    os.replace(settings.log_key_file, retired)
    return load_or_create_signer(settings.log_key_file, settings.log_origin), retired


def open_for_restore(settings: Settings) -> Backups:
    """Backups over ``settings``' database, migrated to head but written nothing else (no anchor key, no log key,
    no lot states), so that a restore finds it empty; membership is folded with this data directory's operator
    key as the trust anchor."""
    private_dir(settings.data_dir)
    store = Store.open(settings.resolved_database_url, timeouts=settings.timeouts)
    operator = load_or_create_signer(settings.operator_key_file, settings.operator_actor)
    checks = Checks(store, TransparencyLog(store), clock=utc_now, anchors=(operator.verifier(),))
    return Backups(store, checks)
