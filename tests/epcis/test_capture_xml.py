"""EPCIS 2.0 XML capture over real HTTP, on both engines: ``POST /api/v1/epcis/capture`` and ``POST /events``
take ``application/xml`` and ``text/xml``; the events are captured in their JSON-LD form and exported with the
CBV 2.0 hashes of the XML events (the reference's, for the reference's and GS1's documents and for generated
events); bad XML, DTDs and entities, schema-invalid events and documents over the size limit are refused with
nothing stored."""

from __future__ import annotations

from datetime import timedelta, timezone
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ginseng_trace.epcis.hash import cbv_terms, event_hash_of, event_hashes, pre_hashes
from ginseng_trace.epcis.xml import read_xml

from .test_capture import BASE, CAPTURE, OWNER, PARTNER, Site, site  # noqa: F401 - the fixture
from .test_capture_properties import dl, lgtin, minutes, moment, offset_text, sgtin
from .test_xml import BILLION_LAUGHS, DOCUMENTS, XML, XXE, reference_pre_hashes

EVENTS = "/api/v1/epcis/events"


def post(at: Site, path: str, data: bytes, kind: str = "application/xml", actor: str = PARTNER) -> Any:
    return at.client.post(path, content=data, headers=at.headers(actor, **{"Content-Type": kind}))


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.stem)
def test_xml_documents_are_captured_and_exported_with_their_hashes(site: Site, path: Path) -> None:  # noqa: F811 - the fixture
    data = path.read_bytes()
    hashes = event_hashes(read_xml(data).document)
    job = site.job(PARTNER, post(site, CAPTURE, data))
    assert job["success"], job["errors"]
    sent = read_xml(data).document["epcisBody"]["eventList"]
    assert [e["eventID"] for e in job["events"]] == [e.get("eventID", h) for e, h in zip(sent, hashes, strict=True)]
    exported = site.export(f"epcis:{PARTNER}")  # schema-valid JSON-LD (site.export checks)
    assert event_hashes(exported) == hashes
    expected = [r.replace("booleanValue=true", "booleanValue=True") for r in reference_pre_hashes(data.decode())]
    assert pre_hashes(exported) == expected  # the reference's hashes of the XML as sent


def test_text_xml_and_one_event(site: Site) -> None:  # noqa: F811 - the fixture
    site.plot("PLOT-XML-1")
    event = f"""<ObjectEvent xmlns:ex="https://ns.example.com/epcis/">
      <eventTime>2026-05-01T09:30:00.000+08:00</eventTime><eventTimeZoneOffset>+08:00</eventTimeZoneOffset>
      <epcList><epc>{BASE}/lot/PLOT-XML-1</epc></epcList><action>OBSERVE</action>
      <bizStep>urn:epcglobal:cbv:bizstep:inspecting</bizStep><ex:dock>D-4</ex:dock></ObjectEvent>""".encode()
    refused = post(site, EVENTS, event, "text/xml", actor=PARTNER)
    assert refused.status_code == 403, refused.text  # the partner has no custody of the plot
    answer = post(site, EVENTS, event, "text/xml; charset=utf-8", actor=OWNER)
    assert answer.status_code == 201, answer.text
    wrapped = (
        b'<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" schemaVersion="2.0" '
        b'creationDate="2026-05-01T00:00:00Z"><EPCISBody><EventList>' + event + b"</EventList></EPCISBody>"
        b"</epcis:EPCISDocument>"
    )
    assert answer.json()["eventID"] == event_hashes(read_xml(wrapped).document)[0]
    again = post(site, EVENTS, wrapped, actor=OWNER)
    assert again.status_code == 200, again.text  # the same event, by its hash
    assert event_hashes(site.export("PLOT-XML-1"))[-1] == answer.json()["eventID"]


