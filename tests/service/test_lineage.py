"""Lot lineage: ancestors back to the plots, descendants down to the boxes (a recall in one call)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from ginseng_trace.api import create_app
from ginseng_trace.events.lineage import lot_kind, walk
from ginseng_trace.service import NotFoundError, Services

from ..conftest import LiveServer, demo_actor


def test_walk_and_kinds() -> None:
    graph = {"A": {"B", "C"}, "B": {"D"}, "C": {"D"}, "D": set()}
    assert walk("A", lambda lots: set().union(*(graph[x] for x in lots))) == {"A": 0, "B": 1, "C": 1, "D": 2}
    assert lot_kind("harvest", {}) == "harvest_lot"
    assert lot_kind("aggregate", {"level": "pallet"}) == "pallet"
    assert lot_kind("ship", {}) == "other"


def test_a_box_traces_back_to_its_plots(demo: Services) -> None:
    found = [(i.lot_id, i.kind, i.depth) for i in demo.records.lineage("PK-2025-0931", "ancestors")]
    assert found == [
        ("RG-2025-0931", "process_batch", 1),
        ("HV-2025-FS-0017", "harvest_lot", 2),
        ("HV-2025-JA-0102", "harvest_lot", 2),
        ("PLOT-FS-0017", "plot_crop", 3),
        ("PLOT-JA-0102", "plot_crop", 3),
    ]


def test_a_recall_finds_everything_downstream_of_a_harvest(demo: Services) -> None:
    # a second batch from the rest of the same harvest, packed and put into a case: all of it must come back
    works = demo_actor("jian-red-ginseng-works")
    demo.events.append(
        works.sign(
            "RG-2025-0999",
            "process",
            inputs=["HV-2025-FS-0017"],
            occurred_at="2025-10-06T00:00:00Z",
            payload={
                "process": "sun_drying",
                "input_quantities": [{"lot": "HV-2025-FS-0017", "value": 200, "unit": "kg"}],
                "outputs": [{"product": "生晒参 main root", "value": 60, "unit": "kg"}],
            },
        )
    )
    demo.events.append(
        works.sign("PK-2025-0999", "package", inputs=["RG-2025-0999"], payload={"batch": "PK-2025-0999"})
    )
    # the case is named in the works' own identifier space (RG-, PK-): lots are created only there
    demo.events.append(works.sign("PK-CASE-1", "aggregate", inputs=["PK-2025-0999"], payload={"level": "case"}))
    found = [(i.lot_id, i.kind, i.depth) for i in demo.records.lineage("HV-2025-FS-0017", "descendants")]
    assert found == [
        ("RG-2025-0931", "process_batch", 1),
        ("RG-2025-0999", "process_batch", 1),
        ("PK-2025-0931", "packaged_product", 2),
        ("PK-2025-0999", "packaged_product", 2),
        ("YP-2025-1103", "process_batch", 2),  # the red-ginseng slices
        ("PK-CASE-1", "case", 3),
    ]
    assert demo.records.lineage("PK-2025-0931", "descendants") == []
    with pytest.raises(NotFoundError):
        demo.records.lineage("NOPE", "ancestors")


@pytest.fixture
def client(demo: Services) -> Iterator[httpx.Client]:
    with LiveServer(create_app(demo)) as server, httpx.Client(base_url=server.url + "/api/v1") as client:
        yield client


@pytest.mark.slow
def test_lineage_over_http(client: httpx.Client) -> None:
    up = client.get("/lots/PK-2025-0931/ancestors").json()
    assert up["lot_id"] == "PK-2025-0931"
    assert {a["lot_id"] for a in up["ancestors"]} >= {"PLOT-FS-0017", "PLOT-JA-0102"}
    down = client.get("/lots/PLOT-FS-0017/descendants").json()
    assert [d["lot_id"] for d in down["descendants"]] == [
        "HV-2025-FS-0017",
        "RG-2025-0931",
        "PK-2025-0931",
        "YP-2025-1103",
    ]
    assert client.get("/lots/NOPE/ancestors").status_code == 404
    assert client.get("/lots/PK-2025-0931/history").status_code == 200  # the routes do not shadow each other
