"""``ginseng-trace epcis``: GS1 EPCIS 2.0 — the CBV 2.0 event hash of a document's events, and a lot's history
exported as an ``EPCISDocument``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from .bootstrap import open_ledger
from .chain.canonical import parse_json
from .chain.errors import Error
from .cli_common import EXIT_OK, settings_of
from .epcis.hash import EventHashError, event_hashes


def cmd_epcis_hash(args: argparse.Namespace) -> int:
    """One CBV 2.0 event hash a line, in document order."""
    data = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
    try:
        document = parse_json(data)
    except Error as exc:
        raise EventHashError(f"{args.file}: {exc.diagnostics()}") from exc
    if not isinstance(document, dict):
        raise EventHashError(f"{args.file}: an EPCIS document must be a JSON object")
    for line in event_hashes(document):
        print(line)
    return EXIT_OK


def cmd_epcis_export(args: argparse.Namespace) -> int:
    """A lot's history (with ``--ancestors``, every lot it was made from too) as an EPCIS 2.0 document."""
    settings = settings_of(args)
    ledger = open_ledger(settings)
    base = settings.public_base or "http://127.0.0.1:8000"
    document = ledger.epcis.lot_document(args.lot, base, ancestors=args.ancestors)
    print(json.dumps(document, ensure_ascii=False, indent=2))
    return EXIT_OK


def add_commands(sub: Any, db: argparse.ArgumentParser) -> None:
    """Add ``epcis hash`` and ``epcis export`` to the ``ginseng-trace`` subcommands ``sub``."""
    epcis = sub.add_parser("epcis", help="GS1 EPCIS 2.0: event hashes, export").add_subparsers(
        dest="epcis_command", required=True
    )
    p = epcis.add_parser("hash", help="print the CBV 2.0 event hash of each event of an EPCIS 2.0 JSON-LD document")
    p.add_argument("file", help="the EPCIS document (JSON-LD), or - for standard input")
    p.set_defaults(run=cmd_epcis_hash)
    p = epcis.add_parser("export", parents=[db], help="print a lot's history as an EPCIS 2.0 JSON-LD EPCISDocument")
    p.add_argument("--lot", required=True)
    p.add_argument("--ancestors", action="store_true", help="with every lot it was made from")
    p.set_defaults(run=cmd_epcis_export)
