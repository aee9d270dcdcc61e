"""docs/FORMAT.md §9's worked example: made by scripts/archive_example.py, re-derived here with nothing but
SHA-256, and restored by ``ginseng-trace import``'s use case into an empty database."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import re
from pathlib import Path

from ginseng_trace.service import Services
from ginseng_trace.store import Store, sqlite_url_for

from ..conftest import script_module

ROOT = Path(__file__).resolve().parents[2]


def documented() -> str:
    doc = (ROOT / "docs" / "FORMAT.md").read_text(encoding="utf-8")
    section = doc[doc.index("<!-- archive-example:begin -->") : doc.index("<!-- archive-example:end -->")]
    block = re.search(r"```text\n(.*?\n)```", section, re.DOTALL)
    assert block, "FORMAT.md §9 has no example archive"
    return block.group(1)


def test_the_documented_archive_is_the_one_the_exporter_writes() -> None:
    assert script_module("archive_example").archive_text() == documented()


def test_the_documented_archive_re_derives_with_sha256_alone() -> None:
    header, *rows = [json.loads(line) for line in documented().splitlines()]
    assert header["format"] == "ginseng-trace/archive/v1"
    records = [r for r in rows if r["table"] == "records"]
    assert len(records) == header["tree_size"] == 1
    event, record = records[0]["event"].encode(), records[0]["record"].encode()
    assert json.loads(record)["event"] == hashlib.sha256(event).hexdigest()  # §3: the record seals the event
    leaf = hashlib.sha256(b"\x00" + record).digest()  # RFC 9162: a one-leaf tree's root is its leaf hash
    assert base64.b64decode(header["checkpoint"]["root"]) == leaf
    assert f"\n{header['checkpoint']['root']}\n" in header["checkpoint"]["note"]
    stored = next(r["row"] for r in rows if r["table"] == "checkpoints")
    assert stored["note"] == header["checkpoint"]["note"]


def test_the_documented_archive_restores(tmp_path: Path) -> None:
    example = script_module("archive_example")
    archive = tmp_path / "example.archive.gz"
    archive.write_bytes(gzip.compress(documented().encode()))
    store = Store.open(sqlite_url_for(tmp_path))
    try:
        ledger = Services(store, operator=example.OPERATOR, log_signer=example.LOG)
        restored = ledger.backups.restore(archive, log_keys=[example.LOG.verifier()])
        assert (restored.tree_size, restored.checkpoint_size) == (1, 1)
        assert ledger.checks.audit().intact
        assert [o.org_id for o in ledger.membership.organisations()] == ["example-farm"]
    finally:
        store.close()
