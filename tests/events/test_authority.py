"""The authority rule, pure: every role against every event type, and every relation an event type needs.

Each cell replays the standard lifecycle (tests/lifecycle.py) up to an event, gives the organisation recording
it one role, and asks the rule: refused exactly when the role is not among those schemas/rules.yaml allows.
The relations are then tried one by one with an allowed role: the lab that was sent the sample or another,
the custodian or a stranger, the regulator's hold or a voluntary one, the original recorder or another grower,
the creator's identifier space or another's.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest

from ginseng_trace.chain import SignerKey
from ginseng_trace.events.authority import CREATING_TYPES, policy
from ginseng_trace.events.catalogue import catalogue
from ginseng_trace.events.findings import Finding
from ginseng_trace.events.membership import MEMBERSHIP_TYPES, ROLES, KeyGrant, Member, Organisation
from ginseng_trace.events.rules import Inspector

from ..lifecycle import CERTIFIER, GROWER, LAB, NOW, PROCESSOR, ROLES_OF, Step, day, members, standard

ADMIN = "admin-z"  # records the membership events: an organisation of its own, whose role each cell sets
COOP = "coop-h"  # a cooperative a grower may agree with
NEW_KEY = SignerKey(GROWER, bytes(range(9, 41))).verifier().text()


def extra_steps() -> dict[str, tuple[list[Step], Step]]:
    """For each event type the standard lifecycle lacks: the steps before it (after the whole lifecycle up
    to the processor's shipment of PK-1) and the event itself."""
    at = day("2025-10-30")
    works = PROCESSOR
    hold = Step(works, "PK-1", "hold", at, {"reason": "voluntary hold: a customer complaint"})
    agree = Step(GROWER, f"org:{GROWER}", "agree_cooperative", at, {"cooperative": COOP})
    shipped, received = (
        next(s for s in standard().steps if s.type == t and s.lot == "PK-1") for t in ("ship", "receive")
    )
    back = Step("shop-f", "PK-1", "return", day("2025-11-10"), {"to": works, "units": 5})
    return {
        "return": ([shipped, received], back),
        "register_enterprise": (
            [],
            Step(GROWER, "ENT-1", "register_enterprise", at, dict(example("register_enterprise"))),
        ),
        "source_seed": ([], Step(GROWER, "PLOT-1", "source_seed", day("2020-04-08"), dict(example("source_seed")))),
        "aggregate": (
            [],
            Step(works, "CASE-1", "aggregate", at, {"level": "case", "children": ["PK-1/21/0001"]}, ("PK-1",)),
        ),
        "hold": ([], hold),
        "split": ([], Step(works, "RG-2", "split", at, {"kind": "process_batch", "net_weight_kg": 100}, ("RG-1",))),
        "recall": ([], Step(works, "PK-1", "recall", at, {"reason": "Cd above limit"})),
        "release": ([hold], Step(works, "PK-1", "release", day("2025-10-31"), {"reason": "complaint unfounded"})),
        "destroy": ([], Step(works, "PK-1", "destroy", at, {"reason": "water damage in the warehouse"})),
        "correct": (
            [],
            Step(
                GROWER,
                "HV-1",
                "correct",
                at,
                {"supersedes": "e5", "reason": "fresh weight mistyped", "corrected": {"crop_age_years": 5}},
            ),
        ),
        "register_organisation": (
            [],
            Step(
                ADMIN,
                "org:new-co",
                "register_organisation",
                at,
                {"name": "N", "roles": ["grower"], "lot_prefixes": ["new-"]},
            ),
        ),
        "register_actor": (
            [],
            Step(ADMIN, f"org:{GROWER}", "register_actor", at, {"actor": "new-actor", "kind": "person"}),
        ),
        "register_key": ([], Step(ADMIN, f"org:{GROWER}", "register_key", at, {"actor": GROWER, "key": NEW_KEY})),
        "revoke_key": (
            [],
            Step(ADMIN, f"org:{GROWER}", "revoke_key", at, {"actor": GROWER, "key_id": "00000000", "reason": "lost"}),
        ),
        "grant_role": ([], Step(ADMIN, f"org:{GROWER}", "grant_role", at, {"role": "retailer"})),
        "withdraw_role": ([], Step(ADMIN, f"org:{GROWER}", "withdraw_role", at, {"role": "grower", "reason": "r"})),
        "suspend": ([], Step(ADMIN, f"org:{GROWER}", "suspend", at, {"reason": "licence suspended"})),
        "reinstate": ([], Step(ADMIN, f"org:{GROWER}", "reinstate", at, {"reason": "licence restored"})),
        "agree_cooperative": ([], agree),
        "end_cooperative": ([agree], Step(GROWER, f"org:{GROWER}", "end_cooperative", at, {"cooperative": COOP})),
        # a captured EPCIS event naming none of our lots: on the grower's own chain of them
        "epcis_event": ([], Step(GROWER, f"epcis:{GROWER}", "epcis_event", at, example("epcis_event"))),
        # the certifier withdraws the brand-base certificate it issued (e3, the standard lifecycle's certify)
        "withdraw_certification": (
            [],
            Step(CERTIFIER, "PLOT-1", "withdraw_certification", at, {"certificate": "e3", "reason": "audit failed"}),
        ),
    }


def example(kind: str) -> dict[str, object]:
    return dict(catalogue()[kind].examples[0])


def scenario(kind: str) -> tuple[list[Step], Step]:
    """The steps before an event of ``kind`` and the event: from the standard lifecycle where it has one."""
    steps = standard().steps
    for i, step in enumerate(steps):
        if step.type == kind:
            return steps[:i], step
    before, step = extra_steps()[kind]
    shipped = next(i for i, s in enumerate(steps) if s.type == "ship" and s.lot == "PK-1")
    base = steps[:1] if kind == "source_seed" else steps[:shipped]
    return base + before, step


def authority(steps: list[Step], step: Step, roles: dict[str, list[str]] | None = None) -> list[Finding]:
    """The authority rule's findings on ``step`` after ``steps``, with the parties' roles (``roles`` changes
    some just before ``step``)."""
    parties = {**ROLES_OF, ADMIN: ["operator"], "lab-x": ["lab"], "grower-y": ["grower"], COOP: ["cooperative"]}
    judging = Inspector(membership=members(parties))
    for i, before in enumerate(steps):
        judging.admit(before.event(i), i, NOW)
    for actor, given in (roles or {}).items():
        judging.membership.orgs[actor].roles = list(given)
    return [f for f in judging.judge(step.event(len(steps)), len(steps), NOW) if f.rule == "authority"]


ALL_TYPES = sorted(catalogue())


def test_every_event_type_names_the_roles_that_may_record_it() -> None:
    assert sorted(policy()["roles"]) == ALL_TYPES
    assert set(policy()["membership_types"]) == MEMBERSHIP_TYPES
    assert all(set(roles) <= set(ROLES) for roles in policy()["roles"].values())


@pytest.mark.parametrize("kind", ALL_TYPES)
@pytest.mark.parametrize("role", ROLES)
def test_role_by_event_type(kind: str, role: str) -> None:
    steps, step = scenario(kind)
    found = authority(steps, step, {step.actor: [role]})
    allowed = role in policy()["roles"][kind]
    if kind in ("hold", "release", "sample") and role == "regulator":
        allowed = True  # a regulator needs no custody
    assert (not found) == allowed, f"{role} recording {kind}: {found}"
    if found:
        assert found[0].pointer in ("/event/actor", "/event/payload/role", "/event/payload/roles")
        assert role in found[0].value or found[0].value  # the role held is named
        assert found[0].message_zh


def refused(steps: list[Step], step: Step, why: str, roles: dict[str, list[str]] | None = None) -> None:
    found = authority(steps, step, roles)
    assert found, f"{step.type} by {step.actor} was allowed"
    assert why in found[0].message, found[0].message


def allowed(steps: list[Step], step: Step, roles: dict[str, list[str]] | None = None) -> None:
    assert authority(steps, step, roles) == []


def test_a_lab_records_only_for_a_sample_sent_to_it_under_its_registered_name() -> None:
    steps, test = scenario("quality_test")
    allowed(steps, test)
    renamed = replace(test, payload={**test.payload, "lab": "国家人参检测中心"})
    refused(steps, renamed, "is registered as '吉林省中药材检测中心'")
    _, sample = scenario("sample")
    refused(steps, replace(sample, payload={"sample_id": "S-1", "lab": "lab-x"}), "a sample is sent once")
    refused(steps, replace(test, actor="lab-x"), "may record tests only for samples sent to it")
    refused(steps[:-1], test, "no sample S-1 was sent for this lot")  # the sample event left out
    _, sample = scenario("sample")
    refused(steps[:-1], replace(sample, payload={"sample_id": "S-1", "lab": GROWER}), "a sample goes to a laboratory")


def test_holds_samples_and_releases_need_custody_or_a_regulator() -> None:
    steps, hold = scenario("hold")
    allowed(steps, hold)  # the custodian, voluntarily
    refused(steps, replace(hold, actor=GROWER), "is neither a custodian")
    allowed(steps, replace(hold, actor="jilin-regulator"))
    _, sample = scenario("sample")
    refused(steps, replace(sample, actor=GROWER, lot="PK-1"), "is neither a custodian")
    allowed(steps, replace(sample, actor="jilin-regulator", lot="PK-1"))


def test_a_release_lifts_a_regulators_hold_only_when_a_regulator_records_it() -> None:
    steps, release = scenario("release")
    allowed(steps, release)  # the custodian lifts its own voluntary hold
    # a co-custodian (the shop holds 40 of the 200 boxes) does not lift the works' own hold
    story = standard().steps
    received = next(i for i, s in enumerate(story) if s.type == "receive" and s.lot == "PK-1")
    both_hold = [*story[: received + 1], steps[-1]]  # the shipment and its receipt, then the works' hold
    refused(both_hold, replace(release, actor="shop-f"), "only works-b or a regulator may release it")
    by_regulator = [*steps[:-1], replace(steps[-1], actor="jilin-regulator", payload={"reason": "Cd found upstream"})]
    refused(by_regulator, release, "is held by a regulator")
    allowed(by_regulator, replace(release, actor="jilin-regulator"))


def test_only_the_recorder_or_a_regulator_corrects() -> None:
    steps, correct = scenario("correct")
    allowed(steps, correct)
    refused(steps, replace(correct, actor="grower-y"), "was recorded by grower-a; only grower-a or a regulator")
    allowed(steps, replace(correct, actor="jilin-regulator"))
    refused(steps, replace(correct, payload={**correct.payload, "supersedes": "e0"}), "has no event 'e0'")


def test_lots_are_created_only_in_the_creators_identifier_space() -> None:
    steps, package = scenario("package")
    allowed(steps, package)
    judging = Inspector(membership=members())
    org = judging.membership.orgs[PROCESSOR]
    for kind in CREATING_TYPES:
        assert kind in policy()["creating_types"]
    narrowed = members()
    narrowed.orgs[PROCESSOR] = replace(org, lot_prefixes=["RG-"], gs1_company_prefixes=["6900000"])
    inspector = Inspector(membership=narrowed)
    for i, before in enumerate(steps):
        inspector.admit(before.event(i), i, NOW)
    found = [f for f in inspector.judge(package.event(len(steps)), len(steps), NOW) if f.rule == "authority"]
    assert [f.pointer for f in found] == ["/event/lot_id", "/event/payload/gtin"]
    assert "only in its own identifier space (RG-)" in found[0].message
    assert "GTIN 06975123400010 is not under works-b's GS1 company prefixes (6900000)" in found[1].message


def test_membership_events_only_on_org_lots_and_privileged_roles_only_from_an_operator() -> None:
    steps, grant = scenario("grant_role")
    refused(steps, grant, "needs one of operator", {ADMIN: ["regulator"]})  # who may sign as whom: an operator's
    allowed(steps, replace(grant, payload={"role": "regulator"}))  # the operator may grant even this
    _, suspend = scenario("suspend")
    allowed(steps, suspend, {ADMIN: ["regulator"]})  # a regulator may take an organisation out of use
    regulator_org = replace(suspend, lot="org:jilin-regulator")
    refused(steps, regulator_org, "only an operator may change its membership", {ADMIN: ["regulator"]})
    allowed(steps, regulator_org)
    _, register = scenario("register_organisation")
    refused(steps, replace(register, lot=f"org:{GROWER}"), f"{GROWER} is already registered")
    refused(steps, replace(grant, lot="PK-1"), "membership events")
    _, sample = scenario("sample")
    refused(steps, replace(sample, lot=f"org:{GROWER}", actor="jilin-regulator"), "membership events")
    _, actor = scenario("register_actor")
    refused(steps, replace(actor, payload={"actor": LAB, "kind": "person"}), "already taken")
    _, key = scenario("register_key")
    other = SignerKey("someone", bytes(range(9, 41))).verifier().text()
    refused(steps, replace(key, payload={"actor": GROWER, "key": other}), "is named grower-a and registered once")
    refused(steps, replace(key, payload={"actor": GROWER, "key": "grower-a+00000000+" + "A" * 44}), "verifier key data")
    cosigner = SignerKey(GROWER, bytes(range(9, 41)), 4).verifier().text()
    refused(steps, replace(key, payload={"actor": GROWER, "key": cosigner}), "an actor's key is an Ed25519")
    for until, why in (("2099-02-30T23:00:00Z", "not a real date"), ("2020-01-01T00:00:00Z", "cannot expire")):
        refused(steps, replace(key, payload={"actor": GROWER, "key": NEW_KEY, "valid_until": until}), why)
    _, withdraw = scenario("withdraw_role")
    refused(steps, replace(withdraw, payload={"role": "lab", "reason": "r"}), "does not hold the role lab")


def test_an_agreement_is_the_growers_own_consent_with_a_cooperative_given_and_ended_once() -> None:
    steps, agree = scenario("agree_cooperative")
    allowed(steps, agree)
    allowed(steps, replace(agree, actor=ADMIN))  # an operator records it for the grower
    refused(steps, replace(agree, actor="grower-y"), "an agreement on grower-a's plots is grower-a's to record")
    refused(steps, replace(agree, actor=COOP), "needs one of grower, operator")  # a cooperative cannot consent
    not_coop = replace(agree, payload={"cooperative": PROCESSOR})
    refused(steps, not_coop, "only with another organisation that holds the role cooperative, and works-b is processor")
    refused(steps, replace(agree, payload={"cooperative": "nobody"}), "nobody is not registered")
    itself = replace(agree, actor=COOP, lot=f"org:{COOP}")
    refused(steps, itself, "and coop-h is itself", {COOP: ["grower", "cooperative"]})
    refused([*steps, agree], agree, "grower-a's agreement with coop-h already stands")
    _, end = scenario("end_cooperative")
    refused(steps, end, "grower-a has no standing agreement with coop-h to end")
    allowed([*steps, agree], end)
    allowed([*steps, agree], replace(end, actor=COOP))  # the cooperative may end it too
    refused([*steps, agree], replace(end, actor="grower-y"), "is grower-a or coop-h's to record")
    refused([*steps, agree, end], end, "no standing agreement")  # ended once


def test_agreements_fold_into_the_growers_membership() -> None:
    steps, agree = scenario("agree_cooperative")
    judging = Inspector(membership=members({**ROLES_OF, COOP: ["cooperative"], "coop-i": ["cooperative"]}))
    other = replace(agree, payload={"cooperative": "coop-i"})
    end = Step(COOP, f"org:{GROWER}", "end_cooperative", agree.when, {"cooperative": COOP, "reason": "left"})
    folded = []
    for i, step in enumerate([*steps, agree, other, end]):
        assert [f for f in judging.review(step.event(i), i, NOW) if f.rule == "authority"] == []
        folded.append(list(judging.membership.orgs[GROWER].cooperatives))
    assert folded[-3:] == [[COOP], [COOP, "coop-i"], ["coop-i"]]
    again = Organisation.from_json(judging.membership.orgs[GROWER].to_json())
    assert again.cooperatives == ["coop-i"]
    state = judging.membership.orgs[GROWER].to_json().replace(',"cooperatives":["coop-i"]', "")
    assert Organisation.from_json(state).cooperatives == []  # an organisation stored before agreements existed


def _member_with(grant: KeyGrant, *, suspended: bool = False, org_suspended: bool = False) -> Inspector:
    membership = members()
    org = membership.orgs[GROWER]
    org.suspended = org_suspended
    org.actors[GROWER] = Member("person", suspended, {"00000000": grant})
    return Inspector(membership=membership)


@pytest.mark.parametrize(
    ("grant", "suspended", "org_suspended", "why"),
    [
        (KeyGrant("grower-a+00000000+", 5), False, False, "registered at log position 5, not before position 0"),
        (KeyGrant("grower-a+00000000+", -1, revoked_index=-1), False, False, "revoked at log position -1"),
        (KeyGrant("grower-a+00000000+", -1, "2020-01-01T00:00:00Z"), False, False, "expired at 2020-01-01"),
        (KeyGrant("grower-a+00000000+", -1), True, False, "actor 'grower-a' of grower-a is suspended"),
        (KeyGrant("grower-a+00000000+", -1), False, True, "organisation grower-a is suspended"),
    ],
)
def test_a_key_signs_only_where_membership_allows_it(
    grant: KeyGrant, suspended: bool, org_suspended: bool, why: str
) -> None:
    judging = _member_with(grant, suspended=suspended, org_suspended=org_suspended)
    first = standard().steps[0].event(0)
    found = [f for f in judging.judge(first, 0, NOW) if f.rule == "authority"]
    assert [f.pointer for f in found] == ["/event/key_id"]
    assert why in found[0].message
    fine = _member_with(KeyGrant("grower-a+00000000+", -1))
    assert [f for f in fine.judge(first, 0, NOW) if f.rule == "authority"] == []


def test_membership_replayed_in_log_order_rebuilds_who_held_which_key() -> None:
    """A key registered, used, revoked: valid exactly between its registration and its revocation."""
    judging = Inspector(membership=members({"admin-z": ["operator"]}))
    key = SignerKey("new-grower", bytes(range(3, 35)))
    at = datetime(2025, 1, 1, tzinfo=NOW.tzinfo)
    org = "org:new-co"
    steps = [
        Step(ADMIN, org, "register_organisation", at, {"name": "N", "roles": ["grower"], "lot_prefixes": ["new-"]}),
        Step(ADMIN, org, "register_actor", at, {"actor": key.name, "kind": "person"}),
        Step(ADMIN, org, "register_key", at, {"actor": key.name, "key": key.verifier().text()}),
    ]
    for i, step in enumerate(steps):
        assert judging.enforce(step.event(i), i, NOW) == []
    plot = standard().steps[0]
    mine = replace(plot, actor=key.name, lot="new-PLOT-1")
    event = mine.event(3)
    event = replace(event, key_id=key.verifier().key_id_hex)
    assert judging.membership.signer(key.name, key.verifier().key_id_hex, 2, NOW) != judging.membership.signer(
        key.name, key.verifier().key_id_hex, 3, NOW
    )
    assert [f.rule for f in judging.judge(event, 3, NOW) if f.hard] == []
    revoke = Step(ADMIN, org, "revoke_key", at, {"actor": key.name, "key_id": key.verifier().key_id_hex, "reason": "r"})
    judging.enforce(revoke.event(4), 4, NOW)
    assert "revoked at log position 4" in str(judging.membership.signer(key.name, key.verifier().key_id_hex, 5, NOW))
    assert not isinstance(judging.membership.signer(key.name, key.verifier().key_id_hex, 4, NOW), str)
    assert isinstance(Organisation.from_json(judging.membership.orgs["new-co"].to_json()), Organisation)
