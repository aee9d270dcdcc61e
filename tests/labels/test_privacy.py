"""No public response carries a private value. The test plants private values of its own (random, found
nowhere else: a plot's polygon, notes, an invoice reference), records them through the API, and reads
every public endpoint that shows those lots."""

from __future__ import annotations

import random
import uuid

import httpx
import pytest

from ginseng_trace.chain import SignerKey
from ginseng_trace.service import Services

from ..api.test_api import envelope
from ..conftest import demo_actor
from .test_labels import GTIN, carries

LOG = SignerKey("ginseng.test/log", bytes(range(32)))


@pytest.fixture
def planted(
    demo_site: tuple[httpx.Client, Services],
) -> tuple[httpx.Client, list[str], dict[str, str], Services]:
    rng = random.Random(uuid.uuid4().int)
    lon, lat = round(126 + rng.random(), 6), round(41 + rng.random(), 6)
    secrets = {
        "plot_note": f"plot-secret-{uuid.uuid4().hex}",
        "lon": str(lon),
        "lat": str(lat),
        "invoice": f"INV-{uuid.uuid4().hex[:20]}",
        "sale_note": f"sale-secret-{uuid.uuid4().hex}",
    }
    client, services = demo_site
    grower, shop = demo_actor("fusong-wang-farm"), demo_actor("changchun-herb-shop")
    plot = grower.sign(
        "PLOT-FS-PRIVATE-1",  # in the farm's lot-id space (PLOT-FS-)
        "register_plot",
        raw_payload={
            "land_type": "farmland",
            "county": "抚松县",
            "area_mu": 3,
            "location": {"private": True, "polygon": [[lon, lat], [lon + 0.00066, lat], [lon, lat + 0.00066]]},
            "note": secrets["plot_note"],
        },
    )
    sale = shop.sign(
        "PK-2025-0931",
        "sell",
        occurred_at="2025-11-22T07:30:00Z",
        raw_payload={
            "units": 1,
            "serials": ["0042"],
            "buyer_type": "consumer",
            "invoice_reference": secrets["invoice"],
            "note": secrets["sale_note"],
        },
    )
    for signed in (plot, sale):
        assert client.post("/api/v1/events", json=envelope(signed)).status_code == 201
    client.post("/api/v1/log/checkpoint")
    hashes = {"plot": services.records.history("PLOT-FS-PRIVATE-1")[0].record_hash}
    hashes["sale"] = services.records.history("PK-2025-0931")[-1].record_hash
    return client, list(secrets.values()), hashes, services


@pytest.mark.slow
def test_no_public_response_carries_a_planted_private_value(
    planted: tuple[httpx.Client, list[str], dict[str, str], Services],
) -> None:
    client, secrets, hashes, services = planted
    size = int(client.get("/api/v1/log/checkpoint").text.split("\n")[1])
    paths = [
        "/lot/PLOT-FS-PRIVATE-1",
        f"/01/{GTIN}/10/PK-2025-0931/21/0042",
        f"/01/{GTIN}/10/PK-2025-0931/21/0042?lang=en",
        f"/01/{GTIN}/10/PK-2025-0931?linkType=linkset",
        f"/api/v1/events/{hashes['plot']}",
        f"/api/v1/events/{hashes['sale']}",
        f"/api/v1/log/inclusion/{hashes['sale']}",
        f"/api/v1/log/tile/entries/000.p/{size % 256}" if size < 256 else "/api/v1/log/tile/entries/000",
        "/api/v1/findings",
        "/api/v1/scan-signals",
        "/api/v1/log/checkpoint",
    ]
    for lot in ("PLOT-FS-PRIVATE-1", "PK-2025-0931"):
        paths += [f"/api/v1/lots/{lot}/{view}" for view in ("history", "bundle", "findings", "verify", "ancestors")]
    checked = 0
    for path in paths:
        for accept in ("text/html", "application/json"):
            answer = client.get(path, headers={"Accept": accept})
            assert answer.status_code == 200, (path, answer.status_code)
            for secret in secrets:
                assert not carries(answer.text, secret), (path, accept, secret)
            checked += 1
    assert checked == 2 * len(paths)
    # the private values are in the ledger (as disclosures, for whoever holds the database), not lost
    kept = [
        view.facts
        for lot in ("PLOT-FS-PRIVATE-1", "PK-2025-0931")
        for view in services.records.history(lot, private=True)
    ]
    assert all(any(carries(str(facts), secret) for facts in kept) for secret in secrets)
