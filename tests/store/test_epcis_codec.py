"""The compact form of the EPCIS index (``trace/store/epcis_codec.py``): any indexed event reads back exactly
(same members, same order, same JSON types), whether its derivable members are the records row's or not; format
1 stays readable (a stored vector, the dictionary pinned); a damaged value is a ValueError. On the demo, on both
engines: each stored event is compact, and is what the mapping makes of its record; and every query answer
(both EPC formats, two public bases) is what the mapping makes of each record directly."""

from __future__ import annotations

import hashlib
import json
import zlib
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text

from ginseng_trace.chain.canonical import parse_json
from ginseng_trace.chain.membership import ORG_LOT_PREFIX
from ginseng_trace.epcis.hash import event_hash
from ginseng_trace.epcis.index import INDEX_BASE, indexed, learn_lot_facts
from ginseng_trace.epcis.mapping import CONTEXT, Identifiers, LedgerRecord, epcis_event
from ginseng_trace.epcis.query import EventFilter
from ginseng_trace.epcis.urn import in_format
from ginseng_trace.service import Services
from ginseng_trace.service.epcis_query import EpcisQuery, company_prefixes
from ginseng_trace.service.errors import IntegrityError
from ginseng_trace.store.epcis_codec import DERIVED, DICTIONARY_1, RecordFacts, as_text, decode, encode
from ginseng_trace.store.tables import epcis_events

HEX = st.text("0123456789abcdef", min_size=64, max_size=64)
TEXT = st.text(max_size=30)
FACTS = st.builds(RecordFacts, st.integers(0, 2**53), TEXT, TEXT, TEXT, TEXT, HEX, HEX)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63) | st.floats(allow_nan=False) | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)
NAMES = st.sampled_from((*DERIVED, "type", "eventTime", "gt:other", "ilmd"))


@st.composite
def documents(draw: st.DrawFn) -> tuple[dict[str, Any], RecordFacts]:
    """An event and a record: each member named, in a drawn order, either the row's value (derivable), or a
    near miss (the same value as another JSON type, another string), or any JSON value."""
    facts = draw(FACTS)
    derived: dict[str, Any] = dict(zip(DERIVED, facts.derived(), strict=True))
    event: dict[str, Any] = {}
    for name in draw(st.lists(NAMES | TEXT, unique=True, max_size=14)):
        value = derived.get(name)
        choices: list[st.SearchStrategy[Any]] = [JSON]
        if value is not None:
            near = float(value) if isinstance(value, int) else f"{value} "
            choices += [st.just(value), st.just(near), st.just(0)]
        event[name] = draw(st.one_of(*choices))
    return event, facts


@given(documents())
def test_every_event_reads_back_exactly(case: tuple[dict[str, Any], RecordFacts]) -> None:
    event, facts = case
    stored = encode(event, facts)
    back = decode(stored, facts)
    assert back == event
    assert json.dumps(back) == json.dumps(event)  # member order and JSON types (1 vs 1.0 vs true) too


def test_the_row_members_are_not_stored_and_the_rest_is_compressed() -> None:
    facts = RecordFacts(7, "2026-12-04T01:19:25.649105Z", "ship", "HV-1", "farm", "ab" * 32, "cd" * 32)
    event = dict(zip(DERIVED, facts.derived(), strict=True))
    stored = encode(event, facts)
    assert stored[:3] == bytes((1, 0x01, 0xFF))  # format 1, all nine members the row's
    inflate = zlib.decompressobj(-15, zdict=DICTIONARY_1)
    assert json.loads(inflate.decompress(stored[3:]) + inflate.flush()) == dict.fromkeys(DERIVED, 0)  # not stored
    assert len(stored) < 30
    other = RecordFacts(7, facts.recorded_at, "ship", "HV-1", "farm", "ef" * 32, "cd" * 32)
    assert decode(stored, other)["gt:ledgerEventHash"] == "ef" * 32  # read from the row, not the stored bytes


# A format-1 value stored by the first version of the codec: it must read back so forever.
VECTOR = bytes.fromhex(
    "0100f7232a4c8c4c750d2c758d2c420c0ce91b361e61ba864a3a48316aa8678a16a9f8130331ad321dd48cffb46dfbcbc9fb20a244c4"
    "0bb0b59b9b0a0c0185d41c70679b16910400"
)


def test_format_1_stays_readable() -> None:
    assert hashlib.sha256(DICTIONARY_1).hexdigest() == (
        "bfda9e3105bfadcbdabf42bf125538bacaa85606cd26983a5f7095238fbd81ab"
    )
    facts = RecordFacts(7, "2026-12-04T01:19:25.649105Z", "ship", "HV-1", "farm", "ab" * 32, "cd" * 32)
    assert decode(VECTOR, facts) == {
        "type": "ObjectEvent",
        "eventTime": "2025-09-28T01:00:00Z",
        "eventTimeZoneOffset": "+08:00",
        "recordTime": "2026-12-04T01:19:25.649105Z",
        "quantityList": [{"epcClass": "https://index.invalid/lot/HV-1", "quantity": 1.5, "uom": "KGM"}],
        "action": "OBSERVE",
        "bizStep": "shipping",
        "disposition": "in_transit",
        "gt:carrier": "冷链",
        "gt:eventType": "ship",
        "gt:lot": "HV-1",
        "gt:actor": "someone else",
        "gt:ledgerEventHash": "ab" * 32,
        "gt:ledgerRecordHash": "cd" * 32,
        "gt:logIndex": 7,
        "gt:inclusionProof": "https://index.invalid/api/v1/log/inclusion/" + "cd" * 32,
    }


