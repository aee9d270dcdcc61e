"""docs/FORMAT.md §9's worked example: the archive of a ledger of one record (an operator registers an
organisation) and one checkpoint, made with fixed keys and a fixed clock, decompressed. Prints it;
``tests/ops/test_archive_doc.py`` checks that the document holds exactly this and that it restores."""

from __future__ import annotations

import gzip
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from ginseng_trace.chain.keys import SignerKey
from ginseng_trace.service import Services
from ginseng_trace.store import Store, sqlite_url_for

OPERATOR = SignerKey("operator", bytes(range(40, 72)))
LOG = SignerKey("example.org/log", bytes(range(32)))
WHEN = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def example_ledger(directory: Path) -> Services:
    """The example's ledger in ``directory``: the operator's key and the log key on record, one organisation
    registered, one checkpoint."""
    store = Store.open(sqlite_url_for(directory))
    ledger = Services(store, clock=lambda: WHEN, operator=OPERATOR, log_signer=LOG)
    ledger.membership.ensure_anchor_key()
    ledger.checkpointer.adopt_log_key()
    ledger.membership.enrol(
        "example-farm",
        "Example Farm",
        ["grower"],
        ["EX-"],
        event_ids=["org-example-farm"],
        occurred_at="2026-03-01T07:00:00Z",
    )
    ledger.checkpointer.publish()
    return ledger


def archive_text() -> str:
    """The example archive's lines, decompressed."""
    with tempfile.TemporaryDirectory() as tmp:
        ledger = example_ledger(Path(tmp))
        try:
            ledger.backups.export(Path(tmp) / "example.archive.gz")
        finally:
            ledger.store.close()
        return gzip.decompress((Path(tmp) / "example.archive.gz").read_bytes()).decode()


if __name__ == "__main__":
    sys.stdout.write(archive_text())
