"""What the record page needs to check a harvest on the device as the person types (``static/device-rules.js``):
the plot's sowing or planting date, the age of bought-in seedlings planted there, the latest pesticide
application with its pre-harvest interval, and the calendar the crop-age count uses (``schemas/rules.yaml``
``crop_age`` and ``harvest_season``). The server judges again on submit; these are hints, never the verdict.

Only for the organisation that holds the lot (a plot's registrant, a holder of a bulk lot) and for regulators:
the sowing date and the pesticides applied are the farm's own records, not public facts.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..events.lot_facts import Application
from ..events.rules import rules_config
from ..events.state import LotState
from ..store import LedgerRepository, Store
from .credentials import Principal
from .errors import NotFoundError, RelationRequiredError
from .reads import reader_now


@dataclass(frozen=True)
class LotHints:
    """A lot's facts that the device's rules read: for a plot, when it was sown or planted (UTC), the
    seedlings' age then (None: seed), the application that sets the earliest harvest; the calendar."""

    lot_id: str
    kind: str
    land_type: str | None
    sown_at: str | None
    seedling_age_years: int | None
    application: Application | None

    def to_json(self) -> dict[str, object]:
        rules = rules_config()
        application = self.application
        return {
            "lot_id": self.lot_id,
            "kind": self.kind,
            "land_type": self.land_type,
            "sown_at": self.sown_at,
            "seedling_age_years": self.seedling_age_years,
            "latest_application": None
            if application is None
            else {
                "at": application.at,
                "product": application.product,
                "pre_harvest_interval_days": application.pre_harvest_interval_days,
            },
            "calendar": {
                "planted_grows_same_year_through_month": int(
                    rules["crop_age"]["planted_grows_same_year_through_month"]
                ),
                "dug_counts_its_year_from_month": int(rules["crop_age"]["dug_counts_its_year_from_month"]),
                "utc_offset_hours": float(rules["harvest_season"]["utc_offset_hours"]),
            },
        }


class Hints:
    """The device's hints for a lot, for its holders and regulators."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def of(self, lot_id: str, principal: Principal) -> LotHints:
        """:class:`NotFoundError` for an unknown lot; :class:`RelationRequiredError` for a reader whose
        organisation does not hold it (and is no regulator)."""

        def read(repo: LedgerRepository) -> LotHints:
            text = repo.lot_states([lot_id]).get(lot_id)
            if text is None:
                raise NotFoundError(f"lot {lot_id!r} has no record")
            state = LotState.from_json(text)
            reader = reader_now(repo, principal)
            if reader is None or not (reader.regulator or reader.org in state.custodians()):
                raise RelationRequiredError(
                    "custodian", f"lot {lot_id} is not held by the reader's organisation: its hints are the holder's"
                )
            return LotHints(
                lot_id, state.kind, state.land_type, state.sown_at, state.seedling_age_years, state.latest_ready
            )

        return self.store.read(read)
