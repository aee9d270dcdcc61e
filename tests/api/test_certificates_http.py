"""Certificates and registration numbers over real HTTP, on both engines: a grower cannot certify its own
plot, a certifier's certificate names it as registered, the page shows the certificate valid at the harvest
(scheme, number, issuer, validity) and marks the grower's claims no certificate backs; a pesticide's
registration number of the wrong form is refused, and a known number with another ingredient is a finding."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from ginseng_trace.api import create_app
from ginseng_trace.service import Services

from ..conftest import Actor, LiveServer, enrol, example_payload

PROBLEM = "application/problem+json"
CERTIFIER_NAME = "吉林省长白山人参品牌认证中心"


@pytest.fixture
def client(ledger: Services) -> Iterator[httpx.Client]:
    with LiveServer(create_app(ledger)) as server, httpx.Client(base_url=server.url) as client:
        yield client


@pytest.fixture
def certifier(ledger: Services) -> Actor:
    actor = Actor("test-certifier")
    enrol(ledger, actor, ["certifier"], name=CERTIFIER_NAME)
    return actor


def post(client: httpx.Client, actor: Actor, lot: str, type_: str, **fields: Any) -> httpx.Response:
    return client.post("/api/v1/events", json=actor.sign(lot, type_, **fields).envelope())


def accepted(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 201, response.text
    findings: list[dict[str, Any]] = response.json()["findings"]
    return findings


def refused(response: httpx.Response, status: int, rule: str, pointer: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    doc: dict[str, Any] = response.json()
    assert doc["type"] == f"urn:ginseng-trace:problem:rule:{rule}"
    if status == 422:
        assert [e["pointer"] for e in doc["errors"]] == [pointer]
    assert doc["detail_en"]
    assert doc["detail_zh"]
    return doc


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def certificate(**changes: Any) -> dict[str, Any]:
    return {**example_payload("certify"), "valid_from": "2023-05-01", "valid_until": "2026-04-30", **changes}


def test_a_certificate_is_its_issuers_record_and_the_page_shows_it(
    client: httpx.Client, grower: Actor, certifier: Actor
) -> None:
    claims = ["GAP", "长白山人参 brand base"]
    accepted(post(client, grower, "PLOT-C", "register_plot", payload={"certifications": claims}))
    accepted(post(client, grower, "PLOT-C", "sow", raw_payload={"variety": "大马牙"}))
    when = "2023-05-01T01:00:00Z"
    # the grower cannot certify its own plot: the role certifier records certificates
    refused(
        post(client, grower, "PLOT-C", "certify", occurred_at=when, raw_payload=certificate()), 403, "authority", ""
    )
    wrong = certificate(issuer="国家认证中心")
    refused(
        post(client, certifier, "PLOT-C", "certify", occurred_at=when, raw_payload=wrong),
        422,
        "certificates",
        "/event/payload/issuer",
    )
    backwards = certificate(valid_until="2023-04-01")
    refused(
        post(client, certifier, "PLOT-C", "certify", occurred_at=when, raw_payload=backwards),
        422,
        "certificates",
        "/event/payload/valid_until",
    )
    assert accepted(post(client, certifier, "PLOT-C", "certify", occurred_at=when, raw_payload=certificate())) == []
    accepted(post(client, grower, "HV-C", "harvest", inputs=["PLOT-C"], payload={"crop_age_years": 5}))
    page = text_of(client.get("/lot/HV-C").text)
    number = str(example_payload("certify")["number"])
    assert f"长白山人参品牌基地 · 证书编号 {number} · {CERTIFIER_NAME} · 有效期 2023-05-01 – 2026-04-30" in page
    assert "GAP （种植者自称，无发证机构记录）" in page
    english = text_of(client.get("/lot/HV-C?lang=en").text)
    assert "GAP (claimed by the grower, not certified)" in english
    origin = client.get("/lot/HV-C", headers={"Accept": "application/json"}).json()["lot"]["origins"][0]
    assert [(c["scheme"], c["number"], c["issuer"]) for c in origin["certificates"]] == [
        ("changbaishan_brand_base", number, CERTIFIER_NAME)
    ]
    assert origin["claims"] == [{"claim": "GAP", "certified": False}, {"claim": claims[1], "certified": True}]


def test_a_withdrawal_is_the_issuers_or_a_regulators(
    client: httpx.Client, ledger: Services, grower: Actor, certifier: Actor
) -> None:
    other = Actor("other-certifier")
    enrol(ledger, other, ["certifier"], name="另一认证机构")
    accepted(post(client, grower, "PLOT-W", "register_plot"))
    certify = certifier.sign("PLOT-W", "certify", occurred_at="2023-05-01T01:00:00Z", raw_payload=certificate())
    assert client.post("/api/v1/events", json=certify.envelope()).status_code == 201
    withdrawal = {"certificate": certify.event.event_id, "reason": "annual audit failed"}
    at = "2024-05-01T01:00:00Z"
    refused(
        post(client, other, "PLOT-W", "withdraw_certification", occurred_at=at, raw_payload=withdrawal),
        403,
        "authority",
        "",
    )
    accepted(post(client, certifier, "PLOT-W", "withdraw_certification", occurred_at=at, raw_payload=withdrawal))
    again = post(client, certifier, "PLOT-W", "withdraw_certification", occurred_at=at, raw_payload=withdrawal)
    refused(again, 422, "certificates", "/event/payload/certificate")


def test_registration_numbers_are_checked_for_form_and_product(client: httpx.Client, grower: Actor) -> None:
    accepted(post(client, grower, "PLOT-R", "register_plot"))
    spray = dict(example_payload("field_operation"))
    bad = post(client, grower, "PLOT-R", "field_operation", raw_payload={**spray, "registration_number": "PD-123"})
    doc = refused(bad, 422, "registration_number", "/event/payload/registration_number")
    assert "PD20080367" in doc["detail_en"]
    known = {**spray, "registration_number": "PD20120001", "active_ingredient": "carbendazim"}
    findings = accepted(post(client, grower, "PLOT-R", "field_operation", raw_payload=known))
    assert [(f["rule"], f["severity"]) for f in findings] == [("registration_product", "soft")]
    fertiliser = {"operation": "fertilise", "product": "复合肥", "dose": {"value": 50, "unit": "kg/mu"}}
    wrong = {**fertiliser, "registration_number": "PD20080367"}
    refused(
        post(client, grower, "PLOT-R", "field_operation", raw_payload=wrong),
        422,
        "registration_number",
        "/event/payload/registration_number",
    )
    right = {**fertiliser, "registration_number": "农肥（2019）准字1234号"}
    assert accepted(post(client, grower, "PLOT-R", "field_operation", raw_payload=right)) == []
