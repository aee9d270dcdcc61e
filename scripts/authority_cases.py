"""Regenerate tests/vectors/authority/cases.json (``--check`` only compares): who may record what, as cases
both bundle verifiers judge alike (``ginseng_trace.events.audit.judge_records`` and verify-authority.js).

Each case is a list of records (log index, when it was sealed, the event; no signatures: the authority
replay judges signers, roles and relations, not bytes) and the log index of the first record the replay
must refuse, or null when every record is allowed. Every case starts from the same enrolment by the trust
anchor: a grower, a processor, a lab and a regulator, one actor and key each.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from ginseng_trace.chain.keys import ALG_COSIGNATURE, SignerKey
from ginseng_trace.events.authority import policy

OUT = Path(__file__).resolve().parents[1] / "tests" / "vectors" / "authority" / "cases.json"
ANCHOR = SignerKey("operator", bytes(range(1, 33)))
ORGS = {  # org id: (roles, lot prefixes, GS1 prefixes, registered name)
    "grower-g": (["grower"], ["G-"], [], "G farm"),
    "works-w": (["processor"], ["W-"], ["6975123"], "W works"),
    "lab-l": (["lab"], ["L-"], [], "L lab"),
    "lab-m": (["lab"], ["M-"], [], "M lab"),
    "mpa-r": (["regulator"], ["R-"], [], "R administration"),
}
ACCREDITED = {"lab-l": ["CMA 2020-L"]}
KEYS = {org: SignerKey(org, bytes([n + 40] * 32)) for n, org in enumerate(ORGS)}
AT = "2025-01-01T00:00:00.000000Z"


def event(
    n: int, signer: SignerKey, lot: str, kind: str, payload: dict[str, Any], inputs: tuple[str, ...] = ()
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "event_id": f"e{n}",
        "lot_id": lot,
        "type": kind,
        "occurred_at": "2025-01-01T00:00:00Z",
        "actor": signer.name,
        "key_id": signer.verifier().key_id_hex,
        "payload": payload,
    }
    if inputs:
        body["inputs"] = list(inputs)
    return body


def enrolment() -> list[dict[str, Any]]:
    out = []
    for org, (roles, lots, gs1, name) in ORGS.items():
        payload: dict[str, Any] = {"name": name, "roles": roles, "lot_prefixes": lots}
        if gs1:
            payload["gs1_company_prefixes"] = gs1
        if org in ACCREDITED:
            payload["accreditations"] = ACCREDITED[org]
        key = KEYS[org]
        out.append(event(len(out), ANCHOR, f"org:{org}", "register_organisation", payload))
        out.append(event(len(out), ANCHOR, f"org:{org}", "register_actor", {"actor": org, "kind": "person"}))
        out.append(event(len(out), ANCHOR, f"org:{org}", "register_key", {"actor": org, "key": key.verifier().text()}))
    return out


G, W, L, M, R = (KEYS[o] for o in ORGS)
COOPS = {"coop-c": SignerKey("coop-c", bytes([60] * 32)), "coop-d": SignerKey("coop-d", bytes([61] * 32))}
C, D = COOPS.values()


def cooperative(org: str) -> list[tuple[Any, ...]]:
    """The trust anchor enrols a cooperative within a case (the shared enrolment stays as every case has it)."""
    key, registration = COOPS[org], {"name": org, "roles": ["cooperative"], "lot_prefixes": [org.upper() + "-"]}
    return [
        (ANCHOR, f"org:{org}", "register_organisation", registration),
        (ANCHOR, f"org:{org}", "register_actor", {"actor": org, "kind": "person"}),
        (ANCHOR, f"org:{org}", "register_key", {"actor": org, "key": key.verifier().text()}),
    ]


CERTIFIERS = {"cert-k": SignerKey("cert-k", bytes([62] * 32)), "cert-q": SignerKey("cert-q", bytes([63] * 32))}
K, Q = CERTIFIERS.values()


def certifier(org: str) -> list[tuple[Any, ...]]:
    """The trust anchor enrols a certifier within a case (a certification body: the role certifier)."""
    key, registration = CERTIFIERS[org], {"name": org, "roles": ["certifier"], "lot_prefixes": []}
    return [
        (ANCHOR, f"org:{org}", "register_organisation", registration),
        (ANCHOR, f"org:{org}", "register_actor", {"actor": org, "kind": "person"}),
        (ANCHOR, f"org:{org}", "register_key", {"actor": org, "key": key.verifier().text()}),
    ]


CERTIFY = {
    "scheme": "changbaishan_brand_base",
    "number": "CBS-1",
    "issuer": "cert-k",
    "valid_from": "2024-01-01",
    "valid_until": "2026-12-31",
}
AGREE = {"cooperative": "coop-c"}
PLOT = {"land_type": "farmland", "county": "抚松县", "area_mu": 1}
TEST = {"lab": "L lab", "sample_id": "S-1", "method": "ChP 2020", "verdict": "pass"}


def story(
    *steps: tuple[SignerKey, str, str, dict[str, Any]] | tuple[SignerKey, str, str, dict[str, Any], tuple[str, ...]],
) -> list[tuple[Any, ...]]:
    return list(steps)


CASES: dict[str, tuple[list[tuple[Any, ...]], int | None]] = {
    "a grower registers a plot in its space": (story((G, "G-PLOT-1", "register_plot", PLOT)), None),
    "a grower registers a plot in another's space": (story((G, "W-PLOT-1", "register_plot", PLOT)), 15),
    "a lab registers a plot (role)": (story((L, "L-PLOT-1", "register_plot", PLOT)), 15),
    "a grower recalls (role)": (
        story((G, "G-PLOT-1", "register_plot", PLOT), (G, "G-PLOT-1", "recall", {"reason": "r"})),
        16,
    ),
    "a regulator recalls": (
        story((G, "G-PLOT-1", "register_plot", PLOT), (R, "G-PLOT-1", "recall", {"reason": "r"})),
        None,
    ),
    "a lab tests what it was sent, under its name": (
        story(
            (G, "G-PLOT-1", "register_plot", PLOT),
            (G, "G-PLOT-1", "sample", {"sample_id": "S-1", "lab": "lab-l"}),
            (L, "G-PLOT-1", "quality_test", TEST),
        ),
        None,
    ),
    "a lab tests under another name": (
        story(
            (G, "G-PLOT-1", "register_plot", PLOT),
            (G, "G-PLOT-1", "sample", {"sample_id": "S-1", "lab": "lab-l"}),
            (L, "G-PLOT-1", "quality_test", {**TEST, "lab": "国家检测中心"}),
        ),
        17,
    ),
    "a lab cites its registered accreditation": (
        story(
            (G, "G-PLOT-1", "register_plot", PLOT),
            (G, "G-PLOT-1", "sample", {"sample_id": "S-1", "lab": "lab-l"}),
            (L, "G-PLOT-1", "quality_test", {**TEST, "accreditation": "CMA 2020-L"}),
        ),
        None,
    ),
    "a lab cites an accreditation not registered to it": (
        story(
            (G, "G-PLOT-1", "register_plot", PLOT),
            (G, "G-PLOT-1", "sample", {"sample_id": "S-1", "lab": "lab-l"}),
            (L, "G-PLOT-1", "quality_test", {**TEST, "accreditation": "CNAS L1234"}),
        ),
        17,
    ),
    "an organisation in identifier spaces of its own": (
        story(
            (ANCHOR, "org:new-n", "register_organisation", {"name": "N", "roles": ["grower"], "lot_prefixes": ["N-"]})
        ),
        None,
    ),
    "an organisation under another's lot-id prefix": (
        story(
            (ANCHOR, "org:new-n", "register_organisation", {"name": "N", "roles": ["grower"], "lot_prefixes": ["G-N-"]})
        ),
        15,
    ),
    "an organisation over another's GS1 company prefix": (
        story(
            (
                ANCHOR,
                "org:new-n",
                "register_organisation",
                {"name": "N", "roles": ["processor"], "lot_prefixes": ["N-"], "gs1_company_prefixes": ["697512"]},
            )
        ),
        15,
    ),
    "another lab tests a sample not sent to it": (
        story(
            (G, "G-PLOT-1", "register_plot", PLOT),
            (G, "G-PLOT-1", "sample", {"sample_id": "S-1", "lab": "lab-l"}),
            (M, "G-PLOT-1", "quality_test", {**TEST, "lab": "M lab"}),
        ),
        17,
    ),
    "a sample id sent twice": (
        story(
            (G, "G-PLOT-1", "register_plot", PLOT),
            (R, "G-PLOT-1", "sample", {"sample_id": "S-1", "lab": "lab-l"}),
            (G, "G-PLOT-1", "sample", {"sample_id": "S-1", "lab": "lab-m"}),
        ),
        17,
    ),
    "a sample sent to a grower": (
        story(
            (G, "G-PLOT-1", "register_plot", PLOT), (G, "G-PLOT-1", "sample", {"sample_id": "S-1", "lab": "grower-g"})
        ),
        16,
    ),
    "the holder releases a regulator's hold": (
        story(
            (G, "G-PLOT-1", "register_plot", PLOT),
            (R, "G-PLOT-1", "hold", {"reason": "r"}),
            (G, "G-PLOT-1", "release", {"reason": "r"}),
        ),
        17,
    ),
    "a regulator releases its hold": (
        story(
            (G, "G-PLOT-1", "register_plot", PLOT),
            (R, "G-PLOT-1", "hold", {"reason": "r"}),
            (R, "G-PLOT-1", "release", {"reason": "r"}),
        ),
        None,
    ),
    "another organisation corrects": (
        story(
            (G, "G-PLOT-1", "register_plot", PLOT),
            (W, "G-PLOT-1", "correct", {"supersedes": "e15", "reason": "r", "corrected": {}}),
        ),
        16,
    ),
    "the recorder corrects": (
        story(
            (G, "G-PLOT-1", "register_plot", PLOT),
            (G, "G-PLOT-1", "correct", {"supersedes": "e15", "reason": "r", "corrected": {}}),
        ),
        None,
    ),
    "a key revoked before its use": (
        story(
            (
                ANCHOR,
                "org:grower-g",
                "revoke_key",
                {"actor": "grower-g", "key_id": G.verifier().key_id_hex, "reason": "lost"},
            ),
            (G, "G-PLOT-1", "register_plot", PLOT),
        ),
        16,
    ),
    "an organisation suspended by a regulator": (
        story((R, "org:grower-g", "suspend", {"reason": "r"}), (G, "G-PLOT-1", "register_plot", PLOT)),
        16,
    ),
    "a regulator registers a key (an operator's to do)": (
        story(
            (
                R,
                "org:grower-g",
                "register_key",
                {"actor": "grower-g", "key": SignerKey("grower-g", bytes(32)).verifier().text()},
            )
        ),
        15,
    ),
    "a regulator suspends another regulator": (story((R, "org:mpa-r", "suspend", {"reason": "r"})), 15),
    "an organisation registered twice": (
        story(
            (
                ANCHOR,
                "org:grower-g",
                "register_organisation",
                {"name": "G", "roles": ["grower"], "lot_prefixes": ["G-"]},
            )
        ),
        15,
    ),
    "a cosigner key registered for an actor": (
        story(
            (
                ANCHOR,
                "org:grower-g",
                "register_key",
                {"actor": "grower-g", "key": SignerKey("grower-g", bytes(32), ALG_COSIGNATURE).verifier().text()},
            )
        ),
        15,
    ),
    "a key that expired before it was registered": (
        story(
            (
                ANCHOR,
                "org:grower-g",
                "register_key",
                {
                    "actor": "grower-g",
                    "key": SignerKey("grower-g", bytes(32)).verifier().text(),
                    "valid_until": "2024-01-01T00:00:00Z",
                },
            )
        ),
        15,
    ),
    "a package under another company's GTIN": (
        story((W, "W-PK-1", "package", {"gtin": "06900000000011", "batch": "W-PK-1", "net_weight_g": 250, "units": 1})),
        15,
    ),
    "a case under the company's own SSCC": (
        story(
            (W, "W-CASE-1", "aggregate", {"level": "case", "sscc": "069751230000000019", "children": ["W-PK-1/21/1"]})
        ),
        None,
    ),
    "a case under another company's SSCC": (
        story(
            (W, "W-CASE-1", "aggregate", {"level": "case", "sscc": "069000000000000019", "children": ["W-PK-1/21/1"]})
        ),
        15,
    ),
    "a certifier certifies a plot and withdraws its certificate": (
        story(
            *certifier("cert-k"),
            (G, "G-PLOT-1", "register_plot", PLOT),
            (K, "G-PLOT-1", "certify", CERTIFY),
            (K, "G-PLOT-1", "withdraw_certification", {"certificate": "e19", "reason": "r"}),
        ),
        None,
    ),
    "a grower certifies its own plot (role)": (
        story((G, "G-PLOT-1", "register_plot", PLOT), (G, "G-PLOT-1", "certify", {**CERTIFY, "issuer": "G farm"})),
        16,
    ),
    "another certifier withdraws a certificate": (
        story(
            *certifier("cert-k"),
            *certifier("cert-q"),
            (G, "G-PLOT-1", "register_plot", PLOT),
            (K, "G-PLOT-1", "certify", CERTIFY),
            (Q, "G-PLOT-1", "withdraw_certification", {"certificate": "e22", "reason": "r"}),
        ),
        23,
    ),
    "a regulator withdraws a certificate": (
        story(
            *certifier("cert-k"),
            (G, "G-PLOT-1", "register_plot", PLOT),
            (K, "G-PLOT-1", "certify", CERTIFY),
            (R, "G-PLOT-1", "withdraw_certification", {"certificate": "e19", "reason": "r"}),
        ),
        None,
    ),
    "a grower agrees that a cooperative reads its plots, then ends it": (
        story(
            *cooperative("coop-c"),
            (G, "org:grower-g", "agree_cooperative", AGREE),
            (G, "org:grower-g", "end_cooperative", {**AGREE, "reason": "r"}),
        ),
        None,
    ),
    "the operator records a grower's agreement; the cooperative ends it": (
        story(
            *cooperative("coop-c"),
            (ANCHOR, "org:grower-g", "agree_cooperative", AGREE),
            (C, "org:grower-g", "end_cooperative", AGREE),
        ),
        None,
    ),
    "a processor records a grower's agreement (role)": (
        story(*cooperative("coop-c"), (W, "org:grower-g", "agree_cooperative", AGREE)),
        18,
    ),
    "a cooperative agrees on a grower's behalf (role)": (
        story(*cooperative("coop-c"), (C, "org:grower-g", "agree_cooperative", AGREE)),
        18,
    ),
    "a grower agrees with a processor": (
        story((G, "org:grower-g", "agree_cooperative", {"cooperative": "works-w"})),
        15,
    ),
    "an agreement given twice": (
        story(
            *cooperative("coop-c"),
            (G, "org:grower-g", "agree_cooperative", AGREE),
            (G, "org:grower-g", "agree_cooperative", AGREE),
        ),
        19,
    ),
    "an agreement ended that does not stand": (
        story(*cooperative("coop-c"), (G, "org:grower-g", "end_cooperative", AGREE)),
        18,
    ),
    "another cooperative ends a grower's agreement": (
        story(
            *cooperative("coop-c"),
            *cooperative("coop-d"),
            (G, "org:grower-g", "agree_cooperative", AGREE),
            (D, "org:grower-g", "end_cooperative", AGREE),
        ),
        22,
    ),
    "a membership event on a lot of ginseng": (
        story((G, "G-PLOT-1", "register_plot", PLOT), (ANCHOR, "G-PLOT-1", "suspend", {"reason": "r"})),
        16,
    ),
}


def document() -> bytes:
    base = enrolment()
    cases = []
    for name, (steps, refused_at) in CASES.items():
        records = [{"log_index": i, "recorded_at": AT, "event": e} for i, e in enumerate(base)]
        for step in steps:
            signer, lot, kind, payload, *rest = step
            n = len(records)
            records.append({"log_index": n, "recorded_at": AT, "event": event(n, signer, lot, kind, payload, *rest)})
        cases.append({"name": name, "records": records, "refused_at": refused_at})
    doc = {
        "about": "generated by scripts/authority_cases.py; judged by tests/events/test_authority_cases.py and tests/js",
        "anchor_keys": [ANCHOR.verifier().text()],
        "policy": policy(),
        "cases": cases,
    }
    return (json.dumps(doc, ensure_ascii=False, indent=1) + "\n").encode()


def main(argv: list[str]) -> int:
    data = document()
    if "--check" in argv:
        if not OUT.is_file() or OUT.read_bytes() != data:
            print("stale: tests/vectors/authority/cases.json (run python scripts/authority_cases.py)", file=sys.stderr)
            return 1
        return 0
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_bytes(data)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