@pytest.mark.parametrize(
    "damaged",
    [
        b"",
        b"\x02" + VECTOR[1:],
        VECTOR[:-5],
        VECTOR[:3] + b"\xff" + VECTOR[4:],
        b"\x01\x80\x00" + VECTOR[3:],
        VECTOR + b"\x00",  # bytes after the stream's end
    ],
)
def test_a_damaged_value_is_a_value_error(damaged: bytes) -> None:
    facts = RecordFacts(7, "2026-12-04T01:19:25.649105Z", "ship", "HV-1", "farm", "ab" * 32, "cd" * 32)
    with pytest.raises(ValueError, match="stored EPCIS event"):
        decode(damaged, facts)


def _records(ledger: Services) -> list[LedgerRecord]:
    """The demo's supply-chain records (without disclosures), in log order, as the mapping reads them."""
    found = []
    for stored in ledger.store.read(lambda repo: list(repo.all_records())):
        event, sealed = parse_json(stored.event_bytes), parse_json(stored.record_bytes)
        assert isinstance(event, dict)
        assert isinstance(sealed, dict)
        if not str(event["lot_id"]).startswith(ORG_LOT_PREFIX):
            found.append(
                LedgerRecord(event, stored.event_hash, stored.record_hash, stored.log_index, sealed["recorded_at"])
            )
    return found


def _mapped(records: list[LedgerRecord], base: str) -> list[dict[str, Any]]:
    """What the mapping makes of each record on ``base``, with the lot facts the records before it say."""
    gtins: dict[str, str] = {}
    species: dict[str, str] = {}
    events = []
    for record in records:
        learn_lot_facts(record.event, gtins, species)
        events.append(epcis_event(record, Identifiers(base, dict(gtins), dict(species))))
    return events


def test_the_demo_index_is_compact_and_what_the_mapping_makes(demo: Services) -> None:
    records = _records(demo)
    stored = demo.store.read(
        lambda repo: [
            bytes(d)
            for (d,) in repo.connection.execute(epcis_events.select().with_only_columns(epcis_events.c.document))
        ]
    )
    assert len(stored) == len(records) > 50
    assert all(d[0] == 1 for d in stored)  # format 1
    expected = _mapped(records, INDEX_BASE)
    assert sum(map(len, stored)) < 0.2 * sum(len(as_text(e)) for e in expected)
    read = demo.store.read(lambda repo: repo.epcis.page(EventFilter(), None, len(records) + 1))
    assert [i for i, _ in read] == [r.log_index for r in records]
    assert [as_text(e) for _, e in read] == [as_text(e) for e in expected]
    gtins: dict[str, str] = {}
    species: dict[str, str] = {}
    for record, event in zip(records, expected, strict=True):  # the appender's own rows: indexed() of each
        learn_lot_facts(record.event, gtins, species)
        assert as_text(indexed(record, gtins, species).document) == as_text(event)


@pytest.mark.parametrize("base", ["https://trace.example.cn", "http://localhost:8000/sub/"])
@pytest.mark.parametrize("epc_format", ["Always_GS1_Digital_Link", "Always_EPC_URN"])
def test_every_query_answer_is_the_mapping_of_each_record(demo: Services, base: str, epc_format: str) -> None:
    records = _records(demo)
    prefixes = demo.store.read(company_prefixes) if epc_format == "Always_EPC_URN" else []
    expected = []
    for event in _mapped(records, base):
        expected.append({"eventID": event_hash(event, CONTEXT), **in_format(event, epc_format, prefixes)})
    query, answers, token = EpcisQuery(demo.store), [], None
    while True:
        items = [("perPage", "7")] + ([("nextPageToken", token)] if token else [])
        page = query.events(items, base, epc_format)
        answers += page.document["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
        if page.next_token is None:
            break
        token = page.next_token
    assert json.dumps(answers, ensure_ascii=False) == json.dumps(expected, ensure_ascii=False)


def test_a_damaged_index_row_is_named_damaged_ledger_data_not_an_unhandled_error(demo: Services) -> None:
    def damage(repo: Any) -> None:
        newest = "(SELECT max(log_index) FROM epcis_events)"
        update = text(f"UPDATE epcis_events SET document = :bad WHERE log_index = {newest}")
        repo.connection.execute(update, {"bad": b"\x01\x00\x00junk"})

    demo.store.write(damage)
    with pytest.raises(IntegrityError, match="EPCIS query index holds an event that does not read"):
        EpcisQuery(demo.store).events([("perPage", "500")], "https://trace.example.cn", "Always_GS1_Digital_Link")
