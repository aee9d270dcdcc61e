"""A lot's EPCIS export by role over real HTTP, on both engines (``?private=true``): a regulator's document shows
the plot's polygon and note and the sale's invoice reference as ``gt:`` members where the mapping puts public
members, its eventIDs the hashes of the events shown, the read audited as the private history is; a reader who
may see nothing private (another grower, a shop on the plot) gets the public document byte for byte, unaudited;
401 without credentials; the document validates against GS1's schema either way."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ginseng_trace.epcis.hash import event_hashes

from ..epcis.test_export import events_of, reference_hashes, schema_errors
from ..labels.test_labels import carries
from .test_api import assert_problem
from .test_reads_by_role import OTHER_GROWER, REGULATOR, SHOP, World, never_carries, world  # noqa: F401 - the parties' ledger

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # the reference's importlib.resources use


def _valid(answer: httpx.Response) -> dict[str, Any]:
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/ld+json")
    document: dict[str, Any] = answer.json()
    assert schema_errors(document) == []
    assert [e["eventID"] for e in events_of(document)] == event_hashes(document) == reference_hashes(document)
    return document


@pytest.mark.slow
def test_a_regulator_sees_the_plot_location_and_the_invoice_and_the_read_is_audited(world: World) -> None:  # noqa: F811
    public = _valid(world.get("/lots/PLOT-1/epcis"))
    answer = world.get("/lots/PLOT-1/epcis", REGULATOR, private="true")
    shown = _valid(answer)
    assert answer.headers["cache-control"] == "private, no-store"
    [plot] = [e for e in events_of(shown) if e["gt:eventType"] == "register_plot"]
    assert plot["ilmd"]["gt:location"] == {"private": True, "polygon": world.polygon}  # where public members go
    assert carries(answer.text, world.secrets[0])  # the plot's note
    [public_plot] = [e for e in events_of(public) if e["gt:eventType"] == "register_plot"]
    assert "gt:location" not in public_plot["ilmd"]
    assert plot["eventID"] != public_plot["eventID"]  # the hash of what is shown
    assert {k: v for k, v in plot.items() if k not in ("eventID", "ilmd")} == {
        k: v for k, v in public_plot.items() if k not in ("eventID", "ilmd")
    }
    others = [e for e in events_of(shown) if e is not plot]
    assert others == [e for e in events_of(public) if e is not public_plot]

    box = world.get("/lots/PK-1/epcis", REGULATOR, private="true", ancestors="true")
    lineage = _valid(box)
    [sale] = [e for e in events_of(lineage) if e["gt:eventType"] == "sell"]
    assert sale["gt:invoice_reference"] == world.invoice  # an extension, as the sale's public members are
    [ancestor] = [e for e in events_of(lineage) if e["gt:eventType"] == "register_plot"]
    assert ancestor["ilmd"]["gt:location"]["polygon"] == world.polygon

    rows = world.audit(actor=REGULATOR)
    assert [(r["what"], r["lot_id"], r["event_ids"], r["org_id"]) for r in rows] == [
        ("private_members", "PLOT-1", [world.ids["plot"]], REGULATOR),
        ("private_members", "PK-1", [world.ids["plot"], world.ids["sale"]], REGULATOR),
    ]
    assert rows[0]["endpoint"] == "GET /api/v1/lots/PLOT-1/epcis?private=true"
    assert rows[0]["credential"].startswith("token:")
    # the same credentials without private=true: the public document, unaudited
    assert world.get("/lots/PLOT-1/epcis", REGULATOR).content == world.get("/lots/PLOT-1/epcis").content
    assert [r["what"] for r in world.audit(actor=REGULATOR)].count("private_members") == 2


@pytest.mark.slow
def test_a_reader_who_may_see_nothing_private_gets_the_public_document(world: World) -> None:  # noqa: F811
    for lot, reader, params in [
        ("PLOT-1", SHOP, {}),
        ("PK-1", OTHER_GROWER, {"ancestors": "true"}),
        ("PLOT-1", OTHER_GROWER, {"ancestors": "true"}),
    ]:
        public = world.get(f"/lots/{lot}/epcis", **params)
        answer = world.get(f"/lots/{lot}/epcis", reader, private="true", **params)
        _valid(answer)
        assert answer.content == public.content, (lot, reader)
        never_carries(answer, world.secrets)
        never_carries(public, world.secrets)
    assert world.audit(actor=SHOP) == world.audit(actor=OTHER_GROWER) == []

    # the shop reads its own sale's invoice, never the grower's plot
    own = world.get("/lots/PK-1/epcis", SHOP, private="true", ancestors="true")
    _valid(own)
    assert carries(own.text, world.invoice)
    never_carries(own, [s for s in world.secrets if s != world.invoice])
    assert [(r["lot_id"], r["event_ids"]) for r in world.audit(actor=SHOP)] == [("PK-1", [world.ids["sale"]])]

    refused = world.get("/lots/PLOT-1/epcis", private="true")
    assert assert_problem(refused, 401)["type"] == "urn:ginseng-trace:problem:unauthenticated"
    assert refused.headers["www-authenticate"].startswith("Bearer")
    assert_problem(world.get("/lots/NO-SUCH-LOT/epcis", REGULATOR, private="true"), 404)
    regulator = world.audit(actor=REGULATOR)  # only the audit trail's own reads: nothing private was served
    assert {r["what"] for r in regulator} == {"audit"}
