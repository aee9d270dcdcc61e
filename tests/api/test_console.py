"""The regulator's console over real HTTP, on both engines: findings filtered by county, rule and day and
counted by county and by rule; hold and recall offered on each; the log's state; for regulators only (and
audited, as reads by role are)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from ginseng_trace.api import create_app
from ginseng_trace.service import Services
from ginseng_trace.service.console import Filters

from ..conftest import LiveServer
from .test_home import GROWER, REGULATOR, log_in, services  # noqa: F401 - the story's ledger fixture


@pytest.fixture
def site(services: Services) -> Iterator[httpx.Client]:  # noqa: F811
    with LiveServer(create_app(services)) as server, httpx.Client(base_url=server.url) as client:
        yield client


def test_the_regulator_sees_every_finding_counted_by_county_and_rule(services: Services) -> None:  # noqa: F811
    principal = services.accounts.login(REGULATOR.name, "correct horse battery staple").principal
    view = services.console.view(principal, "/app/console", Filters())
    rules = dict(view.by_rule)
    assert rules.get("registration_product") == 1  # the story's spraying names another product's number
    [row] = [r for r in view.rows if r.finding.rule == "registration_product"]
    assert (row.finding.lot_id, row.kind, row.counties) == ("PLOT-1", "plot_crop", ("抚松县",))
    assert dict(view.by_county)["抚松县"] >= 1
    assert view.matching == sum(rules.values())
    assert services.console.view(principal, "/", Filters(rule="registration_product")).matching == 1
    assert services.console.view(principal, "/", Filters(county="集安市")).matching == 0
    assert services.console.view(principal, "/", Filters(until="2000-01-01")).matching == 0
    assert view.log is not None
    assert view.log.size == services.store.read(lambda repo: repo.count())
    assert "registration_product" in view.choices["rule"]


def test_the_console_page_filters_and_offers_hold_and_recall(site: httpx.Client) -> None:
    cookie = log_in(site, REGULATOR.name)
    page = site.get("/app/console", headers=cookie)
    assert page.status_code == 200, page.text
    assert "监管控制台" in page.text
    assert '<th scope="row">抚松县</th>' in page.text
    assert "/app/record?type=recall&amp;lot=PLOT-1" in page.text
    narrowed = site.get("/app/console", params={"county": "集安市", "lang": "en"}, headers=cookie)
    assert "Matching findings: <b>0</b>" in narrowed.text
    assert "No finding matches." in narrowed.text
    assert site.get("/app/console", params={"since": "not a day"}, headers=cookie).status_code == 200


def test_the_console_is_a_regulators(site: httpx.Client) -> None:
    assert site.get("/app/console").status_code == 401
    refused = site.get("/app/console", headers=log_in(site, GROWER.name))
    assert refused.status_code == 403
    assert "regulator" in refused.text
