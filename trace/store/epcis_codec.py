"""The stored form of an indexed EPCIS event (``epcis_events.document``): known to the store alone.

An indexed event is the JSON object :func:`..epcis.index.indexed` makes of a record. What the ``records`` row
of the same log index says anyway (the record time, the event's type, lot and actor, the two hashes, the log
index, and the inclusion-proof URL and ``transformationID`` made of the hashes) is not stored again: a
top-level member whose value is exactly what the row gives (same JSON type, same value) is kept in its place
with the value ``0``, and a bit of the header says so; the reader puts the row's value back in that place.
The rest is compressed with raw DEFLATE (RFC 1951) and a preset dictionary of the mapping's vocabulary.

Format 1, byte for byte: ``0x01``, then a big-endian 16-bit mask (bit *i* set: member *i* of
:data:`DERIVED` is the row's), then the DEFLATE stream of the event as compact UTF-8 JSON, compressed with
:data:`DICTIONARY_1`. Neither the member list nor the dictionary of a format may ever change: a change is a
new format byte, and :func:`decode` keeps reading every earlier one.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from typing import Any

from ..epcis.index import INDEX_BASE

FORMAT_1 = 1

DERIVED = (
    "recordTime",
    "gt:eventType",
    "gt:lot",
    "gt:actor",
    "gt:ledgerEventHash",
    "gt:ledgerRecordHash",
    "gt:logIndex",
    "gt:inclusionProof",
    "transformationID",
)
"""The members a records row gives, in mask-bit order (format 1)."""

_PROOF_1 = INDEX_BASE + "/api/v1/log/inclusion/"
_PARTY = "https://ns.ginseng-trace.org/epcis/party/"
_LOT = INDEX_BASE + "/lot/"
_GS1 = INDEX_BASE + "/01/"
# Schema member names (as gt:<member>), least common first: DEFLATE codes near matches more cheaply.
_MEMBERS = (
    "level sscc children cooperative scheme number issuer valid_from valid_until scope supersedes reason corrected "
    "method authority reference witnessed_by operation product registration_number active_ingredient pesticide_class "
    "dose pre_harvest_interval_days material water_m3 finding role crop_age_years fresh_weight root_count "
    "grams_per_root grade gtin batch net_weight_g units from_output from_grade serials species part intended_use "
    "label_warnings claims export_markets national_trace_code production_date expiry_date process input_quantities "
    "outputs steps steaming drying final_moisture_pct slice_thickness_mm mesh licence test lab accreditation "
    "sample_id basis ginsenosides_pct moisture_pct total_ash_pct heavy_metals_mg_kg pesticide_residues_mg_kg verdict "
    "report_reference from to net_weight_kg land_type county_code county prefecture township area_mu altitude_m "
    "location soil_tests certifications hold from_buyer carrier purpose quantity buyer_type city invoice_reference "
    "variety seed_lot seedling_age_years supplier kind warehouse zone_class readings certificate note"
)
# The event schemas' enumerated values (schemas/events/*.yaml, schemas/common.yaml), as JSON strings.
_VALUES = (
    "case pallet fertilise pesticide irrigate shade weed inspect chemical biological kg/mu L/mu kg/hm2 medicinal food "
    "geographical_indication changbaishan_brand jingyu_forest_gi green_trade washing sun_drying steam_red_ginseng "
    "slicing powder extract other main_root fine_roots rhizome_heads waste fresh dry pass fail person device grower "
    "cooperative processor logistics retailer lab farmland forest damaged quality wrong_goods expired unsold "
    "self_check regulatory_sampling consumer wholesaler pharmacy export harvest_lot process_batch packaged_product "
    "ambient cool cold_chain panax_quinquefolius root_and_rhizome rhizome leaves_stems flowers fruits seeds gap gacp "
    "gi_gb_t_19506 changbaishan_brand_base organic green_food"
)
DICTIONARY_1 = "".join(
    (
        "".join(f'"{v}",' for v in _VALUES.split()),
        '"gt:dose":{"unit":"g a.i./hm2","value":',
        '"type":"AggregationEvent","eventTime":"',
        '"parentID":"',
        '"childEPCs":["',
        '"action":"DELETE","bizStep":"destroying","disposition":"destroyed"',
        '"sensorElementList":[{"sensorReport":[{"type":"Temperature","value":',
        ',"uom":"CEL"},{"type":"RelativeHumidity","value":',
        ',"uom":"P1"}],"sensorMetadata":{"time":"',
        '"cbvmda:lotNumber":"',
        '"cbvmda:itemExpirationDate":"',
        '{"type":"TransformationEvent","eventTime":"',
        f'"transformationID":0,"inputQuantityList":[{{"epcClass":"{_LOT}',
        f'"outputQuantityList":[{{"epcClass":"{_GS1}',
        f'"outputEPCList":["{_GS1}',
        f'"epcList":["{_GS1}',
        '"bizStep":"retail_selling","disposition":"retail_sold"',
        '"bizStep":"receiving","disposition":"returned"',
        '"bizStep":"holding","disposition":"non_sellable_other"',
        '"bizStep":"holding","disposition":"recalled"',
        '"bizStep":"inspecting","disposition":"non_conformant"',
        '"bizStep":"storing","disposition":"active"',
        '"bizStep":"sampling"',
        '"bizStep":"packing","disposition":"active"',
        f'"sourceList":[{{"type":"owning_party","source":"{_PARTY}',
        f'"}},{{"type":"possessing_party","source":"{_PARTY}',
        f'"destinationList":[{{"type":"owning_party","destination":"{_PARTY}',
        f'"}},{{"type":"possessing_party","destination":"{_PARTY}',
        '"bizStep":"shipping","disposition":"in_transit"',
        '"bizStep":"receiving","disposition":"active"',
        '"bizStep":"inspecting","disposition":"conformant"',
        "".join(f'"gt:{m}":' for m in _MEMBERS.split()),
        '"ilmd":{',
        '"gt:species":"panax_ginseng"',
        '"unit":"kg","value":',
        '"bizStep":"https://ns.ginseng-trace.org/epcis/BizStep-field_operation"',
        '"action":"ADD","bizStep":"commissioning","disposition":"active"',
        '"action":"OBSERVE","bizStep":"',
        '"quantity":',
        ',"uom":"KGM"}],',
        '{"type":"ObjectEvent","eventTime":"20',
        f'T00:00:00Z","eventTimeZoneOffset":"+08:00","recordTime":0,"quantityList":[{{"epcClass":"{_LOT}',
        '"gt:eventType":0,"gt:lot":0,"gt:actor":0,"gt:ledgerEventHash":0,"gt:ledgerRecordHash":0,"gt:logIndex":0,',
        '"gt:inclusionProof":0}',
    )
).encode()
"""Format 1's preset DEFLATE dictionary (fixed: its SHA-256 is pinned by tests/store/test_epcis_codec.py)."""


