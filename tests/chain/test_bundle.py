"""Proof bundles: built from the database, verified offline, and refused after any meaningful change."""

from __future__ import annotations

import dataclasses
import json
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from ginseng_trace.chain.bundle import Bundle, BundleError, verify_bundle
from ginseng_trace.chain.keys import ALG_COSIGNATURE, SignerKey
from ginseng_trace.chain.note import cosign
from ginseng_trace.demo import load_demo
from ginseng_trace.service import RefusedError, Services
from ginseng_trace.store import Store

from ..conftest import OPERATOR

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
    report = verify_bundle(data, [LOG_KEY.verifier()], [WITNESS.verifier()])
    assert report.lot == "PK-2025-0931"
    assert report.entries == 25
    assert report.lots == (
        "HV-2025-FS-0017",
        "HV-2025-JA-0102",
        "PK-2025-0931",
        "PLOT-FS-0017",
        "PLOT-JA-0102",
        "RG-2025-0931",
    )
    assert report.checkpoint.size == 31
    assert report.witnesses == (("regulator.test/witness", 1_764_000_000),)
    assert "jian-red-ginseng-works" in report.signers
    assert "verified: lot PK-2025-0931" in report.summary()


def test_wrong_keys_are_refused(demo: Services) -> None:
    data = demo.bundles.bundle("HV-2025-JY-0003").to_bytes()
    with pytest.raises(BundleError, match="no signature by a known key"):
        verify_bundle(data, [SignerKey("ginseng.test/log", bytes(32)).verifier()])
    other_witness = SignerKey("other.test/witness", bytes(32), ALG_COSIGNATURE).verifier()
    with pytest.raises(BundleError, match=r"witness other\.test/witness"):
        verify_bundle(data, [LOG_KEY.verifier()], [other_witness])
    with pytest.raises(BundleError, match="not a cosigner"):
        verify_bundle(data, [LOG_KEY.verifier()], [LOG_KEY.verifier()])


def edit(data: bytes, change: Callable[[Any], object]) -> bytes:
    doc = json.loads(data)
    change(doc)
    return json.dumps(doc, ensure_ascii=False).encode()


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (lambda d: d["entries"].reverse(), "is not after"),
        (lambda d: d["entries"].pop(0), "sequence number|whose history is missing"),
        (lambda d: d["entries"][3]["proof"].pop(), "too short"),
        (lambda d: d["entries"][3]["proof"].append(d["entries"][3]["proof"][0]), "too long"),
        (lambda d: d["entries"][3].update(log_index=d["entries"][3]["log_index"] + 1), "expected|is not after"),
        (lambda d: d["entries"][3].update(log_index=10**6), "outside"),
        (lambda d: d.update(actor_keys=[]), "actor key"),
        (lambda d: d.update(lot="HV-2025-FS-0017"), None),  # a sub-history that is complete in itself verifies
        (lambda d: d.update(lot="SOMETHING-ELSE"), "no record of its own lot"),
        (lambda d: d.update(format="ginseng-trace/bundle/v2"), "unknown bundle format"),
        (lambda d: d.pop("checkpoint"), "exactly the members"),
        (lambda d: d.update(checkpoint=d["checkpoint"].replace("\n31\n", "\n32\n")), "does not verify"),
        (lambda d: d["entries"][0].update(proof=["AAAA"]), "32-byte"),
        (lambda d: d["entries"][0].update(proof=["%%%"]), "not base64"),
        (lambda d: d["entries"][0].update(event=d["entries"][0]["event"].replace("}", " }", 1)), "event hash"),
    ],
)
def test_forged_truncated_and_reordered_bundles_are_refused(
    demo: Services, change: Callable[[Any], object], why: str | None
) -> None:
    data = edit(demo.bundles.bundle("PK-2025-0931").to_bytes(), change)
    if why is None:
        assert verify_bundle(data, [LOG_KEY.verifier()]).lot == "HV-2025-FS-0017"
        return
    with pytest.raises(BundleError, match=why):
        verify_bundle(data, [LOG_KEY.verifier()])


def test_omitting_the_latest_records_is_detected(demo: Services) -> None:
    """The checkpoint's lot-heads map shows each lot's latest record: a bundle that stops early is refused."""
    data = edit(demo.bundles.bundle("PK-2025-0931").to_bytes(), lambda d: d["entries"].pop())
    with pytest.raises(BundleError, match=r"the checkpoint's latest record is #5 .* but the bundle ends at #4"):
        verify_bundle(data, [LOG_KEY.verifier()])


def mutations_never_pass_unnoticed(data: bytes, positions: list[int], seed: int) -> int:
    """Flip one byte at each position; every result must be refused with a BundleError, or mean the same."""
    original = Bundle.parse(data)
    rng = random.Random(seed)
    refused = 0
    for position in positions:
        mutated = bytearray(data)
        mutated[position] ^= rng.randrange(1, 256)
        try:
            verify_bundle(bytes(mutated), [LOG_KEY.verifier()], [WITNESS.verifier()])
        except BundleError:
            refused += 1
            continue
        changed = Bundle.parse(bytes(mutated))
        # Known gap (README, threat model): actor key registrations are not log entries yet, so a bundle's key
        # validity periods rest on the operator's word and an earlier valid_from still verifies. Everything
        # else, the keys themselves included, must be exactly as it was.
        assert [k.key for k in changed.actor_keys] == [k.key for k in original.actor_keys]
        changed = dataclasses.replace(changed, actor_keys=original.actor_keys)
        assert changed == original, f"byte {position} changed the meaning and still verified"
    return refused


def test_every_byte_of_a_small_bundle(demo: Services) -> None:
    data = demo.bundles.bundle("PLOT-JY-0003").to_bytes()
    refused = mutations_never_pass_unnoticed(data, list(range(len(data))), seed=1)
    assert refused >= len(data) * 0.95  # the rest are white space between JSON tokens


def test_a_random_sample_of_bytes_of_the_demo_bundle(demo: Services) -> None:
    data = demo.bundles.bundle("PK-2025-0931").to_bytes()
    positions = random.Random(2).sample(range(len(data)), 600)
    refused = mutations_never_pass_unnoticed(data, positions, seed=3)
    assert refused >= 550


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
    verified = run("verify-bundle", str(out), "--log-key", log_key)
    assert verified.returncode == 0, verified.stdout
    assert verified.stdout.splitlines()[0] == "verified: lot PK-2025-0931"
    assert "25 records in 6 lot(s)" in verified.stdout
    data = out.read_bytes()
    out.write_bytes(data.replace(b'crop_age_years\\":5', b'crop_age_years\\":6', 1))
    assert out.read_bytes() != data
    broken = run("verify-bundle", str(out), "--log-key", log_key)
    assert broken.returncode == 1
    assert broken.stdout.startswith("NOT VERIFIED: record 8 (event 'demo-fs-009', lot 'HV-2025-FS-0017'): event hash")
    assert broken.stdout.count("\n") == 1
