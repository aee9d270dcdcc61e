"""Proof bundles: built from the database, verified offline, and refused after any meaningful change."""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from ginseng_trace.chain.bundle import Bundle, BundleError
from ginseng_trace.chain.keys import ALG_COSIGNATURE, SignerKey, VerifierKey
from ginseng_trace.chain.note import cosign
from ginseng_trace.demo import load_demo
from ginseng_trace.events.audit import verify_bundle
from ginseng_trace.service import RefusedError, Services
from ginseng_trace.store import Store

from ..conftest import OPERATOR, VECTORS, demo_lineage, demo_size

LOG_KEY = SignerKey("ginseng.test/log", bytes(range(32)))
WITNESS = SignerKey("regulator.test/witness", bytes(range(7, 39)), ALG_COSIGNATURE)


@pytest.fixture
def demo(engine: Engine) -> Services:
    ledger = Services(Store(engine), operator=OPERATOR, log_signer=LOG_KEY, witness_keys=[WITNESS.verifier()])
    load_demo(ledger)
    checkpoint = ledger.checkpointer.publish()
    ledger.cosignatures.add(
        checkpoint.size, cosign(checkpoint.note.split("\n\n")[0] + "\n", WITNESS, 1_764_000_000).line()
    )
    return ledger


def test_a_demo_bundle_verifies_offline_with_its_witness(demo: Services) -> None:
    data = demo.bundles.bundle("PK-2025-0931").to_bytes()
    report = verify_bundle(data, [LOG_KEY.verifier()], [WITNESS.verifier()], anchors=[OPERATOR.verifier()])
    assert report.lot == "PK-2025-0931"
    # the box's lineage (its records, the batch's, the harvests' and the plots') and its signers' enrolment
    assert report.entries == demo_lineage("PK-2025-0931").bundle_records
    assert [lot for lot in report.lots if not lot.startswith("org:")] == [
        "HV-2025-FS-0017",
        "HV-2025-JA-0102",
        "PK-2025-0931",
        "PLOT-FS-0017",
        "PLOT-JA-0102",
        "RG-2025-0931",
    ]
    # every signer's organisation, and no other (the forest growers and the regulator signed nothing here)
    assert report.organisations == (
        "changbai-cold-logistics",
        "changbaishan-brand-office",
        "changchun-herb-shop",
        "fusong-wang-farm",
        "jian-li-farm",
        "jian-red-ginseng-works",
        "jilin-quality-lab",
    )
    assert all(f"org:{org}" in report.lots for org in report.organisations)
    assert report.checkpoint.size == demo_size()
    assert report.witnesses == (("regulator.test/witness", 1_764_000_000),)
    assert "jian-red-ginseng-works" in report.signers
    assert "verified: lot PK-2025-0931" in report.summary()


def test_a_growers_agreement_travels_with_the_cooperative_it_names(demo: Services) -> None:
    """An agreement on a grower's chain is re-judged offline: the bundle carries the named cooperative's
    membership chain, though the cooperative signed nothing of the lot's (its role is what the agreement needs)."""
    from ..conftest import Actor, demo_actor, enrol

    coop = Actor("fusong-coop")
    enrol(demo, coop, ["cooperative"], ["COOP-H-"], gs1_company_prefixes=[])
    grower = demo_actor("fusong-wang-farm")
    demo.events.append(grower.sign("org:fusong-wang-farm", "agree_cooperative", payload={"cooperative": coop.name}))
    demo.checkpointer.publish()
    report = verify_bundle(
        demo.bundles.bundle("PLOT-FS-0017").to_bytes(), [LOG_KEY.verifier()], anchors=[OPERATOR.verifier()]
    )
    assert "fusong-coop" in report.organisations
    assert "org:fusong-coop" in report.lots


def test_wrong_keys_are_refused(demo: Services) -> None:
    data = demo.bundles.bundle("HV-2025-JY-0003").to_bytes()
    with pytest.raises(BundleError, match="no signature by a known key"):
        verify_bundle(data, [SignerKey("ginseng.test/log", bytes(32)).verifier()], anchors=[OPERATOR.verifier()])
    other_witness = SignerKey("other.test/witness", bytes(32), ALG_COSIGNATURE).verifier()
    with pytest.raises(BundleError, match=r"witness other\.test/witness"):
        verify_bundle(data, [LOG_KEY.verifier()], [other_witness], anchors=[OPERATOR.verifier()])
    with pytest.raises(BundleError, match="not a cosigner"):
        verify_bundle(data, [LOG_KEY.verifier()], [LOG_KEY.verifier()], anchors=[OPERATOR.verifier()])


