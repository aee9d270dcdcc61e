"""docs/DOMAIN.md is the source every rule cites: each cited section exists, and every rule is mapped."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ginseng_trace.events.rules import rules_config

DOMAIN = Path(__file__).resolve().parents[2] / "docs" / "DOMAIN.md"
PREFIX = "docs/DOMAIN.md §"


def headings() -> set[str]:
    return {line[3:].strip() for line in DOMAIN.read_text(encoding="utf-8").splitlines() if line.startswith("## ")}


def cited_sections(source: str) -> list[str]:
    """The section names a ``source:`` string cites: each ``§Name``, up to the next ``:``, ``;``, ``,``,
    ``[`` or ``§``."""
    return [name.strip() for name in re.findall(r"§([^:;,\[§]+)", source)]


def mapping() -> dict[str, list[str]]:
    """The rule → section table of docs/DOMAIN.md: rule id to the sections in its last column."""
    text = DOMAIN.read_text(encoding="utf-8")
    table = text.split("## Rule → section", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, list[str]] = {}
    for line in table.splitlines():
        match = re.match(r"\| `([a-z_]+)` \|[^|]*\|(.*)\|\s*$", line)
        if match:
            rows[match.group(1)] = cited_sections(match.group(2))
    return rows


def test_cited_sections_parse() -> None:
    assert cited_sections("docs/DOMAIN.md §Lifecycle, §Chronology: no harvest before planting") == [
        "Lifecycle",
        "Chronology",
    ]
    assert cited_sections("docs/DOMAIN.md §Content [src], §Heavy metals [mem]") == ["Content", "Heavy metals"]


@pytest.mark.parametrize("rule", sorted(rules_config()))
def test_every_rule_cites_sections_that_exist(rule: str) -> None:
    source = str(rules_config()[rule]["source"])
    assert source.startswith(PREFIX), f"{rule}: source must start with {PREFIX!r}: {source!r}"
    sections = cited_sections(source)
    assert sections, rule
    missing = [s for s in sections if s not in headings()]
    assert not missing, f"{rule} cites sections missing from docs/DOMAIN.md: {missing}"


def test_the_rule_table_maps_every_rule_to_existing_sections() -> None:
    rows = mapping()
    assert set(rows) == set(rules_config()), "the rule → section table must list exactly the rules of rules.yaml"
    for rule, sections in rows.items():
        assert sections, rule
        assert set(sections) <= headings(), (rule, set(sections) - headings())
        # the table and the rule's own source agree on at least the first section it cites
        assert cited_sections(str(rules_config()[rule]["source"]))[0] in sections, rule


def test_the_doc_keeps_its_marks_and_gaps() -> None:
    names = headings()
    for required in ("Marks", "Primary sources", "Rule → section", "Known gaps in today's rules (issue 12)"):
        assert required in names, required
    text = DOMAIN.read_text(encoding="utf-8")
    for mark in ("[src]", "[mem]", "[asm]"):
        assert mark in text, mark


def test_no_citation_of_the_old_out_of_tree_file() -> None:
    root = DOMAIN.parents[1]
    for path in (
        root / "schemas" / "rules.yaml",
        *sorted((root / "trace" / "demo").glob("*.py")),
        root / "trace" / "events" / "public.py",
        root / "trace" / "events" / "rules.py",
    ):
        text = path.read_text(encoding="utf-8")
        assert "shared/DOMAIN.md" not in text, path
        assert re.search(r"(?<!docs/)DOMAIN\.md", text) is None, f"{path} cites DOMAIN.md without docs/"
