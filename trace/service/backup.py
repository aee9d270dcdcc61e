"""Backup and restore: the whole ledger as one verifiable archive (docs/FORMAT.md §9, ``ginseng-trace/archive/v1``).

:meth:`Backups.export` writes, from one read snapshot, a gzip'd JSON-lines file: a header (format, tree size,
the latest checkpoint), the tables the records verify against (log keys, actor keys, revocations,
checkpoints, cosignatures), one line a record in log order (with its disclosures unless left out), then the
findings and monitor reports. :meth:`Backups.restore` reads it into an empty database in one write
transaction, re-verifying as it goes (``chain.ledger``: every record's hashes, signature, key validity and
chain, the rebuilt tree against every checkpoint's signed root and lot-heads map); the derived tables are
rebuilt from the records; any failure names the archive's line and rolls everything back."""

from __future__ import annotations

import base64
import binascii
import gzip
import json
import os
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..chain.canonical import parse_json
from ..chain.errors import Break, Error, MalformedError
from ..chain.keys import ActorKey, VerifierKey
from ..chain.ledger import LedgerVerifier, LoggedCheckpoint
from ..chain.merkle import leaf_hash
from ..chain.records import Event, Record, sha256_hex
from ..chain.times import format_utc
from ..store import LedgerRepository, NewRecord, Store
from ..store.archive import COPIED, COPIED_AFTER_RECORDS, COPIED_BEFORE_RECORDS, binary_columns, copied_columns
from .appending import grow_tree
from .checks import Checks
from .decision import replayed_event
from .epcis_index import index_stored
from .errors import IntegrityError
from .log import tree_root

FORMAT = "ginseng-trace/archive/v1"
_BATCH = 1000
_BEFORE = {t.name for t in COPIED_BEFORE_RECORDS}


class ArchiveRefusedError(Error):
    """The archive is not a ledger this restore can vouch for; ``line`` (1-based) names where, when known."""

    def __init__(self, line: int | None, detail: str) -> None:
        self.line = line
        super().__init__(f"line {line}: {detail}" if line is not None else detail)


class NotEmptyError(Error):
    """A restore goes into an empty database only."""


@dataclass(frozen=True)
class ArchiveSummary:
    """What an archive holds (as written, or as restored)."""

    tree_size: int
    root: bytes  # the RFC 9162 root of all the records
    checkpoint_size: int | None  # the latest checkpoint's tree size
    checkpoints: int
    disclosures: int
    private: bool


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode()


