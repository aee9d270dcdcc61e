"""docs/EPCIS.md says what the code does: its worked example is the hash of the vector it names, and its
mapping table is MAPPING."""

from __future__ import annotations

import json
import re
from pathlib import Path

from ginseng_trace.epcis.hash import event_hashes, pre_hashes
from ginseng_trace.epcis.mapping import MAPPING, NAMESPACE

from ..conftest import VECTORS

DOC = (Path(__file__).resolve().parents[2] / "docs" / "EPCIS.md").read_text(encoding="utf-8")


def test_the_worked_example_is_reproduced() -> None:
    document = json.loads((VECTORS / "epcis" / "ReferenceEventHashAlgorithm3.jsonld").read_text(encoding="utf-8"))
    indented = {line.strip() for line in DOC.splitlines() if line.startswith("    ")}
    assert pre_hashes(document)[0] in indented
    assert event_hashes(document)[0] in indented


def test_the_mapping_table_is_the_mapping() -> None:
    rows = {}
    for line in DOC.splitlines():
        m = re.fullmatch(r"\| `(\w+)` \| (\w+) \| (\S+) \| (\S+) \| (.+) \|", line)
        if m:
            rows[m.group(1)] = m.groups()[1:]
    assert set(rows) == set(MAPPING)
    for kind, rule in MAPPING.items():
        step = (rule.biz_step or "—").replace(NAMESPACE, "gt:")
        assert rows[kind][:3] == (rule.kind, rule.action or "—", step), kind
        if kind != "quality_test":  # its disposition follows the verdict
            assert rows[kind][3] == (rule.disposition or "—"), kind