def test_bad_xml_is_refused_with_nothing_stored(site: Site) -> None:  # noqa: F811 - the fixture
    before = site.services.records.count()
    broken = post(site, CAPTURE, b'<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2">\n<EPCISBody>')
    assert broken.status_code == 400, broken.text
    assert broken.headers["content-type"] == "application/problem+json"
    assert "line 2" in broken.json()["detail"]
    for bomb in (BILLION_LAUGHS, XXE):
        refused = post(site, CAPTURE, bomb)
        assert refused.status_code == 400
        assert "DOCTYPE" in refused.json()["detail"]
        assert "root:" not in refused.text
    deep = b'<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2">' + b"<a>" * 50_000 + b"</a>" * 50_000
    nested = post(site, CAPTURE, deep + b"</epcis:EPCISDocument>")
    assert nested.status_code == 400
    assert "nested over 64 deep" in nested.json()["detail"]
    text = (XML / "epcisDocWithVariousEventTypes.xml").read_text(encoding="utf-8")
    unknown = post(site, CAPTURE, text.replace("<action>ADD</action>", "<action>ADD</action><colour/>", 1).encode())
    assert unknown.status_code == 400
    assert [e["pointer"] for e in unknown.json()["errors"]] == ["/epcisBody/eventList/1/colour"]
    # schema-valid XML no more: the event has no eventTimeZoneOffset; refused by GS1's schema, with the XML line
    no_offset = text.replace("<eventTimeZoneOffset>-06:00</eventTimeZoneOffset>", "", 1).encode()
    schema = post(site, CAPTURE, no_offset)
    assert schema.status_code == 400, schema.text
    pointers = {e["pointer"]: e["detail"] for e in schema.json()["errors"]}
    assert any(p.startswith("/epcisBody/eventList/4") for p in pointers)
    assert all("XML line" in d for p, d in pointers.items() if p.startswith("/epcisBody/eventList/4"))
    one = post(site, EVENTS, text.encode())
    assert one.status_code == 400
    assert "one event is captured here, not 7" in one.text
    pad = "<ex:pad xmlns:ex='https://ex.example/'>" + "x" * 4000 + "</ex:pad>"
    huge = text.replace("</ObjectEvent>", pad + "</ObjectEvent>") * 1
    huge = huge.replace(
        "<EventList>", "<EventList>" + huge[huge.index("<ObjectEvent>") : huge.index("</EventList>")] * 120, 1
    )
    too_large = post(site, CAPTURE, huge.encode())
    assert too_large.status_code == 413
    assert site.services.records.count() == before


# --- generated events, rendered as JSON-LD and as XML ----------------------------------------------------

NS = "https://ns.example.com/epcis/"


