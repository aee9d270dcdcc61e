"""Backup and restore: the export and the import (re-verified, derived tables rebuilt) of a generated ledger, on
SQLite. ``python bench/backup.py [--events 20000 --lots 200]`` prints records/s of each, the archive's bytes
per record, and how the import compares with a bare ``verify`` of the same ledger."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from ginseng_trace.service import Services
from ginseng_trace.store import Store, create_ledger_engine

sys.path.insert(0, str(Path(__file__).resolve().parent))
from members import OPERATOR
from verify import LOG, build


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--lots", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        source, target, archive = Path(tmp) / "source.db", Path(tmp) / "target.db", Path(tmp) / "ledger.archive.gz"
        build(source, args.events, args.lots)
        engine = create_ledger_engine(f"sqlite+pysqlite:///{source}")
        ledger = Services(Store(engine), log_signer=LOG, operator=OPERATOR)
        start = time.perf_counter()
        exported = ledger.backups.export(archive)
        export_s = time.perf_counter() - start
        start = time.perf_counter()
        ledger.checks.verify()
        verify_s = time.perf_counter() - start
        engine.dispose()
        restored = Services(Store.open(f"sqlite+pysqlite:///{target}"), log_signer=LOG, operator=OPERATOR)
        start = time.perf_counter()
        imported = restored.backups.restore(archive, log_keys=[LOG.verifier()])
        import_s = time.perf_counter() - start
        restored.store.close()
        assert (imported.tree_size, imported.root) == (exported.tree_size, exported.root)
        size = archive.stat().st_size
    n = exported.tree_size
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores; {n} records, SQLite")
    print(f"  export                     {n / export_s:10,.0f} records/s ({export_s:.2f} s)")
    print(f"  import (verified, rebuilt) {n / import_s:10,.0f} records/s ({import_s:.2f} s)")
    print(f"  verify of the same ledger  {n / verify_s:10,.0f} records/s ({verify_s:.2f} s)")
    print(f"  archive                    {size / n:10,.0f} bytes/record (gzip'd), {size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
