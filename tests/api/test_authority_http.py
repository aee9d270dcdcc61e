"""Who may write what, tried over real HTTP against the demo as an attacker would (both engines).

The five attacks the identity issue was filed for, each refused with a 403 problem document naming the rule,
the role held and the role needed, in Chinese and English, and storing nothing; then the keys: revoked,
suspended, never registered; a custodian after handing custody over; membership events submitted by their
own signers over the same endpoint.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ginseng_trace.api import create_app
from ginseng_trace.chain import SignedEvent, SignerKey
from ginseng_trace.demo import GTIN_250G, load_demo
from ginseng_trace.service import NewActor, Services
from ginseng_trace.store import Store

from ..conftest import OPERATOR, Actor, LiveServer, demo_actor

LOG = SignerKey("ginseng.test/log", bytes(range(32)))
BOX = f"/01/{GTIN_250G}/10/PK-2025-0931/21/0007"
PROBLEM = "application/problem+json"
OPERATOR_ACTOR = Actor(OPERATOR.name, OPERATOR)


def post(client: httpx.Client, signed: SignedEvent, lang: str = "zh") -> httpx.Response:
    return client.post("/api/v1/events", json=signed.envelope(), headers={"Accept-Language": lang})


def forbidden(
    client: httpx.Client, ledger: Services, signed: SignedEvent, pointer: str, held: str, needed: str
) -> None:
    """The submission is refused by the authority rule with 403, in both languages, and nothing is stored."""
    before = ledger.records.count()
    zh, en = post(client, signed), post(client, signed, "en")
    for response in (zh, en):
        assert response.status_code == 403, response.text
        assert response.headers["content-type"].startswith(PROBLEM)
    doc = zh.json()
    assert doc["type"] == "urn:ginseng-trace:problem:rule:authority"
    assert (doc["rule"], doc["severity"]) == ("authority", "hard")
    assert needed in doc["role_needed"], doc
    assert held in doc["role_held"], doc
    assert doc["errors"][0]["pointer"] == pointer
    assert any("\u4e00" <= ch <= "\u9fff" for ch in doc["detail"])
    assert doc["detail"] == doc["detail_zh"]
    assert en.json()["detail"] == doc["detail_en"]
    assert en.headers["content-language"] == "en"
    assert ledger.records.count() == before


@pytest.mark.slow
def test_a_grower_cannot_recall_a_processors_product_in_a_regulators_name(
    demo_site: tuple[httpx.Client, Services],
) -> None:
    client, ledger = demo_site
    wang = demo_actor("fusong-wang-farm")
    recall = wang.sign(
        "RG-2025-0931",
        "recall",
        occurred_at="2025-11-21T00:00:00Z",
        payload={"reason": "Cd above limit", "authority": "吉林省药品监督管理局", "reference": "吉药监〔2025〕1号"},
    )
    forbidden(client, ledger, recall, "/event/actor", "grower", "regulator")
    ledger.checkpointer.publish()
    page = client.get(BOX, headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert "RECALLED" not in page.text
    assert "召回" not in client.get(BOX).text


@pytest.mark.slow
def test_a_grower_cannot_record_a_lab_test_under_a_labs_name(demo_site: tuple[httpx.Client, Services]) -> None:
    client, ledger = demo_site
    wang = demo_actor("fusong-wang-farm")
    fake = {
        "lab": "吉林省中药材检测中心",
        "accreditation": "CNAS L1234",
        "sample_id": "S-2025-1005-07",
        "method": "Chinese Pharmacopoeia 2020",
        "heavy_metals_mg_kg": {"Pb": 9},
        "verdict": "fail",
    }
    forbidden(
        client,
        ledger,
        wang.sign("RG-2025-0931", "quality_test", occurred_at="2025-11-01T00:00:00Z", payload=fake),
        "/event/actor",
        "grower",
        "lab",
    )
    # the real lab, for a lot no sample was sent for
    lab = demo_actor("jilin-quality-lab")
    test = lab.sign(
        "PK-2025-0931", "quality_test", occurred_at="2025-11-25T00:00:00Z", payload={**fake, "sample_id": "S-X"}
    )
    forbidden(
        client, ledger, test, "/event/payload/sample_id", "no sample S-X was sent", "a sample sent to the recording lab"
    )


@pytest.mark.slow
def test_the_held_party_cannot_release_a_regulators_hold(demo_site: tuple[httpx.Client, Services]) -> None:
    client, ledger = demo_site
    regulator, shop = demo_actor("jilin-mpa-inspector"), demo_actor("changchun-herb-shop")
    hold = regulator.sign(
        "PK-2025-0931",
        "hold",
        occurred_at="2025-11-21T00:00:00Z",
        payload={"reason": "sampling: Cd in a related batch"},
    )
    assert post(client, hold).status_code == 201
    release = {"reason": "we checked it ourselves"}
    forbidden(
        client,
        ledger,
        shop.sign("PK-2025-0931", "release", occurred_at="2025-11-22T00:00:00Z", payload=release),
        "/event/actor",
        "retailer",
        "a regulator",
    )
    lifted = regulator.sign(
        "PK-2025-0931", "release", occurred_at="2025-11-23T00:00:00Z", payload={"reason": "retest passed"}
    )
    assert post(client, lifted).status_code == 201


@pytest.mark.slow
def test_a_stranger_cannot_correct_another_growers_harvest(demo_site: tuple[httpx.Client, Services]) -> None:
    client, ledger = demo_site
    li, wang = demo_actor("jian-li-farm"), demo_actor("fusong-wang-farm")
    fix = {
        "supersedes": "demo-fs-009",
        "reason": "weight",
        "corrected": {"fresh_weight": {"value": 9000, "unit": "kg"}},
    }
    forbidden(
        client,
        ledger,
        li.sign("HV-2025-FS-0017", "correct", occurred_at="2025-11-01T00:00:00Z", payload=fix),
        "/event/actor",
        "jian-li-farm",
        "fusong-wang-farm",
    )
    own = {**fix, "corrected": {"fresh_weight": {"value": 1460, "unit": "kg"}}}
    assert (
        post(
            client, wang.sign("HV-2025-FS-0017", "correct", occurred_at="2025-11-01T00:00:00Z", payload=own)
        ).status_code
        == 201
    )


@pytest.mark.slow
def test_nobody_creates_lots_under_another_companys_identifiers(demo_site: tuple[httpx.Client, Services]) -> None:
    client, ledger = demo_site
    li = demo_actor("jian-li-farm")
    plot = li.sign("PLOT-FS-9999", "register_plot", occurred_at="2025-04-01T00:00:00Z")
    forbidden(client, ledger, plot, "/event/lot_id", "PLOT-FS-9999", "PLOT-JA-")
    # a second processor packs its own batch under the demo processor's GTIN
    other = Actor("tonghua-works")
    ledger.membership.enrol(
        "tonghua-works",
        "通化参业",
        ["processor"],
        ["TH-"],
        [NewActor(other.key.verifier())],
        gs1_company_prefixes=["6970001"],
    )
    box = other.sign(
        "TH-PK-1",
        "package",
        occurred_at="2025-11-01T00:00:00Z",
        inputs=["RG-2025-0931"],
        payload={"gtin": GTIN_250G, "batch": "TH-PK-1", "net_weight_g": 250, "units": 1},
    )
    forbidden(client, ledger, box, "/event/payload/gtin", GTIN_250G, "6970001")


@pytest.mark.slow
def test_a_lab_cites_only_an_accreditation_registered_to_it(demo_site: tuple[httpx.Client, Services]) -> None:
    client, ledger = demo_site
    lab = demo_actor("jilin-quality-lab")
    assert ledger.membership.organisation("jilin-quality-lab").accreditations == ["CNAS L1234"]
    borrowed = {
        "lab": "吉林省中药材检测中心",
        "accreditation": "CMA 2021-000-X",  # another laboratory's number
        "sample_id": "S-2025-1005-07",
        "method": "Chinese Pharmacopoeia 2020",
        "verdict": "pass",
    }
    test = lab.sign("RG-2025-0931", "quality_test", occurred_at="2025-11-25T00:00:00Z", payload=borrowed)
    forbidden(client, ledger, test, "/event/payload/accreditation", "CMA 2021-000-X", "CNAS L1234")


@pytest.mark.slow
def test_an_organisation_is_registered_only_in_identifier_spaces_of_its_own(
    demo_site: tuple[httpx.Client, Services],
) -> None:
    client, ledger = demo_site
    at = "2025-11-25T00:00:00Z"
    inside = {"name": "假冒参场", "roles": ["grower"], "lot_prefixes": ["PLOT-FS-9"]}  # inside Wang's PLOT-FS-
    forbidden(
        client,
        ledger,
        OPERATOR_ACTOR.sign("org:fake-farm", "register_organisation", occurred_at=at, payload=inside),
        "/event/payload/lot_prefixes/0",
        "fusong-wang-farm",
        "no other organisation's overlaps",
    )
    over = {"name": "假冒参业", "roles": ["processor"], "lot_prefixes": ["FK-"], "gs1_company_prefixes": ["697512"]}
    forbidden(
        client,
        ledger,
        OPERATOR_ACTOR.sign("org:fake-works", "register_organisation", occurred_at=at, payload=over),
        "/event/payload/gs1_company_prefixes/0",
        "697512",
        "no other organisation's overlaps",
    )
    own = {"name": "通化参业", "roles": ["processor"], "lot_prefixes": ["TH-"], "gs1_company_prefixes": ["6970001"]}
    signed = OPERATOR_ACTOR.sign("org:tonghua-works", "register_organisation", occurred_at=at, payload=own)
    assert post(client, signed).status_code == 201
    assert ledger.checks.check().ok  # the replay agrees with what the ledger admitted


def key_refused(client: httpx.Client, ledger: Services, signed: SignedEvent, status: int, kind: str, why: str) -> None:
    before = ledger.records.count()
    response = post(client, signed, "en")
    assert response.status_code == status, response.text
    doc = response.json()
    assert doc["type"].endswith(kind), doc
    assert why in doc["detail"], doc
    assert doc["errors"][0]["pointer"] == "/event/key_id"
    assert ledger.records.count() == before


@pytest.mark.slow
def test_revoked_suspended_and_unregistered_keys_sign_nothing(demo_site: tuple[httpx.Client, Services]) -> None:
    client, ledger = demo_site
    shop, li = demo_actor("changchun-herb-shop"), demo_actor("jian-li-farm")
    sale = {"units": 1, "buyer_type": "consumer"}
    ledger.membership.revoke_key(shop.name, shop.key_id, "till stolen")
    key_refused(
        client,
        ledger,
        shop.sign("PK-2025-0931", "sell", occurred_at="2025-11-25T00:00:00Z", payload=sale),
        403,
        ":key-not-valid",
        "was revoked at log position",
    )
    ledger.membership.change("jian-li-farm", "suspend", {"reason": "licence suspended"})
    inspect = li.sign(
        "PLOT-JA-0102", "field_operation", occurred_at="2025-11-25T00:00:00Z", payload={"operation": "inspect"}
    )
    key_refused(client, ledger, inspect, 403, ":key-not-valid", "organisation jian-li-farm is suspended")
    ledger.membership.change("jian-li-farm", "reinstate", {"reason": "licence restored"})
    assert post(client, inspect).status_code == 201
    unregistered = Actor("fusong-wang-farm")  # a new key, never registered: the name alone is nothing
    key_refused(
        client,
        ledger,
        unregistered.sign("PLOT-FS-0017", "field_operation", occurred_at="2025-11-25T00:00:00Z"),
        422,
        ":unknown-key",
        "has no registered key",
    )


@pytest.mark.slow
def test_a_custodian_records_nothing_after_handing_custody_over(demo_site: tuple[httpx.Client, Services]) -> None:
    client, _ledger = demo_site
    wang = demo_actor("fusong-wang-farm")  # shipped the whole harvest to the works, which received it
    late = wang.sign("HV-2025-FS-0017", "store", occurred_at="2025-11-25T00:00:00Z", payload={"warehouse": "own shed"})
    response = post(client, late, "en")
    assert response.status_code == 422, response.text
    assert response.json()["rule"] == "custody"
    assert "is not a custodian of lot HV-2025-FS-0017" in response.json()["detail"]


@pytest.mark.slow
def test_membership_events_are_ordinary_submissions_by_their_own_signers(
    demo_site: tuple[httpx.Client, Services],
) -> None:
    client, ledger = demo_site
    regulator, wang = demo_actor("jilin-mpa-inspector"), demo_actor("fusong-wang-farm")
    suspend = regulator.sign(
        "org:jian-li-farm", "suspend", occurred_at="2025-11-25T00:00:00Z", payload={"reason": "fraud inquiry"}
    )
    assert post(client, suspend).status_code == 201
    assert ledger.membership.organisation("jian-li-farm").suspended
    grab = wang.sign(
        "org:fusong-wang-farm", "grant_role", occurred_at="2025-11-25T00:00:00Z", payload={"role": "regulator"}
    )
    forbidden(client, ledger, grab, "/event/actor", "grower", "operator")
    escalate = regulator.sign(
        "org:jilin-mpa-inspector", "grant_role", occurred_at="2025-11-25T00:00:00Z", payload={"role": "operator"}
    )
    forbidden(client, ledger, escalate, "/event/actor", "regulator", "operator")
    # nor may it sign as anyone: registering a key is an operator's
    own_key = SignerKey("fusong-wang-farm", bytes(range(60, 92))).verifier().text()
    forge = regulator.sign(
        "org:fusong-wang-farm",
        "register_key",
        occurred_at="2025-11-25T00:00:00Z",
        payload={"actor": "fusong-wang-farm", "key": own_key},
    )
    forbidden(client, ledger, forge, "/event/actor", "regulator", "operator")
    authority = client.get("/api/v1/authority").json()
    assert authority["anchor_keys"] == [OPERATOR.verifier().text()]
    assert authority["policy"]["roles"]["recall"] == ["regulator"]


@pytest.mark.slow
def test_an_event_replayed_under_another_actors_session_is_still_only_its_signers(engine: Any) -> None:
    """Li logs in and replays Wang's signed event, then tries to pass it off as his own: the replay is Wang's
    event again (stored once, answered 200), and the server signs nothing in another actor's name."""
    from ..api.test_accounts import KEK, PASSWORD, log_in

    ledger = Services(Store(engine), operator=OPERATOR, log_signer=LOG, key_encryption_key=KEK)
    load_demo(ledger)
    li = ledger.held_keys.create("jian-li-farm")
    ledger.membership.add_key(li)
    ledger.accounts.create("li", "jian-li-farm", PASSWORD)
    wang = demo_actor("fusong-wang-farm")
    inspect = wang.sign(
        "PLOT-FS-0017", "field_operation", occurred_at="2025-11-25T00:00:00Z", payload={"operation": "inspect"}
    )
    with LiveServer(create_app(ledger)) as server, httpx.Client(base_url=server.url) as client:
        assert post(client, inspect).status_code == 201
        before = ledger.records.count()
        cookie, csrf = log_in(client, "li")
        headers = {**cookie, "X-CSRF-Token": csrf}
        replayed = client.post("/api/v1/events", json=inspect.envelope(), headers=headers)
        assert replayed.status_code == 200, replayed.text  # the same event, already recorded: Wang's
        assert replayed.json()["event"]["actor"] == "fusong-wang-farm"
        as_li = client.post("/api/v1/me/events", json={"event": inspect.envelope()["event"]}, headers=headers)
        assert as_li.status_code == 422, as_li.text
        assert {"/event/actor", "/event/key_id"} <= {e["pointer"] for e in as_li.json()["errors"]}
        unsigned = {
            "event_id": "li-x",
            "lot_id": "PLOT-FS-0017",
            "type": "field_operation",
            "occurred_at": "2025-11-25T00:00:00Z",
            "payload": {"operation": "inspect"},
        }
        on_wangs_plot = client.post("/api/v1/me/events", json={"event": unsigned}, headers=headers)
        assert on_wangs_plot.status_code == 422  # signed by Li's held key: Li is no custodian of Wang's plot
        assert on_wangs_plot.json().get("rule") == "custody", on_wangs_plot.text
        assert ledger.records.count() == before
