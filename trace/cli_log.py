"""``ginseng-trace`` commands of the transparency log and its auditors: the log's keys and checkpoints,
signed notes, offline proof bundles, the witness and the monitor."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .bootstrap import open_ledger
from .chain.bundle import BundleError
from .chain.errors import Error
from .chain.keys import ALG_ED25519, SignerKey, VerifierKey
from .chain.note import Note, NoteError, verify_note
from .cli_common import EXIT_FAILED, EXIT_OK, settings_of
from .events.audit import verify_bundle

if TYPE_CHECKING:
    from .witness import Witness


def cmd_log_key(args: argparse.Namespace) -> int:
    ledger = open_ledger(settings_of(args), migrate_first=False)
    assert ledger.log_signer is not None  # noqa: S101 - open_ledger always configures one
    print(ledger.log_signer.verifier().text())
    return EXIT_OK


def cmd_log_keys(args: argparse.Namespace) -> int:
    for period in open_ledger(settings_of(args)).log.signing_keys():
        until = period.valid_until or "now (current)"
        print(f"{period.key.text()}  from {period.valid_from} until {until}")
    return EXIT_OK


def cmd_rotate_log_key(args: argparse.Namespace) -> int:
    from .bootstrap import rotate_log_key

    settings = settings_of(args)
    open_ledger(settings)  # the current key is on record before it is retired
    new, retired = rotate_log_key(settings)
    open_ledger(settings)  # adopts the new key: from now on it signs every new checkpoint
    print(f"new log key: {new.verifier().text()}")
    print(f"old key kept at {retired}; checkpoints it signed stay verifiable with it")
    print("give the new key to witnesses and verifiers; the next checkpoint is signed with it")
    return EXIT_OK


def cmd_checkpoint(args: argparse.Namespace) -> int:
    checkpoint = open_ledger(settings_of(args)).checkpointer.publish()
    sys.stdout.write(checkpoint.note + "".join(checkpoint.cosignatures))
    return EXIT_OK


def cmd_note_verify(args: argparse.Namespace) -> int:
    keys = [VerifierKey.parse(k) for k in args.key]
    try:
        data = Path(args.note).read_bytes()
    except OSError as exc:
        raise Error(f"cannot read {args.note}: {exc.strerror}") from None
    try:
        verified = verify_note(Note.parse(data), keys)
    except NoteError as exc:
        print(f"NOT VERIFIED: {exc.diagnostics()}")
        return EXIT_FAILED
    for v in verified:
        stamp = f" (cosigned at {v.timestamp})" if v.timestamp is not None else ""
        print(f"verified: {v.key.name}{stamp}")
    return EXIT_OK


def cmd_bundle(args: argparse.Namespace) -> int:
    bundle = open_ledger(settings_of(args)).bundles.bundle(args.lot)
    data = bundle.to_bytes()
    if args.output in (None, "-"):
        sys.stdout.write(data.decode())
    else:
        Path(args.output).write_bytes(data)
        print(f"wrote {args.output}: lot {args.lot}, {len(bundle.entries)} records", file=sys.stderr)
    return EXIT_OK


def cmd_verify_bundle(args: argparse.Namespace) -> int:
    log_keys = [VerifierKey.parse(k) for k in args.log_key]
    witness_keys = [VerifierKey.parse(k) for k in args.witness_key or []]
    anchors = [VerifierKey.parse(k) for k in args.anchor]
    try:
        data = sys.stdin.buffer.read() if args.bundle == "-" else Path(args.bundle).read_bytes()
    except OSError as exc:
        raise Error(f"cannot read {args.bundle}: {exc.strerror}") from None
    try:
        report = verify_bundle(data, log_keys, witness_keys, anchors)
    except BundleError as exc:
        print(f"NOT VERIFIED: {exc.diagnostics()}")
        return EXIT_FAILED
    print(report.summary())
    return EXIT_OK


def _witness(args: argparse.Namespace) -> Witness:
    from .witness import Witness, WitnessState

    signer = SignerKey.parse(_read_text(args.key))
    logs: dict[str, list[VerifierKey]] = {}
    for text in args.log_key:
        key = VerifierKey.parse(text)
        logs.setdefault(key.name, []).append(key)
    state = Path(args.state)
    return Witness(signer, logs, WitnessState(state), Path(args.evidence or state.parent / "evidence"))


def _read_text(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError as exc:
        raise Error(f"cannot read {path}: {exc.strerror}") from None


def cmd_witness(args: argparse.Namespace) -> int:
    import time

    import httpx

    from .chain.witness import WitnessRefusal
    from .witness import pull_once

    witness = _witness(args)
    with httpx.Client(timeout=30) as http:
        while True:
            try:
                print(pull_once(witness, args.log, http), flush=True)
            except WitnessRefusal as refusal:
                evidence = f"; evidence: {refusal.evidence}" if refusal.evidence else ""
                kind = "SPLIT VIEW" if refusal.split_view else "REFUSED"
                print(f"{kind}: {refusal.diagnostics()}{evidence}", flush=True)
                return EXIT_FAILED
            except httpx.HTTPError as exc:
                raise Error(f"cannot reach the log at {args.log}: {exc}") from None
            if not args.every:
                return EXIT_OK
            time.sleep(args.every)


def cmd_monitor(args: argparse.Namespace) -> int:
    """Replay the log's entries and check its checkpoint against them (what a witness cannot check)."""
    import time

    import httpx

    from .chain.errors import VerificationError
    from .chain.monitor_status import CONSISTENT, MISMATCH
    from .monitor import load_state, monitor_once, save_state
    from .monitor_report import send_status, status_of

    keys = [VerifierKey.parse(text) for text in args.log_key]
    anchors = [VerifierKey.parse(text) for text in args.anchor or []]
    state = Path(args.state) if args.state else None
    monitor, replay = load_state(state, anchors)
    reporter = SignerKey.parse(_read_text(args.report_key)) if args.report_key else None
    if reporter is not None and reporter.alg != ALG_ED25519:
        raise Error(
            f"{args.report_key} is a cosigning key: a monitor signs its reports with an Ed25519 key (keygen NAME)"
        )
    with httpx.Client(timeout=60) as http:
        while True:
            try:
                report = monitor_once(monitor, args.log, keys, http, replay)
            except VerificationError as exc:
                print(f"MISMATCH: {exc.diagnostics()}", flush=True)
                if reporter is not None:
                    send_status(http, args.log, status_of(monitor, keys[0].name, MISMATCH, exc.diagnostics()), reporter)
                return EXIT_FAILED
            except httpx.HTTPError as exc:
                raise Error(f"cannot reach the log at {args.log}: {exc}") from None
            if state is not None:
                save_state(monitor, state, replay)
            print(report, flush=True)
            if reporter is not None:
                send_status(http, args.log, status_of(monitor, keys[0].name, CONSISTENT, report), reporter)
            if not args.every:
                return EXIT_OK
            time.sleep(args.every)


