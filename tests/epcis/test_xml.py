"""EPCIS 2.0 XML documents read into JSON-LD (``trace/epcis/xml.py``): the CBV 2.0 hashes and pre-hash strings of
XML events equal the reference implementation's (its XML reader as the oracle) and those of the same events in
JSON-LD; the JSON-LD form validates against GS1's schema; the parser refuses DTDs and entities (no XXE, no
billion laughs); bad XML is refused naming the line or element; ``ginseng-trace epcis hash`` reads either form."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from epcis_event_hash_generator import hash_generator, xml_to_py
from hypothesis import given, settings
from hypothesis import strategies as st

from ginseng_trace.chain.errors import MalformedError
from ginseng_trace.cli import main
from ginseng_trace.epcis.capture import read_document, schema_problems
from ginseng_trace.epcis.hash import event_hashes, pre_hashes
from ginseng_trace.epcis.xml import looks_like_xml, read_xml, read_xml_event

from ..conftest import VECTORS

XML = VECTORS / "epcis" / "xml"
EXAMPLES = VECTORS / "epcis" / "examples"
DOCUMENTS = sorted(p for p in XML.glob("*.xml") if not p.name.endswith(".query.xml"))


def reference_pre_hashes(text: str) -> list[str]:
    """The reference implementation's pre-hash strings of an XML EPCISDocument's events."""
    logging.disable(logging.CRITICAL)
    try:
        events = xml_to_py.event_list_from_epcis_document_str(text)
        found: list[str] = hash_generator.derive_prehashes_from_events(events)
    finally:
        logging.disable(logging.NOTSET)
    return found


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.stem)
def test_pre_hashes_match_the_reference_on_xml_documents(path: Path) -> None:
    read = read_xml(path.read_bytes())
    ours = pre_hashes(read.document)
    reference = reference_pre_hashes(path.read_text(encoding="utf-8"))
    assert len(ours) == len(reference) > 0
    # the one place the reference's XML and JSON readers disagree: a boolean sensor value is "true" in its XML
    # pre-hash and "True" in its JSON one; ours is the JSON-LD form's (docs/EPCIS.md)
    assert ours == [r.replace("booleanValue=true", "booleanValue=True") for r in reference]
    assert schema_problems(read.document) == []
    assert read_document(read.document)  # capture's own checks pass too


def test_the_boolean_difference_is_only_where_a_boolean_is() -> None:
    text = (XML / "ObjectEvent_all_possible_fields.xml").read_text(encoding="utf-8")
    assert "booleanValue=true" in reference_pre_hashes(text)[0]
    assert "booleanValue=True" in pre_hashes(read_xml(text.encode()).document)[0]


@pytest.mark.parametrize(
    ("xml", "jsonld"),
    [
        ("Example_9.6.1-ObjectEvent.query.xml", "Example_9.6.1-ObjectEvent.jsonld"),
        ("Example_9.6.3-AggregationEvent.xml", "Example_9.6.3-AggregationEvent.jsonld"),
    ],
)
def test_xml_and_json_ld_of_gs1_examples_hash_alike(xml: str, jsonld: str) -> None:
    read = read_xml((XML / xml).read_bytes())
    original = json.loads((EXAMPLES / jsonld).read_text(encoding="utf-8"))
    assert event_hashes(read.document) == event_hashes(original)
    assert pre_hashes(read.document) == pre_hashes(original)
    assert schema_problems(read.document) == []


def test_a_query_document_reads_like_the_document() -> None:
    query = (XML / "Example_9.6.1-ObjectEvent.query.xml").read_text(encoding="utf-8")
    read = read_xml(query.encode())
    assert read.document["type"] == "EPCISQueryDocument"
    results = read.document["epcisBody"]["queryResults"]
    assert results["queryName"] == "SimpleEventQuery"
    assert [e["type"] for e in results["resultsBody"]["eventList"]] == ["ObjectEvent", "ObjectEvent"]
    # the reference reads no query document; as an EPCISDocument its events hash as ours do in the query document
    body = query[query.index("<EventList>") : query.index("</EventList>") + len("</EventList>")]
    as_document = (
        '<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" schemaVersion="2.0" '
        f'creationDate="2005-07-11T11:30:47.0Z"><EPCISBody>{body}</EPCISBody></epcis:EPCISDocument>'
    )
    assert pre_hashes(read.document) == reference_pre_hashes(as_document)
    assert schema_problems(read.document) == []


def test_the_json_ld_form() -> None:
    read = read_xml((XML / "ReferenceEventHashAlgorithm3.xml").read_bytes())
    assert read.document["@context"] == [
        "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
        {"example": "https://ns.example.com/epcis"},
    ]
    (event,) = read.document["epcisBody"]["eventList"]
    assert event["bizStep"] == "departing"  # the CBV URN as JSON-LD's bare term
    assert event["disposition"] == "in_transit"
    assert event["readPoint"] == {"id": "urn:epc:id:sgln:4012345.00011.0", "example:myField1": "AB-12"}
    assert event["sourceList"] == [{"type": "owning_party", "source": "urn:epc:id:pgln:4012345.00000"}]
    assert event["example:userExt"] == "CD-34"
    assert read.lines["/epcisBody/eventList/0/readPoint"] == 13
    sensors = read_xml((XML / "ObjectEvent_all_possible_fields.xml").read_bytes()).document
    (report,) = sensors["epcisBody"]["eventList"][0]["sensorElementList"][0]["sensorReport"]
    assert (report["type"], report["value"], report["booleanValue"], report["component"]) == (
        "Temperature",
        26.0,
        True,
        "example:x",
    )


def test_a_namespace_whose_prefix_is_taken_gets_another() -> None:
    text = b"""<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" schemaVersion="2.0"
      creationDate="2026-01-01T00:00:00Z"><EPCISBody><EventList>
      <ObjectEvent xmlns:ex="https://a.example/"><eventTime>2026-01-01T00:00:00Z</eventTime>
        <eventTimeZoneOffset>+00:00</eventTimeZoneOffset><epcList/><action>OBSERVE</action><ex:f>1</ex:f></ObjectEvent>
      <ObjectEvent xmlns:ex="https://b.example/"><eventTime>2026-01-01T00:00:00Z</eventTime>
        <eventTimeZoneOffset>+00:00</eventTimeZoneOffset><epcList/><action>OBSERVE</action><ex:f>2</ex:f>
        <g xmlns="https://c.example/">3</g></ObjectEvent>
    </EventList></EPCISBody></epcis:EPCISDocument>"""
    read = read_xml(text)
    assert read.document["@context"][1] == {
        "ex": "https://a.example/",
        "ex1": "https://b.example/",
        "ns": "https://c.example/",
    }
    first, second = read.document["epcisBody"]["eventList"]
    assert first["ex:f"] == "1"
    assert second["ex1:f"] == "2"
    assert second["ns:g"] == "3"
    assert "{https://b.example/}f=2" in pre_hashes(read.document)[1]
    assert pre_hashes(read.document) == reference_pre_hashes(text.decode())


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2"><EPCISBody><EventList>&lol3;</EventList></EPCISBody>
</epcis:EPCISDocument>"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" schemaVersion="2.0" creationDate="2026-01-01T00:00:00Z">
<EPCISBody><EventList><ObjectEvent><eventTime>2026-01-01T00:00:00Z</eventTime>
<eventTimeZoneOffset>+00:00</eventTimeZoneOffset><action>OBSERVE</action>
<ex:leak xmlns:ex="https://ex.example/">&secret;</ex:leak></ObjectEvent></EventList></EPCISBody></epcis:EPCISDocument>"""
EXTERNAL_DTD = b"""<?xml version="1.0"?><!DOCTYPE d SYSTEM "http://127.0.0.1:9/evil.dtd"><d/>"""


