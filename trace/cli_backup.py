"""``ginseng-trace export`` and ``import``: the whole ledger as a verifiable archive (docs/FORMAT.md §9), and
restored from one into an empty database."""

from __future__ import annotations

import argparse
import base64
import sys
from pathlib import Path
from typing import Any

from .bootstrap import open_for_restore, open_ledger
from .chain.keys import VerifierKey
from .cli_common import EXIT_FAILED, EXIT_OK, settings_of
from .service.backup import ArchiveRefusedError, ArchiveSummary, NotEmptyError


def _said(summary: ArchiveSummary) -> str:
    size = summary.checkpoint_size
    checkpoint = "no checkpoint" if size is None else f"latest checkpoint at {size}"
    private = f"{summary.disclosures} disclosures" if summary.private else "without private members"
    root = base64.b64encode(summary.root).decode()
    return f"tree size {summary.tree_size}, root {root}, {summary.checkpoints} checkpoint(s), {checkpoint}, {private}"


def cmd_export(args: argparse.Namespace) -> int:
    """Write the archive (0600), from one read snapshot of the ledger."""
    ledger = open_ledger(settings_of(args), migrate_first=False)
    try:
        summary = ledger.backups.export(Path(args.output), private=not args.without_private)
    finally:
        ledger.store.close()
    print(f"exported {args.output}: {_said(summary)}")
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    """Restore an archive into an empty database: all of it, re-verified, or nothing."""
    pinned = [VerifierKey.parse(k) for k in args.log_key]
    backups = open_for_restore(settings_of(args))
    try:
        summary = backups.restore(Path(args.file), log_keys=pinned)
    except NotEmptyError as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except ArchiveRefusedError as exc:
        print(f"refused: {args.file}: {exc} (nothing was restored)", file=sys.stderr)
        return EXIT_FAILED
    finally:
        backups.store.close()
    print(f"imported {args.file}: {_said(summary)}; verified: every record, chain and checkpoint")
    return EXIT_OK


def add_commands(sub: Any, db: argparse.ArgumentParser) -> None:
    p = sub.add_parser("export", parents=[db], help="write the whole ledger as a verifiable archive (FORMAT.md §9)")
    p.add_argument("--output", "-o", required=True, help="the archive file to write (gzip'd JSON lines)")
    p.add_argument(
        "--without-private", action="store_true", help="leave the private members' disclosures out of the archive"
    )
    p.set_defaults(run=cmd_export)
    p = sub.add_parser("import", parents=[db], help="restore an archive into an empty database, re-verifying it")
    p.add_argument("file", help="an archive written by ginseng-trace export")
    p.add_argument(
        "--log-key",
        action="append",
        default=[],
        help="the log's verifier key: every checkpoint must be signed by it (repeatable; default: the archive's)",
    )
    p.set_defaults(run=cmd_import)
