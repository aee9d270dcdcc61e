"""Copied-label signals: the pure rules (with hypothesis), and the page and the regulator's API over HTTP."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ginseng_trace.labels.places import Place, distance_km, gazetteer
from ginseng_trace.labels.signals import LabelScans, Sale, ScanPolicy, farthest, signals
from ginseng_trace.service import Services

from .test_labels import GTIN, Site, from_phone

POLICY = ScanPolicy(max_scans=3, max_cities=1)
SALE = Sale("2025-11-20T07:30:00Z", "长春", "changchun-ginseng-shop")


def kinds(scans: LabelScans, sales: list[Sale] | None = None) -> list[str]:
    return [s.kind for s in signals(scans, POLICY, sales or [])]


def test_a_genuine_box_raises_nothing() -> None:
    scans = LabelScans(3, "2025-11-19T00:00:00Z", "2025-11-21T00:00:00Z", {"长春": "2025-11-21T00:00:00Z"})
    assert kinds(scans, [SALE]) == []


def test_each_signal_and_its_messages() -> None:
    often = signals(LabelScans(4, "2025-11-19T00:00:00Z"), POLICY)
    assert [(s.kind, s.message, s.message_zh) for s in often] == [
        ("often", "scanned 4 times (usually at most 3)", "此标签已被扫码 4 次（通常不超过 3 次）")
    ]
    cities = {"长春": "2025-11-19T00:00:00Z", "广州": "2025-11-19T01:00:00Z"}
    assert kinds(LabelScans(2, None, None, cities)) == ["cities"]
    before_sale = {"广州": "2025-11-19T00:00:00Z"}
    assert kinds(LabelScans(1, None, None, before_sale), [SALE]) == []  # scanned elsewhere before it was sold
    after_sale = {"广州": "2025-11-21T09:00:00Z"}
    [sold] = signals(LabelScans(1, None, None, after_sale), POLICY, [SALE])
    assert sold.kind == "sold_elsewhere"
    assert sold.message == "recorded as sold in 长春 on 2025-11-20, then scanned in 广州"
    assert sold.message_zh == "账本记载已于 2025-11-20 在长春售出，之后却在广州被扫码"
    assert kinds(LabelScans(1, None, None, after_sale), [Sale(SALE.at, None, SALE.seller)]) == []  # no place


def at(*names: str) -> dict[str, Place]:
    found = {name: gazetteer().find(name) for name in names}
    return {name: place for name, place in found.items() if place is not None}


def test_places_farther_apart_than_the_policy_allows() -> None:
    policy = ScanPolicy(max_scans=20, max_cities=5, max_km=300)
    near = at("长春", "吉林")  # about 100 km: a box taken home
    assert signals(LabelScans(2, None, None, dict.fromkeys(near, "2025-11-20T00:00:00Z"), near), policy) == []
    far = at("长春", "广州")
    [apart] = signals(LabelScans(2, None, None, dict.fromkeys(far, "2025-11-20T00:00:00Z"), far), policy)
    assert apart.kind == "far_apart"
    assert apart.message == "scanned in places 2,559 km apart: Guangzhou and Changchun"
    assert apart.message_zh == "在相距 2559 公里的两地被扫码：广州、长春"
    assert farthest(at("长春")) is None
    km, a, b = farthest(at("长春", "吉林", "广州", "北京")) or (0, None, None)
    assert {a and a.name_zh, b and b.name_zh} == {"广州", "吉林"}
    assert 2600 < km < 2700


def test_many_places_are_measured_in_linear_time_and_at_least_half_the_widest() -> None:
    from ginseng_trace.labels.signals import EXACT_PLACES

    every = gazetteer().places
    places = {p.name_en + str(p.id): p for p in every[:: len(every) // (10 * EXACT_PLACES)]}
    assert len(places) > EXACT_PLACES
    found = farthest(places)
    assert found is not None
    km, a, b = found
    assert km == distance_km(a, b)
    few = dict(list(places.items())[:EXACT_PLACES])
    widest_of_few = max(distance_km(x, y) for x in few.values() for y in few.values())
    assert km >= widest_of_few / 2
    assert (farthest(few) or (0.0,))[0] == widest_of_few


@pytest.mark.parametrize("bad", [{"max_scans": 0}, {"max_cities": 0}, {"max_km": 0}, {"max_km": float("nan")}])
def test_a_policy_with_a_threshold_that_is_not_positive_cannot_exist(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="positive"):
        ScanPolicy(**bad)  # type: ignore[arg-type]


@given(st.lists(st.sampled_from(gazetteer().places), max_size=5, unique_by=lambda p: p.id), st.floats(1, 5000))
def test_far_apart_follows_its_definition(visited: list[Place], max_km: float) -> None:
    places = {p.name_en + str(p.id): p for p in visited}
    scans = LabelScans(len(places), None, None, dict.fromkeys(places, "2025-11-20T00:00:00Z"), places)
    found = [s.kind for s in signals(scans, ScanPolicy(max_scans=99, max_cities=99, max_km=max_km))]
    widest = max((distance_km(a, b) for a in visited for b in visited), default=0)
    assert ("far_apart" in found) == (widest > max_km)


times = st.datetimes().map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ"))


@given(
    count=st.integers(0, 50),
    cities=st.dictionaries(st.sampled_from(["长春", "吉林", "广州", "北京", "上海"]), times, max_size=5),
    sale=st.none() | st.builds(Sale, times, st.sampled_from(["长春", "广州"]), st.just("shop")),
)
def test_the_signals_follow_their_definitions(count: int, cities: dict[str, str], sale: Sale | None) -> None:
    found = kinds(LabelScans(count, None, None, cities), [sale] if sale else [])
    assert ("often" in found) == (count > POLICY.max_scans)
    assert ("cities" in found) == (len(cities) > POLICY.max_cities)
    elsewhere = sale is not None and any(c != sale.city and at > sale.at for c, at in cities.items())
    assert ("sold_elsewhere" in found) == elsewhere


@pytest.mark.slow
def test_a_sold_box_scanned_in_another_city_is_flagged_on_the_page_and_for_the_regulator(demo: Services) -> None:
    sold = f"/01/{GTIN}/10/PK-2025-0931/21/0007"  # the demo records 0007 and 0008 as sold in 长春
    with Site(demo) as site:
        at_home = site.get(sold, params={"city": "长春"}, headers={"Accept": "application/json"}).json()
        assert at_home["scans"]["alerts"] == []
        assert [s["city"] for s in at_home["sold"]] == ["长春"]
        page = site.get(sold, params={"city": "长春"})
        assert "账本记载：本件已于 2025-11-20 在长春售出（长春参茸药店）" in page.text
        english = site.get(sold, params={"place": "1", "city": "长春", "lang": "en"})  # (counts no scan)
        assert "sold on 2025-11-20 in Changchun by Changchun ginseng and herb shop." in english.text
        elsewhere = from_phone(site, 2, sold, params={"city": "广州", "lang": "en"})  # another shopper's phone
        assert "recorded as sold in 长春 on 2025-11-20, then scanned in 广州" in elsewhere.text
        unsold = f"/01/{GTIN}/10/PK-2025-0931/21/0100"
        assert site.get(unsold, params={"city": "广州"}, headers={"Accept": "application/json"}).json()["sold"] == []
        for n in range(4):  # four shoppers (one shopper's scans count once a day)
            from_phone(site, 2 + n, f"/01/{GTIN}/10/PK-2025-0931/21/0101")
        _, token = demo.tokens.issue("jilin-mpa-inspector", ["private:read"], timedelta(days=1))
        regulator = {"Authorization": f"Bearer {token}"}
        public = site.get("/api/v1/scan-signals").json()
        report = site.get("/api/v1/scan-signals", headers=regulator).json()
        lot_only = site.get("/api/v1/scan-signals", params={"lot": "PK-2025-0931"}, headers=regulator).json()
        other = site.get("/api/v1/scan-signals", params={"lot": "PLOT-JY-0003"}, headers=regulator).json()
    assert "labels" not in public  # the public sees how many labels are flagged, not which or where
    assert "0007" not in json.dumps(public)
    assert report == lot_only
    assert other["labels"] == []
    assert report["policy"] == {"max_scans": 3, "max_cities": 1, "max_km": 300.0}
    flagged = {label["serial"]: label for label in report["labels"]}
    assert sorted(flagged) == ["0007", "0101"]  # 0100 was scanned once, in one city: nothing to flag
    assert [s["kind"] for s in flagged["0007"]["signals"]] == ["cities", "far_apart", "sold_elsewhere"]
    assert flagged["0007"]["cities"] == ["广州", "长春"]
    assert flagged["0007"]["scans"] == 2  # site's own scans (one client) count once, the other phone's once
    assert [s["kind"] for s in flagged["0101"]["signals"]] == ["often"]


def test_the_scan_signals_api_over_http_is_described(demo: Services) -> None:
    with Site(demo) as site:
        spec = site.get("/openapi.json").json()
    assert "/api/v1/scan-signals" in spec["paths"]


@pytest.mark.slow
def test_a_shopper_may_tell_the_city_without_it_counting_as_another_scan(demo: Services) -> None:
    """The page asks for the city (a plain form, no JavaScript, optional); telling it adds the city to the
    label's scans, not a scan, and a sold box told from another city is flagged."""
    sold = f"/01/{GTIN}/10/PK-2025-0931/21/0008"
    with Site(demo) as site:
        page = site.get(sold)
        assert 'name="city"' in page.text
        assert 'name="place" value="1"' in page.text
        told = site.get(sold, params={"place": "1", "city": "广州", "lang": "zh"})
        assert "谢谢，已记下城市" in told.text
        assert "账本记载已于 2025-11-20 在长春售出，之后却在广州被扫码" in told.text
        empty = site.get(sold, params={"place": "1", "city": ""}, headers={"Accept": "application/json"}).json()
        counted = from_phone(site, 2, sold, headers={"Accept": "application/json"}).json()  # another shopper
    assert empty["scans"]["count"] == 1  # the first scan only: neither report counted
    assert counted["scans"]["count"] == 2
    assert [s["kind"] for s in counted["scans"]["signals"]] == ["sold_elsewhere"]
    demo.scans.flush()
    [(_g, _lot, _serial, scans)] = [row for row in demo.scans.report("PK-2025-0931") if row[2] == "0008"]
    assert (scans.count, sorted(scans.cities)) == (2, ["广州"])