@pytest.mark.parametrize("data", [BILLION_LAUGHS, XXE, EXTERNAL_DTD], ids=["billion-laughs", "xxe", "external-dtd"])
def test_dtds_and_entities_are_refused(data: bytes) -> None:
    with pytest.raises(MalformedError) as refused:
        read_xml(data)
    assert "DOCTYPE" in str(refused.value)
    assert "root:" not in str(refused.value)  # nothing of /etc/passwd


def test_bad_xml_is_refused_naming_the_line_or_element() -> None:
    with pytest.raises(MalformedError) as broken:
        read_xml(b'<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2">\n<EPCISBody>\n</epcis:EPCISDocument>')
    assert "line 3" in str(broken.value)
    with pytest.raises(MalformedError) as root:
        read_xml(b"<EPCISDocument/>")
    assert root.value.problems[0].pointer == "/type"
    text = (XML / "epcisDocWithVariousEventTypes.xml").read_text(encoding="utf-8")
    bad = text.replace("<quantity>600</quantity>", "<quantity>six hundred</quantity>", 1)
    bad = bad.replace("<action>OBSERVE</action>", "<action>OBSERVE</action><colour>red</colour>", 1)
    bad = bad.replace("<TransactionEvent>", "<TransactionEvnt>", 1).replace(
        "</TransactionEvent>", "</TransactionEvnt>", 1
    )
    with pytest.raises(MalformedError) as wrong:
        read_xml(bad.encode())
    found = {p.pointer: p.detail for p in wrong.value.problems}
    assert set(found) == {
        "/epcisBody/eventList/1/quantityList/0/quantity",
        "/epcisBody/eventList/0/colour",
        "/epcisBody/eventList/4/type",
    }
    assert "'six hundred' is not a number" in found["/epcisBody/eventList/1/quantityList/0/quantity"]
    assert found["/epcisBody/eventList/0/colour"].startswith("line 11:")
    assert "TransactionEvnt" in found["/epcisBody/eventList/4/type"]


