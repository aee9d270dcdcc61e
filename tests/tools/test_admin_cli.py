"""``ginseng-trace admin``: an operator onboards a grower and a lab in a few commands, as README shows; the
grower's first event is then its own signed submission, and membership changes are ledger events."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .test_cli import run


@pytest.mark.slow
def test_an_operator_onboards_a_grower_and_a_lab(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACE_DATA_DIR", str(tmp_path / "data"))
    db = f"--database-url={database_url}"
    grower_vkey = run("keygen", "fusong-zhang", "-o", str(tmp_path / "zhang.key")).stdout.strip()
    lab_vkey = run("keygen", "baishan-lab-1", "-o", str(tmp_path / "lab.key")).stdout.strip()
    org = run(
        "admin",
        "org",
        "fusong-zhang-farm",
        db,
        "--name",
        "抚松县张氏参园",
        "--role",
        "grower",
        "--lot-prefix",
        "FSZ-",
        "--county",
        "抚松县",
        "--uscc",
        "92220621MA14X7Q21K",
        "--actor-key",
        grower_vkey,
    )
    assert org.returncode == 0, org.stderr
    assert org.stdout.splitlines() == [
        "recorded: register_organisation 抚松县张氏参园 on org:fusong-zhang-farm at log position 0",
        "recorded: register_actor fusong-zhang on org:fusong-zhang-farm at log position 1",
        "recorded: register_key fusong-zhang on org:fusong-zhang-farm at log position 2",
    ]
    lab = run("admin", "org", "baishan-lab", db, "--name", "白山市检测所", "--role", "lab", "--accreditation", "CMA 1")
    assert lab.returncode == 0, lab.stderr
    # nobody else is registered inside the grower's identifier space: one line, a non-zero exit, nothing stored
    inside = run("admin", "org", "fake-farm", db, "--name", "假冒", "--role", "grower", "--lot-prefix", "FSZ-P")
    assert (inside.returncode, inside.stdout) == (2, "")
    assert inside.stderr.strip().splitlines() == [
        "ginseng-trace: error: the lot-id prefix FSZ-P overlaps fusong-zhang-farm's FSZ-: one identifier would "
        "name two organisations' lots"
    ]
    actor = run("admin", "actor", "baishan-lab", lab_vkey, db, "--kind", "device")
    assert actor.returncode == 0, actor.stderr
    listed = run("admin", "orgs", db).stdout
    assert "fusong-zhang-farm: 抚松县张氏参园; roles grower; lots FSZ-" in listed
    assert "baishan-lab-1 (1 key)" in listed
    assert "baishan-lab: 白山市检测所; roles lab; lots none; accredited CMA 1" in listed
    assert "fake-farm" not in listed

    # the grower's own first event, signed with its own key
    plot = {
        "event_id": "zhang-1",
        "lot_id": "FSZ-PLOT-1",
        "type": "register_plot",
        "occurred_at": "2026-04-01T02:00:00Z",
        "payload": {"land_type": "farmland", "county": "抚松县", "area_mu": 8},
    }
    signed = run("sign", "--key", str(tmp_path / "zhang.key"), "-", stdin=json.dumps(plot))
    (tmp_path / "plot.json").write_text(signed.stdout)
    assert run("append", db, str(tmp_path / "plot.json")).returncode == 0
    # the same lot by the lab: a role it does not hold, one line, exit 2, nothing stored
    lab_plot = {**plot, "event_id": "lab-1", "lot_id": "BSL-PLOT-1"}
    signed = run("sign", "--key", str(tmp_path / "lab.key"), "-", stdin=json.dumps(lab_plot))
    (tmp_path / "lab-plot.json").write_text(signed.stdout)
    refused = run("append", db, str(tmp_path / "lab-plot.json"))
    assert refused.returncode == 2
    assert refused.stderr.count("\n") == 1
    assert "holds the role lab; recording register_plot needs one of grower, cooperative" in refused.stderr

    # membership changes are events too: the key revoked, the organisation suspended and reinstated
    key_id = grower_vkey.split("+")[1]
    revoked = run("admin", "revoke-key", "fusong-zhang", key_id, db, "--reason", "phone lost")
    assert revoked.returncode == 0, revoked.stderr
    assert revoked.stdout.startswith("recorded: revoke_key fusong-zhang on org:fusong-zhang-farm")
    assert run("admin", "suspend", "baishan-lab", db, "--reason", "accreditation lapsed").returncode == 0
    assert "baishan-lab SUSPENDED" in run("admin", "orgs", db).stdout
    assert run("admin", "reinstate", "baishan-lab", db, "--reason", "accreditation renewed").returncode == 0
    assert run("check", db).returncode == 0  # the replay rebuilds the same membership and finds nothing

    # bad input: one line, exit 2, nothing stored
    for args in (
        ("admin", "key", grower_vkey.replace("fusong-zhang", "nobody-here", 1), db),
        ("admin", "grant-role", "no-such-org", "lab", db),
        ("admin", "org", "x", db, "--name", "X", "--role", "wizard", "--lot-prefix", "X-"),
    ):
        bad = run(*args)
        assert bad.returncode == 2, (args, bad.stdout, bad.stderr)
        assert bad.stderr.strip().count("\n") == 0, bad.stderr
    anchor = run("admin", "anchor", db).stdout.strip()
    assert anchor.startswith("operator+")


@pytest.mark.slow
def test_the_demo_manifest_gives_each_demo_actor_a_key_file_and_a_token(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ginseng_trace.demo import ACTORS
    from ginseng_trace.service import Permission, Services
    from ginseng_trace.store import Store, create_ledger_engine

    monkeypatch.setenv("TRACE_DATA_DIR", str(tmp_path / "data"))
    db = f"--database-url={database_url}"
    manifest = tmp_path / "demo.json"
    assert run("demo", db, "--manifest", str(manifest)).returncode == 0
    actors = {a["actor"]: a for a in json.loads(manifest.read_text())["actors"]}
    assert set(actors) == {a.name for a in ACTORS}
    assert manifest.stat().st_mode & 0o777 == 0o600  # it holds the demo actors' keys and tokens
    shop = actors["changchun-herb-shop"]
    assert Path(shop["key_file"]).stat().st_mode & 0o777 == 0o600
    sale = {
        "event_id": "shop-x",
        "lot_id": "PK-2025-0931",
        "type": "sell",
        "occurred_at": "2025-11-21T00:00:00Z",
        "payload": {"units": 1, "buyer_type": "consumer"},
    }
    signed = run("sign", "--key", shop["key_file"], "-", stdin=json.dumps(sale))
    (tmp_path / "sale.json").write_text(signed.stdout)
    assert run("append", db, str(tmp_path / "sale.json")).returncode == 0
    store = Store(create_ledger_engine(database_url))
    try:
        grant = Services(store).tokens.check(shop["token"], Permission.EVENTS_WRITE)
        assert grant.principal.actor == "changchun-herb-shop"
    finally:
        store.close()
