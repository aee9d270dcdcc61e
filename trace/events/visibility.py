"""Reads by role: what a reader may see of the ledger beyond the public page. Pure.

The reader is an organisation as membership stands at read time (:class:`Reader`), or None for the public:
anyone without credentials, an actor of no organisation (a trust anchor), and an actor whose organisation or
whose own membership is suspended (:func:`reader_of`). The rules (README "Reads by role", after the roles
table of ``docs/DOMAIN.md`` §Roles):

1. **The public** sees the public history and the public page, the findings whose rule is public
   (``schemas/rules.yaml`` ``public: true``), and of the scan signals only counts.
2. **A regulator** (an organisation holding the role ``regulator``) sees everything: every event's private
   members in plain text, every finding, every label's scan signals.
3. **The recording organisation** of an event (the organisation of the actor that signed it) sees that
   event's private members: its own data. Nobody else but a regulator does.
4. **A partner** (any other member organisation) sees, beyond the public, the non-public findings and the
   scan signals of a lot *in whose lineage it recorded something*: the lot itself or a lot it was made from,
   transitively. A grower thus sees what was found downstream of its harvests ("where own lots went"), a
   processor what was found in its batches and the boxes made from them, but not findings upstream of
   what it touched, and never another organisation's private members.
5. **A processor** (an organisation holding the role ``processor``) that holds or held custody of a lot (it
   recorded the event that made the lot, or received it: :data:`HOLDING_TYPES`) may also read the lot's
   *upstream compliance facts* (``events.compliance``): for its whole lineage, root age, county, harvest year,
   pre-harvest-interval pass, certifications and test results, never coordinates, names or prices. A
   regulator may read them for any lot (:func:`sees_upstream`).
6. **A cooperative** (an organisation holding the role ``cooperative``) that a grower's standing agreement
   names (``agree_cooperative`` on the grower's membership chain, until an ``end_cooperative``: membership at
   read time) reads the grower's *farm lots* (:class:`Farm`: the plots the grower registered and the lots
   harvested from them) as the grower would: the private members of the grower's own records on them, and
   their non-public findings. Nothing downstream of a harvest, and nobody else's records, come with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .membership import Organisation

REGULATOR_ROLES = frozenset({"regulator"})
PROCESSOR_ROLES = frozenset({"processor"})
COOPERATIVE_ROLES = frozenset({"cooperative"})
HOLDING_TYPES = frozenset({"harvest", "process", "package", "aggregate", "split", "receive"})
"""The events by which the recording organisation comes to hold a lot: it made the lot, or received it."""
FARM_TYPES = frozenset({"register_plot", "harvest"})
"""The events that make a farm lot (:class:`Farm`): a plot, and a harvest from one."""


@dataclass(frozen=True)
class Reader:
    """A member organisation reading, through one of its actors."""

    actor: str
    org: str
    roles: frozenset[str]

    @property
    def regulator(self) -> bool:
        return not self.roles.isdisjoint(REGULATOR_ROLES)

    @property
    def processor(self) -> bool:
        return not self.roles.isdisjoint(PROCESSOR_ROLES)

    @property
    def cooperative(self) -> bool:
        return not self.roles.isdisjoint(COOPERATIVE_ROLES)


@dataclass(frozen=True)
class Recorded:
    """One record as the policy sees it: its lot, its event id and the organisation that recorded it (None: a
    trust anchor, or an actor of no registered organisation)."""

    lot_id: str
    event_id: str
    org: str | None


@dataclass(frozen=True)
class Farm:
    """A farm lot (made by one of :data:`FARM_TYPES`) as the policy sees it: its ``owner``, the organisation
    that made it, and the cooperatives the owner's standing agreements name, as membership stands now."""

    lot_id: str
    owner: str
    cooperatives: frozenset[str]


def reader_of(actor: str, org: Organisation | None) -> Reader | None:
    """The reader an authenticated ``actor`` is, as membership stands now (``org``: its organisation, or
    None): None, reading like the public, when it has no organisation or it or its organisation is
    suspended."""
    if org is None or org.suspended:
        return None
    member = org.actors.get(actor)
    if member is None or member.suspended:
        return None
    return Reader(actor, org.org_id, frozenset(org.roles))


def under_agreement(reader: Reader | None, farm: Farm | None) -> bool:
    """Whether ``reader`` is a cooperative that the owner of the farm lot ``farm`` (None: not a farm lot) has
    a standing agreement with (rule 6)."""
    if reader is None or farm is None or not reader.cooperative:
        return False
    return reader.org != farm.owner and reader.org in farm.cooperatives


def sees_private_members(reader: Reader | None, record: Recorded, farm: Farm | None = None) -> bool:
    """Whether ``reader`` may read the plain text of ``record``'s private members (rules 2, 3 and 6; ``farm``:
    the record's lot, if it is a farm lot)."""
    if reader is None:
        return False
    if reader.regulator or (record.org is not None and record.org == reader.org):
        return True
    owners = farm is not None and farm.lot_id == record.lot_id and record.org == farm.owner
    return owners and under_agreement(reader, farm)


def has_interest(reader: Reader | None, lineage: Iterable[Recorded], farm: Farm | None = None) -> bool:
    """Whether ``reader`` recorded something in ``lineage`` (the records of a lot and of every lot it was
    made from), is a regulator, or reads the lot (``farm``, if it is a farm lot) under an agreement (rules 2,
    4 and 6)."""
    if reader is None:
        return False
    return reader.regulator or any(r.org == reader.org for r in lineage) or under_agreement(reader, farm)


def sees_finding(reader: Reader | None, public: bool, lineage: Iterable[Recorded], farm: Farm | None = None) -> bool:
    """Whether ``reader`` may see a finding (``public``: its rule's setting) on a lot with ``lineage`` (and
    ``farm``, if the lot is a farm lot)."""
    return public or has_interest(reader, lineage, farm)


def lots_of_interest(
    reader: Reader | None, lineages: Mapping[str, Iterable[Recorded]], farms: Mapping[str, Farm] | None = None
) -> set[str]:
    """The lots (keys of ``lineages``, each with its lineage's records; ``farms``: those that are farm lots)
    whose non-public findings and scan signals ``reader`` may see."""
    farms = farms or {}
    return {lot for lot, lineage in lineages.items() if has_interest(reader, lineage, farms.get(lot))}


def reads_upstream(reader: Reader | None) -> bool:
    """Whether ``reader`` may ask for any lot's upstream compliance facts at all: a regulator, or a processor
    (which then needs :func:`sees_upstream` for the lot)."""
    return reader is not None and (reader.regulator or reader.processor)


def sees_upstream(reader: Reader | None, holders: Iterable[str | None]) -> bool:
    """Whether ``reader`` may read the upstream compliance facts of a lot that ``holders`` held (the
    organisations that recorded one of :data:`HOLDING_TYPES` on it): a regulator, or a processor among them
    (rule 5)."""
    if reader is None:
        return False
    return reader.regulator or (reader.processor and reader.org in set(holders))
