"""Who may sign (organisations, actors, keys, roles) lives in ``ginseng_trace.chain.membership``, where the
verifiers and the monitor reach it without the domain's rules; the rules import it from here."""

from ..chain.membership import (
    AGREEMENT_TYPES,
    ANCHOR_ROLES,
    MEMBERSHIP_TYPES,
    ORG_LOT_PREFIX,
    ROLES,
    KeyGrant,
    Member,
    Membership,
    Organisation,
    Signer,
    agreement_parties,
    org_lot,
    org_of_lot,
)

__all__ = [
    "AGREEMENT_TYPES",
    "ANCHOR_ROLES",
    "MEMBERSHIP_TYPES",
    "ORG_LOT_PREFIX",
    "ROLES",
    "KeyGrant",
    "Member",
    "Membership",
    "Organisation",
    "Signer",
    "agreement_parties",
    "org_lot",
    "org_of_lot",
]