def edit(data: bytes, change: Callable[[Any], object]) -> bytes:
    doc = json.loads(data)
    change(doc)
    return json.dumps(doc, ensure_ascii=False).encode()


def drop_organisation(lot: str) -> Callable[[Any], object]:
    """Leave an organisation's membership chain out of a bundle, and its lot-heads proof with it."""

    def change(d: Any) -> None:
        d["entries"] = [e for e in d["entries"] if json.loads(e["record"])["lot"] != lot]
        del d["lot_heads"][lot]

    return change


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (lambda d: d["entries"].reverse(), "is not after"),
        (lambda d: d["entries"].pop(0), "sequence number|whose history is missing"),
        (lambda d: d["entries"][3]["proof"].pop(), "too short"),
        (lambda d: d["entries"][3]["proof"].append(d["entries"][3]["proof"][0]), "too long"),
        (lambda d: d["entries"][3].update(log_index=d["entries"][3]["log_index"] + 1), "expected|is not after"),
        (lambda d: d["entries"][3].update(log_index=10**6), "outside"),
        (lambda d: d.update(actor_keys=[]), "exactly the members"),  # v1's keys on the operator's word
        (
            lambda d: d.update(entries=[e for e in d["entries"] if '"org:jilin-quality-lab"' not in e["record"]]),
            "expected a registered key jilin-quality-lab/[0-9a-f]{8}, found no such key",
        ),
        (drop_organisation("org:jilin-quality-lab"), "expected a registered key jilin-quality-lab/"),
        # the lab's membership kept whole but for its key: the lab's tests are signed by no registered key
        (
            lambda d: d["entries"].pop(
                next(
                    i
                    for i, e in enumerate(d["entries"])
                    if "register_key" in e["event"] and '"org:jilin-quality-lab"' in e["event"]
                )
            ),
            "breaks|sequence|expected",
        ),
        (lambda d: d["lot_heads"].pop("org:jian-red-ginseng-works"), "lot_heads must prove exactly"),
        (lambda d: d.update(lot="HV-2025-FS-0017"), None),  # a sub-history that is complete in itself verifies
        (lambda d: d.update(lot="SOMETHING-ELSE"), "no record of its own lot"),
        (lambda d: d.update(format="ginseng-trace/bundle/v1"), "unknown bundle format"),
        (lambda d: d.pop("checkpoint"), "exactly the members"),
        (
            lambda d: d.update(checkpoint=d["checkpoint"].replace(f"\n{demo_size()}\n", f"\n{demo_size() + 1}\n")),
            "does not verify",
        ),
        (lambda d: d["entries"][0].update(proof=["AAAA"]), "32-byte"),
        (lambda d: d["entries"][0].update(proof=["%%%"]), "not base64"),
        (lambda d: d["entries"][0].update(event=d["entries"][0]["event"].replace("}", " }", 1)), "event hash"),
    ],
)
@pytest.mark.slow
def test_forged_truncated_and_reordered_bundles_are_refused(
    demo: Services, change: Callable[[Any], object], why: str | None
) -> None:
    data = edit(demo.bundles.bundle("PK-2025-0931").to_bytes(), change)
    if why is None:
        assert verify_bundle(data, [LOG_KEY.verifier()], anchors=[OPERATOR.verifier()]).lot == "HV-2025-FS-0017"
        return
    with pytest.raises(BundleError, match=why):
        verify_bundle(data, [LOG_KEY.verifier()], anchors=[OPERATOR.verifier()])


def test_omitting_the_latest_records_is_detected(demo: Services) -> None:
    """The checkpoint's lot-heads map shows each lot's latest record: a bundle that stops early is refused."""
    data = edit(demo.bundles.bundle("PK-2025-0931").to_bytes(), lambda d: d["entries"].pop())
    with pytest.raises(BundleError, match=r"the checkpoint's latest record is #5 .* but the bundle ends at #4"):
        verify_bundle(data, [LOG_KEY.verifier()], anchors=[OPERATOR.verifier()])


def mutations_never_pass_unnoticed(data: bytes, positions: list[int], seed: int) -> int:
    """Flip one byte at each position; every result must be refused with a BundleError, or mean the same."""
    original = Bundle.parse(data)
    rng = random.Random(seed)
    refused = 0
    for position in positions:
        mutated = bytearray(data)
        mutated[position] ^= rng.randrange(1, 256)
        try:
            verify_bundle(bytes(mutated), [LOG_KEY.verifier()], [WITNESS.verifier()], anchors=[OPERATOR.verifier()])
        except BundleError:
            refused += 1
            continue
        changed = Bundle.parse(bytes(mutated))
        # the keys and their validity are membership records now: nothing of a bundle rests on the operator's word
        assert changed == original, f"byte {position} changed the meaning and still verified"
    return refused


