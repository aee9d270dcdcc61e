"""Regenerate the worked example in docs/FORMAT.md (``--check`` only compares).

Everything in the example is derived from fixed inputs, so the output never
changes unless the byte format does; tests/chain/test_format_doc.py asserts that the
document holds exactly what this script produces.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from ginseng_trace.chain import GENESIS, Event, SignedEvent, SignerKey, seal, sign_event
from ginseng_trace.chain.bundle import Bundle, BundleEntry
from ginseng_trace.chain.lotheads import HeadEntry, HeadMap
from ginseng_trace.chain.merkle import inclusion_proof, leaf_hash, root_hash
from ginseng_trace.chain.note import Checkpoint, Note, sign_note
from ginseng_trace.chain.times import format_utc
from ginseng_trace.events import private_fields

DOC = Path(__file__).resolve().parents[1] / "docs" / "FORMAT.md"
BEGIN, END = "<!-- worked-example:begin -->", "<!-- worked-example:end -->"
BUNDLE_BEGIN, BUNDLE_END = "<!-- bundle-example:begin -->", "<!-- bundle-example:end -->"
PRIVATE_BEGIN, PRIVATE_END = "<!-- private-example:begin -->", "<!-- private-example:end -->"
LOG_KEY = SignerKey("ginseng-trace.example/log", hashlib.sha256(b"ginseng-trace FORMAT.md example log key").digest())


def example() -> dict[str, str]:
    """The worked example's values, each as text."""
    key = SignerKey("fusong-wang-farm", hashlib.sha256(b"ginseng-trace FORMAT.md example key").digest())
    plot_head = hashlib.sha256(b"an earlier record of PLOT-FS-0017").hexdigest()
    event = Event.from_json(
        {
            "event_id": "evt-2025-0918-001",
            "lot_id": "HV-2025-FS-0017",
            "type": "harvest",
            "occurred_at": "2025-09-18T08:00:00Z",
            "actor": key.name,
            "key_id": key.verifier().key_id_hex,
            "inputs": ["PLOT-FS-0017"],
            "payload": {"crop_age_years": 5, "fresh_weight": {"unit": "kg", "value": 1450}, "grade": "统货"},
        }
    )
    signed = sign_event(event, key)
    sealed = seal(
        signed,
        seq=1,
        prev=GENESIS,
        input_heads={"PLOT-FS-0017": plot_head},
        recorded_at=format_utc(datetime(2025, 9, 18, 9, 30, 0, 123456, tzinfo=UTC)),
    )
    return {
        "signer key (seed, hex)": key.seed.hex(),
        "verifier key (vkey text)": key.verifier().text(),
        "public key (hex)": key.verifier().public_key.hex(),
        "key id (hex)": key.verifier().key_id_hex,
        "event (canonical signed bytes, UTF-8)": signed.signed_bytes.decode(),
        "event hash = SHA-256(signed bytes) (hex)": signed.event_hash,
        "signed message = 'ginseng-trace/event/v1\\n' || signed bytes (hex)": (
            b"ginseng-trace/event/v1\n" + signed.signed_bytes
        ).hex(),
        "signature (hex)": signed.signature.hex(),
        "signature (base64, as in the envelope and the record)": base64.b64encode(signed.signature).decode(),
        "head of input lot PLOT-FS-0017 at sealing (hex)": plot_head,
        "record (canonical bytes, UTF-8)": sealed.record_bytes.decode(),
        "record hash = SHA-256(record bytes) (hex)": sealed.record_hash,
    }


def private_example() -> dict[str, object]:
    """A plot registration whose location and note are private: the disclosures, the signed event, the envelope."""
    key = SignerKey("fusong-wang-farm", hashlib.sha256(b"ginseng-trace FORMAT.md example key").digest())
    event = Event.from_json(
        {
            "event_id": "evt-2019-1012-001",
            "lot_id": "PLOT-FS-0017",
            "type": "register_plot",
            "occurred_at": "2019-10-12T02:00:00Z",
            "actor": key.name,
            "key_id": key.verifier().key_id_hex,
            "payload": {
                "land_type": "farmland",
                "county": "抚松县",
                "area_mu": 12.5,
                "location": {"private": True, "polygon": [[127.281, 42.332], [127.284, 42.332], [127.284, 42.335]]},
                "note": "王家承包地",
            },
        }
    )
    signed = sign_event(event, key, private=private_fields("register_plot"))
    return {
        "disclosures": [
            {
                "array (JSON)": base64.urlsafe_b64decode(d.encoded + "=" * (-len(d.encoded) % 4)).decode(),
                "disclosure = base64url(UTF-8 of the array)": d.encoded,
                "digest = base64url(SHA-256(ASCII of the disclosure))": d.digest,
            }
            for d in signed.disclosures
        ],
        "event (canonical signed bytes, UTF-8)": signed.signed_bytes.decode(),
        "event hash (hex)": signed.event_hash,
        "envelope": signed.envelope(),
    }


def render_private() -> str:
    return "\n".join(
        [
            PRIVATE_BEGIN,
            "",
            "```json",
            json.dumps(private_example(), ensure_ascii=False, indent=2),
            "```",
            "",
            PRIVATE_END,
        ]
    )


ANCHOR = SignerKey("operator", hashlib.sha256(b"ginseng-trace FORMAT.md example anchor key").digest())
"""The example's membership trust anchor (the ledger operator's key)."""