@pytest.mark.slow
def test_the_browsers_position_is_kept_as_its_city_and_typed_names_as_one_city(demo: Services) -> None:
    """A place report from the browser (?near=lat,lon, rounded) keeps the nearest city only; 长春市 and
    Changchun typed by two shoppers are one city; a malformed position is refused, naming the field."""
    unit = f"/01/{GTIN}/10/PK-2025-0931/21/0120"
    with Site(demo) as site:
        site.get(unit)
        told = site.get(unit, params={"place": "1", "near": "43.88,125.32"})
        assert "谢谢，已记下城市：长春" in told.text
        from_phone(site, 2, unit, params={"city": "长春市"})  # two more shoppers, typing the city
        english = from_phone(site, 3, unit, params={"city": "Changchun", "lang": "en"})
        assert "Caution" not in english.text
        nowhere = from_phone(site, 4, unit, params={"place": "1", "near": "48.86,2.35", "lang": "en"})
        assert "No city was found near your position; nothing was noted." in nowhere.text
        bad = site.get(unit, params={"place": "1", "near": "43.88"}, headers={"Accept": "application/json"})
        assert bad.status_code == 400
        assert bad.headers["content-type"] == "application/problem+json"
        assert bad.json()["detail"].startswith("near: '43.88' is not a position")
        page = site.get(unit, params={"near": "91,0", "lang": "en"})
        assert page.status_code == 400
        assert "latitude must be within ±90" in page.text
        far = from_phone(
            site, 5, unit, params={"place": "1", "near": "23.1,113.3"}, headers={"Accept": "application/json"}
        )
    assert [s["kind"] for s in far.json()["scans"]["signals"]] == ["cities", "far_apart"]
    demo.scans.flush()
    [(_g, _lot, _serial, scans)] = [row for row in demo.scans.report("PK-2025-0931") if row[2] == "0120"]
    assert scans.count == 3  # the scan, 长春市 and Changchun; place reports and the refused one count none
    assert sorted(scans.cities) == ["广州", "长春"]
    assert {city: place.id for city, place in scans.places.items()} == {"长春": 2038180, "广州": 1809858}
