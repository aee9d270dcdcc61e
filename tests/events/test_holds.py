"""Holds and recalls reach downstream: every lot made from a held lot stands under the hold, until the
release that names it (rules ``hold`` and ``authority``; ``events.holds``)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ginseng_trace.events.holds import Hold, downstream, lifted
from ginseng_trace.events.state import LotState

from ..lifecycle import Step, day, inspector, judge_all, standard


def _recalled(kind: str = "recall", at: str = "2025-11-10", lot: str = "HV-1") -> tuple[list[Step], int]:
    """The standard lifecycle with a regulator's recall (or hold) of ``lot`` just before the shop's sale."""
    s = standard()
    i = s.where["sell"][0]
    s.steps[i:i] = [Step("regulator", lot, kind, day(at), {"reason": "Cd above limit in a retained sample"})]
    return s.steps, i


def test_an_upstream_recall_stops_the_sale_of_a_box_made_from_it() -> None:
    steps, i = _recalled()
    found = judge_all(steps)
    assert found[i] == []  # the recall itself is accepted
    sale = found[i + 1]
    assert [(v.rule, v.pointer) for v in sale] == [("hold", "/event/type")]
    assert "upstream lot HV-1" in sale[0].message
    assert "by regulator" in sale[0].message
    assert "上游批次 HV-1" in sale[0].message_zh


def test_the_recall_reaches_every_lot_made_from_the_harvest_and_no_other() -> None:
    steps, i = _recalled()
    judging = inspector()
    for n, step in enumerate(steps[: i + 1]):
        judging.admit(step.event(n), n, day("2026-01-01"))
    states = judging.states
    assert {lot for lot, s in states.items() if s.holds} == {"HV-1", "RG-1", "PK-1"}
    assert states["PK-1"].hold == "recall"
    assert states["PLOT-1"].hold is None
    ((event_id, hold),) = states["PK-1"].holds.items()
    assert (event_id, hold.lot, hold.type, hold.by, hold.regulator) == (f"e{i}", "HV-1", "recall", "regulator", True)
    assert LotState.from_json(states["PK-1"].to_json()).holds == states["PK-1"].holds


def test_shipping_receiving_and_consuming_downstream_are_refused() -> None:
    s = standard()
    ship = s.where["ship"][-1]  # the box's shipment to the shop
    s.steps[ship:ship] = [Step("regulator", "RG-1", "hold", day("2025-11-01"), {"reason": "pending retest"})]
    found = judge_all(s.steps)
    assert [v.rule for v in found[ship + 1]] == ["hold"]
    assert "upstream lot RG-1" in found[ship + 1][0].message
    # a case aggregated from the held box is refused: the box is held through its batch
    s = standard()
    pack = s.where["package"][0]
    s.steps.insert(pack + 1, Step("regulator", "RG-1", "hold", day("2025-10-25T12:00:00"), {"reason": "r"}))
    s.steps.insert(
        pack + 2,
        Step(
            "works-b",
            "CASE-1",
            "aggregate",
            day("2025-10-25T13:00:00"),
            {"level": "case", "sscc": "069751230000000017", "children": ["PK-1"]},
            ("PK-1",),
        ),
    )
    found = judge_all(s.steps)
    assert ("hold", "/event/inputs/0") in {(v.rule, v.pointer) for v in found[pack + 2]}


def test_a_release_of_the_upstream_hold_lets_the_box_move_again() -> None:
    steps, i = _recalled("hold")
    steps.insert(i + 1, Step("regulator", "HV-1", "release", day("2025-11-12"), {"hold": f"e{i}", "reason": "retest"}))
    found = judge_all(steps)
    assert found[i + 1] == []
    assert found[i + 2] == []


def test_a_release_lifts_only_the_hold_it_names() -> None:
    s = standard()
    i = s.where["sell"][0]
    s.steps[i:i] = [
        Step("regulator", "HV-1", "hold", day("2025-11-10"), {"reason": "upstream"}),  # e{i}
        Step("shop-f", "PK-1", "hold", day("2025-11-10T01:00:00"), {"reason": "own check"}),  # e{i+1}
        Step("regulator", "HV-1", "release", day("2025-11-11"), {"hold": f"e{i}", "reason": "ok"}),
    ]
    found = judge_all(s.steps)
    assert found[i : i + 3] == [[], [], []]
    assert [v.rule for v in found[i + 3]] == ["hold"]  # the shop's own hold on the box still stands
    assert f"e{i + 1}" in found[i + 3][0].message


def test_a_release_that_lifts_nothing_is_refused() -> None:
    cases = {
        "a downstream release of an upstream hold": ("PK-1", None, "/event/type"),
        "naming the upstream hold on the box": ("PK-1", "eH", "/event/payload/hold"),
        "naming no hold at all": ("HV-1", "e1", "/event/payload/hold"),
    }
    for name, (lot, named, pointer) in cases.items():
        release = Step("regulator", lot, "release", day("2025-11-11"), {"reason": "r"})
        if named is not None:
            release.payload["hold"] = named
        steps, i = _recalled("hold")
        if release.payload.get("hold") == "eH":
            release.payload["hold"] = f"e{i}"
        steps.insert(i + 1, release)
        found = judge_all(steps)
        assert [(v.rule, v.pointer) for v in found[i + 1]] == [("hold", pointer)], name
        assert [v.rule for v in found[i + 2]] == ["hold"], name  # and the box still does not sell
    # a recall is final, named or not
    steps, i = _recalled()
    steps.insert(i + 1, Step("regulator", "HV-1", "release", day("2025-11-11"), {"hold": f"e{i}", "reason": "r"}))
    assert "a recall is final" in judge_all(steps)[i + 1][0].message


def test_two_holds_of_one_lot_need_the_release_to_name_one() -> None:
    s = standard()
    i = s.where["sell"][0]
    s.steps[i:i] = [
        Step("regulator", "PK-1", "hold", day("2025-11-10"), {"reason": "a"}),
        Step("regulator", "PK-1", "hold", day("2025-11-10T01:00:00"), {"reason": "b"}),
        Step("regulator", "PK-1", "release", day("2025-11-11"), {"reason": "both?"}),
    ]
    found = judge_all(s.steps)
    assert [(v.rule, v.pointer) for v in found[i + 2]] == [("hold", "/event/payload/hold")]


def test_only_who_placed_the_hold_or_a_regulator_releases_it() -> None:
    s = standard()
    i = s.where["sell"][0]
    s.steps[i:i] = [
        Step("regulator", "PK-1", "hold", day("2025-11-10"), {"reason": "a"}),
        Step("shop-f", "PK-1", "release", day("2025-11-11"), {"hold": f"e{i}", "reason": "we checked"}),
    ]
    assert [v.rule for v in judge_all(s.steps)[i + 1]] == ["authority"]


@given(st.lists(st.tuples(st.integers(0, 7), st.integers(0, 7)), max_size=20), st.integers(0, 7))
def test_downstream_is_every_lot_reachable_below(edges: list[tuple[int, int]], start: int) -> None:
    children: dict[str, set[str]] = {}
    for a, b in edges:
        children.setdefault(f"L{a}", set()).add(f"L{b}")
    seen, todo = set(), [f"L{start}"]
    while todo:  # the plain depth-first closure
        for c in children.get(todo.pop(), ()):
            if c not in seen:
                seen.add(c)
                todo.append(c)
    assert downstream(f"L{start}", children) == seen - {f"L{start}"}


def test_an_unnamed_release_lifts_the_lots_only_own_hold() -> None:
    holds = {
        "up": Hold("HV-1", "hold", "r", True, "2025-11-10T00:00:00.000000Z"),
        "own": Hold("PK-1", "hold", "shop-f", False, "2025-11-10T00:00:00.000000Z"),
        "rc": Hold("PK-1", "recall", "r", True, "2025-11-10T00:00:00.000000Z"),
    }
    assert lifted("PK-1", holds, {}) == "own"
    assert lifted("PK-1", holds, {"hold": "up"}) is None
    assert lifted("PK-1", holds, {"hold": "rc"}) is None
    assert lifted("HV-1", holds, {}) == "up"  # on the lot it was placed on, the upstream hold is its own
