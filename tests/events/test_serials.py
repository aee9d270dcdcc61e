"""GS1 serials (AI 21) and packaging runs: strings compared exactly, never as numbers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ginseng_trace.events.serials import SerialRun, is_serial, run_problem
from ginseng_trace.labels.digital_link import DigitalLinkError, build, parse

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "serials" / "runs.json"
CSET82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
GTIN = "06975123400010"

serials = st.text(st.sampled_from(CSET82), min_size=1, max_size=20)


def test_character_set_82_has_82_characters() -> None:
    assert len(set(CSET82)) == 82


@pytest.mark.parametrize("case", json.loads(VECTORS.read_text())["cases"], ids=lambda c: f"{c['serial']!r}")
def test_the_shared_vectors(case: dict[str, Any]) -> None:
    """The same cases as the browser's ``inRun`` (tests/js/verify.test.cjs)."""
    run = SerialRun.of(case["run"])
    assert (run is not None and case["serial"] in run) == case["in"]


@given(serials)
def test_every_string_of_set_82_up_to_20_is_a_serial_and_a_valid_ai_21(serial: str) -> None:
    assert is_serial(serial)
    link = build("https://trace.example.cn", GTIN, lot="PK-1", serial=serial)
    assert parse(link.uri()).elements["21"] == serial  # exactly, padding and case kept


@given(st.text(min_size=1, max_size=30))
def test_no_other_string_is_a_serial_and_the_parser_refuses_it_by_name(text: str) -> None:
    valid = len(text) <= 20 and all(c in CSET82 for c in text)
    assert is_serial(text) == valid
    if not valid:
        with pytest.raises(DigitalLinkError) as refused:
            parse(build("https://trace.example.cn", GTIN, lot="PK-1").uri() + "/21/" + _quote(text))
        assert refused.value.part in {"21", "path"}


def _quote(text: str) -> str:
    return quote(text, safe="")


def test_a_serial_of_4301_digits_or_of_non_ascii_digits_is_refused_not_crashed() -> None:
    run = SerialRun.of({"first": "0001", "last": "0200"})
    assert run is not None
    for text in ("7" * 4301, "٠٠٠٧", "０００７", "²"):
        assert not is_serial(text)
        assert SerialRun.of({"first": text, "last": text}) is None
        assert text not in run
        with pytest.raises(DigitalLinkError):
            parse(f"https://trace.example.cn/01/{GTIN}/10/PK-1/21/{_quote(text)}")


@given(st.integers(0, 10**6), st.integers(1, 500), st.integers(0, 12))
def test_a_range_holds_exactly_the_strings_of_its_width(start: int, size: int, pad: int) -> None:
    width = len(str(start + size - 1)) + pad
    first, last = f"{start:0{width}d}", f"{start + size - 1:0{width}d}"
    run = SerialRun.of({"first": first, "last": last})
    assert run is not None
    assert len(run) == size
    listed = list(run)
    assert listed[0] == first
    assert listed[-1] == last
    assert len(set(listed)) == size
    assert all(len(s) == width and s in run for s in listed)
    for n in (start, start + size - 1):
        for other in (str(n), f"{n:0{width + 1}d}", f"{n:0{max(1, width - 1)}d}"):
            assert (other in run) == (other == f"{n:0{width}d}")  # another width is another serial


@given(st.lists(serials, min_size=1, max_size=30, unique=True), serials)
def test_a_listed_run_holds_its_list_and_nothing_else(listed: list[str], other: str) -> None:
    run = SerialRun.of({"list": listed})
    assert run is not None
    assert list(run) == listed
    assert len(run) == len(listed)
    assert (other in run) == (other in listed)


@pytest.mark.parametrize(
    ("spec", "member"),
    [
        ({"first": "1", "last": "200"}, "/last"),
        ({"first": "0200", "last": "0001"}, "/last"),
        ({"first": "A001", "last": "A200"}, "/first"),
        ({"first": "0001"}, ""),
        ({"list": ["A", "A"]}, "/list/1"),
        ({"list": ["A", "é"]}, "/list/1"),
        ({"list": []}, ""),
        ([], ""),
    ],
)
def test_what_is_not_a_run_says_why(spec: Any, member: str) -> None:
    problem = run_problem(spec)
    assert problem is not None
    assert problem[0] == member
    assert SerialRun.of(spec) is None
