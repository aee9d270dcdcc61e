"""The reads-by-role policy (events.visibility), pure: who reads as whom, and what each may see."""

from __future__ import annotations

import dataclasses

from hypothesis import given
from hypothesis import strategies as st

from ginseng_trace.events.membership import ROLES, Member, Organisation
from ginseng_trace.events.visibility import (
    Farm,
    Reader,
    Recorded,
    has_interest,
    lots_of_interest,
    reader_of,
    reads_upstream,
    sees_finding,
    sees_private_members,
    sees_upstream,
    under_agreement,
)


def org(org_id: str, roles: list[str], *, suspended: bool = False, member_suspended: bool = False) -> Organisation:
    return Organisation(
        org_id, org_id, roles, [], suspended=suspended, actors={f"{org_id}-1": Member("person", member_suspended)}
    )


GROWER = Reader("farm-1", "farm", frozenset({"grower"}))
OTHER = Reader("other-farm-1", "other-farm", frozenset({"grower"}))
REGULATOR = Reader("mpa-1", "mpa", frozenset({"regulator"}))
WORKS = Reader("works-1", "works", frozenset({"processor"}))
PLOT = Recorded("PLOT-1", "plot-1", "farm")
HARVEST = Recorded("HV-1", "hv-1", "farm")
PROCESSED = Recorded("RG-1", "rg-1", "works")
SALE = Recorded("PK-1", "sale-1", "shop")
ANCHORED = Recorded("org:farm", "m-1", None)


def test_a_member_reads_as_its_organisation_unless_suspended() -> None:
    assert reader_of("farm-1", org("farm", ["grower"])) == GROWER
    assert reader_of("mpa-1", org("mpa", ["regulator"])) == REGULATOR
    assert reader_of("farm-1", None) is None  # no organisation (a trust anchor): as the public
    assert reader_of("farm-1", org("farm", ["grower"], suspended=True)) is None
    assert reader_of("farm-1", org("farm", ["grower"], member_suspended=True)) is None
    assert reader_of("stranger", org("farm", ["grower"])) is None  # not (or no longer) one of its actors
    assert reader_of("mpa-1", org("mpa", ["regulator"], suspended=True)) is None  # a suspended regulator too


def test_private_members_are_for_their_recorder_and_regulators_only() -> None:
    assert sees_private_members(GROWER, PLOT)
    assert sees_private_members(REGULATOR, PLOT)
    assert sees_private_members(REGULATOR, SALE)
    assert not sees_private_members(OTHER, PLOT)
    assert not sees_private_members(WORKS, PLOT)  # a partner downstream: not the grower's coordinates
    assert not sees_private_members(GROWER, SALE)  # nor the grower the shop's invoice
    assert not sees_private_members(None, PLOT)
    assert not sees_private_members(GROWER, ANCHORED)  # a record of no organisation is nobody's own data
    assert sees_private_members(REGULATOR, ANCHORED)
    demoted = dataclasses.replace(REGULATOR, roles=frozenset({"lab"}))
    assert not sees_private_members(demoted, PLOT)  # the role withdrawn: read time decides


def test_partners_see_what_lies_downstream_of_what_they_recorded() -> None:
    box = [PLOT, HARVEST, PROCESSED, SALE]  # the box's lineage: its records and its ancestors'
    harvest = [PLOT, HARVEST]
    assert has_interest(GROWER, box)
    assert has_interest(WORKS, box)
    assert not has_interest(WORKS, harvest)  # upstream of what the works touched
    assert not has_interest(OTHER, box)
    assert not has_interest(None, box)
    assert has_interest(REGULATOR, [])
    assert has_interest(REGULATOR, harvest)
    assert sees_finding(None, True, box)
    assert sees_finding(OTHER, True, [])
    assert not sees_finding(None, False, box)
    assert not sees_finding(OTHER, False, box)
    assert sees_finding(GROWER, False, box)
    lineages = {"PK-1": box, "HV-1": harvest, "PLOT-9": [Recorded("PLOT-9", "p9", "other-farm")]}
    assert lots_of_interest(WORKS, lineages) == {"PK-1"}
    assert lots_of_interest(GROWER, lineages) == {"PK-1", "HV-1"}
    assert lots_of_interest(OTHER, lineages) == {"PLOT-9"}
    assert lots_of_interest(REGULATOR, lineages) == set(lineages)
    assert lots_of_interest(None, lineages) == set()


