"""``ginseng-trace epcis``: GS1 EPCIS 2.0 — the CBV 2.0 event hash of a document's events, and a lot's history
exported as an ``EPCISDocument``."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

from .bootstrap import open_ledger
from .chain.canonical import parse_json
from .chain.errors import Error
from .cli_common import EXIT_OK, settings_of
from .epcis.hash import EventHashError, event_hashes, pre_hashes
from .epcis.xml import looks_like_xml, read_xml
from .service.fsma204 import to_csv, to_xlsx


def cmd_epcis_hash(args: argparse.Namespace) -> int:
    """One CBV 2.0 event hash a line (or, with ``--prehash``, its pre-hash string), in document order, of an
    EPCIS 2.0 document in JSON-LD or XML (told apart by its first character)."""
    data = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
    try:
        document = read_xml(data).document if looks_like_xml(data) else parse_json(data)
    except Error as exc:
        raise EventHashError(f"{args.file}: {exc.diagnostics()}") from exc
    if not isinstance(document, dict):
        raise EventHashError(f"{args.file}: an EPCIS document must be a JSON object")
    for line in pre_hashes(document) if args.prehash else event_hashes(document):
        print(line)
    return EXIT_OK


def cmd_epcis_export(args: argparse.Namespace) -> int:
    """A lot's history (with ``--ancestors``, every lot it was made from too) as an EPCIS 2.0 document."""
    settings = settings_of(args)
    ledger = open_ledger(settings)
    base = settings.public_base or "http://127.0.0.1:8000"
    document = ledger.epcis.lot_document(args.lot, base, ancestors=args.ancestors, private=args.private)
    print(json.dumps(document, ensure_ascii=False, indent=2))
    return EXIT_OK


def cmd_fsma204(args: argparse.Namespace) -> int:
    """A lot's (with its ancestors') or a date range's FSMA 204 critical tracking events as CSV or XLSX."""
    if (args.lot is None) == (args.first is None or args.last is None):
        raise Error("fsma204: give --lot, or --first and --last")
    ledger = open_ledger(settings_of(args))
    if args.lot is not None:
        found, name = ledger.fsma204.for_lot(args.lot), f"fsma204-{args.lot}"
    else:
        first, last = _day(args.first, "--first"), _day(args.last, "--last")
        if last < first:
            raise Error("fsma204: --last is before --first")
        found, name = ledger.fsma204.between(first, last), f"fsma204-{first}-{last}"
    data = to_xlsx(found, name) if args.format == "xlsx" else to_csv(found).encode()
    if args.output == "-":
        if args.format == "xlsx" and sys.stdout.isatty():
            raise Error("fsma204: an XLSX is binary; give -o FILE")
        sys.stdout.buffer.write(data)
    else:
        Path(args.output).write_bytes(data)
    return EXIT_OK


def _day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Error(f"fsma204: {option} must be a date such as 2025-09-01") from None


def add_commands(sub: Any, db: argparse.ArgumentParser) -> None:
    """Add ``epcis hash`` and ``epcis export`` to the ``ginseng-trace`` subcommands ``sub``."""
    epcis = sub.add_parser("epcis", help="GS1 EPCIS 2.0: event hashes, export").add_subparsers(
        dest="epcis_command", required=True
    )
    p = epcis.add_parser(
        "hash", help="print the CBV 2.0 event hash of each event of an EPCIS 2.0 document (JSON-LD or XML)"
    )
    p.add_argument("file", help="the EPCIS document (JSON-LD or XML), or - for standard input")
    p.add_argument("--prehash", action="store_true", help="print each event's pre-hash string instead")
    p.set_defaults(run=cmd_epcis_hash)
    p = epcis.add_parser("export", parents=[db], help="print a lot's history as an EPCIS 2.0 JSON-LD EPCISDocument")
    p.add_argument("--lot", required=True)
    p.add_argument("--ancestors", action="store_true", help="with every lot it was made from")
    p.add_argument(
        "--private", action="store_true", help="with every event's private members (location, notes, invoices)"
    )
    p.set_defaults(run=cmd_epcis_export)
    p = sub.add_parser(
        "fsma204", parents=[db], help="FSMA 204 sortable spreadsheet of a lot (with its ancestors) or a date range"
    )
    p.add_argument("--lot", help="the lot, with every lot it was made from")
    p.add_argument("--first", help="the first day of a range (China Standard Time), e.g. 2025-09-01")
    p.add_argument("--last", help="the last day of the range, included")
    p.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    p.add_argument("-o", "--output", default="-", help="the file to write (default: standard output)")
    p.set_defaults(run=cmd_fsma204)
