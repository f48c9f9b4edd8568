"""`opsdb token create | list | revoke`: API tokens; the plaintext is shown once, only its hash is kept."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta

import anyio
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from opsdb.cli import EXIT_OK, EXIT_USAGE, positive_days
from opsdb.db import Database
from opsdb.errors import NotFoundError
from opsdb.local import resolve_dsn
from opsdb.schemas.access import ApiTokenCreate, UserCreate

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("token", help="create, list or revoke API tokens")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = actions.add_parser("create", help="issue a token and print its plaintext once")
    create.add_argument("--user", required=True, help="username of the token's owner")
    create.add_argument("--name", required=True, help="a label, unique per user")
    create.add_argument(
        "--scope", action="append", required=True, help="action:resource, wildcards allowed (repeatable)"
    )
    create.add_argument("--expires-in-days", type=positive_days, help="expiry (default: never)")
    create.add_argument("--create-user", action="store_true", help="create the user if it does not exist")
    create.set_defaults(run=_run, action="create")
    listing = actions.add_parser("list", help="list a user's tokens (never their hashes)")
    listing.add_argument("--user", required=True, help="username")
    listing.set_defaults(run=_run, action="list")
    revoke = actions.add_parser("revoke", help="revoke a token by id")
    revoke.add_argument("token_id", type=int)
    revoke.set_defaults(run=_run, action="revoke")


def _run(args: argparse.Namespace) -> int:
    try:
        return anyio.run(_dispatch, args)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            field = ".".join(str(p) for p in error["loc"])
            err_console.print(f"[red]error:[/] {field}: {error['msg']}")
        return EXIT_USAGE


async def _dispatch(args: argparse.Namespace) -> int:
    async with await Database.connect(resolve_dsn(), max_size=1) as db, db.transaction() as uow:
        if args.action == "revoke":
            token = await uow.tokens.revoke_token(args.token_id)
            console.print(f"revoked token {token.id} ({token.name}, {token.prefix}…)")
            return EXIT_OK
        try:
            user = await uow.users.get_user_by_username(args.user)
        except NotFoundError:
            if not (args.action == "create" and args.create_user):
                raise
            user = await uow.users.create_user(UserCreate(username=args.user))
        if args.action == "list":
            table = Table("id", "name", "prefix", "scopes", "active", "expires", "last used", "uses")
            for t in await uow.tokens.list_tokens_of_user(user.id):
                table.add_row(
                    str(t.id), t.name, t.prefix + "…", " ".join(t.scopes), "yes" if t.active else "no",
                    str(t.expires_at or "never"), str(t.last_used_at or "never"), str(t.usage_count),
                )  # fmt: skip
            console.print(table)
            return EXIT_OK
        expires = datetime.now(UTC) + timedelta(days=args.expires_in_days) if args.expires_in_days is not None else None
        issued = await uow.tokens.create_token(
            ApiTokenCreate(user_account_id=user.id, name=args.name, scopes=args.scope, expires_at=expires)
        )
        err_console.print(f"token {issued.token.id} for {user.username}; shown once, store it now:")
        print(issued.plaintext)
        return EXIT_OK
