"""Private fields as salted commitments (docs/FORMAT.md §2a): the disclosure format, the ledger's checks on
submission, what is stored and where, erasure, and the envelope over HTTP and the CLI."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, text

from ginseng_trace.api import create_app
from ginseng_trace.chain import Event, MalformedError, SignedEvent, sign_event
from ginseng_trace.chain.disclosure import SD, Disclosure, conceal, reveal
from ginseng_trace.events import private_fields
from ginseng_trace.service import Services

from ..conftest import Actor, LiveServer

POLYGON = {"private": True, "polygon": [[127.2811, 42.3321], [127.2843, 42.3322], [127.2844, 42.3351]]}


def pointers(exc: pytest.ExceptionInfo[MalformedError]) -> list[str]:
    return [p.pointer for p in exc.value.problems]


# -- the disclosure format -------------------------------------------------------


def test_the_digest_of_rfc_9901s_own_example() -> None:
    """RFC 9901 §4.2.1: the disclosure of family_name "Möbius" and its SHA-256 digest."""
    one = Disclosure.parse("WyJfMjZiYzRMVC1hYzZxMktJNmNCVzVlcyIsICJmYW1pbHlfbmFtZSIsICJNw7ZiaXVzIl0", "/d")
    assert (one.salt, one.name, one.value) == ("_26bc4LT-ac6q2KI6cBW5es", "family_name", "Möbius")
    assert one.digest == "X9yH0Ajrdm1Oij4tWso9UzzKJvPoDxwmuEcO3XAdRC0"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


@pytest.mark.slow
@given(
    payload=st.dictionaries(st.text(min_size=1, max_size=10).filter(lambda n: n not in (SD, "...")), json_values),
    data=st.data(),
)
def test_conceal_then_reveal_gives_back_the_payload(payload: dict[str, Any], data: st.DataObject) -> None:
    private = data.draw(st.sets(st.sampled_from(sorted(payload)))) if payload else set()
    signed, disclosures = conceal(payload, private)
    assert not private & set(signed)
    assert len(signed.get(SD, [])) == len(private) == len(disclosures)
    assert reveal(signed, disclosures) == payload
    for one in disclosures:  # each travels as text and parses back to the same member
        assert Disclosure.parse(one.encoded, "/d") == one


def test_salts_are_fresh_unless_derived() -> None:
    first, _ = conceal({"note": "a"}, {"note"})
    second, _ = conceal({"note": "a"}, {"note"})
    assert first[SD] != second[SD]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (42, "must be a disclosure"),
        ("not base64!", "not base64url"),
        ("WyJhIiwiYiJd", "three members"),  # ["a","b"]
        ("WyJzaG9ydCIsIm5vdGUiLDFd", "at least 22"),  # ["short","note",1]
        ("WyJhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYSIsIl9zZCIsMV0", "not '_sd'"),  # [22 a's,"_sd",1]
        ("eyJhIjoxLCJhIjoyfQ", "decode to JSON"),  # {"a":1,"a":2}
    ],
)
def test_a_malformed_disclosure_is_named(text: object, says: str) -> None:
    with pytest.raises(MalformedError, match=says) as exc:
        Disclosure.parse(text, "/disclosures/3")
    assert pointers(exc) == ["/disclosures/3"]


def test_reveal_refuses_what_does_not_match() -> None:
    signed, (note,) = conceal({"note": "n", "area_mu": 2}, {"note"})
    stranger = Disclosure.make("note", "forged")
    with pytest.raises(MalformedError, match="not in the event's _sd") as exc:
        reveal(signed, [stranger])
    assert pointers(exc) == ["/disclosures/0"]
    with pytest.raises(MalformedError, match="no disclosure was sent") as exc:
        reveal(signed, [])
    assert pointers(exc) == ["/event/payload/_sd/0"]
    assert reveal(signed, [], complete=False) == {"area_mu": 2}  # erased: absent, nothing else changes
    twice = {**signed, "note": "plain"}
    with pytest.raises(MalformedError, match="given twice"):
        reveal(twice, [note])
    with pytest.raises(MalformedError, match="SHA-256 digests"):
        reveal({SD: ["short"]}, [])


# -- the ledger ---------------------------------------------------------------------


def plot(grower: Actor, **payload: Any) -> Any:
    return grower.event("PLOT-1", "register_plot", payload={"location": POLYGON, **payload})


def test_private_members_are_signed_as_digests_and_stored_apart(ledger: Services, grower: Actor) -> None:
    signed = sign_event(
        plot(grower, note="王老汉的地 13900000000"), grower.key, private=private_fields("register_plot")
    )
    assert {d.name for d in signed.disclosures} == {"location", "note"}
    assert b"127.2811" not in signed.signed_bytes
    assert b"13900000000" not in signed.signed_bytes
    ledger.events.append(signed)
    (view,) = ledger.records.history("PLOT-1")
    assert "location" not in view.event["payload"]
    assert len(view.event["payload"][SD]) == 2
    assert "127.2811" not in json.dumps(view.to_json())
    assert "location" not in view.facts["payload"]  # not fetched
    (inside,) = ledger.records.history("PLOT-1", private=True)
    assert inside.facts["payload"]["location"] == POLYGON
    assert "127.2811" not in json.dumps(inside.to_json())
    assert ledger.checks.verify("PLOT-1").records == 1


def test_signing_twice_gives_the_same_bytes_so_a_retry_is_recognised(ledger: Services, grower: Actor) -> None:
    event = plot(grower, note="n")
    first = sign_event(event, grower.key, private=private_fields("register_plot"))
    again = sign_event(event, grower.key, private=private_fields("register_plot"))
    assert (first.signed_bytes, first.disclosures) == (again.signed_bytes, again.disclosures)
    assert ledger.events.append(first).created
    assert not ledger.events.append(again).created


def test_the_check_replays_events_with_private_members(ledger: Services, grower: Actor) -> None:
    ledger.events.append(grower.sign("PLOT-1", "register_plot"))
    ledger.events.append(grower.sign("PLOT-1", "sow"))
    ledger.events.append(grower.sign("HV-1", "harvest", inputs=["PLOT-1"]))
    sold = grower.sign(
        "HV-1", "sell", raw_payload={"buyer_type": "processor", "net_weight_kg": 10, "invoice_reference": "FP-1"}
    )
    assert [d.name for d in sold.disclosures] == ["invoice_reference"]
    ledger.events.append(sold)
    report = ledger.checks.check()
    assert report.events == 3 + 4  # the grower's enrolment, its four events
    assert not report.unreproduced


@pytest.mark.parametrize(
    ("change", "pointer", "says"),
    [
        # a private member in plain text: refused, so it never reaches a signed (public) record
        (lambda s, g: sign_event(Event.from_json(_plain(s)), g.key), "/event/payload/location", "private"),
        # a public member hidden behind a digest: refused, it must stay checkable by anyone
        (
            lambda s, g: sign_event(plot(g), g.key, private={"location", "note", "county"}),
            "/disclosures/0",
            "'county' is public",
        ),
        # a digest without its disclosure: the ledger must see every fact it judges
        (lambda s, g: dataclasses.replace(s, disclosures=s.disclosures[1:]), "/event/payload/_sd/", "no disclosure"),
        # a disclosure changed after signing
        (
            lambda s, g: dataclasses.replace(s, disclosures=(Disclosure.make("location", {}), *s.disclosures[1:])),
            "/disclosures/0",
            "not in the event's _sd",
        ),
        # the revealed payload still has to fit the schema
        (
            lambda s, g: sign_event(plot(g, note=7), g.key, private=private_fields("register_plot")),
            "/event/payload/note",
            "string",
        ),
    ],
)
def test_a_submission_that_breaks_the_privacy_rules_is_refused_and_nothing_is_stored(
    ledger: Services, grower: Actor, change: Any, pointer: str, says: str
) -> None:
    good = sign_event(plot(grower, note="n"), grower.key, private=private_fields("register_plot"))
    with pytest.raises(MalformedError, match=says) as exc:
        ledger.events.append(change(good, grower))
    assert any(p.startswith(pointer) for p in pointers(exc)), pointers(exc)
    assert ledger.records.count() == 3  # the grower's enrolment only


def _plain(signed: SignedEvent) -> dict[str, Any]:
    """The event with its private members in plain text, as a careless client would send it."""
    body: dict[str, Any] = json.loads(signed.signed_bytes)
    body["payload"] = signed.revealed.to_json()["payload"]
    return body


def test_an_erased_disclosure_leaves_every_proof_valid(engine: Engine, ledger: Services, grower: Actor) -> None:
    """Deleting a private member's disclosure (a person's right to erasure) breaks no hash or proof."""
    ledger.events.append(sign_event(plot(grower, note="n"), grower.key, private=private_fields("register_plot")))
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM disclosures WHERE position = 0"))
    assert ledger.checks.verify("PLOT-1").records == 1
    (view,) = ledger.records.history("PLOT-1", private=True)
    assert view.facts["payload"]["note"] == "n"
    assert "location" not in view.facts["payload"]
    assert ledger.records.public_history("PLOT-1").kind == "plot_crop"
    assert ledger.checks.check().events == 3 + 1  # the grower's enrolment, its plot


def test_disclosures_cannot_be_rewritten(engine: Engine, ledger: Services, grower: Actor) -> None:
    from sqlalchemy.exc import DBAPIError

    ledger.events.append(sign_event(plot(grower), grower.key, private=private_fields("register_plot")))
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text("UPDATE disclosures SET disclosure = 'x'"))


# -- the envelope over HTTP and the CLI ---------------------------------------------------


@pytest.mark.slow
def test_the_cli_shows_private_members_only_when_asked(database_url: str, tmp_path: Any, monkeypatch: Any) -> None:
    from ..tools.test_cli import run

    monkeypatch.setenv("TRACE_DATA_DIR", str(tmp_path / "data"))
    db = f"--database-url={database_url}"
    assert run("demo", db).returncode == 0
    public = run("history", db, "--lot", "PLOT-JA-0102")
    private = run("history", db, "--lot", "PLOT-JA-0102", "--private")
    assert public.returncode == private.returncode == 0
    first = json.loads(private.stdout.splitlines()[0])
    assert first["event"]["payload"]["location"]["polygon"][0] == [126.186, 41.126]
    assert "126.186" not in public.stdout
    assert '"_sd"' in public.stdout
    assert len(public.stdout.splitlines()) == len(private.stdout.splitlines())
    missing = run("history", db, "--lot", "NO-SUCH-LOT")
    assert (missing.returncode != 0, missing.stderr.count("\n")) == (True, 1)


def test_the_envelope_over_http(ledger: Services, grower: Actor) -> None:
    signed = sign_event(plot(grower, note="n"), grower.key, private=private_fields("register_plot"))
    with LiveServer(create_app(ledger)) as server, httpx.Client(base_url=server.url) as client:
        bare = {k: v for k, v in signed.envelope().items() if k != "disclosures"}
        refused = client.post("/api/v1/events", json=bare)
        assert refused.status_code == 422
        assert refused.headers["content-type"] == "application/problem+json"
        assert any(e["pointer"].startswith("/event/payload/_sd/") for e in refused.json()["errors"])
        junk = client.post("/api/v1/events", json={**signed.envelope(), "disclosures": "nope"})
        assert junk.status_code == 422
        assert [e["pointer"] for e in junk.json()["errors"]] == ["/disclosures"]
        stored = client.post("/api/v1/events", json=signed.envelope())
        assert stored.status_code == 201
        assert "127.2811" not in stored.text
        spec = client.get("/openapi.json").json()
        assert "disclosures" in spec["components"]["schemas"]["SignedEventIn"]["properties"]
    assert ledger.records.count() == 3 + 1  # the grower's enrolment, its plot
