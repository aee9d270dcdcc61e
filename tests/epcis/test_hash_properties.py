"""Property tests of the CBV 2.0 event hash: generated EPCIS events hash as the reference implementation
(``epcis-event-hash-generator``) hashes them; member order and whitespace change nothing; a value changes it."""

from __future__ import annotations

import copy
import json
import random
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from epcis_event_hash_generator import hash_generator, json_to_py
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ginseng_trace.epcis.hash import cbv_terms, event_hashes, pre_hashes

# the reference reads its bundled JSON-LD contexts with importlib.resources.open_text, deprecated since 3.11
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

CONTEXT = [
    "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
    {"example": "https://ns.example.com/epcis/"},
]
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

digits = st.text("0123456789", min_size=1, max_size=1)
serial = st.text("ABCXYZabc0123456789-_.", min_size=1, max_size=12)


@st.composite
def company(draw: st.DrawFn, total: int) -> str:
    prefix = draw(st.integers(6, 12))
    body = "".join(draw(digits) for _ in range(total))
    if total - prefix <= 0:
        return body[:prefix] + "."
    return body[:prefix] + "." + body[prefix:]


sgtin = st.builds(lambda c, s: f"urn:epc:id:sgtin:{c}.{s}", company(13), serial)
sscc = st.builds(lambda c: f"urn:epc:id:sscc:{c}", company(17))
sgln = st.builds(lambda c, e: f"urn:epc:id:sgln:{c}.{e}", company(12), st.sampled_from(["0", "987", "A1"]))
lgtin = st.builds(lambda c, s: f"urn:epc:class:lgtin:{c}.{s}", company(13), serial)
pgln = st.builds(lambda c: f"urn:epc:id:pgln:{c}", company(12))
dl = st.builds(
    lambda g, lot: f"https://trace.example.cn/01/0690{g}/10/{lot}",
    st.text("0123456789", min_size=10, max_size=10),
    serial,
)
epc = st.one_of(sgtin, sscc, dl)
# the reference drops an event whose time rounds up to the next second (microsecond 999500 and up): not generated
when = st.datetimes(timezones=st.just(UTC)).filter(lambda d: d.microsecond < 999500).map(lambda d: d.isoformat())
offset = st.sampled_from(["+08:00", "-05:00", "+00:00", "+05:30"])
number = st.one_of(st.integers(-1000, 100000), st.floats(-1e6, 1e6, allow_nan=False).map(lambda f: round(f, 3)))
words = st.text("abcdefgh", min_size=1, max_size=8)


@st.composite
def quantity(draw: st.DrawFn) -> dict[str, Any]:
    q: dict[str, Any] = {"epcClass": draw(lgtin)}
    if draw(st.booleans()):
        q["quantity"] = draw(st.floats(0.001, 1e5, allow_nan=False).map(lambda f: round(f, 3)))
        q["uom"] = draw(st.sampled_from(["KGM", "GRM", "H87"]))
    return q


@st.composite
def event(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["ObjectEvent", "AggregationEvent", "TransformationEvent"]))
    e: dict[str, Any] = {"type": kind, "eventTime": draw(when), "eventTimeZoneOffset": draw(offset)}
    if kind == "ObjectEvent":
        e["action"] = draw(st.sampled_from(["ADD", "OBSERVE", "DELETE"]))
        e["epcList"] = draw(st.lists(epc, min_size=1, max_size=3))
        if draw(st.booleans()):
            e["quantityList"] = draw(st.lists(quantity(), min_size=1, max_size=3))
    elif kind == "AggregationEvent":
        e["action"] = "ADD"
        e["parentID"] = draw(sscc)
        e["childEPCs"] = draw(st.lists(sgtin, min_size=1, max_size=3))
    else:
        e["inputQuantityList"] = draw(st.lists(quantity(), min_size=1, max_size=2))
        e["outputEPCList"] = draw(st.lists(sgtin, min_size=1, max_size=2))
        e["transformationID"] = "urn:uuid:" + draw(st.uuids()).hex
    e["bizStep"] = draw(st.sampled_from(sorted(cbv_terms()["bizStep"])))
    if draw(st.booleans()):
        e["disposition"] = draw(st.sampled_from(sorted(cbv_terms()["disposition"])))
    e["readPoint"] = {"id": draw(sgln)}
    if draw(st.booleans()):
        e["bizLocation"] = {"id": draw(sgln)}
    if draw(st.booleans()):
        e["sourceList"] = [{"type": draw(st.sampled_from(["owning_party", "possessing_party"])), "source": draw(pgln)}]
        e["destinationList"] = [{"type": "owning_party", "destination": draw(pgln)}]
    if draw(st.booleans()):
        e["bizTransactionList"] = [{"type": draw(st.sampled_from(["po", "inv", "desadv"])), "bizTransaction": draw(dl)}]
    if draw(st.booleans()):
        reports = draw(
            st.lists(
                st.fixed_dictionaries(
                    {"type": st.sampled_from(["Temperature", "RelativeHumidity", "Mass"]), "value": number},
                    optional={"uom": st.sampled_from(["CEL", "P1", "KGM"]), "sDev": number},
                ),
                min_size=1,
                max_size=3,
            )
        )
        e["sensorElementList"] = [{"sensorMetadata": {"time": draw(when)}, "sensorReport": reports}]
    if draw(st.booleans()):
        e["ilmd"] = {"cbvmda:lotNumber": draw(serial), "example:cropAge": draw(st.integers(1, 20))}
    if draw(st.booleans()):
        e["example:note"] = draw(words)
    e["recordTime"] = draw(when)
    return e