def bundle_example(roles: tuple[str, ...] = ("grower",), *, revoked_before_harvest: bool = False) -> bytes:
    """A bundle of harvest lot HV-EX-1, dug from plot PLOT-EX-1 by the example actor of §5, with the actor's
    organisation's membership records: the trust anchor registers the organisation fusong-wang-farm (a
    grower, lot-id prefixes PLOT-EX- and HV-EX-), its actor and the actor's key. The log's tree holds one
    unrelated leaf before them; the checkpoint covers all of them. (Tests build it with other ``roles``, or
    with the key revoked before the harvest, to see both verifiers refuse it.)"""
    key = SignerKey("fusong-wang-farm", hashlib.sha256(b"ginseng-trace FORMAT.md example key").digest())
    stamp = format_utc(datetime(2025, 9, 18, 9, 0, tzinfo=UTC))

    def signed(
        signer: SignerKey,
        event_id: str,
        lot: str,
        kind: str,
        at: str,
        payload: dict[str, object],
        inputs: tuple[str, ...] = (),
    ) -> SignedEvent:
        body: dict[str, object] = {
            "event_id": event_id,
            "lot_id": lot,
            "type": kind,
            "occurred_at": at,
            "actor": signer.name,
            "key_id": signer.verifier().key_id_hex,
            "payload": payload,
        }
        if inputs:
            body["inputs"] = list(inputs)
        return sign_event(Event.from_json(body), signer)

    org = "org:fusong-wang-farm"
    events = [
        signed(
            ANCHOR,
            "m-1",
            org,
            "register_organisation",
            "2020-01-01T00:00:00Z",
            {"name": "抚松县王氏人参种植场", "roles": list(roles), "lot_prefixes": ["PLOT-EX-", "HV-EX-"]},
        ),
        signed(
            ANCHOR,
            "m-2",
            org,
            "register_actor",
            "2020-01-01T00:00:00Z",
            {"actor": "fusong-wang-farm", "kind": "person"},
        ),
        signed(
            ANCHOR,
            "m-3",
            org,
            "register_key",
            "2020-01-01T00:00:00Z",
            {"actor": "fusong-wang-farm", "key": key.verifier().text()},
        ),
        signed(
            key,
            "ex-1",
            "PLOT-EX-1",
            "register_plot",
            "2020-04-01T00:00:00Z",
            {"land_type": "farmland", "county": "抚松县"},
        ),
    ]
    if revoked_before_harvest:
        revocation = {"actor": "fusong-wang-farm", "key_id": key.verifier().key_id_hex, "reason": "phone lost"}
        events.append(signed(ANCHOR, "m-4", org, "revoke_key", "2025-09-17T00:00:00Z", revocation))
    events += [
        signed(key, "ex-2", "HV-EX-1", "harvest", "2025-09-18T00:00:00Z", {"crop_age_years": 5}, ("PLOT-EX-1",)),
    ]
    records, heads_of = [], {}
    for one in events:
        lot = one.event.lot_id
        seq, prev = heads_of.get(lot, (0, GENESIS))
        inputs = {i: heads_of[i][1] for i in one.event.inputs}
        sealed = seal(one, seq=seq + 1, prev=prev, input_heads=inputs, recorded_at=stamp)
        heads_of[lot] = (seq + 1, sealed.record_hash)
        records.append(sealed)
    unrelated = b"an earlier, unrelated record"
    leaves = [leaf_hash(unrelated), *(leaf_hash(r.record_bytes) for r in records)]
    # the unrelated record at index 0 belongs to lot OTHER-1; the map lists every lot's latest record
    entries_of_map = [HeadEntry(lot, seq, head) for lot, (seq, head) in heads_of.items()]
    heads = HeadMap(tuple(sorted([*entries_of_map, HeadEntry("OTHER-1", 1, hashlib.sha256(unrelated).hexdigest())])))
    text = Checkpoint(LOG_KEY.name, len(leaves), root_hash(leaves), (heads.extension_line(),)).text()
    note = Note(text, (sign_note(text, LOG_KEY),)).to_text()
    entries = tuple(
        BundleEntry(i + 1, s.signed_bytes, r.record_bytes, tuple(inclusion_proof(leaves, i + 1)))
        for i, (s, r) in enumerate(zip(events, records, strict=True))
    )
    proofs = {lot: heads.proof(lot) for lot in sorted(heads_of)}
    return Bundle("HV-EX-1", note, entries, proofs).to_bytes()


def render_bundle() -> str:
    return "\n".join(
        [
            BUNDLE_BEGIN,
            "",
            f"The log's verifier key: `{LOG_KEY.verifier().text()}`",
            "",
            f"The trust anchor's verifier key: `{ANCHOR.verifier().text()}`",
            "",
            "```json",
            bundle_example().decode().rstrip("\n"),
            "```",
            "",
            BUNDLE_END,
        ]
    )


def render() -> str:
    lines = [BEGIN, "", "```text"]
    for name, value in example().items():
        lines += [f"{name}:", f"  {value}"]
    lines += ["```", "", "The same values as JSON, for programs:", "", "```json"]
    lines += [json.dumps(example(), ensure_ascii=False, indent=2), "```", "", END]
    return "\n".join(lines)


def _replace(doc: str, begin: str, end: str, block: str) -> str:
    start, stop = doc.index(begin), doc.index(end) + len(end)
    return doc[:start] + block + doc[stop:]


def updated(doc: str) -> str:
    doc = _replace(_replace(doc, BEGIN, END, render()), BUNDLE_BEGIN, BUNDLE_END, render_bundle())
    return _replace(doc, PRIVATE_BEGIN, PRIVATE_END, render_private())


def main() -> int:
    doc = DOC.read_text(encoding="utf-8")
    new = updated(doc)
    if "--check" in sys.argv:
        if new != doc:
            print("docs/FORMAT.md's worked example is stale: run python scripts/format_example.py")
            return 1
        return 0
    DOC.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
