"""Property test of the capture round trip over real HTTP, on both engines: generated schema-valid EPCIS 2.0
ObjectEvents (EPCs, bizSteps, dispositions, quantities, times with offsets, user extensions) are captured,
exported, and come back as sent with the CBV 2.0 event hashes they were captured with."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ginseng_trace.epcis.capture import schema_problems
from ginseng_trace.epcis.hash import cbv_terms, event_hashes

from .test_capture import PARTNER, Site, document, site  # noqa: F401 - the fixture

digits = st.text("0123456789", min_size=13, max_size=13)
serial = st.text("ABCXYZabc0123456789-_.", min_size=1, max_size=12)
sgtin = st.builds(lambda d, s: f"urn:epc:id:sgtin:{d[:7]}.{d[7:12]}.{s}", digits, serial)
dl = st.builds(lambda d, s: f"https://id.gs1.org/01/0{d}/21/{s}", digits, serial)
lgtin = st.builds(lambda d, s: f"urn:epc:class:lgtin:{d[:7]}.{d[7:12]}.{s}", digits, serial)
minutes = st.integers(-12 * 60, 14 * 60).map(lambda m: m - m % 15)  # the offsets in use are quarter hours
# in the past (the chronology rule refuses the future); no time whose milliseconds round into the next second
moment = st.datetimes(datetime(2000, 1, 1), datetime(2025, 12, 31), timezones=st.just(UTC)).filter(
    lambda d: d.microsecond < 999500
)


def offset_text(m: int) -> str:
    return f"{'-' if m < 0 else '+'}{abs(m) // 60:02d}:{abs(m) % 60:02d}"


@st.composite
def quantity(draw: st.DrawFn) -> dict[str, Any]:
    q: dict[str, Any] = {"epcClass": draw(lgtin)}
    if draw(st.booleans()):
        q["quantity"] = draw(st.one_of(st.integers(1, 10**6), st.floats(0.001, 1e5).map(lambda f: round(f, 3))))
        q["uom"] = draw(st.sampled_from(["KGM", "GRM", "TNE", "H87", "LTR"]))
    return q


@st.composite
def object_event(draw: st.DrawFn) -> dict[str, Any]:
    shift = draw(minutes)
    when = draw(moment).astimezone(timezone(timedelta(minutes=shift)))
    precision = draw(st.sampled_from(["seconds", "milliseconds", "microseconds"]))
    event: dict[str, Any] = {
        "type": "ObjectEvent",
        "eventTime": when.isoformat(timespec=precision),
        "eventTimeZoneOffset": offset_text(draw(minutes)),  # where it happened need not be how it is written
        "action": draw(st.sampled_from(["ADD", "OBSERVE", "DELETE"])),
        "epcList": draw(st.lists(st.one_of(sgtin, dl), max_size=3, unique=True)),
        "bizStep": draw(st.sampled_from(sorted(cbv_terms()["bizStep"]))),
    }
    if draw(st.booleans()) or not event["epcList"]:
        event["quantityList"] = draw(st.lists(quantity(), min_size=1, max_size=3))
    if draw(st.booleans()):
        event["disposition"] = draw(st.sampled_from(sorted(cbv_terms()["disposition"])))
    if draw(st.booleans()):
        event["readPoint"] = {"id": f"https://id.gs1.org/414/{draw(digits)}"}
    if draw(st.booleans()):
        event["ex:batchNote"] = draw(st.text("qxzwj", min_size=1, max_size=8))  # no CBV term's last segment
    if event["action"] == "ADD" and draw(st.booleans()):
        event["ilmd"] = {"cbvmda:lotNumber": draw(serial), "ex:cropAge": draw(st.integers(1, 20))}
    return event


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(events=st.lists(object_event(), min_size=1, max_size=3))
@pytest.mark.slow
def test_captured_object_events_export_with_the_hashes_they_were_captured_with(
    site: Site,  # noqa: F811 - the fixture
    events: list[dict[str, Any]],
) -> None:
    sent = document(*events)
    assert schema_problems(sent) == []
    job = site.job(PARTNER, site.capture(PARTNER, sent))
    assert job["success"], job["errors"]
    captured = event_hashes(sent)
    assert [e["eventID"] for e in job["events"]] == captured
    exported = site.export(f"epcis:{PARTNER}")  # schema-valid (site.export checks)
    listed = exported["epcisBody"]["eventList"]
    assert [e["eventID"] for e in listed] == event_hashes(exported)
    by_hash = {e["eventID"]: e for e in listed}
    for hash_, event, entry in zip(captured, events, job["events"], strict=True):
        assert hash_ in by_hash
        if entry["created"]:  # else the same event (by its hash) was captured before, perhaps written otherwise
            assert {k: v for k, v in by_hash[hash_].items() if k not in ("eventID", "recordTime")} == event