def _document(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {"@context": CONTEXT, "type": "EPCISDocument", "schemaVersion": "2.0", "epcisBody": {"eventList": events}}


def _reference(document: dict[str, Any]) -> list[str]:
    events = json_to_py.event_list_from_epcis_document_json(json.loads(json.dumps(document)))
    return list(hash_generator.derive_prehashes_from_events(events))


def _shuffled(value: Any, rng: random.Random) -> Any:
    """The same JSON with every object's members in another order (lists kept: their order is data)."""
    if isinstance(value, dict):
        items = list(value.items())
        rng.shuffle(items)
        return {k: _shuffled(v, rng) for k, v in items}
    if isinstance(value, list):
        return [_shuffled(v, rng) for v in value]
    return value


@SETTINGS
@given(st.lists(event(), min_size=1, max_size=3))
@pytest.mark.slow
def test_generated_events_hash_as_the_reference_does(events: list[dict[str, Any]]) -> None:
    document = _document(events)
    assert pre_hashes(document) == _reference(document)


@SETTINGS
@given(event(), st.randoms(use_true_random=False))
def test_member_order_and_whitespace_do_not_change_the_hash(e: dict[str, Any], rng: random.Random) -> None:
    pairs = ("sourceList", "destinationList", "bizTransactionList")
    shuffled = _shuffled({k: v for k, v in e.items() if k not in pairs}, rng) | {k: e[k] for k in pairs if k in e}
    spaced = json.loads(json.dumps(_document([shuffled]), indent=3, separators=(" ,  ", " :  ")))
    assert event_hashes(_document([e])) == event_hashes(spaced)


@SETTINGS
@given(event(), st.randoms(use_true_random=False))
def test_list_order_and_time_zone_do_not_change_the_hash(e: dict[str, Any], rng: random.Random) -> None:
    other = copy.deepcopy(e)
    rng.shuffle(other["epcList"] if "epcList" in other else other.get("childEPCs", other.get("outputEPCList", [])))
    # the same instant written in another offset
    moment = datetime.fromisoformat(e["eventTime"]).astimezone(timezone(timedelta(hours=8)))
    other["eventTime"] = moment.isoformat()
    assert event_hashes(_document([e])) == event_hashes(_document([other]))


@SETTINGS
@given(event(), st.sampled_from(["eventTime", "readPoint", "bizStep", "ilmd", "first epc", "recordTime"]))
def test_changing_a_value_changes_the_hash(e: dict[str, Any], field: str) -> None:
    other = copy.deepcopy(e)
    if field == "eventTime":
        other["eventTime"] = "1999-12-31T23:59:59.123+00:00"
    elif field == "readPoint":
        other["readPoint"] = {"id": "urn:epc:id:sgln:9999999.99999.0"}
    elif field == "bizStep":
        other["bizStep"] = "https://example.com/not-a-cbv-step"
    elif field == "ilmd":
        other["ilmd"] = {"cbvmda:lotNumber": "CHANGED-LOT"}
    elif field == "first epc":
        key = next(k for k in ("epcList", "childEPCs", "outputEPCList") if k in other)
        other[key] = ["urn:epc:id:sgtin:9999999.099999.CHANGED", *other[key][1:]]
    else:  # recordTime is not part of the event hash: it changes nothing
        other["recordTime"] = "1999-12-31T23:59:59.123+00:00"
        assert event_hashes(_document([e])) == event_hashes(_document([other]))
        return
    assert event_hashes(_document([e])) != event_hashes(_document([other]))


def test_the_gs1_examples_hash_as_the_reference_does() -> None:
    from ..conftest import VECTORS

    examples = sorted((VECTORS / "epcis" / "examples").glob("*.jsonld"))
    assert len(examples) == 3
    for path in examples:
        document = json.loads(path.read_text(encoding="utf-8"))
        assert pre_hashes(document) == _reference(document), path.name
