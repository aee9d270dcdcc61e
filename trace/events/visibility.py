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

Roles the table names but this policy does not yet distinguish (a cooperative's members' plots under
agreement) read as partners.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .membership import Organisation

REGULATOR_ROLES = frozenset({"regulator"})
PROCESSOR_ROLES = frozenset({"processor"})
HOLDING_TYPES = frozenset({"harvest", "process", "package", "aggregate", "receive"})
"""The events by which the recording organisation comes to hold a lot: it made the lot, or received it."""


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


@dataclass(frozen=True)
class Recorded:
    """One record as the policy sees it: its lot, its event id and the organisation that recorded it (None: a
    trust anchor, or an actor of no registered organisation)."""

    lot_id: str
    event_id: str
    org: str | None


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


def sees_private_members(reader: Reader | None, record: Recorded) -> bool:
    """Whether ``reader`` may read the plain text of ``record``'s private members (rules 2 and 3)."""
    if reader is None:
        return False
    return reader.regulator or (record.org is not None and record.org == reader.org)


def has_interest(reader: Reader | None, lineage: Iterable[Recorded]) -> bool:
    """Whether ``reader`` recorded something in ``lineage`` (the records of a lot and of every lot it was
    made from), or is a regulator (rules 2 and 4)."""
    if reader is None:
        return False
    return reader.regulator or any(r.org == reader.org for r in lineage)


def sees_finding(reader: Reader | None, public: bool, lineage: Iterable[Recorded]) -> bool:
    """Whether ``reader`` may see a finding (``public``: its rule's setting) on a lot with ``lineage``."""
    return public or has_interest(reader, lineage)


def lots_of_interest(reader: Reader | None, lineages: Mapping[str, Iterable[Recorded]]) -> set[str]:
    """The lots (keys of ``lineages``, each with its lineage's records) whose non-public findings and scan
    signals ``reader`` may see."""
    return {lot for lot, lineage in lineages.items() if has_interest(reader, lineage)}


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