@dataclass(frozen=True)
class RecordFacts:
    """What the ``records`` row of an indexed event says (hashes as lowercase hex)."""

    log_index: int
    recorded_at: str
    type: str
    lot_id: str
    actor: str
    event_hash: str
    record_hash: str

    def derived(self) -> tuple[object, ...]:
        """The value of each of :data:`DERIVED` as the mapping makes it of this record (format 1)."""
        return (
            self.recorded_at,
            self.type,
            self.lot_id,
            self.actor,
            self.event_hash,
            self.record_hash,
            self.log_index,
            _PROOF_1 + self.record_hash,
            "ni:///sha-256;" + self.event_hash,
        )


def _dumps(event: dict[str, Any]) -> bytes:
    return json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode()


def encode(event: dict[str, Any], facts: RecordFacts) -> bytes:
    """``event`` (an indexed event of the record ``facts`` describes) in format 1."""
    out, mask = dict(event), 0
    for bit, (name, value) in enumerate(zip(DERIVED, facts.derived(), strict=True)):
        if name in out and type(out[name]) is type(value) and out[name] == value:
            out[name], mask = 0, mask | 1 << bit
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15, 9, zlib.Z_DEFAULT_STRATEGY, zdict=DICTIONARY_1)
    return bytes((FORMAT_1,)) + mask.to_bytes(2, "big") + deflate.compress(_dumps(out)) + deflate.flush()


def decode(data: bytes, facts: RecordFacts) -> dict[str, Any]:
    """The indexed event ``data`` stores, the row's members put back (``ValueError`` if it is not one)."""
    if not data or data[0] != FORMAT_1:
        raise ValueError(f"not a stored EPCIS event of a known format (first byte {data[:1].hex() or 'none'})")
    mask = int.from_bytes(data[1:3], "big")
    inflate = zlib.decompressobj(-15, zdict=DICTIONARY_1)
    try:
        text = inflate.decompress(data[3:]) + inflate.flush()
        event = json.loads(text) if inflate.eof and not inflate.unused_data else None
    except (zlib.error, ValueError) as exc:  # JSON and UTF-8 errors are ValueErrors
        raise ValueError(f"a stored EPCIS event that does not read: {exc}") from exc
    if not isinstance(event, dict) or mask >> len(DERIVED):
        raise ValueError("a stored EPCIS event that is not one whole object of format 1")
    for bit, (name, value) in enumerate(zip(DERIVED, facts.derived(), strict=True)):
        if mask & 1 << bit:
            if event.get(name) != 0:
                raise ValueError(f"a stored EPCIS event without the place of its {name}")
            event[name] = value
    return event


def as_text(event: dict[str, Any]) -> str:
    """An indexed event as the JSON text the index stored before format 1 (the migration's downgrade)."""
    return _dumps(event).decode()
