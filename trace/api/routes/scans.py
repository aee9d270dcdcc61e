"""Scans: the labels whose scans suggest a copied label, for regulators."""

from __future__ import annotations

from collections import Counter
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from ...labels.signals import recorded_sales, signals
from ...service import NotFoundError, NotLoggedYetError
from ..dependencies import API, CachesDep, ServicesDep, SettingsDep
from ..pages import lot_view
from .audit import NOT_SHARED, READ_ERRORS, MaybeReader, endpoint

router = APIRouter(prefix=API)


@router.get(
    "/scan-signals",
    summary="Labels whose scans suggest a copied label (for regulators and partners; counts for the public)",
    responses={k: v for k, v in READ_ERRORS.items() if k in (401, 403, 422)},
)
def scan_signals(
    request: Request,
    principal: MaybeReader,
    services: ServicesDep,
    caches: CachesDep,
    settings: SettingsDep,
    lot: str | None = Query(None, description="only this lot's labels"),
) -> JSONResponse:
    """Every scanned label with a copied-label signal: scanned more often than ``max_scans``, in more
    than ``max_cities`` cities, in two places more than ``max_km`` apart, or in another city after the
    ledger recorded the unit as sold. Scans still waiting to be written are counted too.

    Without credentials (or reading as the public) only the counts: how many labels are flagged, by signal.
    The labels themselves (serials, cities, sales) tell a counterfeiter which copies are noticed and where:
    they are for a regulator (all) and for a member organisation that recorded something in the lot's
    lineage (README: Reads by role; audited)."""
    flagged = []
    for gtin, lot_id, serial, scans in services.scans.report(lot):
        try:
            sold = lot_view(services, caches, lot_id).history.sales_of(serial)
        except (NotFoundError, NotLoggedYetError):
            sold = []
        found = signals(scans, settings.scan_policy, recorded_sales(sold))
        if found:
            flagged.append(
                {
                    "gtin": gtin or None,
                    "lot": lot_id,
                    "serial": serial,
                    "scans": scans.count,
                    "first": scans.first,
                    "last": scans.last,
                    "cities": sorted(scans.cities),
                    "sold": sold,
                    "signals": [s.to_json() for s in found],
                }
            )
    seen = services.reads.scan_signal_lots(principal, endpoint(request), {str(f["lot"]) for f in flagged}, lot)
    shown = flagged if seen is None else [f for f in flagged if f["lot"] in seen]
    body: dict[str, Any] = {"policy": settings.scan_policy.to_json(), "counts": _counts(shown)}
    if seen is not None:
        body["labels"] = shown
    return JSONResponse(body, headers=NOT_SHARED)


def _counts(flagged: list[dict[str, Any]]) -> dict[str, int]:
    """How many labels are flagged, and how many with each signal."""
    kinds = Counter(s["kind"] for label in flagged for s in label["signals"])
    return {"labels": len(flagged), **{k: kinds.get(k, 0) for k in ("often", "cities", "far_apart", "sold_elsewhere")}}
