"""The CBV 2.0 event hash against the reference implementation's vectors, the GS1 examples, and the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ginseng_trace.cli import main
from ginseng_trace.epcis.epc import canonical
from ginseng_trace.epcis.hash import EventHashError, canonical_time, event_hash, event_hashes, pre_hashes

from ..conftest import VECTORS

EPCIS = VECTORS / "epcis"
REFERENCE = ["ReferenceEventHashAlgorithm", "ReferenceEventHashAlgorithm2", "ReferenceEventHashAlgorithm3"]


def _document(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


@pytest.mark.parametrize("name", REFERENCE)
def test_reference_vectors_pre_hash_and_hash(name: str) -> None:
    document = _document(EPCIS / f"{name}.jsonld")
    assert pre_hashes(document) == (EPCIS / f"{name}.prehashes").read_text(encoding="utf-8").split()
    assert event_hashes(document) == (EPCIS / f"{name}.hashes").read_text(encoding="utf-8").split()


@pytest.mark.parametrize("name", REFERENCE)
def test_cli_prints_one_hash_a_line(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["epcis", "hash", str(EPCIS / f"{name}.jsonld")]) == 0
    assert capsys.readouterr().out.split() == (EPCIS / f"{name}.hashes").read_text(encoding="utf-8").split()


def test_cli_keeps_document_order(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    one, two = (_document(EPCIS / f"{n}.jsonld") for n in REFERENCE[:2])
    events = two["epcisBody"]["eventList"] + one["epcisBody"]["eventList"]
    both = {**one, "epcisBody": {"eventList": events}}
    path = tmp_path / "both.jsonld"
    path.write_text(json.dumps(both), encoding="utf-8")
    assert main(["epcis", "hash", str(path)]) == 0
    expected = [(EPCIS / f"{n}.hashes").read_text(encoding="utf-8").strip() for n in (REFERENCE[1], REFERENCE[0])]
    assert capsys.readouterr().out.split() == expected


@pytest.mark.parametrize(
    "content",
    ['{"epcisBody": ', "[1, 2]", '{"type": "EPCISDocument"}', '{"epcisBody": {"eventList": [1]}}', '{"a": 1, "a": 2}'],
)
def test_cli_bad_file_one_line_non_zero(content: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.jsonld"
    path.write_text(content, encoding="utf-8")
    assert main(["epcis", "hash", str(path)]) != 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert len(captured.err.strip().splitlines()) == 1


def test_cli_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["epcis", "hash", str(tmp_path / "none.jsonld")]) != 0
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_a_document_without_events_is_refused() -> None:
    with pytest.raises(EventHashError, match="eventList"):
        event_hashes({"epcisBody": {"eventList": {"type": "ObjectEvent"}}})


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("urn:epc:id:sgtin:0614141.011111.987", "https://id.gs1.org/01/00614141111114/21/987"),
        ("urn:epc:id:sscc:4012345.0000000111", "https://id.gs1.org/00/040123450000001112"),
        ("urn:epc:id:sgln:4012345.00011.0", "https://id.gs1.org/414/4012345000115"),
        ("urn:epc:id:pgln:0614141.00000", "https://id.gs1.org/417/0614141000005"),
        ("urn:epc:class:lgtin:4012345.012345.998877", "https://id.gs1.org/01/04012345123456/10/998877"),
        ("urn:epc:idpat:sgtin:4012345.012345.*", "https://id.gs1.org/01/04012345123456"),
        ("urn:epc:id:giai:4000001.111", "https://id.gs1.org/8004/4000001111"),
        ("urn:epc:id:sgtin:0614141.011111.a(1)", "https://id.gs1.org/01/00614141111114/21/a%281%29"),
        # a Digital Link on another domain, with a CPV, a lot and a serial and a query: serial level on id.gs1.org
        ("https://trace.example.cn/01/06901234567892/22/A/10/PK-1/21/7?17=281024", "https://id.gs1.org/01/06901234567892/21/7"),
        ("https://trace.example.cn/01/06901234567892/10/PK-2025-0931", "https://id.gs1.org/01/06901234567892/10/PK-2025-0931"),
        ("https://example.com/gtin/9506000134352", "https://id.gs1.org/01/09506000134352"),
        ("https://trace.example.cn/lot/PK-2025-0931", None),
        ("urn:epc:id:sgtin:0614141.01111.987", None),
        ("PK-2025-0931", None),
    ],
)  # fmt: skip
def test_gs1_keys_become_canonical_digital_links(uri: str, expected: str | None) -> None:
    assert canonical(uri) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2020-03-04T11:00:30+01:00", "2020-03-04T10:00:30.000Z"),
        ("2020-03-04T11:00:30.9996-01:30", "2020-03-04T12:30:31.000Z"),
        ("2020-03-04T11:00:30.1234Z", "2020-03-04T11:00:30.123Z"),
        ("not a time", "not a time"),
    ],
)
def test_times_are_utc_milliseconds(text: str, expected: str) -> None:
    assert canonical_time(text) == expected


def test_old_cbv_urns_hash_as_web_uris() -> None:
    base = {"type": "ObjectEvent", "eventTime": "2020-03-04T11:00:30+01:00", "eventTimeZoneOffset": "+01:00"}
    web = {**base, "action": "OBSERVE", "bizStep": "https://ref.gs1.org/cbv/BizStep-shipping"}
    urn = {**base, "action": "OBSERVE", "bizStep": "urn:epcglobal:cbv:bizstep:shipping"}
    bare = {**base, "action": "OBSERVE", "bizStep": "shipping"}
    assert event_hash(web) == event_hash(urn) == event_hash(bare)