@st.composite
def object_event(draw: st.DrawFn) -> tuple[dict[str, Any], str]:
    """An ObjectEvent as JSON-LD, and the same event in the XML binding (CBV terms as URNs or web URIs)."""
    when = draw(moment).astimezone(timezone(timedelta(minutes=draw(minutes))))
    time = when.isoformat(timespec=draw(st.sampled_from(["seconds", "milliseconds", "microseconds"])))
    offset = offset_text(draw(minutes))
    action = draw(st.sampled_from(["ADD", "OBSERVE", "DELETE"]))
    epcs = draw(st.lists(st.one_of(sgtin, dl), max_size=3, unique=True))
    biz_step = draw(st.sampled_from(sorted(cbv_terms()["bizStep"])))
    event: dict[str, Any] = {"type": "ObjectEvent", "eventTime": time, "eventTimeZoneOffset": offset}
    xml = [f"<eventTime>{time}</eventTime><eventTimeZoneOffset>{offset}</eventTimeZoneOffset>"]
    event["epcList"] = epcs
    xml.append("<epcList>" + "".join(f"<epc>{escape(e)}</epc>" for e in epcs) + "</epcList>")
    event["action"] = action
    xml.append(f"<action>{action}</action>")
    event["bizStep"] = biz_step
    urn = draw(st.booleans())
    xml.append(
        f"<bizStep>{'urn:epcglobal:cbv:bizstep:' + biz_step if urn else cbv_terms()['bizStep'][biz_step]}</bizStep>"
    )
    if draw(st.booleans()):
        disposition = draw(st.sampled_from(sorted(cbv_terms()["disposition"])))
        event["disposition"] = disposition
        xml.append(f"<disposition>urn:epcglobal:cbv:disp:{disposition}</disposition>")
    if draw(st.booleans()):
        place = f"https://id.gs1.org/414/{draw(st.text('0123456789', min_size=13, max_size=13))}"
        event["readPoint"] = {"id": place}
        xml.append(f"<readPoint><id>{place}</id></readPoint>")
    if draw(st.booleans()) or not epcs:
        items = draw(
            st.lists(st.tuples(lgtin, st.integers(1, 10**6), st.sampled_from(["KGM", "H87"])), min_size=1, max_size=3)
        )
        event["quantityList"] = [{"epcClass": c, "quantity": q, "uom": u} for c, q, u in items]
        xml.append(
            "<extension><quantityList>"
            + "".join(
                f"<quantityElement><epcClass>{escape(c)}</epcClass><quantity>{q}</quantity><uom>{u}</uom>"
                "</quantityElement>"
                for c, q, u in items
            )
            + "</quantityList></extension>"
        )
    if draw(st.booleans()):
        note = draw(st.text("qxzwj", min_size=1, max_size=8))  # no CBV term's last segment
        event["ex:batchNote"] = note
        xml.append(f"<ex:batchNote>{note}</ex:batchNote>")
    if action == "ADD" and draw(st.booleans()):
        age = draw(st.integers(1, 20))
        event["ilmd"] = {"ex:cropAge": str(age)}
        xml.append(f"<extension><ilmd><ex:cropAge>{age}</ex:cropAge></ilmd></extension>")
    return event, "<ObjectEvent>" + "".join(xml) + "</ObjectEvent>"


def as_documents(events: list[tuple[dict[str, Any], str]]) -> tuple[dict[str, Any], bytes]:
    jsonld = {
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld", {"ex": NS}],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-05-01T00:00:00Z",
        "epcisBody": {"eventList": [e for e, _ in events]},
    }
    xml = (
        f'<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" xmlns:ex="{NS}" schemaVersion="2.0" '
        'creationDate="2026-05-01T00:00:00Z"><EPCISBody><EventList>'
        + "".join(x for _, x in events)
        + "</EventList></EPCISBody></epcis:EPCISDocument>"
    )
    return jsonld, xml.encode()


@settings(max_examples=60, deadline=None)
@given(events=st.lists(object_event(), min_size=1, max_size=4))
@pytest.mark.slow
def test_generated_events_hash_alike_as_xml_and_json_ld(events: list[tuple[dict[str, Any], str]]) -> None:
    jsonld, xml = as_documents(events)
    read = read_xml(xml).document
    assert pre_hashes(read) == pre_hashes(jsonld) == reference_pre_hashes(xml.decode())
    assert read["epcisBody"] == jsonld["epcisBody"]  # the XML read is the JSON-LD rendering, member for member


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(events=st.lists(object_event(), min_size=1, max_size=3))
@pytest.mark.slow
def test_generated_xml_captures_export_with_the_reference_hashes(
    site: Site,  # noqa: F811 - the fixture
    events: list[tuple[dict[str, Any], str]],
) -> None:
    jsonld, xml = as_documents(events)
    job = site.job(PARTNER, post(site, CAPTURE, xml))
    assert job["success"], job["errors"]
    reference = hash_of(reference_pre_hashes(xml.decode()))
    assert [e["eventID"] for e in job["events"]] == reference == event_hashes(jsonld)
    exported = {e["eventID"] for e in site.export(f"epcis:{PARTNER}")["epcisBody"]["eventList"]}
    assert set(reference) <= exported
    assert set(reference) <= set(event_hashes(site.export(f"epcis:{PARTNER}")))


def hash_of(pre: list[str]) -> list[str]:
    return [event_hash_of(p) for p in pre]
