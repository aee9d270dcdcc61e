"""What an organisation may record for a lot (``events.actions``): by its kind and the organisation's roles,
and, under a hold or recall, nothing that would move it while the hold rule is hard."""

from __future__ import annotations

import pytest

from ginseng_trace.events.actions import FROM, ON, recordable, while_held
from ginseng_trace.events.context import rules_config

from ..conftest import tune_rules


def test_a_processor_may_receive_process_and_pack_a_harvest_lot_and_a_grower_may_not_process_it() -> None:
    offered = recordable("harvest_lot", ["processor"])
    assert {("receive", ON), ("process", FROM), ("package", FROM)} <= set(offered)
    assert ("process", FROM) not in recordable("harvest_lot", ["grower"])


@pytest.mark.parametrize("hold", ["hold", "recall"])
def test_a_held_lot_offers_nothing_that_moves_it(hold: str) -> None:
    offered = recordable("harvest_lot", ["processor"])
    left = {event_type for event_type, _ in while_held(offered, hold)}
    moving = set(rules_config()["hold"]["moving_types"])
    assert left
    assert not left & moving  # no process, package, ship, receive, sell...
    assert {"sample", "store"} <= left  # what does not move it stays open
    assert while_held(offered, None) == offered


def test_a_soft_hold_rule_leaves_every_action_open(monkeypatch: pytest.MonkeyPatch) -> None:
    config = {k: dict(v) for k, v in rules_config().items()}
    config["hold"]["severity"] = "soft"
    tune_rules(monkeypatch, config)
    offered = recordable("harvest_lot", ["processor"])
    assert while_held(offered, "recall") == offered
