"""Regenerate the envelopes the device signer is tested against (``--check`` only compares).

tests/vectors/device/signed.json holds events signed by the Python signer (``chain.records.sign_event``) with
FORMAT.md's published example key: a harvest (no private member), a field operation with its private ``note``,
a plot with its private ``location`` and ``note``, and an event whose strings and numbers test the canonical
form. tests/js/sign.test.cjs signs the same unsigned events with sign-core.js (the key imported into WebCrypto,
the salts derived as the Python signer derives them) and must produce the same envelopes, byte for byte;
tests/chain/test_device_vector.py asserts the file is what this script produces.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from ginseng_trace.chain.keys import SignerKey
from ginseng_trace.chain.records import Event, sign_event
from ginseng_trace.events.catalogue import catalogue, private_fields

OUT = Path(__file__).resolve().parents[1] / "tests" / "vectors" / "device" / "signed.json"
SEED = hashlib.sha256(b"ginseng-trace FORMAT.md example key").digest()  # FORMAT.md §5: published, never use it
KEY = SignerKey("fusong-wang-farm", SEED)


def _example(event_type: str) -> dict[str, Any]:
    return dict(catalogue()[event_type].examples[0])


def unsigned() -> list[dict[str, Any]]:
    base = {"actor": KEY.name, "key_id": KEY.verifier().key_id_hex}
    return [
        {
            **base,
            "event_id": "dev-harvest-1",
            "lot_id": "HV-2025-FS-0017",
            "type": "harvest",
            "occurred_at": "2025-09-18T08:00:00Z",
            "inputs": ["PLOT-FS-0017"],
            "payload": _example("harvest"),
        },
        {
            **base,
            "event_id": "dev-field-op-1",
            "lot_id": "PLOT-FS-0017",
            "type": "field_operation",
            "occurred_at": "2025-06-01T01:00:00Z",
            "payload": {**_example("field_operation"), "note": '东坡 "三号" 地块\n雨后 ☔'},
        },
        {
            **base,
            "event_id": "dev-plot-1",
            "lot_id": "PLOT-FS-0018",
            "type": "register_plot",
            "occurred_at": "2019-10-12T02:00:00Z",
            "payload": {**_example("register_plot"), "note": "王家承包地"},
        },
        {
            **base,
            "event_id": "dev-numbers-1",
            "lot_id": "HV-2025-FS-0019",
            "type": "harvest",
            "occurred_at": "2025-09-18T08:00:00.5Z",
            "payload": {
                **_example("harvest"),
                "fresh_weight": {"value": 1450.25, "unit": "kg"},
                "crop_age_years": 6,
            },
        },
    ]


def document() -> bytes:
    cases = []
    for event in unsigned():
        signed = sign_event(Event.from_json(event), KEY, private=private_fields(event["type"]))
        cases.append(
            {
                "unsigned": event,
                "private": sorted(private_fields(event["type"])),
                "signed bytes": signed.signed_bytes.decode("utf-8"),
                "envelope": signed.envelope(),
            }
        )
    doc = {"seed (hex)": SEED.hex(), "verifier key": KEY.verifier().text(), "cases": cases}
    return (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def main(argv: list[str]) -> int:
    data = document()
    if "--check" not in argv:
        OUT.parent.mkdir(parents=True, exist_ok=True)
        OUT.write_bytes(data)
    elif not OUT.is_file() or OUT.read_bytes() != data:
        print("stale: tests/vectors/device/signed.json (run python scripts/device_vector.py)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