@pytest.mark.slow
def test_every_byte_of_a_small_bundle(demo: Services) -> None:
    data = demo.bundles.bundle("PLOT-JY-0003").to_bytes()
    refused = mutations_never_pass_unnoticed(data, list(range(len(data))), seed=1)
    assert refused >= len(data) * 0.95  # the rest are white space between JSON tokens


@pytest.mark.slow
def test_a_random_sample_of_bytes_of_the_demo_bundle(demo: Services) -> None:
    data = demo.bundles.bundle("PK-2025-0931").to_bytes()
    positions = random.Random(2).sample(range(len(data)), 600)
    refused = mutations_never_pass_unnoticed(data, positions, seed=3)
    assert refused >= 550


def test_the_forbidden_vector_is_refused_although_every_record_and_proof_in_it_is_genuine() -> None:
    """The demo box after a recall by the shop, recorded while the rules file let retailers recall: the
    signatures, chains and log proofs all hold, and the bundle is refused because the shop lacked the role."""
    keys = json.loads((VECTORS / "bundle" / "demo-keys.json").read_text(encoding="utf-8"))
    data = (VECTORS / "bundle" / "forbidden-bundle.json").read_bytes()
    with pytest.raises(
        BundleError,
        match=r"recall of lot PK-2025-0931 by changchun-herb-shop.*holds the role "
        r"retailer; recording recall needs one of regulator",
    ):
        verify_bundle(
            data,
            [VerifierKey.parse(k) for k in keys["log_keys"]],
            anchors=[VerifierKey.parse(k) for k in keys["anchor_keys"]],
        )
    with pytest.raises(BundleError, match="expected a registered key operator/"):  # another anchor: nobody
        verify_bundle(data, [VerifierKey.parse(k) for k in keys["log_keys"]], anchors=[WITNESS.verifier()])


def test_cosignatures_must_come_from_accepted_witnesses(demo: Services) -> None:
    checkpoint = demo.log.latest_checkpoint()
    text = checkpoint.note.split("\n\n")[0] + "\n"
    stranger = SignerKey("stranger.test/w", bytes(32), ALG_COSIGNATURE)
    with pytest.raises(RefusedError, match="not a witness"):
        demo.cosignatures.add(checkpoint.size, cosign(text, stranger, int(time.time())).line())
    forged = cosign(text.replace(f"\n{checkpoint.size}\n", "\n23\n"), WITNESS, 1).line()
    with pytest.raises(Exception, match="does not verify"):
        demo.cosignatures.add(checkpoint.size, forged)
    assert len(demo.log.latest_checkpoint().cosignatures) == 1


@pytest.mark.slow
def test_cli_bundle_and_offline_verification(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ..tools.test_cli import run

    monkeypatch.setenv("TRACE_DATA_DIR", str(tmp_path / "data"))
    db = f"--database-url={database_url}"
    assert run("demo", db).returncode == 0
    log_key = run("log-key", db).stdout.strip()
    out = tmp_path / "pk.bundle.json"
    written = run("bundle", db, "--lot", "PK-2025-0931", "-o", str(out))
    assert written.returncode == 0, written.stderr
    anchor = run("admin", "anchor", db).stdout.strip()
    verified = run("verify-bundle", str(out), "--log-key", log_key, "--anchor", anchor)
    assert verified.returncode == 0, verified.stdout
    assert verified.stdout.splitlines()[0] == "verified: lot PK-2025-0931"
    lineage = demo_lineage("PK-2025-0931")  # 6 lots of ginseng, 7 organisations' membership chains
    assert f"{lineage.bundle_records} records in {len(lineage.lots) + len(lineage.signers)} lot(s)" in verified.stdout
    assert "authority:  every signer's key and role checked" in verified.stdout
    stranger = run("verify-bundle", str(out), "--log-key", log_key, "--anchor", log_key)
    assert stranger.returncode == 1
    assert "operator" in stranger.stdout
    data = out.read_bytes()
    out.write_bytes(data.replace(b'crop_age_years\\":5', b'crop_age_years\\":6', 1))
    assert out.read_bytes() != data
    broken = run("verify-bundle", str(out), "--log-key", log_key, "--anchor", anchor)
    assert broken.returncode == 1
    assert re.match(
        r"NOT VERIFIED: record [0-9]+ \(event 'demo-fs-009', lot 'HV-2025-FS-0017'\): event hash", broken.stdout
    )
    assert broken.stdout.count("\n") == 1
