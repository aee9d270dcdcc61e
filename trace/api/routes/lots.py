"""Lots: a lot's history, its verification, its lineage, its proof bundle and its findings."""

from __future__ import annotations

import gzip
import hashlib
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from ...events.rules import rules_config
from ...service import MissingCredentialsError
from .. import models
from ..auth import NO_CREDENTIALS
from ..dependencies import API, CachesDep, ServicesDep
from ..home_models import HintsOut
from .audit import NOT_SHARED, READ_ERRORS, MaybeReader, Reader, endpoint
from .common import ERRORS, NOT_LOGGED

router = APIRouter(prefix=API)


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an Accept-Encoding header (RFC 9110 §12.5.3) admits gzip: named, or ``*``, without q=0."""
    weights: dict[str, float] = {}
    for item in accept_encoding.lower().split(","):
        coding, _, param = item.partition(";")
        name, _, value = param.strip().partition("=")
        try:
            weights[coding.strip()] = float(value) if name == "q" else 1.0
        except ValueError:
            weights[coding.strip()] = 0.0
    for coding in ("gzip", "x-gzip", "*"):
        if coding in weights:
            return weights[coding] > 0
    return False


@router.get("/lots/{lot_id}/history", response_model=models.HistoryOut, responses=READ_ERRORS)
def lot_history(
    lot_id: str,
    request: Request,
    services: ServicesDep,
    principal: MaybeReader,
    private: bool = Query(
        False,
        description="with a session or a token carrying private:read: each record's private members in plain "
        "text (`facts`) where the reader's organisation may read them (README: Reads by role); audited",
    ),
) -> Response:
    """Every record of the lot, in order, with hashes. It changes only when the lot gets a record: the
    ETag is the lot's latest record hash, so a cache revalidates (``If-None-Match`` → 304)."""
    if private:
        if principal is None:
            raise MissingCredentialsError(NO_CREDENTIALS)
        read = services.reads.history(lot_id, principal, endpoint(request))
        shown, withheld = [r.event_id for r in read if r.shown], [r.event_id for r in read if r.withheld]
        body = {
            "lot_id": lot_id,
            "records": [r.to_json() for r in read],
            "private": {"shown": shown, "withheld": withheld},
        }
        return JSONResponse(body, headers=NOT_SHARED)
    views = services.records.history(lot_id)
    headers = {"ETag": f'"{views[-1].record_hash}"', "Cache-Control": "no-cache"}
    if request.headers.get("if-none-match") == headers["ETag"]:
        return Response(status_code=304, headers=headers)
    return JSONResponse({"lot_id": lot_id, "records": [v.to_json() for v in views]}, headers=headers)


@router.get("/lots/{lot_id}/verify", response_model=models.VerificationOut, responses=ERRORS)
def verify_lot(
    lot_id: str,
    services: ServicesDep,
    ancestors: bool = Query(True, description="also verify every lot this lot was made from"),
) -> JSONResponse:
    """Re-check every hash, link and signature of the lot (and its ancestors), and the records against the
    transparency log: each record's inclusion in the latest checkpoint, each lot's latest record against that
    checkpoint's lot-heads map, the checkpoint's signature. ``problems`` names everything found wrong
    (``failure`` is the first)."""
    body: dict[str, Any] = {"lot_id": lot_id, "ancestors": ancestors}
    report = services.checks.audit(lot_id, ancestors=ancestors)
    problems = [{**p.__dict__, "message": p.sentence()} for p in report.problems]
    if problems:
        return JSONResponse({**body, "intact": False, "failure": problems[0], "problems": problems})
    return JSONResponse({**body, "intact": True, "records": report.records, "lots": list(report.lots), "problems": []})


def _lineage(services: ServicesDep, lot_id: str, direction: str) -> dict[str, Any]:
    return {"lot_id": lot_id, direction: [info.to_json() for info in services.records.lineage(lot_id, direction)]}


@router.get("/lots/{lot_id}/ancestors", response_model=models.LineageOut, responses=ERRORS)
def ancestors(lot_id: str, services: ServicesDep) -> dict[str, Any]:
    """Every lot this lot was made from, transitively, nearest first: back to the plots."""
    return _lineage(services, lot_id, "ancestors")


@router.get("/lots/{lot_id}/descendants", response_model=models.LineageOut, responses=ERRORS)
def descendants(lot_id: str, services: ServicesDep) -> dict[str, Any]:
    """Every lot made from this lot, transitively, nearest first. For a recall: every batch and box
    downstream of a contaminated harvest, in one call."""
    return _lineage(services, lot_id, "descendants")