def cmd_witness_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from .witness import witness_app

    uvicorn.run(witness_app(_witness(args)), host=args.host, port=args.port, log_level="info")
    return EXIT_OK


def add_commands(sub: Any, db: argparse.ArgumentParser) -> None:
    """Add the log's and its auditors' commands to the ``ginseng-trace`` subcommands ``sub``."""
    p = sub.add_parser("log-key", parents=[db], help="print the transparency log's verifier key")
    p.set_defaults(run=cmd_log_key)

    p = sub.add_parser("log-keys", parents=[db], help="list every key the log has signed with, and when")
    p.set_defaults(run=cmd_log_keys)

    p = sub.add_parser("rotate-log-key", parents=[db], help="retire the log key and start signing with a new one")
    p.set_defaults(run=cmd_rotate_log_key)

    p = sub.add_parser("checkpoint", parents=[db], help="publish a signed checkpoint of the log now; print it")
    p.set_defaults(run=cmd_checkpoint)

    note = sub.add_parser("note", help="C2SP signed notes").add_subparsers(dest="note_command", required=True)
    p = note.add_parser("verify", help="verify a signed note (e.g. a checkpoint) against verifier keys")
    p.add_argument("note", help="the note file")
    p.add_argument("--key", action="append", required=True, help="a verifier key (vkey text); repeatable")
    p.set_defaults(run=cmd_note_verify)

    p = sub.add_parser("bundle", parents=[db], help="write a lot's offline proof bundle")
    p.add_argument("--lot", required=True, help="the lot (its ancestors come along)")
    p.add_argument("-o", "--output", help="bundle file (default: standard output)")
    p.set_defaults(run=cmd_bundle)

    p = sub.add_parser("verify-bundle", help="verify a proof bundle offline: no database, no network")
    p.add_argument("bundle", help="bundle file, or - for standard input")
    p.add_argument("--log-key", action="append", required=True, help="the log's verifier key (see log-key)")
    p.add_argument("--witness-key", action="append", help="a witness's cosigner key that must have cosigned")
    p.add_argument(
        "--anchor", action="append", required=True, help="the membership trust anchor's verifier key (see admin anchor)"
    )
    p.set_defaults(run=cmd_verify_bundle)

    wit = argparse.ArgumentParser(add_help=False)
    wit.add_argument("--key", required=True, help="the witness's cosigner key file (keygen --cosigner)")
    wit.add_argument("--log-key", action="append", required=True, help="verifier key of a log to follow; repeatable")
    wit.add_argument("--state", default="witness-state.json", help="where the witness keeps what it cosigned")
    wit.add_argument("--evidence", help="where split-view evidence goes (default: beside the state file)")

    p = sub.add_parser("witness", parents=[wit], help="witness a log: check consistency, cosign, submit (pull)")
    p.add_argument("--log", required=True, help="the log service's base URL, e.g. http://127.0.0.1:8000")
    p.add_argument("--every", type=float, help="keep witnessing every SECONDS (default: once)")
    p.set_defaults(run=cmd_witness)

    p = sub.add_parser(
        "monitor", help="replay a log's entries: every chain linear, the root and the lot-heads map as signed"
    )
    p.add_argument("--log", required=True, help="the log service's base URL, e.g. http://127.0.0.1:8000")
    p.add_argument("--log-key", action="append", required=True, help="the log's verifier key (repeatable)")
    p.add_argument("--state", help="a file to keep what was replayed, so that the next run reads only new entries")
    p.add_argument("--every", type=float, help="keep monitoring every SECONDS (default: once)")
    p.add_argument(
        "--anchor",
        action="append",
        help="the membership trust anchor's verifier key: also rebuild who held which key and role (repeatable)",
    )
    p.add_argument(
        "--report-key",
        help="the monitor's Ed25519 key file (keygen NAME): sign each verdict and post it to the log, whose "
        "console shows it (the log must list the key in TRACE_MONITOR_KEYS)",
    )
    p.set_defaults(run=cmd_monitor)

    p = sub.add_parser("witness-serve", parents=[wit], help="serve C2SP tlog-witness POST /add-checkpoint (push)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8100)
    p.set_defaults(run=cmd_witness_serve)