def test_elements_nested_too_deep_are_refused() -> None:
    def nested(n: int) -> bytes:
        return (
            b'<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" xmlns:e="https://e.example/" '
            b'schemaVersion="2.0" creationDate="2026-01-01T00:00:00Z"><EPCISBody><EventList><ObjectEvent>'
            b"<eventTime>2026-01-01T00:00:00Z</eventTime><eventTimeZoneOffset>+00:00</eventTimeZoneOffset>"
            b"<action>OBSERVE</action>" + b"<e:a>" * n + b"x" + b"</e:a>" * n + b"</ObjectEvent></EventList>"
            b"</EPCISBody></epcis:EPCISDocument>"
        )

    read = read_xml(nested(60)).document  # 64 deep in all
    assert pre_hashes(read) == reference_pre_hashes(nested(60).decode())
    for n in (61, 100_000):
        with pytest.raises(MalformedError, match="nested over 64 deep"):
            read_xml(nested(n))


FRAGMENTS = [
    '<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" schemaVersion="2.0">',
    "</epcis:EPCISDocument>", "<EPCISBody>", "</EPCISBody>", "<EventList>", "</EventList>", "<ObjectEvent>",
    "</ObjectEvent>", "<AggregationEvent>", "<extension>", "</extension>", "<epcList>", "</epcList>", "<epc>x</epc>",
    "<quantityList><quantityElement><quantity>", "</quantity></quantityElement></quantityList>", "1e999", "nan",
    '<sensorElementList><sensorElement><sensorReport value="', '" booleanValue="maybe"/>',
    "</sensorElement></sensorElementList>", '<e:x xmlns:e="https://e/" e:y="1">', "</e:x>", "<bizTransactionList>",
    '<bizTransaction type="urn:epcglobal:cbv:btt:po">', "</bizTransaction>", "</bizTransactionList>", "&amp;",
    "<![CDATA[z]]>", "<!-- c -->", "<?pi x?>", "<readPoint><id>", "</id></readPoint>", "<ilmd>", "</ilmd>",
]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.binary(max_size=200), st.lists(st.sampled_from(FRAGMENTS), max_size=25).map("".join)))
def test_any_input_is_read_or_refused(data: bytes | str) -> None:
    raw = data.encode() if isinstance(data, str) else data
    for read in (read_xml, read_xml_event):
        try:
            found: object = read(raw).document
        except MalformedError as exc:
            found = exc.problems
        assert found  # a document, or the problems named


