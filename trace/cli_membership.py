"""``ginseng-trace admin``: onboarding through membership events signed with the operator key (the trust anchor
in ``<data dir>/operator.key``). Each command prints one line per event it appended."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence

from .bootstrap import open_ledger
from .chain.keys import VerifierKey
from .cli_common import settings_of
from .events.membership import ROLES
from .service import Appended, NewActor, Services

Command = Callable[[argparse.Namespace], int]


def _print(appended: Sequence[Appended]) -> int:
    for one in appended:
        event = one.record.event
        payload = event.get("payload") or {}
        what = payload.get("actor") or payload.get("role") or payload.get("name") or ""
        state = "recorded" if one.created else "already recorded"
        print(f"{state}: {event['type']} {what} on {event['lot_id']} at log position {one.record.log_index}")
    return 0


def _ledger(args: argparse.Namespace) -> Services:
    return open_ledger(settings_of(args))


def cmd_org_add(args: argparse.Namespace) -> int:
    actors = [NewActor(VerifierKey.parse(k), kind=args.kind) for k in args.actor_key or []]
    return _print(
        _ledger(args).membership.enrol(
            args.org,
            args.name,
            args.role,
            args.lot_prefix,
            actors,
            gs1_company_prefixes=args.gs1_prefix or [],
            unified_social_credit_code=args.uscc,
            gln=args.gln,
            county=args.county,
            accreditations=args.accreditation,
            county_code=args.county_code,
        )
    )


def cmd_actor_add(args: argparse.Namespace) -> int:
    actor = NewActor(VerifierKey.parse(args.vkey), kind=args.kind, valid_until=args.valid_until)
    return _print(_ledger(args).membership.add_actor(args.org, actor))


def cmd_key_add(args: argparse.Namespace) -> int:
    return _print([_ledger(args).membership.add_key(VerifierKey.parse(args.vkey), args.valid_until)])


def cmd_key_revoke(args: argparse.Namespace) -> int:
    return _print([_ledger(args).membership.revoke_key(args.actor, args.key_id, args.reason)])


def cmd_change(args: argparse.Namespace) -> int:
    payload = {"role": args.role} if args.change in ("grant_role", "withdraw_role") else {}
    if getattr(args, "actor", None):
        payload["actor"] = args.actor
    if args.reason:
        payload["reason"] = args.reason
    return _print([_ledger(args).membership.change(args.org, args.change, payload)])


def cmd_orgs(args: argparse.Namespace) -> int:
    for org in _ledger(args).membership.organisations():
        state = " SUSPENDED" if org.suspended else ""
        actors = ", ".join(
            f"{name} ({len(m.keys)} key{'s' * (len(m.keys) != 1)}{', suspended' if m.suspended else ''})"
            for name, m in sorted(org.actors.items())
        )
        accredited = f"; accredited {', '.join(org.accreditations)}" if org.accreditations else ""
        lots = ", ".join(org.lot_prefixes) or "none"
        print(f"{org.org_id}{state}: {org.name}; roles {', '.join(org.roles)}; lots {lots}{accredited}")
        print(f"  actors: {actors or 'none'}")
    return 0


def cmd_anchor(args: argparse.Namespace) -> int:
    for key in _ledger(args).anchors:
        print(key.text())
    return 0


def add_commands(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], db: argparse.ArgumentParser
) -> argparse._SubParsersAction[argparse.ArgumentParser]:
    """Register ``admin`` and its membership subcommands on the top-level parser ``sub``; return its
    subcommands, for the account, token and held-key commands (``cli_admin``)."""
    admin = sub.add_parser(
        "admin", help="onboarding: organisations, actors, keys and roles (membership events); accounts, tokens"
    )
    cmds = admin.add_subparsers(dest="admin_command", required=True)

    p = cmds.add_parser("org", parents=[db], help="register an organisation (and its first actors)")
    p.add_argument("org", help="organisation id (its membership chain is the lot org:<id>)")
    p.add_argument("--name", required=True, help="registered name")
    p.add_argument("--role", action="append", required=True, choices=ROLES, help="a role (repeat for several)")
    p.add_argument(
        "--lot-prefix",
        action="append",
        default=[],
        help="a lot-id prefix it may create lots under (none for a lab or a regulator); disjoint from others'",
    )
    p.add_argument("--gs1-prefix", action="append", help="a GS1 company prefix for its GTINs")
    p.add_argument("--uscc", help="unified social credit code (统一社会信用代码)")
    p.add_argument("--gln", help="GS1 Global Location Number")
    p.add_argument("--county", help="county (县、市、区); with --county-code, the code's name exactly")
    p.add_argument("--county-code", help="the county's GB/T 2260 administrative division code (220621)")
    p.add_argument(
        "--accreditation", action="append", default=[], help="a lab's accreditation number (CMA, CNAS); repeatable"
    )
    p.add_argument("--actor-key", action="append", help="an actor's verifier key: registers the actor and the key")
    p.add_argument("--kind", choices=["person", "device"], default="person", help="kind of the --actor-key actors")
    p.set_defaults(run=cmd_org_add)

    p = cmds.add_parser("actor", parents=[db], help="register an actor of an organisation with its first key")
    p.add_argument("org")
    p.add_argument("vkey", help="the actor's verifier key (named by the actor id)")
    p.add_argument("--kind", choices=["person", "device"], default="person")
    p.add_argument("--valid-until", help="RFC 3339 UTC time the key expires")
    p.set_defaults(run=cmd_actor_add)

    p = cmds.add_parser("key", parents=[db], help="register another key of an actor")
    p.add_argument("vkey")
    p.add_argument("--valid-until", help="RFC 3339 UTC time the key expires")
    p.set_defaults(run=cmd_key_add)

    p = cmds.add_parser("revoke-key", parents=[db], help="revoke an actor's key: it signs nothing after this record")
    p.add_argument("actor")
    p.add_argument("key_id")
    p.add_argument("--reason", required=True)
    p.set_defaults(run=cmd_key_revoke)

    for change, text in (("grant_role", "grant a role"), ("withdraw_role", "withdraw a role")):
        p = cmds.add_parser(change.replace("_", "-"), parents=[db], help=f"{text} (of an organisation)")
        p.add_argument("org")
        p.add_argument("role", choices=ROLES)
        p.add_argument("--reason", required=change == "withdraw_role")
        p.set_defaults(run=cmd_change, change=change)

    for change, text in (("suspend", "suspend"), ("reinstate", "reinstate")):
        p = cmds.add_parser(change, parents=[db], help=f"{text} an organisation, or one of its actors")
        p.add_argument("org")
        p.add_argument("--actor", help="only this actor of the organisation")
        p.add_argument("--reason", required=True)
        p.set_defaults(run=cmd_change, change=change)

    p = cmds.add_parser("orgs", parents=[db], help="list the organisations with their roles and actors")
    p.set_defaults(run=cmd_orgs)

    p = cmds.add_parser("anchor", parents=[db], help="print the trust anchor's verifier key (give it to verifiers)")
    p.set_defaults(run=cmd_anchor)
    return cmds
