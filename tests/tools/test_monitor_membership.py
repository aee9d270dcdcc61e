"""The monitor rebuilds who held which key and role at every point of the log, from its membership records
(given the trust anchor), over real HTTP; and names the membership record an honest log would not serve."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from ginseng_trace.api import create_app
from ginseng_trace.chain import SignerKey
from ginseng_trace.chain.errors import Error
from ginseng_trace.chain.monitor import LogMonitor, MembershipReplay, MonitorError
from ginseng_trace.demo import ACTORS, load_demo
from ginseng_trace.monitor import load_state, monitor_once, save_state
from ginseng_trace.service import Services
from ginseng_trace.store import Store

from ..conftest import OPERATOR, Actor, LiveServer, demo_size

LOG = SignerKey("ginseng.test/log", bytes(range(32)))


@pytest.fixture
def logged(engine: Engine) -> Services:
    ledger = Services(Store(engine), operator=OPERATOR, log_signer=LOG, checkpoint_every=10**9)
    ledger.checkpointer.adopt_log_key()
    load_demo(ledger)
    return ledger


@pytest.mark.slow
def test_the_monitor_rebuilds_the_demos_membership_and_follows_its_changes(logged: Services, tmp_path: Path) -> None:
    replay = MembershipReplay([OPERATOR.verifier()])
    monitor = LogMonitor()
    with LiveServer(create_app(logged)) as server, httpx.Client() as http:
        line = monitor_once(monitor, server.url, [LOG.verifier()], http, replay)
        orgs = len(ACTORS)  # one key each
        assert line.endswith(
            f"membership of {orgs} organisations rebuilt: {orgs} keys (0 revoked), 0 organisations suspended"
        )
        shop = replay.membership.orgs["changchun-herb-shop"]
        assert shop.roles == ["retailer"]
        key_id = next(iter(shop.actors["changchun-herb-shop"].keys))
        logged.membership.revoke_key("changchun-herb-shop", key_id, "till stolen")
        logged.membership.change("jian-li-farm", "suspend", {"reason": "inquiry"})
        logged.checkpointer.publish()
        state = tmp_path / "monitor.json"
        save_state(monitor, state, replay)
        resumed, again = load_state(state, [OPERATOR.verifier()])
        assert again is not None
        line = monitor_once(resumed, server.url, [LOG.verifier()], http, again)
    assert line.endswith(f"{orgs} keys (1 revoked), 1 organisations suspended")
    grant = again.membership.orgs["changchun-herb-shop"].actors["changchun-herb-shop"].keys[key_id]
    assert grant.revoked_index == demo_size()  # the first record after the demo's
    revoked = again.membership.signer("changchun-herb-shop", key_id, demo_size() + 1, _now())
    assert f"was revoked at log position {demo_size()}" in str(revoked)
    with pytest.raises(Error, match="other trust anchors"):
        load_state(state, [LOG.verifier()])


def test_the_monitor_follows_a_growers_agreement_signed_by_the_grower_and_ended_by_the_cooperative(
    logged: Services,
) -> None:
    """Agreements are membership records that a grower (and, ending one, the cooperative) signs itself: the
    monitor accepts them from exactly those signers and folds them."""
    from ..conftest import demo_actor, enrol

    coop = Actor("fusong-coop")
    enrol(logged, coop, ["cooperative"], ["COOP-H-"], gs1_company_prefixes=[])
    grower = demo_actor("fusong-wang-farm")
    logged.events.append(grower.sign("org:fusong-wang-farm", "agree_cooperative", payload={"cooperative": coop.name}))
    replay = MembershipReplay([OPERATOR.verifier()])
    with LiveServer(create_app(logged)) as server, httpx.Client() as http:
        logged.checkpointer.publish()
        monitor = LogMonitor()
        monitor_once(monitor, server.url, [LOG.verifier()], http, replay)
        assert replay.membership.orgs["fusong-wang-farm"].cooperatives == [coop.name]
        logged.events.append(coop.sign("org:fusong-wang-farm", "end_cooperative", payload={"cooperative": coop.name}))
        logged.checkpointer.publish()
        monitor_once(monitor, server.url, [LOG.verifier()], http, replay)
    assert replay.membership.orgs["fusong-wang-farm"].cooperatives == []


def _now() -> datetime:
    return datetime.now(UTC)


@pytest.mark.slow
def test_a_membership_record_the_log_serves_wrongly_is_named(logged: Services) -> None:
    """A log that serves another event for a membership record, or whose anchor is not the monitor's, fails."""
    logged.checkpointer.publish()
    stranger = MembershipReplay([LOG.verifier()])  # an anchor the log's membership does not rest on
    with (
        LiveServer(create_app(logged)) as server,
        httpx.Client() as http,
        pytest.raises(MonitorError, match=r"entry 0 .*operator.* member of no registered organisation"),
    ):
        monitor_once(LogMonitor(), server.url, [LOG.verifier()], http, stranger)

    class Liar(httpx.Client):
        def get(self, url: httpx.URL | str, **kwargs: Any) -> httpx.Response:
            response = super().get(url, **kwargs)
            if "/api/v1/events/" in str(url):
                body = response.json()
                body["event"]["payload"]["roles"] = ["regulator"]  # the organisation as the log would like it
                return httpx.Response(200, json=body, request=response.request)
            return response

    with (
        LiveServer(create_app(logged)) as server,
        Liar() as http,
        pytest.raises(MonitorError, match=r"entry 0 .*whose hash is not the record's"),
    ):
        monitor_once(LogMonitor(), server.url, [LOG.verifier()], http, MembershipReplay([OPERATOR.verifier()]))


@pytest.mark.slow
def test_the_cli_monitor_reports_the_membership_it_rebuilt(logged: Services, tmp_path: Path) -> None:
    from .test_cli import run

    logged.checkpointer.publish()
    state = tmp_path / "monitor.json"
    with LiveServer(create_app(logged)) as server:
        args = ("monitor", "--log", server.url, "--log-key", LOG.verifier().text(), "--state", str(state))
        ok = run(*args, "--anchor", OPERATOR.verifier().text())
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip().endswith(
        f"membership of {len(ACTORS)} organisations rebuilt: {len(ACTORS)} keys (0 revoked), 0 organisations suspended"
    )
    assert set(json.loads(state.read_text())["membership"]["organisations"]) >= {
        "jilin-mpa-inspector",
        "fusong-wang-farm",
    }
