"""A packaging run's labels: every serial a lot was packaged under, with its GS1 Digital Link."""

from __future__ import annotations

from ..events.public import PublicHistory
from .digital_link import DigitalLink, build


class NoSuchLabelError(LookupError):
    """The lot has no label of that kind: packaged without a GTIN, or the serial is not in its run."""


def gs1_link(history: PublicHistory, base: str, lot_id: str, serial: str | None) -> DigitalLink:
    """The Digital Link of the lot (or of one serialised unit of it) under ``base``."""
    if history.gtin is None:
        raise NoSuchLabelError(f"lot {lot_id!r} was not packaged under a GTIN: it has no GS1 label")
    if serial is not None and (history.serials is None or serial not in history.serials):
        raise NoSuchLabelError(f"serial {serial!r} is not in lot {lot_id}'s packaging run")
    return build(base, history.gtin, lot=history.batch or lot_id, serial=serial)


def label_text(history: PublicHistory, base: str, lot_id: str, serial: str | None) -> str:
    """What a lot's label encodes: its GS1 Digital Link, or for a lot without a GTIN its local path."""
    if history.gtin is None and serial is None:
        return f"{base}/lot/{lot_id}"
    return gs1_link(history, base, lot_id, serial).uri()


def packaging_run(history: PublicHistory, base: str, lot_id: str) -> list[tuple[str, DigitalLink]]:
    """Every serial of a packaging run with its Digital Link, exactly as the run names it (a range's
    serials at its fixed width: 0001, 0002, ...)."""
    if history.gtin is None or history.serials is None:
        return []
    lot = history.batch or lot_id
    return [(serial, build(base, history.gtin, lot=lot, serial=serial)) for serial in history.serials]
