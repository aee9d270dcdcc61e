"""Scans: the labels whose scans suggest a copied label, for regulators."""

from __future__ import annotations

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from ...labels.signals import recorded_sales, signals
from ...service import NotFoundError, NotLoggedYetError
from ..dependencies import API, CachesDep, ServicesDep, SettingsDep
from ..pages import lot_view
from .labels import PROBLEMS

router = APIRouter(prefix=API)


@router.get(
    "/scan-signals",
    summary="Labels whose scans suggest a copied label (for regulators)",
    responses={422: PROBLEMS[422]},
)
def scan_signals(
    services: ServicesDep,
    caches: CachesDep,
    settings: SettingsDep,
    lot: str | None = Query(None, description="only this lot's labels"),
) -> JSONResponse:
    """Every scanned label with a copied-label signal: scanned more often than ``max_scans``, in more
    than ``max_cities`` cities, in two places more than ``max_km`` apart, or in another city after the
    ledger recorded the unit as sold. Scans still waiting to be written are counted too."""
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
    body = {"policy": settings.scan_policy.to_json(), "labels": flagged}
    return JSONResponse(body, headers={"Cache-Control": "no-store"})