def test_upstream_facts_are_for_the_processors_that_held_the_lot_and_for_regulators() -> None:
    held = {"works", "shop", None}  # who made or received the lot (None: a signer of no organisation)
    assert reads_upstream(WORKS)
    assert reads_upstream(REGULATOR)
    for nobody in (None, GROWER, OTHER):
        assert not reads_upstream(nobody)
        assert not sees_upstream(nobody, held)
    assert sees_upstream(WORKS, held)
    assert sees_upstream(REGULATOR, set())  # a regulator: any lot
    other_works = Reader("works-2-1", "works-2", frozenset({"processor"}))
    assert reads_upstream(other_works)
    assert not sees_upstream(other_works, held)  # a processor that never held it
    shop = Reader("shop-1", "shop", frozenset({"retailer"}))
    assert not sees_upstream(shop, held)  # held it, but not a processor
    assert not sees_upstream(dataclasses.replace(WORKS, roles=frozenset({"logistics"})), held)  # read time decides
    assert sees_upstream(dataclasses.replace(shop, roles=frozenset({"retailer", "processor"})), held)


COOP = Reader("coop-1", "coop", frozenset({"cooperative"}))
OTHER_COOP = Reader("coop-2-1", "coop-2", frozenset({"cooperative"}))
AGREED = Farm("PLOT-1", "farm", frozenset({"coop"}))  # the grower's plot, its owner agreed with coop
AGREED_HARVEST = Farm("HV-1", "farm", frozenset({"coop"}))
ENDED = Farm("PLOT-1", "farm", frozenset())  # the same plot once the agreement ended


def test_a_cooperative_reads_its_members_farm_lots_while_an_agreement_stands() -> None:
    assert under_agreement(COOP, AGREED)
    assert sees_private_members(COOP, PLOT, AGREED)
    assert sees_private_members(COOP, HARVEST, AGREED_HARVEST)
    assert not sees_private_members(COOP, PLOT)  # not a farm lot (or not known as one): as a partner
    assert not sees_private_members(COOP, PLOT, ENDED)  # the agreement ended: from that moment, not
    assert not sees_private_members(OTHER_COOP, PLOT, AGREED)  # another cooperative
    assert not sees_private_members(COOP, PLOT, AGREED_HARVEST)  # the farm named is another lot
    lab_on_plot = Recorded("PLOT-1", "soil-1", "lab")  # somebody else's record on the grower's plot
    assert not sees_private_members(COOP, lab_on_plot, AGREED)
    grower_as_coop = dataclasses.replace(GROWER, roles=frozenset({"grower"}))
    assert not under_agreement(grower_as_coop, Farm("PLOT-1", "farm", frozenset({"farm"})))
    demoted = dataclasses.replace(COOP, roles=frozenset({"retailer"}))
    assert not sees_private_members(demoted, PLOT, AGREED)  # the cooperative role withdrawn: read time decides
    assert not sees_private_members(None, PLOT, AGREED)
    assert not under_agreement(WORKS, Farm("PLOT-1", "farm", frozenset({"works"})))  # only a cooperative

    harvest = [PLOT, HARVEST]
    assert has_interest(COOP, harvest, AGREED_HARVEST)
    assert sees_finding(COOP, False, harvest, AGREED_HARVEST)
    assert not has_interest(COOP, harvest)
    assert not has_interest(COOP, harvest, Farm("HV-1", "farm", frozenset()))
    assert not has_interest(OTHER_COOP, harvest, AGREED_HARVEST)
    box = [PLOT, HARVEST, PROCESSED, SALE]
    lineages = {"HV-1": harvest, "PK-1": box}
    assert lots_of_interest(COOP, lineages, {"HV-1": AGREED_HARVEST}) == {"HV-1"}  # not the box made from it
    assert lots_of_interest(COOP, lineages) == set()


ORGS = st.sampled_from(["farm", "coop", "works", "mpa", "shop"])
READERS = st.builds(Reader, st.just("someone-1"), ORGS, st.frozensets(st.sampled_from(ROLES), max_size=3))
RECORDS = st.builds(Recorded, st.sampled_from(["PLOT-1", "HV-1", "PK-1"]), st.just("e1"), st.none() | ORGS)
FARMS = st.none() | st.builds(Farm, st.sampled_from(["PLOT-1", "HV-1"]), ORGS, st.frozensets(ORGS))


@given(READERS, RECORDS, FARMS, st.lists(RECORDS, max_size=4))
def test_an_agreement_only_ever_adds_a_cooperative_named_by_the_owner_and_only_the_owners_records(
    reader: Reader, record: Recorded, farm: Farm | None, lineage: list[Recorded]
) -> None:
    gained = sees_private_members(reader, record, farm) and not sees_private_members(reader, record)
    if gained:  # what the agreement added: the owner's own record on that very farm lot, to a named cooperative
        assert farm is not None
        assert reader.cooperative
        assert reader.org in farm.cooperatives
        assert reader.org != farm.owner
        assert (record.lot_id, record.org) == (farm.lot_id, farm.owner)
    if farm is None or not reader.cooperative or reader.org not in farm.cooperatives:
        assert sees_private_members(reader, record, farm) == sees_private_members(reader, record)
        assert has_interest(reader, lineage, farm) == has_interest(reader, lineage)
    assert not sees_private_members(None, record, farm)
    assert not has_interest(None, lineage, farm)
