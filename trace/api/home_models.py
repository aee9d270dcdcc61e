"""Response models of a person's home (``GET /api/v1/me/home``), for the OpenAPI description."""

from __future__ import annotations

from pydantic import BaseModel, Field


class HomeOrganisationOut(BaseModel):
    id: str
    name: str
    roles: list[str]


class ActionOut(BaseModel):
    type: str = Field(description="an event type the organisation may record for the lot")
    mode: str = Field(description="on: recorded on the lot; from: making a new lot from it")


class HomeLotOut(BaseModel):
    """A lot that concerns the organisation, as it stands."""

    lot_id: str
    kind: str
    relations: list[str] = Field(description="creator, holder, incoming (a shipment under way to it), lab")
    species: str | None
    counties: list[str] = Field(description="the origin counties (a plot's own)")
    on_hand: float = Field(description="what the organisation has of it, in unit")
    sold: float = Field(description="what the organisation has sold of it, in unit")
    unit: str | None = Field(description="kg or count; none for a plot")
    hold: str | None = Field(description="hold or recall, while one stands over the lot (its own or upstream)")
    released: bool | None = Field(description="released for sale (放行); none when the lot needs no release")
    actions: list[ActionOut]
    labels: bool = Field(
        description="the organisation packed it as a serialised run: its sheets at GET /api/v1/lots/{lot}/labels.pdf"
    )


class DueOut(BaseModel):
    """Something due on one lot (``service.home``): its kind and what the person needs to know."""

    model_config = {"extra": "allow"}

    kind: str = Field(
        description="hold, receive, samples_to_test, release_awaited, test_awaited, sample_needed, pre_harvest_interval"
    )
    lot_id: str


class HomeOut(BaseModel):
    """A person's home: who they are, their organisation's lots and what is due."""

    actor: str
    organisation: HomeOrganisationOut
    as_of: str
    lots: list[HomeLotOut]
    due: list[DueOut]


class ApplicationHintOut(BaseModel):
    at: str = Field(description="when the pesticide was applied (UTC)")
    product: str
    pre_harvest_interval_days: int


class CalendarOut(BaseModel):
    planted_grows_same_year_through_month: int = Field(description="rules.yaml crop_age")
    dug_counts_its_year_from_month: int = Field(description="rules.yaml crop_age")
    utc_offset_hours: float = Field(description="the local clock the months are counted on (rules.yaml harvest_season)")


class HintsOut(BaseModel):
    """What the record page checks on the device as the person types (the server judges again on submit)."""

    lot_id: str
    kind: str
    land_type: str | None
    sown_at: str | None = Field(description="a plot's first sowing or planting (UTC)")
    seedling_age_years: int | None = Field(description="the age of the seedlings planted then; none for seed")
    latest_application: ApplicationHintOut | None = Field(description="the application that sets the earliest harvest")
    calendar: CalendarOut


class DeviceKeyIn(BaseModel):
    key: str = Field(description="an Ed25519 verifier key <your actor>+<key id>+<base64(0x01 || public key)>")


class DeviceKeyOut(BaseModel):
    actor: str
    key_id: str = Field(description="8 hex digits")
    key: str = Field(description="the verifier key text, as registered")
    record_hash: str | None = Field(description="the register_key record; null when the key was registered before")
