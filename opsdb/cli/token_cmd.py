"""`opsdb token create | list | revoke`: API tokens; the plaintext is shown once, only its hash is kept.

Argument parsing and printing only; tokens are opsdb/repositories/tokens.py.
"""

from __future__ import annotations

import argparse
import re

from opsdb.cli.common import EXIT_OK, UsageError, add_command, add_json, positive_days, positive_int, run_async

_SCOPE = re.compile(r"^([a-z][a-z_]*|\*):([a-z][a-z_]*|\*)$")


def scope(text: str) -> str:
    """argparse type: a scope `action:resource` (either part may be `*`)."""
    if not _SCOPE.match(text):
        raise argparse.ArgumentTypeError(f"not an ACTION:RESOURCE scope: {text!r} (e.g. read:*, write:files)")
    return text


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(
        sub,
        "token",
        help="create, list or revoke API tokens",
        examples=[
            "opsdb token create --user alice --name laptop --scope read:* --create-user",
            "opsdb token list --user alice",
            "opsdb token revoke 3",
        ],
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = add_command(
        actions,
        "create",
        help="issue a token and print its plaintext once",
        examples=["opsdb token create --user alice --name laptop --scope read:file --scope write:execution"],
    )
    create.add_argument("--user", required=True, help="username of the token's owner")
    create.add_argument("--name", required=True, help="a label, unique per user")
    create.add_argument(
        "--scope", action="append", type=scope, required=True, help="ACTION:RESOURCE, '*' allowed (repeatable)"
    )
    create.add_argument("--expires-in-days", type=positive_days, help="expiry (default: never)")
    create.add_argument("--create-user", action="store_true", help="create the user if it does not exist")
    create.set_defaults(run=_run, action="create")
    listing = add_command(
        actions, "list", help="list a user's tokens (never their hashes)", examples=["opsdb token list --user alice"]
    )
    listing.add_argument("--user", required=True, help="username")
    add_json(listing)
    listing.set_defaults(run=_run, action="list")
    revoke = add_command(actions, "revoke", help="revoke a token by id", examples=["opsdb token revoke 3"])
    revoke.add_argument("token_id", type=positive_int)
    revoke.set_defaults(run=_run, action="revoke")


def _run(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from opsdb.cli.target import resolve

    target = resolve(args)
    try:
        result: int = run_async(_dispatch, target.dsn, args)
        return result
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        field = ".".join(str(p) for p in error["loc"])
        raise UsageError(f"{field}: {error['msg']}") from None


async def _dispatch(dsn: str, args: argparse.Namespace) -> int:
    from datetime import UTC, datetime, timedelta

    from opsdb.cli.output import print_json, stderr, stdout, table
    from opsdb.db import Database
    from opsdb.errors import NotFoundError
    from opsdb.schemas.access import ApiTokenCreate, UserCreate

    async with await Database.connect(dsn, max_size=1) as db, db.transaction() as uow:
        if args.action == "revoke":
            token = await uow.tokens.revoke_token(args.token_id)
            stdout().print(f"revoked token {token.id} ({token.name}, {token.prefix}…)", markup=False)
            return EXIT_OK
        try:
            user = await uow.users.get_user_by_username(args.user)
        except NotFoundError:
            if not (args.action == "create" and args.create_user):
                raise
            user = await uow.users.create_user(UserCreate(username=args.user))
        if args.action == "list":
            tokens = await uow.tokens.list_tokens_of_user(user.id)
            if args.json:
                print_json([t.model_dump(mode="json") for t in tokens])
                return EXIT_OK
            stdout().print(
                table(
                    None,
                    ("id", "name", "prefix", "scopes", "active", "expires", "last used", "uses"),
                    (
                        (
                            t.id,
                            t.name,
                            t.prefix + "…",
                            " ".join(t.scopes),
                            t.active,
                            t.expires_at or "never",
                            t.last_used_at or "never",
                            t.usage_count,
                        )
                        for t in tokens
                    ),
                )
            )
            return EXIT_OK
        from opsdb.auth import grant_covers

        known = [p.name for p in await uow.users.list_permissions()]
        for wanted in args.scope:
            if not any(grant_covers(wanted, permission) for permission in known):
                raise UsageError(
                    f"scope {wanted!r} covers no permission; known permissions: {', '.join(sorted(known))}"
                )
        expires = datetime.now(UTC) + timedelta(days=args.expires_in_days) if args.expires_in_days is not None else None
        issued = await uow.tokens.create_token(
            ApiTokenCreate(user_account_id=user.id, name=args.name, scopes=args.scope, expires_at=expires)
        )
        stderr().print(f"token {issued.token.id} for {user.username}; shown once, store it now:", markup=False)
        print(issued.plaintext)
        return EXIT_OK
