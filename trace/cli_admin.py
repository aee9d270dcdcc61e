"""``ginseng-trace admin``: accounts, API tokens and server-held keys, for the operator on the server.

Registered by :func:`ginseng_trace.cli.parser` (``add_admin``); errors reach ``cli.main``'s one mapping
(one line on standard error, exit 2).
A password is read from standard input (its first line) or, at a terminal, prompted for twice; it is never
an argument (arguments are visible to every user of the machine in the process list). A token's secret is
printed once, to standard output, and is not kept.

Disabling an account ends its sessions and revokes the tokens its sessions issued; the operator's own tokens
for the account's actor are named on standard error, for the operator to revoke (a token belongs to an actor,
which may have other accounts and programs).
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
    p = account.add_parser("list", parents=[db], help="every account: its actor, whether disabled, live sessions")
    p.set_defaults(run=_closing(ledger, _list_accounts))
    p = account.add_parser(
        "disable", parents=[db], help="stop an account: no login, its sessions end, the tokens it issued are revoked"
    )
    p.add_argument("login")
    p.set_defaults(run=_closing(ledger, _disable_account))
    p = account.add_parser("enable", parents=[db], help="let a disabled account log in again")
    p.add_argument("login")
    p.set_defaults(run=_closing(ledger, _enable_account))
    p = account.add_parser(
        "password", parents=[db], help="set an account's password (from stdin or a prompt); its sessions end"
    )
    p.add_argument("login")
    p.set_defaults(run=_closing(ledger, _reset_password))

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
    p = token.add_parser("list", parents=[db], help="an actor's live API tokens (ids, never secrets)")
    p.add_argument("actor")
    p.set_defaults(run=_closing(ledger, _list_tokens))

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


def _list_accounts(services: Services, args: argparse.Namespace) -> int:
    for account in services.accounts.states():
        state = f"disabled since {account.disabled_at}" if account.disabled_at else "enabled"
        print(f"{account.login}: acting as {account.actor}; {state}; {_count(account.live_sessions, 'live session')}")
    return 0


def _count(n: int, what: str) -> str:
    return f"{n} {what}" + ("" if n == 1 else "s")


def _disable_account(services: Services, args: argparse.Namespace) -> int:
    change = services.accounts.disable(args.login)
    done = "disabled" if change.changed else f"was already disabled (since {change.disabled_at})"
    ended = _count(change.sessions_ended, "session")
    print(f"account {change.login} {done}: {ended} ended, {_count(change.tokens_revoked, 'token')} it issued revoked")
    if change.other_tokens:
        print(
            f"{change.actor} still has {_count(len(change.other_tokens), 'live token')} this account did not issue"
            f" (the operator's, or another account's): {', '.join(change.other_tokens)}; revoke with"
            " ginseng-trace admin token revoke TOKEN_ID",
            file=sys.stderr,
        )
    return 0


def _enable_account(services: Services, args: argparse.Namespace) -> int:
    change = services.accounts.enable(args.login)
    if change.changed:
        print(f"account {change.login} enabled: it can log in again (ended sessions and revoked tokens stay so)")
    else:
        print(f"account {change.login} was not disabled")
    return 0


def _reset_password(services: Services, args: argparse.Namespace) -> int:
    change = services.accounts.reset_password(args.login, _password())
    still = " (the account stays disabled)" if change.disabled_at else ""
    print(f"password of {change.login} set: {_count(change.sessions_ended, 'session')} ended{still}")
    return 0


def _list_tokens(services: Services, args: argparse.Namespace) -> int:
    for t in services.tokens.live(args.actor):
        by = (
            f"issued by account {t.issued_by}"
            if t.issued_by
            else "issued by the operator (or before issuers were kept)"
        )
        label = f" ({t.label})" if t.label else ""
        print(f"{t.token_id}{label}: {', '.join(t.permissions)}; {by} at {t.created_at}; expires {t.expires_at}")
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