@router.get("/lots/{lot_id}/reach", response_model=models.ReachOut, responses=READ_ERRORS)
def reach(lot_id: str, request: Request, services: ServicesDep, principal: MaybeReader) -> JSONResponse:
    """What a hold or recall of this lot reaches, before it is recorded: the lot and every lot made from it
    (batches, packaged units, cases, pallets), nearest first, with the holds already standing over each and,
    for a regulator or an organisation that recorded something in this lot's lineage, who holds how much of
    each now and what is under way. Without credentials (or for any other organisation) the lots only: who
    holds them is not public beyond the public page's company-level chain (README: Reads by role; audited)."""
    shown, found = services.reads.reach(lot_id, principal, endpoint(request))
    body = {"lot_id": lot_id, "custodians_shown": shown, "lots": [lot.to_json() for lot in found]}
    return JSONResponse(body, headers=NOT_SHARED)


@router.get(
    "/lots/{lot_id}/bundle",
    responses={
        200: {"content": {"application/json": {}}, "description": "docs/FORMAT.md bundle"},
        **ERRORS,
        **NOT_LOGGED,
    },
)
def lot_bundle(lot_id: str, request: Request, services: ServicesDep, caches: CachesDep) -> Response:
    """The lot's offline proof bundle: its history and its ancestors' as far as the latest checkpoint
    covers them, with inclusion proofs into it (503 with ``Retry-After`` while no checkpoint covers the
    lot yet). Built again only when the log has changed (every scan page fetches it); an ETag lets
    browsers and CDNs revalidate with ``If-None-Match`` instead of downloading it again."""
    state = services.log.state()
    cached = caches.bundles.get(lot_id, version=state)
    if cached is None:
        data = services.bundles.bundle(lot_id).to_bytes()
        # compressed once per log state (a third of the size, for phones on a weak connection)
        packed, digest = gzip.compress(data, 9, mtime=0), hashlib.sha256(data).hexdigest()[:32]
        cached = caches.bundles.put(lot_id, (data, packed, digest), version=state)
    data, packed, digest = cached
    zipped = accepts_gzip(request.headers.get("accept-encoding", ""))
    etag = f'"{digest}-gzip"' if zipped else f'"{digest}"'  # one ETag per representation (RFC 9110 §8.8.3)
    headers = {"ETag": etag, "Cache-Control": "public, max-age=60", "Vary": "Accept-Encoding"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    if zipped:
        return Response(packed, media_type="application/json", headers={**headers, "Content-Encoding": "gzip"})
    return Response(data, media_type="application/json", headers=headers)


@router.get("/lots/{lot_id}/findings", response_model=models.FindingsOut, responses=READ_ERRORS)
def lot_findings(
    lot_id: str,
    request: Request,
    services: ServicesDep,
    principal: MaybeReader,
    ancestors: bool = Query(True, description="also every lot this lot was made from (a box: back to its plots)"),
) -> JSONResponse:
    """What the soft rules found in the lot's events (and its ancestors'): stored when each event was
    appended, never dropped; `ginseng-trace check` recomputes them from the records. Without credentials,
    the public findings only; a regulator sees all, another member organisation also the non-public ones
    of lots in whose lineage it recorded something (README: Reads by role; audited)."""
    found = services.reads.findings(principal, endpoint(request), lot_id, ancestors=ancestors)
    body = {"lot_id": lot_id, "ancestors": ancestors, "findings": [f.to_json(rules_config()) for f in found]}
    return JSONResponse(body, headers=NOT_SHARED)


@router.get("/lots/{lot_id}/upstream", response_model=models.UpstreamOut, responses=READ_ERRORS)
def lot_upstream(lot_id: str, request: Request, services: ServicesDep, principal: Reader) -> JSONResponse:
    """The facts a processor needs for compliance, for the lot's whole lineage (README: Reads by role): each
    harvest's plot county, land type, certifications, variety, root age, harvest year and whether it met the
    pesticides' pre-harvest intervals as the rules judge it, and every quality test's verdict and values; never
    coordinates, people, organisations, prices or invoices. For a processor that made or received the lot, and
    for regulators; a session, or a token carrying private:read; audited. 403 for any other reader (or a
    processor that never held the lot), 404 for an unknown lot."""
    facts = services.reads.upstream(lot_id, principal, endpoint(request))
    return JSONResponse(facts.to_json(), headers=NOT_SHARED)


@router.get("/lots/{lot_id}/hints", response_model=HintsOut, responses=READ_ERRORS)
def lot_hints(lot_id: str, services: ServicesDep, principal: Reader) -> JSONResponse:
    """What the record page checks on the device before a harvest is submitted (``static/device-rules.js``):
    the plot's sowing or planting date, the bought-in seedlings' age, the latest pesticide application and its
    pre-harvest interval, and the crop-age calendar. For the organisation holding the lot (a plot's
    registrant) and regulators: a session, or a token carrying private:read; 403 for anyone else, 404 for an
    unknown lot."""
    return JSONResponse(services.hints.of(lot_id, principal).to_json(), headers=NOT_SHARED)
