"""Shapes of the API's JSON documents, for the OpenAPI description.

Requests are parsed by the domain (``ginseng_trace.chain``), which names the
exact field at fault; these models document the shapes and are not used to
parse.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class EventIn(BaseModel):
    """What an actor signs. Its RFC 8785 canonical bytes are the signed bytes (docs/FORMAT.md)."""

    model_config = ConfigDict(extra="forbid")

    event_id: str = Field(description="chosen by the client; retrying the same event is safe", examples=["evt-0001"])
    lot_id: str = Field(description="the lot this event is about", examples=["HV-2025-WANG-01"])
    type: str = Field(description="event type, see GET /api/v1/event-types", examples=["harvest"])
    occurred_at: str = Field(description="RFC 3339 UTC, e.g. 2025-09-20T08:30:00Z")
    actor: str = Field(description="the actor who signs")
    key_id: str = Field(description="8 hex digits: the key id of the actor's verifier key")
    inputs: list[str] = Field(default_factory=list, description="lots consumed by this event (processing)")
    payload: dict[str, Any] = Field(description="type-specific facts")


class SignedEventIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    event: EventIn
    signature: str = Field(description="base64 Ed25519 signature of 'ginseng-trace/event/v1\\n' || canonical event")
    disclosures: list[str] = Field(
        default_factory=list,
        description="the event's private payload members, one RFC 9901 disclosure each: base64url of "
        "[salt, name, value], whose SHA-256 (base64url) is in the payload's _sd (docs/FORMAT.md §2a)",
    )


class DevEventIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    event: dict[str, Any] = Field(description="an event without actor and key_id; the server signs it")


class RecordOut(BaseModel):
    log_index: int = Field(description="position in the ledger's single append order")
    record_hash: str
    event_hash: str
    record: dict[str, Any] = Field(description="the sealed record: event, sig, lot, seq, prev, inputs, recorded_at")
    event: dict[str, Any] = Field(description="the signed event")
    facts: dict[str, Any] | None = Field(
        default=None,
        description="with ?private=true, where the reader may read them: the event with its private members in "
        "plain text (README: Reads by role)",
    )


class ViolationOut(BaseModel):
    rule: str = Field(description="rule id in schemas/rules.yaml")
    severity: str = Field(description="soft: the event was stored and this finding attached")
    pointer: str = Field(description="JSON Pointer to the field, from the envelope")
    limit: str
    value: str
    message: str
    message_zh: str
    standard: str | None = Field(
        default=None,
        description="the standard whose limit this is (quality_limits: an id of quality_limits.standards in "
        "GET /rules); absent for limits that belong to no standard",
    )


class AppendedOut(RecordOut):
    findings: list[ViolationOut] = Field(description="what the soft rules found in this event (empty if nothing)")


class FindingOut(ViolationOut):
    log_index: int = Field(description="the record the finding is attached to")
    lot_id: str
    public: bool = Field(description="whether the rules file lets the consumer page show it")
    title: str
    title_zh: str
    found_at: str


class FindingsOut(BaseModel):
    lot_id: str | None
    ancestors: bool
    findings: list[FindingOut]


class PrivateReadOut(BaseModel):
    shown: list[str] = Field(description="event ids whose private members this answer holds (in `facts`)")
    withheld: list[str] = Field(description="event ids with private members this reader may not read")


class HistoryOut(BaseModel):
    lot_id: str
    records: list[RecordOut]
    private: PrivateReadOut | None = Field(default=None, description="only with ?private=true")


class ApplicationOut(BaseModel):
    on: str = Field(description="the date the pesticide was applied")
    product: str
    active_ingredient: str
    pre_harvest_interval_days: int
    harvest_allowed_from: str = Field(description="the application's date plus its pre-harvest interval")


class PreHarvestIntervalOut(BaseModel):
    passed: bool = Field(description="whether the harvest met every interval, as the rule pesticide_interval judges")
    binding_application: ApplicationOut | None = Field(
        description="the application whose interval ends last (null: no pesticide applied before the harvest)"
    )


class OriginFactsOut(BaseModel):
    """One harvest of the lineage and its plot: no coordinates, no grower, no quantities."""

    harvest_lot: str
    plot: str | None
    land_type: str | None = Field(description="farmland (园参) or forest (林下山参)")
    county_code: str | None = Field(description="GB/T 2260 (null: the plot named its county in words only)")
    county: str | None = Field(description="the county_code's name where the plot gives a code")
    prefecture: str | None
    certifications: list[str] | None
    species: str | None = Field(default=None, description="only where the plot names its species")
    variety: str | None
    sown_on: str | None
    harvested_on: str
    harvest_year: int | None = Field(description="on Jilin's clock (UTC+8)")
    crop_age_years: int | None = Field(description="the declared root age")
    pre_harvest_interval: PreHarvestIntervalOut | None = Field(
        description="null when the plot is not in the lineage (nothing to judge)"
    )


class QualityTestOut(BaseModel):
    lot: str
    on: str
    lab: str | None = None
    accreditation: str | None = None
    method: str | None = None
    verdict: str | None = None
    ginsenosides_pct: dict[str, float] | None = None
    moisture_pct: float | None = None
    total_ash_pct: float | None = None
    heavy_metals_mg_kg: dict[str, float] | None = None
    pesticide_residues_mg_kg: dict[str, float] | None = None


class LotKindOut(BaseModel):
    lot_id: str
    kind: str


class UpstreamOut(BaseModel):
    """A lot's upstream compliance facts (README: Reads by role), by allow-list."""

    lot_id: str
    kind: str
    lineage: list[LotKindOut] = Field(description="the lot and every lot it was made from")
    origins: list[OriginFactsOut] = Field(description="every harvest in the lineage, in log order")
    tests: list[QualityTestOut] = Field(description="every quality test in the lineage, in log order")