def _line(value: Mapping[str, Any]) -> bytes:
    return (json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n").encode()


def _encoded(table: str, row: Mapping[str, Any]) -> dict[str, Any]:
    binary = binary_columns(table)
    return {k: (_b64(bytes(v)) if k in binary and v is not None else v) for k, v in row.items()}


def _decoded(table: str, row: object, number: int) -> dict[str, Any]:
    names = copied_columns(table)
    if not isinstance(row, dict) or sorted(row) != sorted(names):
        raise ArchiveRefusedError(number, f"a {table} row has exactly the members {names}")
    binary = binary_columns(table)
    try:
        return {k: (base64.b64decode(v, validate=True) if k in binary and v is not None else v) for k, v in row.items()}
    except (binascii.Error, TypeError):
        raise ArchiveRefusedError(number, f"a {table} row's {sorted(binary)} must be base64") from None


class Backups:
    """Exports the ledger to an archive and restores one into an empty database."""

    def __init__(self, store: Store, checks: Checks) -> None:
        """``checks``: whose trust anchors fold membership when the derived tables are rebuilt."""
        self.store = store
        self.checks = checks

    def export(self, path: Path, *, private: bool = True) -> ArchiveSummary:
        """Write the archive to ``path`` (0600, through a temporary file renamed at the end) from one read
        snapshot; ``private``: with the private members' disclosures (an operator's backup)."""
        partial = path.with_name(path.name + ".partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as out:
                summary = self.store.read(lambda repo: _write(repo, out, private=private))
            os.replace(partial, path)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        return summary

    def restore(self, path: Path, *, log_keys: Sequence[VerifierKey] = ()) -> ArchiveSummary:
        """Restore the archive at ``path`` into this (empty) database, all or nothing. ``log_keys``: when
        given, the only keys the checkpoints may be signed with (else: the log keys the archive names)."""

        def work(repo: LedgerRepository) -> ArchiveSummary:
            held = repo.archive.rows_held()
            if held:
                rows = ", ".join(f"{n} {t}" for t, n in held.items())
                raise NotEmptyError(f"the database already holds a ledger ({rows}): import restores into an empty one")
            with gzip.open(path, "rb") as raw:
                return _Restoring(repo, self.checks, tuple(log_keys)).run(_lines(raw))

        return self.store.write(work, attempts=1)


def _write(repo: LedgerRepository, out: gzip.GzipFile, *, private: bool) -> ArchiveSummary:
    tree_size = repo.next_log_index()
    latest = repo.log.latest_checkpoint()
    checkpoint = None if latest is None else {"size": latest.size, "root": _b64(latest.root), "note": latest.note}
    out.write(_line({"format": FORMAT, "tree_size": tree_size, "checkpoint": checkpoint, "private": private}))
    counts = {t.name: 0 for t in COPIED_BEFORE_RECORDS + COPIED_AFTER_RECORDS}
    for table in COPIED_BEFORE_RECORDS:
        for row in repo.archive.rows(table.name):
            counts[table.name] += 1
            out.write(_line({"table": table.name, "row": _encoded(table.name, row)}))
    disclosures = 0
    for batch in repo.record_batches():
        held = repo.disclosures_between(batch[0].log_index, batch[-1].log_index) if private else {}
        for r in batch:
            found = list(held.get(r.log_index, ()))
            disclosures += len(found)
            try:
                event, record = r.event_bytes.decode(), r.record_bytes.decode()
            except UnicodeDecodeError:
                detail = f"record {r.log_index}: its bytes are not UTF-8 (run ginseng-trace verify)"
                raise IntegrityError(detail) from None
            line = {"table": "records", "log_index": r.log_index, "event": event, "record": record}
            out.write(_line({**line, "disclosures": found}))
    for table in COPIED_AFTER_RECORDS:
        for row in repo.archive.rows(table.name):
            out.write(_line({"table": table.name, "row": _encoded(table.name, row)}))
    root = tree_root(repo, tree_size)
    size = None if latest is None else latest.size
    return ArchiveSummary(tree_size, root, size, counts["checkpoints"], disclosures, private)


def _lines(raw: gzip.GzipFile) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line number, JSON object)`` of each line of the gzip'd archive."""
    number = 0
    try:
        for text in raw:
            number += 1
            try:
                value = parse_json(text.rstrip(b"\n"))
            except MalformedError as exc:
                raise ArchiveRefusedError(number, f"not JSON: {exc.diagnostics()}") from None
            if not isinstance(value, dict):
                raise ArchiveRefusedError(number, "each line is a JSON object")
            yield number, value
    except (OSError, EOFError, zlib.error) as exc:
        raise ArchiveRefusedError(number + 1, f"the archive is not a whole gzip stream ({exc})") from None


class _Restoring:
    """One restore, line by line, in the caller's write transaction."""

    def __init__(self, repo: LedgerRepository, checks: Checks, pinned: tuple[VerifierKey, ...]) -> None:
        self.repo = repo
        self.checks = checks
        self.pinned = pinned
        self.tables: dict[str, list[dict[str, Any]]] = {name: [] for name in COPIED}
        self.line_of_checkpoint: dict[int, int] = {}
        self.first_record_line: int | None = None
        self.verifier: LedgerVerifier | None = None
        self.pending: list[NewRecord] = []
        self.records = 0
        self.disclosures = 0
        self.buffer: tuple[str, list[dict[str, Any]]] = ("", [])

    def run(self, lines: Iterator[tuple[int, dict[str, Any]]]) -> ArchiveSummary:
        first = next(lines, None)
        if first is None:
            raise ArchiveRefusedError(1, "the archive is empty: its first line is the header")
        header = self._header(*first)
        stage = "before"
        for number, value in lines:
            table = value.get("table")
            if table == "records":
                if stage == "after":
                    raise ArchiveRefusedError(number, "a record after the tables that follow the records")
                stage = "records"
                self._record(number, value)
            elif isinstance(table, str) and table in COPIED:
                if table in _BEFORE and stage != "before":
                    raise ArchiveRefusedError(number, f"{table} rows come before the records")
                if table not in _BEFORE:
                    self._flush_records()
                    stage = "after"
                self._copy(number, table, value)
            else:
                raise ArchiveRefusedError(number, f"unknown table {table!r}")
        self._flush_records()
        self._flush_rows()
        verifier = self._verifier()
        report = verifier.finish()
        if report.problems:
            raise ArchiveRefusedError(self._line_of(report.problems[0]), report.problems[0].sentence())
        return self._finish(header)

    def _header(self, number: int, value: dict[str, Any]) -> dict[str, Any]:
        if value.get("format") != FORMAT:
            raise ArchiveRefusedError(number, f"not a {FORMAT} archive (format {value.get('format')!r})")
        if set(value) != {"format", "tree_size", "checkpoint", "private"}:
            raise ArchiveRefusedError(number, "the header has exactly format, tree_size, checkpoint and private")
        size = value["tree_size"]
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise ArchiveRefusedError(number, "tree_size must be a whole number")
        return value

    def _copy(self, number: int, table: str, value: dict[str, Any]) -> None:
        if set(value) != {"table", "row"}:
            raise ArchiveRefusedError(number, "a table line has exactly the members table and row")
        row = _decoded(table, value["row"], number)
        if table == "checkpoints":
            self.line_of_checkpoint[int(row["size"])] = number
        if table in _BEFORE:
            self.tables[table].append(row)  # the records verify against them
        if self.buffer[0] != table or len(self.buffer[1]) >= _BATCH:
            self._flush_rows()
            self.buffer = (table, [])
        self.buffer[1].append(row)

    def _flush_rows(self) -> None:
        table, rows = self.buffer
        if rows:
            self.repo.archive.insert(table, rows)
        self.buffer = ("", [])

    def _verifier(self) -> LedgerVerifier:
        if self.verifier is None:
            self._flush_rows()
            revoked = {(r["actor"], r["key_id"]): r["revoked_at"] for r in self.tables["key_revocations"]}
            keys = {
                (k["actor"], k["key_id"]): ActorKey(
                    VerifierKey(k["actor"], k["public_key"]),
                    k["registered_at"],
                    k["valid_until"],
                    revoked.get((k["actor"], k["key_id"])),
                )
                for k in self.tables["actor_keys"]
            }
            log_keys = self.pinned or tuple(VerifierKey.parse(k["vkey"]) for k in self.tables["log_keys"])
            checkpoints = sorted(
                (LoggedCheckpoint(int(c["size"]), c["root"], c["note"]) for c in self.tables["checkpoints"]),
                key=lambda c: c.size,
            )
            self.verifier = LedgerVerifier(lambda actor, key_id: keys.get((actor, key_id)), log_keys, checkpoints)
        return self.verifier

    def _record(self, number: int, value: dict[str, Any]) -> None:
        if set(value) != {"table", "log_index", "event", "record", "disclosures"}:
            raise ArchiveRefusedError(number, "a record line has exactly table, log_index, event, record, disclosures")
        index, private = value["log_index"], value["disclosures"]
        if not isinstance(index, int) or isinstance(index, bool):
            raise ArchiveRefusedError(number, "log_index must be a whole number")
        if not isinstance(value["event"], str) or not isinstance(value["record"], str):
            raise ArchiveRefusedError(number, "event and record are the signed and sealed bytes as text")
        if not isinstance(private, list) or not all(isinstance(d, str) for d in private):
            raise ArchiveRefusedError(number, "disclosures is a list of strings")
        if self.first_record_line is None:
            self.first_record_line = number - index
        event_bytes, record_bytes = value["event"].encode(), value["record"].encode()
        try:
            record = Record.from_bytes(record_bytes)
            event = Event.from_json(parse_json(event_bytes))
            replayed_event(index, event_bytes, private)  # every disclosure matches its digest
        except (MalformedError, IntegrityError) as exc:
            raise ArchiveRefusedError(number, f"record {index}: {exc.diagnostics()}") from None
        new = NewRecord(
            log_index=index,
            event_id=event.event_id,
            lot_id=event.lot_id,
            seq=record.seq,
            type=event.type,
            actor=event.actor,
            occurred_at=format_utc(event.occurred),
            recorded_at=record.recorded_at,
            record_hash=sha256_hex(record_bytes),
            event_hash=sha256_hex(event_bytes),
            event_bytes=event_bytes,
            record_bytes=record_bytes,
            inputs=tuple((link.lot_id, link.head) for link in record.inputs),
            disclosures=tuple(private),
        )
        verifier = self._verifier()
        before = len(verifier.problems.found)
        verifier.feed(new.stored().entry())
        if len(verifier.problems.found) > before:
            problem = verifier.problems.found[before]
            raise ArchiveRefusedError(self._line_of(problem, number), problem.sentence())
        self.pending.append(new)
        self.records += 1
        self.disclosures += len(private)
        if len(self.pending) >= _BATCH:
            self._flush_records()

    def _flush_records(self) -> None:
        if self.pending:
            self.repo.insert(self.pending)
            grow_tree(self.repo, self.pending[0].log_index, [leaf_hash(r.record_bytes) for r in self.pending])
            self.pending = []

    def _line_of(self, problem: Break, default: int | None = None) -> int | None:
        if problem.log_index is not None and self.first_record_line is not None:
            return self.first_record_line + problem.log_index
        if problem.checkpoint is not None:
            return self.line_of_checkpoint.get(problem.checkpoint, default)
        return default

    def _finish(self, header: dict[str, Any]) -> ArchiveSummary:
        if self.records != header["tree_size"]:
            named = f"the header names a tree of {header['tree_size']}"
            raise ArchiveRefusedError(1, f"{named}, the archive holds {self.records} records")
        latest = self.repo.log.latest_checkpoint()
        named = header["checkpoint"]
        held = None if latest is None else {"size": latest.size, "root": _b64(latest.root), "note": latest.note}
        if named != held:
            raise ArchiveRefusedError(1, "the header's checkpoint is not the archive's latest checkpoint")
        keys = {(k["actor"], k["key_id"]) for k in self.tables["actor_keys"]}
        strangers = [a for a in self.checks.anchors if (a.name, a.key_id_hex) not in keys]
        if self.records and strangers:
            raise ArchiveRefusedError(
                None,
                f"the operator key here ({strangers[0].name}/{strangers[0].key_id_hex}) is not this ledger's trust"
                " anchor: restore with the data directory's keys the ledger was exported from",
            )
        index_stored(self.repo)
        self.checks.rebuild_derived(self.repo)
        if latest is not None and tree_root(self.repo, latest.size) != latest.root:
            line = self.line_of_checkpoint.get(latest.size)
            raise ArchiveRefusedError(line, "the restored tree's root is not the checkpoint's")
        root = tree_root(self.repo, self.records)
        size = latest.size if latest else None
        checkpoints = len(self.tables["checkpoints"])
        return ArchiveSummary(self.records, root, size, checkpoints, self.disclosures, bool(header["private"]))
