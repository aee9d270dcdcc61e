"""Regenerate the worked example in docs/FORMAT.md (``--check`` only compares).

Everything in the example is derived from fixed inputs, so the output never
changes unless the byte format does; tests/test_format_doc.py asserts that the
document holds exactly what this script produces.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from ginseng_trace.chain import GENESIS, Event, SignerKey, seal, sign_event
from ginseng_trace.chain.records import format_utc

DOC = Path(__file__).resolve().parents[1] / "docs" / "FORMAT.md"
BEGIN, END = "<!-- worked-example:begin -->", "<!-- worked-example:end -->"


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


def render() -> str:
    lines = [BEGIN, "", "```text"]
    for name, value in example().items():
        lines += [f"{name}:", f"  {value}"]
    lines += ["```", "", "The same values as JSON, for programs:", "", "```json"]
    lines += [json.dumps(example(), ensure_ascii=False, indent=2), "```", "", END]
    return "\n".join(lines)


def updated(doc: str) -> str:
    start, stop = doc.index(BEGIN), doc.index(END) + len(END)
    return doc[:start] + render() + doc[stop:]


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