class BreakOut(BaseModel):
    """One problem: at a record (``log_index``, ``event_id``, ``lot_id``), a checkpoint (``checkpoint``: its tree
    size) or a lot (``lot_id`` alone)."""

    log_index: int | None
    event_id: str | None
    lot_id: str | None
    checkpoint: int | None = None
    check: str
    expected: str
    found: str
    message: str


class VerificationOut(BaseModel):
    lot_id: str | None
    ancestors: bool
    intact: bool
    records: int | None = Field(default=None, description="records checked (when intact)")
    lots: list[str] | None = Field(default=None, description="lots covered (when intact)")
    failure: BreakOut | None = Field(default=None, description="the first problem (when not intact)")
    problems: list[BreakOut] = Field(default_factory=list, description="every problem found (at most 100)")


class EventTypeOut(BaseModel):
    type: str
    description: str


class ProblemOut(BaseModel):
    """RFC 9457 problem details; ``errors`` names the fields at fault by JSON Pointer."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    errors: list[dict[str, str]] | None = None


class InclusionOut(BaseModel):
    """An RFC 9162 inclusion proof, with the checkpoint (signed note) it verifies against."""

    log_index: int = Field(description="the leaf index")
    tree_size: int
    record_hash: str
    leaf_hash: str = Field(description="base64 SHA-256(0x00 || record bytes)")
    proof: list[str] = Field(description="base64 hashes, leaf to root")
    checkpoint: str | None = Field(description="the signed checkpoint of tree_size (null when a size was asked for)")


class ConsistencyOut(BaseModel):
    first: int = Field(alias="from")
    second: int = Field(alias="to")
    proof: list[str] = Field(description="base64 hashes (RFC 9162 §2.1.4)")


class LogKeyOut(BaseModel):
    key: str = Field(description="verifier key text (C2SP vkey)")
    valid_from: str
    valid_until: str | None = Field(description="when the next key took over; null for the current key")


class MonitorOut(BaseModel):
    name: str = Field(description="the monitor's key name")
    verdict: str | None = Field(description="consistent or MISMATCH; null: the monitor has not reported")
    size: int = Field(description="the tree size the monitor replayed")
    checked_at: str | None = Field(description="when the monitor checked (RFC 3339 UTC)")
    detail: str = Field(description="what the monitor found")
    agrees: bool | None = Field(
        description="the monitor's root is this log's at that size (false: a split view; null: not reported, "
        "or the monitor is ahead of this log)"
    )


class LotInfoOut(BaseModel):
    lot_id: str
    kind: str = Field(description="plot_crop, harvest_lot, process_batch, packaged_product, case, pallet, ...")
    depth: int = Field(description="processing steps away")


class LineageOut(BaseModel):
    lot_id: str
    ancestors: list[LotInfoOut] | None = None
    descendants: list[LotInfoOut] | None = None


class ReachHoldOut(BaseModel):
    event_id: str = Field(description="the hold's or recall's event id (what a release names)")
    type: str = Field(description="hold or recall")
    lot: str = Field(description="the lot it was placed on: this one, or one it was made from")
    by: str = Field(description="the organisation that recorded it")
    on: str = Field(description="the day it occurred (UTC)")


class PartyOut(BaseModel):
    id: str
    name: str


class CustodianOut(BaseModel):
    party: str = Field(description="the party holding some of the lot (an actor, or an organisation)")
    organisation: PartyOut | None = Field(description="its organisation, as membership stands now")
    amount: float | None = Field(description="how much it holds, in the lot's unit (null for a plot's registrant)")


class TransitOut(BaseModel):
    from_: str = Field(alias="from")
    to: str
    carrier: str | None
    amount: float


class ReachedLotOut(BaseModel):
    lot_id: str
    kind: str = Field(description="plot_crop, harvest_lot, process_batch, packaged_product, case, pallet, ...")
    depth: int = Field(description="processing steps below the lot asked about (0: that lot)")
    unit: str | None = Field(description="kg or count (units): what custodians' amounts count")
    status: str | None = Field(description="recall or hold while one stands over the lot, else null")
    holds: list[ReachHoldOut]
    custodians: list[CustodianOut] | None = Field(
        description="who holds some of it now; null when withheld from this reader (README: Reads by role)"
    )
    in_transit: list[TransitOut] | None = Field(description="shipments under way; null when withheld")


class ReachOut(BaseModel):
    lot_id: str
    custodians_shown: bool = Field(description="whether this reader may see who holds each lot")
    lots: list[ReachedLotOut] = Field(description="the lot and every lot made from it, nearest first")


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    login: str = Field(description="the account's login name")
    password: str = Field(description="its password (sent only over HTTPS)")


class SessionOut(BaseModel):
    """A session: its cookie ``gt_session`` is set (Secure, HttpOnly, SameSite=Strict) and is never in a body."""

    login: str
    actor: str = Field(description="the actor this person acts as")
    expires_at: str = Field(description="RFC 3339 UTC")
    permissions: list[str] = Field(description="what the session may do")
    csrf_token: str | None = Field(
        default=None, description="only when logging in: send it as X-CSRF-Token with every unsafe request"
    )


class PasswordChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(description="the password now (a wrong one is a failed credential: 401)")
    new_password: str = Field(description="12 to 1024 characters, not the current one")


class SessionInfoOut(BaseModel):
    created_at: str = Field(description="RFC 3339 UTC: when it logged in")
    expires_at: str = Field(description="RFC 3339 UTC")
    current: bool = Field(description="whether it is the session asking")


class SessionsOut(BaseModel):
    """The account's live sessions, newest first (no secret: a session is named by nothing it could be used
    with)."""

    sessions: list[SessionInfoOut]


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    permissions: list[str] = Field(description="events:write, private:read, audit:read or admin")
    days: int = Field(default=90, ge=1, le=366, description="the token's lifetime")
    label: str = Field(default="", max_length=200, description="what the token is for")


class TokenOut(BaseModel):
    token_id: str = Field(description="16 hex digits: names the token (e.g. to revoke it); not a secret")
    token: str = Field(description="gt_<id>_<secret>: shown once, stored only as a hash; send as Bearer")
    actor: str
    permissions: list[str]
    days: int
    label: str


class AuditEntryOut(BaseModel):
    id: int = Field(description="the row's position in the audit trail (pass as `after` for the next page)")
    read_at: str
    actor: str
    org_id: str
    credential: str = Field(description="session, or token:<token id>")
    endpoint: str
    what: str = Field(description="private_members, findings, scan_signals, upstream_facts, reach_custodians or audit")
    lot_id: str | None
    event_ids: list[str] = Field(description="the events whose non-public data the read served")


class AuditOut(BaseModel):
    entries: list[AuditEntryOut]
    next_after: int | None = Field(description="the `after` of the next page; null on the last page")
