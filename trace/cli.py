"""The ``ginseng-trace`` command. Domain errors are caught once, in :func:`main`."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__, cli_backup, cli_epcis, cli_log, cli_membership
from .bootstrap import open_ledger
from .chain.canonical import parse_json
from .chain.errors import Error, FieldProblem, MalformedError
from .chain.keys import ALG_COSIGNATURE, ALG_ED25519, SignerKey, VerifierKey
from .chain.records import Event, SignedEvent, sign_event
from .cli_admin import add_admin
from .cli_common import EXIT_FAILED, EXIT_OK, EXIT_USAGE, OneLineParser, positive_int, settings_of
from .cli_serve import add_serve, print_demo_accounts
from .events.catalogue import private_fields
from .service.signature_workers import default_workers

if TYPE_CHECKING:
    from .service import Services


def cmd_init_db(args: argparse.Namespace) -> int:
    settings = settings_of(args)
    open_ledger(settings)
    print(f"database at head: {settings.resolved_database_url}")
    return EXIT_OK


def cmd_keygen(args: argparse.Namespace) -> int:
    key = SignerKey.generate(args.name, ALG_COSIGNATURE if args.cosigner else ALG_ED25519)
    out = Path(args.output or f"{args.name}.key")
    try:
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise Error(f"{out} already exists; not overwriting a private key") from None
    with os.fdopen(fd, "w") as f:
        f.write(key.text() + "\n")
    print(key.verifier().text())
    print(f"private key written to {out} (keep it secret)", file=sys.stderr)
    return EXIT_OK


def cmd_register_key(args: argparse.Namespace) -> int:
    key = VerifierKey.parse(args.vkey)
    added = open_ledger(settings_of(args)).membership.add_key(key, valid_until=args.valid_until)
    until = f", valid until {args.valid_until}" if args.valid_until else ""
    print(f"registered: {key.name}/{key.key_id_hex}{until} (log position {added.record.log_index})")
    return EXIT_OK


def cmd_revoke_key(args: argparse.Namespace) -> int:
    revoked = open_ledger(settings_of(args)).membership.revoke_key(args.actor, args.key_id, args.reason)
    print(
        f"revoked: {args.actor}/{args.key_id} at log position {revoked.record.log_index}; "
        "events it signed before stay verifiable"
    )
    return EXIT_OK


def _read_json(path: str) -> object:
    try:
        data = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as exc:
        raise Error(f"cannot read {path}: {exc.strerror}") from None
    return parse_json(data)


def cmd_sign(args: argparse.Namespace) -> int:
    key = SignerKey.parse(Path(args.key).read_text())
    body = _read_json(args.event)
    if not isinstance(body, dict):
        raise MalformedError(FieldProblem("", "the event must be a JSON object"))
    body.setdefault("actor", key.name)
    body.setdefault("key_id", key.verifier().key_id_hex)
    event = Event.from_json(body)
    signed = sign_event(event, key, private=private_fields(event.type))
    print(json.dumps(signed.envelope(), ensure_ascii=False, indent=2))
    return EXIT_OK


def cmd_append(args: argparse.Namespace) -> int:
    signed = SignedEvent.from_envelope(_read_json(args.envelope))
    result = open_ledger(settings_of(args)).events.append(signed)
    view = result.record
    state = "appended" if result.created else "already recorded"
    print(f"{state}: lot {view.record['lot']} #{view.record['seq']} record {view.record_hash}")
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    from .demo import load_demo

    ledger = open_ledger(settings_of(args))
    data = load_demo(ledger)
    print_demo_accounts(ledger)
    if args.manifest:
        write_demo_manifest(ledger, data, Path(args.manifest))
    print(f"demo data set loaded: {data['events_created']} new events, {len(data['lots'])} lots")
    return EXIT_OK


def write_demo_manifest(ledger: Services, data: dict[str, Any], path: Path) -> None:
    """Write the demo manifest with, for each demo actor, its signer key in a key file beside it
    (``<manifest>-keys/<actor>.key``, 0600) and a new API token (``events:write``, 30 days): published demo
    credentials, so that scripts and tests can act as any demo actor."""
    folder = path.with_name(path.stem + "-keys")
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    for actor in data["actors"]:
        key_file = folder / f"{actor['actor']}.key"
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(actor["signer_key"] + "\n")
        actor["key_file"] = str(key_file)
        actor["token"] = ledger.tokens.issue(actor["actor"], ["events:write"], timedelta(days=30), "demo")[1]
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # it holds the demo actors' secrets
    with os.fdopen(fd, "w") as out:
        out.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def cmd_verify(args: argparse.Namespace) -> int:
    """Every hash, link and signature, and the records against the log: one ``BROKEN:`` line per problem."""
    ledger = open_ledger(settings_of(args), migrate_first=False)
    report = ledger.checks.audit(args.lot, ancestors=not args.no_ancestors, workers=args.workers)
    for problem in report.problems:
        print(f"BROKEN: {problem.sentence()}")
    if report.unlisted:
        print(f"BROKEN: and {report.unlisted} more problems not listed")
    if not report.intact:
        return EXIT_FAILED
    scope = f"lot {args.lot}" + ("" if args.no_ancestors else " and its ancestors") if args.lot else "whole ledger"
    logged = f", against {report.checkpoints} checkpoint(s)" if report.checkpoints else ""
    print(f"intact: {scope}: {report.records} records in {len(report.lots)} lot(s){logged}")
    return EXIT_OK


def cmd_history(args: argparse.Namespace) -> int:
    """Print a lot's records, one JSON object a line; with --private, each event's private members too
    (read from the ledger's disclosures: for whoever holds the database, never served over HTTP)."""
    for view in open_ledger(settings_of(args)).records.history(args.lot, private=args.private):
        line = {**view.to_json(), "event": view.facts if args.private else view.event}
        print(json.dumps(line, ensure_ascii=False, sort_keys=True))
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    """Re-run every rule over the ledger's records; print the findings and how they differ from the stored ones."""
    report = open_ledger(settings_of(args)).checks.check(args.lot, record=args.record)
    if args.json:
        print(
            json.dumps(
                {
                    "events": report.events,
                    "lots": sorted(report.lots) if report.lots is not None else None,
                    "ok": report.ok,
                    "findings": [
                        {"log_index": f.log_index, "lot_id": f.lot_id, **f.verdict()} for f in report.findings
                    ],
                    "unstored": [f.key() for f in report.unstored],
                    "unreproduced": [[f.log_index, f.rule, f.pointer] for f in report.unreproduced],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        scope = f"lot {args.lot} and its ancestors" if args.lot else "whole ledger"
        print(f"checked {report.events} events; {scope}: {len(report.findings)} finding(s)")
        for f in report.findings:
            print(f"  #{f.log_index} {f.lot_id} {f.severity} {f.rule} {f.pointer}: {f.message} / {f.message_zh}")
        for f in report.unstored:
            action = "stored now" if args.record else "NOT STORED (run with --record to store it)"
            print(f"  {action}: #{f.log_index} {f.rule} {f.pointer}")
        for g in report.unreproduced:
            print(f"  STORED BUT NOT REPRODUCED by today's rules (kept): #{g.log_index} {g.rule} {g.pointer}")
        for f in report.hard:
            print(f"  REFUSED BY TODAY'S RULES: #{f.log_index} {f.rule}: {f.message}")
    return EXIT_OK if report.ok or (args.record and not report.hard and not report.unreproduced) else EXIT_FAILED


def cmd_label(args: argparse.Namespace) -> int:
    """Print a packaged lot's labels: one QR code (PNG or SVG), or A4 sheets for the whole packaging run."""
    from .labels import qr
    from .labels.runs import packaging_run

    settings = settings_of(args)
    ledger = open_ledger(settings)
    base = settings.public_base or "http://127.0.0.1:8000"
    run = packaging_run(ledger.records.public_history(args.lot), base, args.lot)
    if not run:
        raise Error(f"lot {args.lot} was not packaged under a GTIN with serial numbers: it has no GS1 labels")
    out = Path(args.output)
    if args.sheets:
        layout = qr.Sheet(columns=args.columns, rows=args.rows, margin_mm=args.margin)
        labels = [(link.uri(), f"{args.lot} {serial}") for serial, link in run]
        pages = -(-len(labels) // layout.per_page)
        if out.suffix == ".pdf":
            out.write_bytes(qr.sheets_pdf(labels, layout, workers=args.workers))
            print(f"{len(run)} labels on {pages} A4 page(s) of {args.columns} x {args.rows}: {out}")
            return EXIT_OK
        stem = out.with_suffix("")
        for n, page in enumerate(qr.sheets(labels, layout, workers=args.workers), 1):
            Path(f"{stem}-{n:03d}.svg").write_text(page, encoding="utf-8")
        print(f"{len(run)} labels on {pages} A4 page(s) of {args.columns} x {args.rows}: {stem}-001.svg ...")
        return EXIT_OK
    chosen = dict(run).get(args.serial or run[0][0])
    if chosen is None:
        raise Error(f"serial {args.serial!r} is not in lot {args.lot}'s packaging run")
    if out.suffix == ".svg":
        out.write_text(qr.svg(chosen.uri()), encoding="utf-8")
    else:
        out.write_bytes(qr.png(chosen.uri()))
    print(chosen.uri())
    return EXIT_OK


def parser() -> argparse.ArgumentParser:
    top: argparse.ArgumentParser = OneLineParser(
        prog="ginseng-trace", description="Ginseng Trace: a traceability ledger for Jilin ginseng"
    )
    top.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    db = argparse.ArgumentParser(add_help=False)
    db.add_argument("--database-url", help="SQLAlchemy URL (default: $TRACE_DATABASE_URL, else embedded SQLite)")
    db.add_argument("--data-dir", help="data directory (default: $TRACE_DATA_DIR, else ~/.local/share/ginseng-trace)")
    db.add_argument(
        "--config", help="YAML file of settings by field name (default: $TRACE_CONFIG); TRACE_* variables override it"
    )
    sub = top.add_subparsers(dest="command", required=True)

    add_serve(sub, db)

    p = sub.add_parser("init-db", parents=[db], help="create or upgrade the database to the current schema")
    p.set_defaults(run=cmd_init_db)

    p = sub.add_parser("keygen", help="make an Ed25519 key pair for an actor; prints the verifier key")
    p.add_argument("name", help="actor name (a-z 0-9 . _ -)")
    p.add_argument("-o", "--output", help="private key file (default: NAME.key)")
    p.add_argument("--cosigner", action="store_true", help="a witness's cosigning key (signature type 0x04)")
    p.set_defaults(run=cmd_keygen)

    admin = cli_membership.add_commands(sub, db)
    add_admin(admin, db, lambda args: open_ledger(settings_of(args)))

    p = sub.add_parser("register-key", parents=[db], help="register another key of an enrolled actor (admin key)")
    p.add_argument("vkey", help="verifier key text <name>+<id>+<key>")
    p.add_argument("--valid-until", help="RFC 3339 UTC time after which the key signs nothing more")
    p.set_defaults(run=cmd_register_key)

    p = sub.add_parser("revoke-key", parents=[db], help="revoke an actor's key: it signs no new event from now on")
    p.add_argument("actor")
    p.add_argument("key_id", help="8 hex digits")
    p.add_argument("--reason", required=True, help="why (kept with the revocation)")
    p.set_defaults(run=cmd_revoke_key)

    p = sub.add_parser("sign", help="sign an event JSON file; prints the envelope to submit")
    p.add_argument("event", help="event JSON file, or - for standard input")
    p.add_argument("--key", required=True, help="the actor's private key file")
    p.set_defaults(run=cmd_sign)

    p = sub.add_parser("append", parents=[db], help="append a signed envelope to the ledger directly")
    p.add_argument("envelope", help="envelope JSON file, or - for standard input")
    p.set_defaults(run=cmd_append)

    p = sub.add_parser("demo", parents=[db], help="load the demo data set (idempotent)")
    p.add_argument("--manifest", help="also write a JSON manifest of what the demo holds")
    p.set_defaults(run=cmd_demo)

    cli_log.add_commands(sub, db)
    cli_epcis.add_commands(sub, db)
    cli_backup.add_commands(sub, db)

    p = sub.add_parser("label", parents=[db], help="QR labels (GS1 Digital Link) of a packaged lot")
    p.add_argument("--lot", required=True, help="the packaged lot (its id is the label's batch, AI 10)")
    p.add_argument("--serial", help="one unit's serial (default: the run's first)")
    p.add_argument("--sheets", action="store_true", help="A4 sheets of the whole packaging run (PDF or SVG)")
    p.add_argument(
        "-o",
        "--output",
        required=True,
        help="FILE.png or FILE.svg; with --sheets FILE.pdf, or FILE.svg for FILE-001.svg ...",
    )
    p.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1, help="processes drawing sheets (default: one per core)"
    )
    p.add_argument("--columns", type=int, default=4, help="labels across an A4 sheet (default 4)")
    p.add_argument("--rows", type=int, default=6, help="labels down an A4 sheet (default 6)")
    p.add_argument("--margin", type=float, default=10, help="the sheet's margin in mm (default 10)")
    p.set_defaults(run=cmd_label)

    p = sub.add_parser("history", parents=[db], help="print a lot's records, one JSON object a line")
    p.add_argument("--lot", required=True)
    p.add_argument("--private", action="store_true", help="with the private members (location, notes, invoices)")
    p.set_defaults(run=cmd_history)

    p = sub.add_parser("check", parents=[db], help="re-run the ginseng rules over the records; compare findings")
    p.add_argument("--lot", help="report this lot and every lot it was made from")
    p.add_argument("--record", action="store_true", help="store findings not stored yet, and rebuild lot states")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(run=cmd_check)

    p = sub.add_parser("verify", parents=[db], help="re-check every hash, link and signature")
    p.add_argument("--lot", help="verify this lot (with its ancestors) instead of the whole ledger")
    p.add_argument("--no-ancestors", action="store_true", help="with --lot: verify only the lot itself")
    p.add_argument(
        "--workers",
        type=positive_int,
        default=default_workers(),
        help="processes checking the whole ledger's signatures (default: one per core)",
    )
    p.set_defaults(run=cmd_verify)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.run(args))
    except Error as exc:
        print(f"ginseng-trace: error: {exc.diagnostics()}", file=sys.stderr)
        return EXIT_USAGE
    except (OSError, ValueError) as exc:
        print(f"ginseng-trace: error: {exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
