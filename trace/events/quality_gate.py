"""The quality gate (放行) and destruction (销毁): docs/DOMAIN.md §Quality release. Pure Python; settings in
``schemas/rules.yaml`` (``quality_gate``, ``destruction``).

A lot made for sale (``quality_gate.needs_test``: a process batch by the processes that made it, every box,
case and pallet) is *released* when it stands under a ``quality_release`` and no failing test of it is
undecided. It may be sold, or shipped to a retailer (a consignee whose organisation holds one of
``gated_consignee_roles`` in membership as the shipment is judged) or out of the ledger (a consignee not in
membership, who may be a shop outside the system), only when released.

- A ``quality_test`` *passes* when the lab's verdict is ``pass`` and its results keep every limit of the
  standards that apply to the product (:mod:`.standards`); the authority rule already makes sure it is
  recorded by the lab that was sent the sample. A failing test blocks the lot (even one released before)
  until a regulator decides: a ``quality_release`` by a regulator, or a ``destroy``.
- A failing test of a lot that takes a release (``decided_by_release``: not a plot's soil test) reaches every lot
  made from the tested lot (boxes, cases, further-processed lots, split lots: ``Gate.upstream_failed``), those
  made before the result as well as after: the ledger folds it into their states when the test is recorded, as it
  does a hold (:mod:`.holds`). Each such lot made for sale is blocked as if the test were its own, and its page
  names the test and the lot tested. A regulator's ``quality_release`` of the failing lot lifts that failure from
  every lot below; a regulator's release of a lot below decides for that lot alone. A ``destroy`` of the failing
  lot does not: what was made from it before is made of the failed material, and stays blocked until a regulator
  releases or destroys it.
- A ``quality_release`` names the test it relies on (``test``, an event id of a test of this lot). The custodian
  may record it relying on a passing test while no failing one is undecided; a regulator may record it relying on
  any test of the lot (its decision after a failing one).
- A box inherits the release of the lots it was packed from (or, split from a packaged lot, of its parent),
  and a case or pallet that of the lots it was aggregated from (``inherits``), once every one of them is
  released: at packing, or when a later release reaches it down the lot graph (as a hold does). A test and
  release of the box itself count as well.
- A regulator's sampling (抽检: ``sample`` with ``purpose: regulatory_sampling``) is a regulator's to record.
- A ``destroy`` ends the lot: what remains is gone, shipments under way included, and the lot takes no
  event after but a correction (``destruction.after_destroy``) and is made into nothing. A custodian
  destroys only a lot it alone holds with nothing under way; a regulator may order any destroyed.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, MutableMapping
from typing import Any

from ..chain.records import Event
from ..chain.times import format_utc
from .authority import recorder_of
from .context import Context, rules_config
from .findings import Finding
from .gate_facts import Release, Test
from .holds import downstream
from .lineage import walk
from .standards import breaches, product_of
from .state import EPSILON, LotState, Recorder

GATE_TYPES = frozenset({"quality_test", "quality_release", "destroy"})


def settings() -> Mapping[str, Any]:
    return rules_config()["quality_gate"]


def decided_by_release(kind: str) -> bool:
    """Whether a lot of ``kind`` takes a ``quality_release`` (its lifecycle allows one): only such a lot's
    failing test reaches the lots made from it, since only it can be decided on (a plot's soil test cannot)."""
    return "quality_release" in rules_config()["lifecycle"]["allows"].get(kind, [])


def needs_test(lot: LotState) -> bool:
    """Whether ``lot`` is made for sale and so needs a passing test and a release before a gated move."""
    need = settings()["needs_test"].get(lot.kind)
    if need is None:
        return False
    return need == "all" or bool(set(need) & set(lot.processes))


def _consignee_roles(c: Context, party: str) -> list[str] | None:
    """The roles of ``party``'s organisation, or None when ``party`` is not in membership."""
    org = c.membership.orgs.get(party) or c.membership.org_of(party)
    return list(org.roles) if org is not None else None


def _gated(c: Context) -> str | None:
    """Why the event is a gated move (a sale; a shipment to a retailer), or None if it is not one."""
    event = c.event
    if event.type == "sell":
        return "sold"
    if event.type == "ship":
        to = str(event.payload.get("to", ""))
        roles = _consignee_roles(c, to)
        if roles is None:  # the goods leave the ledger: whoever takes them may sell them
            return f"shipped to {to} (not in membership)"
        gated = set(settings()["gated_consignee_roles"]) & set(roles)
        if gated:
            return f"shipped to {to} ({', '.join(sorted(gated))})"
    return None


def _regulator(c: Context) -> bool:
    recorder = recorder_of(c.signer)
    return bool(recorder and recorder.regulator)


def check_quality_gate(c: Context) -> Iterator[Finding]:
    event, lot = c.event, c.lot
    if event.type == "sample" and event.payload.get("purpose") == "regulatory_sampling" and not _regulator(c):
        yield c.violation(
            "quality_gate",
            "/payload/purpose",
            "a regulator",
            f"{event.actor}, not a regulator",
            f"regulatory sampling (抽检) is a regulator's to record; {event.actor} may send a self-check sample",
            f"抽检只能由监管部门记录；{event.actor} 可以送样自检（self_check）",
        )
    if lot is None:
        return
    if event.type == "quality_release":
        yield from _release(c, lot)
        return
    why = _gated(c)
    if why is None or not needs_test(lot) or lot.gate.destroyed is not None or lot.gate.released:
        return
    gate = lot.gate
    if gate.failed is not None:
        state, zh = (
            f"its test {gate.failed} failed and no regulator has decided",
            f"检测 {gate.failed} 不合格，监管部门尚未决定",
        )
    elif gate.upstream_failed:
        test_id, failure = next(iter(gate.upstream_failed.items()))
        state, zh = (
            f"test {test_id} of lot {failure.lot}, which it was made from, failed and no regulator has decided",
            f"其来源批次 {failure.lot} 的检测 {test_id} 不合格，监管部门尚未决定",
        )
    elif gate.release is None and any(t.passed for t in gate.tests.values()):
        state, zh = "it has a passing test but no quality release", "已检测合格但尚未放行"
    elif gate.release is None and gate.awaiting:
        waits = ", ".join(gate.awaiting)
        state, zh = (
            f"it awaits the release of {waits}, or a test and release of its own",
            f"须待 {waits} 放行，或自行检测放行",
        )
    else:
        state, zh = "it awaits a passing quality test and a release", "尚待检测合格并放行"
    yield c.violation(
        "quality_gate",
        "/type",
        "a passing test by a lab that was sent its sample, and a quality release",
        state,
        f"lot {lot.lot_id} is made for sale ({lot.kind}) and cannot be {why}: {state}",
        f"批次 {lot.lot_id} 为待售产品，不得{'销售' if event.type == 'sell' else '发往零售商'}：{zh}",
    )


def _release(c: Context, lot: LotState) -> Iterator[Finding]:
    event, gate = c.event, lot.gate
    named = str(event.payload.get("test", ""))
    test = gate.tests.get(named)
    if test is None:
        known = ", ".join(gate.tests) or "none"
        yield c.violation(
            "quality_gate",
            "/payload/test",
            f"a quality test of lot {lot.lot_id} ({known})",
            named,
            f"lot {lot.lot_id} has no quality test {named!r} to release on (its tests: {known})",
            f"批次 {lot.lot_id} 没有检测 {named}，无从放行（已有检测：{known}）",
        )
        return
    if format_utc(event.occurred) < test.at:
        yield c.violation(
            "quality_gate",
            "/occurred_at",
            f"after the test it relies on ({test.at})",
            format_utc(event.occurred),
            f"a release relies on a test done before it; test {named} is of {test.at}",
            f"放行须在所依据的检测之后；检测 {named} 的时间为 {test.at}",
        )
        return
    if _regulator(c):
        return
    if not test.passed:
        yield c.violation(
            "quality_gate",
            "/payload/test",
            "a passing test (after a failing one only a regulator releases)",
            f"{named}: {test.verdict}" + ("" if test.verdict == "fail" else ", results outside a standard's limits"),
            f"test {named} of lot {lot.lot_id} did not pass; only a regulator may release the lot on it",
            f"批次 {lot.lot_id} 的检测 {named} 不合格，只有监管部门才能据此放行",
        )
    elif gate.failed is not None:
        yield c.violation(
            "quality_gate",
            "/actor",
            "a regulator (a failing test stands)",
            f"{event.actor}, not a regulator",
            f"test {gate.failed} of lot {lot.lot_id} failed; only a regulator decides (release or destroy)",
            f"批次 {lot.lot_id} 的检测 {gate.failed} 不合格，须由监管部门决定放行或销毁",
        )
    elif gate.upstream_failed:
        test_id, failure = next(iter(gate.upstream_failed.items()))
        yield c.violation(
            "quality_gate",
            "/actor",
            f"a regulator (a failing test of lot {failure.lot} stands)",
            f"{event.actor}, not a regulator",
            f"lot {lot.lot_id} was made from lot {failure.lot}, whose test {test_id} failed; only a regulator "
            "decides (release or destroy)",
            f"批次 {lot.lot_id} 的来源批次 {failure.lot} 检测 {test_id} 不合格，须由监管部门决定放行或销毁",
        )


def check_destruction(c: Context) -> Iterator[Finding]:
    event, lot = c.event, c.lot
    after = rules_config()["destruction"]["after_destroy"]
    for j, state in c.input_states():
        if state.gate.destroyed is not None:
            yield c.violation(
                "destruction",
                f"/inputs/{j}",
                "a lot not destroyed",
                f"{state.lot_id} destroyed {state.gate.destroyed}",
                f"lot {state.lot_id} was destroyed on {state.gate.destroyed[:10]}; nothing is made from it",
                f"批次 {state.lot_id} 已于 {state.gate.destroyed[:10]} 销毁，不得投用",
            )
    if lot is None:
        return
    if lot.gate.destroyed is not None and event.type not in after:
        yield c.violation(
            "destruction",
            "/type",
            f"one of {', '.join(after)} (the lot was destroyed)",
            event.type,
            f"lot {lot.lot_id} was destroyed on {lot.gate.destroyed[:10]}; it takes no {event.type}",
            f"批次 {lot.lot_id} 已于 {lot.gate.destroyed[:10]} 销毁，不得再记录 {event.type}",
        )
        return
    if event.type != "destroy" or _regulator(c) or not c.custody_known:
        return
    others = sorted(p for p, amount in lot.holdings.items() if amount > EPSILON and p != event.actor)
    if others or lot.in_transit:
        held = ", ".join(others) if others else "shipments under way"
        yield c.violation(
            "destruction",
            "/actor",
            "a regulator (others hold part of the lot)",
            held,
            f"lot {lot.lot_id} is also held by {held}; a custodian destroys only a lot it alone holds, a regulator "
            "may order the whole lot destroyed",
            f"批次 {lot.lot_id} 另有保管方或在途（{held}），保管方只能销毁其独自保管的批次，整批销毁须由监管部门决定",
        )


# -- folding --------------------------------------------------------------------


def fold_gate(
    event: Event,
    states: MutableMapping[str, LotState],
    recorder: Recorder | None,
    children: Mapping[str, Collection[str]],
) -> set[str]:
    """Fold ``event`` (already folded by :func:`.state.apply`) into the gate of its lot, and for a release
    into the lots below that inherit it; return the lots changed beyond the event's own."""
    state = states.get(event.lot_id)
    if state is None:
        return set()
    gate, occurred = state.gate, format_utc(event.occurred)
    inherits = settings()["inherits"]
    if len(state.recorded_by) == 1:  # the event made the lot: it stands under its inputs' undecided failures
        for source in (states[lot] for lot in event.inputs if lot in states):
            if decided_by_release(source.kind):
                gate.upstream_failed.update(source.gate.failures(source.lot_id))
    if event.type in {"package", "aggregate", "split"} and state.kind in inherits and len(state.recorded_by) == 1:
        sources = [states[lot] for lot in event.inputs if lot in states]
        gate.awaiting = [s.lot_id for s in sources if not s.gate.released]
        if sources and not gate.awaiting:
            gate.release = sources[0].gate.release
    elif event.type == "quality_test":
        settings_q = rules_config()["quality_limits"]
        broken = breaches(product_of(state, event.payload, settings_q), event.payload, settings_q)
        passed = event.payload.get("verdict") == "pass" and next(iter(broken), None) is None
        lab = recorder.party if recorder else event.actor
        gate.tests[event.event_id] = Test(passed, str(event.payload.get("verdict")), lab, occurred)
        if not passed:
            gate.failed = event.event_id
            if decided_by_release(state.kind):
                return _fail_below(state.lot_id, event.event_id, states, children)
    elif event.type == "quality_release":
        test = gate.tests.get(str(event.payload.get("test")))
        regulator = bool(recorder and recorder.regulator)
        if test is None:
            return set()
        by = recorder.party if recorder else event.actor
        release = Release(
            event.event_id, state.lot_id, occurred, str(event.payload["test"]), test.verdict, test.lab, by, regulator
        )
        gate.release = release
        decided: set[str] = set()
        if regulator:  # the regulator's decision: for this lot, and for every lot below on its failures
            gate.failed, gate.upstream_failed = None, {}
            decided = _decided_below(state.lot_id, states, children)
        return decided | _reach(state.lot_id, states, children, inherits)
    elif event.type == "destroy":
        gate.destroyed = occurred
        state.holdings = dict.fromkeys(state.holdings, 0.0)
        state.in_transit = []
    return set()


def _fail_below(
    lot_id: str, test_id: str, states: Mapping[str, LotState], children: Mapping[str, Collection[str]]
) -> set[str]:
    """Place the failing test ``test_id`` of ``lot_id`` over every lot made from it; return those changed."""
    failure = states[lot_id].gate.failures(lot_id)[test_id]
    below = [states[lot] for lot in downstream(lot_id, children) if lot in states]
    for lot in below:
        lot.gate.upstream_failed[test_id] = failure
    return {lot.lot_id for lot in below}


def _decided_below(lot_id: str, states: Mapping[str, LotState], children: Mapping[str, Collection[str]]) -> set[str]:
    """Lift the failing tests of ``lot_id`` (a regulator released it) from every lot made from it; return those
    changed."""
    changed: set[str] = set()
    for lot in downstream(lot_id, children):
        gate = states[lot].gate if lot in states else None
        if gate is None:
            continue
        kept = {k: f for k, f in gate.upstream_failed.items() if f.lot != lot_id}
        if len(kept) != len(gate.upstream_failed):
            gate.upstream_failed = kept
            changed.add(lot)
    return changed


def _reach(
    lot_id: str, states: Mapping[str, LotState], children: Mapping[str, Collection[str]], inherits: Collection[str]
) -> set[str]:
    """Pass a release of ``lot_id`` down to the boxes and cases that wait for it, nearest first: each takes
    the release once every lot it waits for is released."""

    def step(frontier: set[str]) -> set[str]:
        return {c for lot in frontier for c in children.get(lot, ()) if c in states and states[c].kind in inherits}

    changed: set[str] = set()
    reached = walk(lot_id, step)
    for lot in sorted(reached, key=lambda k: reached[k]):
        gate = states[lot].gate
        if lot == lot_id or not gate.awaiting:
            continue
        gate.awaiting = [a for a in gate.awaiting if not (a in states and states[a].gate.released)]
        if not gate.awaiting and gate.release is None:
            source = states[lot_id].gate.release
            gate.release = source
            changed.add(lot)
    return changed


__all__ = ["GATE_TYPES", "check_destruction", "check_quality_gate", "decided_by_release", "fold_gate", "needs_test"]