def test_one_event_alone_or_in_a_document() -> None:
    text = (XML / "Example_9.6.3-AggregationEvent.xml").read_text(encoding="utf-8")
    whole = read_xml(text.encode()).document
    single = read_xml_event(text.encode())
    assert single.document == {"@context": whole["@context"], **whole["epcisBody"]["eventList"][0]}
    bare = text[text.index("<AggregationEvent>") : text.index("</AggregationEvent>") + 19]
    bare = bare.replace("<AggregationEvent>", '<AggregationEvent xmlns:example="http://ns.example.com/epcis/">')
    assert read_xml_event(bare.encode()).document == single.document
    with pytest.raises(MalformedError, match="one event is captured here, not 7"):
        read_xml_event((XML / "epcisDocWithVariousEventTypes.xml").read_bytes())


def test_xml_is_told_from_json() -> None:
    assert looks_like_xml(b"\xef\xbb\xbf  \n<?xml version='1.0'?><a/>")
    assert not looks_like_xml(b' {"type": "EPCISDocument"}')


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.stem)
def test_cli_hashes_xml(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["epcis", "hash", str(path)]) == 0
    assert capsys.readouterr().out.split() == event_hashes(read_xml(path.read_bytes()).document)
    assert main(["epcis", "hash", "--prehash", str(path)]) == 0
    assert capsys.readouterr().out.splitlines() == pre_hashes(read_xml(path.read_bytes()).document)


def test_cli_prints_xml_and_json_ld_of_one_example_alike(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["epcis", "hash", str(XML / "Example_9.6.1-ObjectEvent.query.xml")]) == 0
    from_xml = capsys.readouterr().out
    assert main(["epcis", "hash", str(EXAMPLES / "Example_9.6.1-ObjectEvent.jsonld")]) == 0
    assert capsys.readouterr().out == from_xml
    assert len(from_xml.split()) == 2


def test_cli_refuses_bad_xml_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for n, data in enumerate((b"<a><b></a>", XXE)):
        path = tmp_path / f"bad{n}.xml"
        path.write_bytes(data)
        assert main(["epcis", "hash", str(path)]) != 0
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1
        assert str(path) in err


def test_a_bare_cbv_term_in_xml_hashes_as_its_uri() -> None:
    """docs/EPCIS.md: the reference's XML reader leaves ``<bizStep>shipping</bizStep>`` bare; ours reads JSON-LD's
    bare term, which hashes as its web URI (as the same event in JSON-LD does)."""
    text = (
        '<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" schemaVersion="2.0" '
        'creationDate="2026-01-01T00:00:00Z">'
        "<EPCISBody><EventList><ObjectEvent><eventTime>2026-01-01T00:00:00Z</eventTime><eventTimeZoneOffset>+00:00"
        "</eventTimeZoneOffset><epcList/><action>OBSERVE</action><bizStep>{}</bizStep></ObjectEvent></EventList>"
        "</EPCISBody></epcis:EPCISDocument>"
    )
    bare, urn = (read_xml(text.format(v).encode()).document for v in ("shipping", "urn:epcglobal:cbv:bizstep:shipping"))
    assert (
        pre_hashes(bare) == pre_hashes(urn) == reference_pre_hashes(text.format("urn:epcglobal:cbv:bizstep:shipping"))
    )
    assert reference_pre_hashes(text.format("shipping"))[0].endswith("bizStep=shipping")
