"""``ginseng-trace admin``: accounts, API tokens and server-held keys, for the operator on the server.

Registered by :func:`ginseng_trace.cli.parser` (``add_admin``); errors reach ``cli.main``'s one mapping.
A password is read from standard input (its first line) or, at a terminal, prompted for twice; it is never
an argument (arguments are visible to every user of the machine in the process list). A token's secret is
printed once, to standard output, and is not kept.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from datetime import timedelta

from .chain.errors import Error
from .service import Permission, Services

Opener = Callable[[argparse.Namespace], Services]


def _password() -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise Error("the two passwords differ")
    return first


def add_admin(
    groups: argparse._SubParsersAction[argparse.ArgumentParser], db: argparse.ArgumentParser, ledger: Opener
) -> None:
    """Add ``account|token|held-key`` to the ``admin`` command's subcommands (accounts, API tokens and
    server-held keys, on the server); ``ledger`` opens the services."""
    account = groups.add_parser("account", help="people's accounts").add_subparsers(dest="what", required=True)
    p = account.add_parser("create", parents=[db], help="create an account (password from stdin or a prompt)")
    p.add_argument("login")
    p.add_argument("--actor", required=True, help="the actor id the person acts as")
    p.set_defaults(run=_closing(ledger, _create_account))

    token = groups.add_parser("token", help="API tokens").add_subparsers(dest="what", required=True)
    p = token.add_parser("issue", parents=[db], help="issue an API token for an actor; prints the secret once")
    p.add_argument("actor")
    p.add_argument(
        "--permission", action="append", required=True, choices=[x.value for x in Permission], help="repeatable"
    )
    p.add_argument("--days", type=int, default=90, help="lifetime in days (default 90, at most 366)")
    p.add_argument("--label", default="", help="what the token is for")
    p.set_defaults(run=_closing(ledger, _issue_token))
    p = token.add_parser("revoke", parents=[db], help="revoke an API token by its id")
    p.add_argument("token_id")
    p.set_defaults(run=_closing(ledger, _revoke_token))

    held = groups.add_parser("held-key", help="server-held actor keys").add_subparsers(dest="what", required=True)
    p = held.add_parser("create", parents=[db], help="make a key the server holds; prints the verifier key")
    p.add_argument("actor")
    p.set_defaults(run=_closing(ledger, _create_held_key))


def _closing(ledger: Opener, command: Callable[[Services, argparse.Namespace], int]) -> Callable[..., int]:
    """``command`` over services opened for its arguments and closed after it."""

    def run(args: argparse.Namespace) -> int:
        services = ledger(args)
        try:
            return command(services, args)
        finally:
            services.close()
            services.store.close()

    return run


def _create_account(services: Services, args: argparse.Namespace) -> int:
    account = services.accounts.create(args.login, args.actor, _password())
    print(f"account {account.login} created, acting as {account.actor}")
    return 0


def _issue_token(services: Services, args: argparse.Namespace) -> int:
    token_id, token = services.tokens.issue(args.actor, args.permission, timedelta(days=args.days), args.label)
    print(token)
    print(f"token {token_id} for {args.actor}: shown once, keep it secret", file=sys.stderr)
    return 0


def _revoke_token(services: Services, args: argparse.Namespace) -> int:
    services.tokens.revoke(args.token_id)
    print(f"revoked: token {args.token_id}")
    return 0


def _create_held_key(services: Services, args: argparse.Namespace) -> int:
    verifier = services.held_keys.create(args.actor)
    print(verifier.text())
    print("register it: ginseng-trace register-key '<the key above>'", file=sys.stderr)
    return 0
