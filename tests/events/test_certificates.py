"""Certificates are records, not strings; registration numbers are checked (pure: no database).

The standard lifecycle (tests/lifecycle.py) has the certifier's brand-base certificate of PLOT-1 and a brand
claim on the box; each example below changes one fact of it and names the rule that must fire at which step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ginseng_trace.events.certificates import backing, certificate_facts
from ginseng_trace.events.lot_facts import Certificate
from ginseng_trace.events.registrations import well_formed
from ginseng_trace.events.state import LotState

from ..lifecycle import CERTIFIER, GROWER, Step, Story, brand_certificate, day, inspector, judge_all, standard


def cert_step(story: Story) -> Step:
    return story.steps[story.where["certify"][0]]


def package_index(story: Story) -> int:
    return story.where["package"][0]


Mutation = Callable[[Story], int]


def withdraw_before_harvest(story: Story) -> int:
    certify = story.where["certify"][0]
    story.insert(
        story.where["harvest"][0],
        Step(
            CERTIFIER,
            "PLOT-1",
            "withdraw_certification",
            day("2025-07-01"),
            {"certificate": f"e{certify}", "reason": "r"},
        ),
    )
    return package_index(story)


def expire_before_harvest(story: Story) -> int:
    cert_step(story).payload["valid_until"] = "2025-08-31"
    return package_index(story)


def certify_later(story: Story) -> int:
    """The certificate recorded after the harvest, though backdated: the harvest did not have it."""
    step = story.remove(story.where["certify"][0])
    story.insert(story.where["harvest"][0] + 1, replace(step, lot="PLOT-1", when=day("2025-09-19")), "certify")
    return package_index(story)


def another_scheme(story: Story) -> int:
    cert_step(story).payload["scheme"] = "gap"
    return package_index(story)


def at_certify(change: Callable[[dict[str, object]], object]) -> Mutation:
    def mutate(story: Story) -> int:
        change(cert_step(story).payload)
        return story.where["certify"][0]

    return mutate


def by(actor: str) -> Mutation:
    def mutate(story: Story) -> int:
        step = cert_step(story)
        step.actor = actor
        return story.where["certify"][0]

    return mutate


def recertify_same_number(story: Story) -> int:
    index = story.where["certify"][0] + 1
    story.insert(index, Step(CERTIFIER, "PLOT-1", "certify", day("2023-05-02"), brand_certificate()))
    return index


def gi_outside(story: Story) -> int:
    plot = story.steps[story.where["register"][0]].payload
    plot.update(county_code="220102", county="南关区", prefecture="长春市", certifications=[])
    cert_step(story).payload["scheme"] = "gi_gb_t_19506"
    return story.where["certify"][0]


def withdraw_unknown(story: Story) -> int:
    index = story.where["harvest"][0]
    story.insert(
        index,
        Step(CERTIFIER, "PLOT-1", "withdraw_certification", day("2025-07-01"), {"certificate": "e0", "reason": "r"}),
    )
    return index


def withdraw_by(actor: str) -> Mutation:
    def mutate(story: Story) -> int:
        certify = story.where["certify"][0]
        index = story.where["harvest"][0]
        story.insert(
            index,
            Step(
                actor,
                "PLOT-1",
                "withdraw_certification",
                day("2025-07-01"),
                {"certificate": f"e{certify}", "reason": "r"},
            ),
        )
        return index

    return mutate


def pesticide(change: Callable[[dict[str, object]], None]) -> Mutation:
    def mutate(story: Story) -> int:
        index = story.where["pesticide"][0]
        change(story.steps[index].payload)
        return index

    return mutate


def fertilise(number: str) -> Mutation:
    def mutate(story: Story) -> int:
        index = story.where["pesticide"][0]
        payload = {"operation": "fertilise", "product": "复合肥", "registration_number": number}
        payload["dose"] = {"value": 50, "unit": "kg/mu"}  # type: ignore[assignment]
        story.insert(index, Step(GROWER, "PLOT-1", "field_operation", day("2025-05-01"), payload))
        return index

    return mutate


REFUSED: list[tuple[str, Mutation, str, str]] = [
    (
        "brand claim from a base whose certificate was withdrawn before the harvest",
        withdraw_before_harvest,
        "brand_base",
        "/payload/claims/1",
    ),
    (
        "brand claim from a base whose certificate ran out before the harvest",
        expire_before_harvest,
        "brand_base",
        "/payload/claims/1",
    ),
    (
        "brand claim backed only by a certificate recorded after the harvest",
        certify_later,
        "brand_base",
        "/payload/claims/1",
    ),
    ("brand claim from a GAP-certified base", another_scheme, "brand_base", "/payload/claims/1"),
    (
        "a certificate that ends before it starts",
        at_certify(lambda p: p.update(valid_until="2023-04-30")),
        "certificates",
        "/payload/valid_until",
    ),
    (
        "a certificate valid for twenty years",
        at_certify(lambda p: p.update(valid_until="2043-04-30")),
        "certificates",
        "/payload/valid_until",
    ),
    (
        "a certificate naming another issuer",
        at_certify(lambda p: p.update(issuer="国家认证中心")),
        "certificates",
        "/payload/issuer",
    ),
    ("a grower certifies its own plot", by(GROWER), "authority", "/actor"),
    ("a lab certifies a plot", by("lab-c"), "authority", "/actor"),
    ("the same certificate number twice", recertify_same_number, "certificates", "/payload/number"),
    (
        "a GI certificate for a plot outside the protected areas",
        gi_outside,
        "geographical_indication",
        "/payload/scheme",
    ),
    ("a withdrawal naming no certificate", withdraw_unknown, "certificates", "/payload/certificate"),
    ("another grower withdraws a certificate", withdraw_by("someone-else"), "authority", "/actor"),
    (
        "a pesticide without a registration number's form",
        pesticide(lambda p: p.update(registration_number="12345")),
        "registration_number",
        "/payload/registration_number",
    ),
    (
        "a pesticide with a fertiliser's number",
        pesticide(lambda p: p.update(registration_number="农肥（2019）准字1234号")),
        "registration_number",
        "/payload/registration_number",
    ),
    (
        "a fertiliser with a pesticide's number",
        fertilise("PD20080367"),
        "registration_number",
        "/payload/registration_number",
    ),
]


@pytest.mark.parametrize(("case", "mutate", "rule", "pointer"), REFUSED, ids=[r[0] for r in REFUSED])
def test_one_changed_fact_is_refused_by_the_right_rule(case: str, mutate: Mutation, rule: str, pointer: str) -> None:
    story = standard()
    index = mutate(story)
    found = judge_all(story.steps)
    assert all(v == [] for v in found[:index]), f"{case}: earlier steps broke rules: {found[:index]}"
    hard = [v for v in found[index] if v.hard]
    assert hard, f"{case}: step {index} passed: {found[index]}"
    assert (hard[0].rule, hard[0].pointer) == (rule, "/event" + pointer), hard
    assert all((hard[0].limit, hard[0].value, hard[0].message, hard[0].message_zh))


def withdraw_after_the_sale(actor: str) -> Mutation:
    def mutate(story: Story) -> int:
        certificate = f"e{story.where['certify'][0]}"
        payload = {"certificate": certificate, "reason": "annual audit failed"}
        story.add(Step(actor, "PLOT-1", "withdraw_certification", day("2025-11-25"), payload))
        return len(story.steps) - 1

    return mutate


ACCEPTED: list[tuple[str, Mutation]] = [
    (
        "a certificate withdrawn by its issuer after the harvest leaves the harvest certified",
        withdraw_after_the_sale(CERTIFIER),
    ),
    ("a regulator withdraws a certificate", withdraw_after_the_sale("jilin-regulator")),
    ("a certificate that runs out on the harvest day", at_certify(lambda p: p.update(valid_until="2025-09-18"))),
    ("a certificate without a scope", at_certify(lambda p: p.pop("scope"))),
    ("a fertiliser registered by the ministry", fertilise("农肥（2019）准字1234号")),
    ("a microbial fertiliser", fertilise("微生物肥（2019）准字（5678）号")),
    ("a province's fertiliser registration, half-width brackets", fertilise("吉农肥(2020)临字 0012号")),
    ("a temporary pesticide registration", pesticide(lambda p: p.update(registration_number="LS20071573"))),
    ("a sub-packaging registration", pesticide(lambda p: p.update(registration_number="PD20080367F090123"))),
    (
        "an unknown number of valid form",
        pesticide(lambda p: p.update(registration_number="PD20990001", active_ingredient="x")),
    ),
]


@pytest.mark.parametrize(("case", "mutate"), ACCEPTED, ids=[a[0] for a in ACCEPTED])
def test_variations_a_careless_rule_would_refuse_are_accepted(case: str, mutate: Mutation) -> None:
    story = standard()
    mutate(story)
    assert judge_all(story.steps) == [[] for _ in story.steps], case


def test_a_known_number_with_another_active_ingredient_is_a_finding() -> None:
    story = standard()
    index = pesticide(lambda p: p.update(active_ingredient="carbendazim"))(story)
    found = judge_all(story.steps)[index]
    assert [(v.rule, v.severity, v.pointer) for v in found] == [
        ("registration_product", "soft", "/event/payload/active_ingredient")
    ]
    assert "azoxystrobin" in found[0].limit


def test_the_state_keeps_certificates_through_json_and_the_harvest_its_valid_ones() -> None:
    story = standard()
    judging = inspector()
    for i, step in enumerate(story.steps):
        judging.admit(step.event(i), i, day("2026-01-01"))
    plot = LotState.from_json(judging.states["PLOT-1"].to_json())
    assert [c.scheme for c in plot.certificates.values()] == ["changbaishan_brand_base"]
    assert plot.certificates[f"e{story.where['certify'][0]}"].issued_by == CERTIFIER
    harvest = LotState.from_json(judging.states["HV-1"].to_json())
    assert [c.number for c in harvest.origins[0].certificates] == ["CBS-JL-2023-0017"]


def certificate(scheme: str, until: str = "2026-04-30", withdrawn: str | None = None) -> Certificate:
    return Certificate("e1", scheme, "N-1", "issuer", "cert", "2023-05-01", until, None, withdrawn)


def test_claims_are_backed_only_by_a_certificate_of_their_scheme_valid_at_the_harvest() -> None:
    brand, gap = certificate("changbaishan_brand_base"), certificate("gap", until="2024-12-31")
    shown, claims = certificate_facts([brand, gap], ["GAP", "长白山人参 brand base"], "2025-09-18T00:00:00Z")
    assert [(c["number"], c["scheme"]) for c in shown] == [("N-1", "changbaishan_brand_base")]
    assert claims == [{"claim": "GAP", "certified": False}, {"claim": "长白山人参 brand base", "certified": True}]
    assert backing("GB/T 19506 地理标志产品", [certificate("gi_gb_t_19506")]) is not None
    withdrawn = certificate("gap", withdrawn="2025-09-01T00:00:00Z")
    assert (withdrawn.valid_at(day("2025-09-18")), withdrawn.valid_at(day("2025-08-31"))) == (False, True)
    # validity is by the day on Jilin's clock: 16:30 UTC on 30 April is already 1 May there
    assert not certificate("gap").valid_at(day("2026-04-30T16:30:00"))


@given(st.from_regex(r"(PD|LS|WP|WL)[0-9]{8}", fullmatch=True))
def test_every_pesticide_number_of_the_form_passes(number: str) -> None:
    assert well_formed("pesticide", number)
    assert not well_formed("fertilise", number)


@given(st.text(max_size=40))
def test_no_text_breaks_the_form_check(text: str) -> None:
    for operation in ("pesticide", "fertilise"):
        assert well_formed(operation, text) in (True, False)
    if not any(ch.isdigit() for ch in text):
        assert not well_formed("pesticide", text)
