"""The record page's hints (``GET /api/v1/lots/{lot}/hints``) over real HTTP, on both engines: a plot's holder
and a regulator read its sowing date, seedlings and latest pesticide application with the crop-age calendar;
any other organisation is refused, an unknown lot is 404, no credentials 401."""

from __future__ import annotations

import httpx

from ginseng_trace.chain.times import parse_utc

from .test_api import assert_problem
from .test_home import GROWER, REGULATOR, SPRAYED, WORKS, client, log_in, services  # noqa: F401 (fixtures)


def test_the_plots_holder_reads_its_sowing_and_latest_application(client: httpx.Client) -> None:  # noqa: F811
    answer = client.get("/api/v1/lots/PLOT-1/hints", headers=log_in(client, GROWER.name))
    assert answer.status_code == 200, answer.text
    assert "no-store" in answer.headers["cache-control"]
    body = answer.json()
    assert body["kind"] == "plot_crop"
    assert parse_utc(body["sown_at"]) == parse_utc("2020-10-20T00:30:00Z")
    assert body["seedling_age_years"] is None
    assert parse_utc(body["latest_application"]["at"]) == SPRAYED
    assert body["latest_application"]["pre_harvest_interval_days"] == 21
    assert body["calendar"] == {
        "planted_grows_same_year_through_month": 6,
        "dug_counts_its_year_from_month": 6,
        "utc_offset_hours": 8.0,
    }
    unsprayed = client.get("/api/v1/lots/PLOT-2/hints", headers=log_in(client, REGULATOR.name))
    assert unsprayed.status_code == 200, unsprayed.text
    assert unsprayed.json()["latest_application"] is None


def test_another_organisation_an_unknown_lot_and_no_credentials_are_refused(client: httpx.Client) -> None:  # noqa: F811
    works = log_in(client, WORKS.name)
    assert_problem(client.get("/api/v1/lots/PLOT-1/hints", headers=works), 403)
    assert_problem(client.get("/api/v1/lots/PLOT-9/hints", headers=works), 404)
    assert client.get("/api/v1/lots/PLOT-1/hints").status_code == 401
