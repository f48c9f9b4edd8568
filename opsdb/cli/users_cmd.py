"""`opsdb users ...` and `opsdb roles ...`: accounts, their roles, and the roles' permissions.

Argument parsing and printing only; accounts and roles are opsdb/repositories/users.py.
"""

from __future__ import annotations

import argparse
from typing import Any

from opsdb.cli.common import EXIT_OK, UsageError, add_command, add_json, positive_int, run_async


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    users = add_command(
        sub,
        "users",
        help="list, create, show, activate or deactivate users; grant or revoke their roles",
        examples=[
            "opsdb users list",
            "opsdb users create alice --email alice@example.org --role operator",
            "opsdb users grant alice admin",
            "opsdb users deactivate bob",
        ],
    )
    actions = users.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = add_command(actions, "list", help="users with their roles", examples=["opsdb users list --inactive"])
    group = listing.add_mutually_exclusive_group()
    group.add_argument("--active", dest="active", action="store_const", const=True, help="only active users")
    group.add_argument("--inactive", dest="active", action="store_const", const=False, help="only inactive users")
    listing.add_argument("--limit", type=positive_int, default=1000, help="at most this many (default 1000)")
    add_json(listing)
    listing.set_defaults(run=_run, what="users")
    create = add_command(
        actions, "create", help="create a user", examples=["opsdb users create alice --display-name 'Alice A.'"]
    )
    create.add_argument("username")
    create.add_argument("--email")
    create.add_argument("--display-name")
    create.add_argument("--role", action="append", default=[], help="grant this role too (repeatable)")
    add_json(create)
    create.set_defaults(run=_run, what="create")
    for name, text in (
        ("show", "a user with roles and effective permissions"),
        ("activate", "let a user (and their tokens) in again"),
        ("deactivate", "lock a user out (their tokens stop working)"),
    ):
        action = add_command(actions, name, help=text, examples=[f"opsdb users {name} alice"])
        action.add_argument("username")
        add_json(action)
        action.set_defaults(run=_run, what=name)
    for name, text in (("grant", "give a user a role"), ("revoke", "take a role from a user")):
        action = add_command(actions, name, help=text, examples=[f"opsdb users {name} alice operator"])
        action.add_argument("username")
        action.add_argument("role")
        action.set_defaults(run=_run, what=name, json=False)

    roles = add_command(
        sub,
        "roles",
        help="list or create roles; permit or forbid them permissions",
        examples=["opsdb roles list", "opsdb roles create night_shift", "opsdb roles permit night_shift read:*"],
    )
    ractions = roles.add_subparsers(dest="action", required=True, metavar="ACTION")
    rlist = add_command(ractions, "list", help="roles with permissions and user counts", examples=["opsdb roles list"])
    add_json(rlist)
    rlist.set_defaults(run=_run, what="roles")
    rcreate = add_command(ractions, "create", help="create a role", examples=["opsdb roles create night_shift"])
    rcreate.add_argument("name")
    rcreate.add_argument("--description")
    rcreate.set_defaults(run=_run, what="role_create", json=False)
    for name, text in (("permit", "grant a permission to a role"), ("forbid", "withdraw a permission from a role")):
        action = add_command(ractions, name, help=text, examples=[f"opsdb roles {name} night_shift read:files"])
        action.add_argument("role")
        action.add_argument("permission", help="an existing permission (ACTION:RESOURCE)")
        action.set_defaults(run=_run, what=name, json=False)


def _run(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from opsdb.cli.output import print_json, stdout, table
    from opsdb.cli.target import resolve

    target = resolve(args)
    try:
        columns, rows, message = run_async(_dispatch, target.dsn, args)
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        raise UsageError(f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}") from None
    if message:
        stdout().print(message, markup=False)
    elif args.json:
        print_json(rows[0] if args.what in ("create", "show", "activate", "deactivate") else rows)
    elif args.what == "show":
        stdout().print(table(None, ("field", "value"), rows[0].items()))
    else:
        stdout().print(table(None, columns, ([r.get(c) for c in columns] for r in rows)))
    return EXIT_OK


def _join(values: Any) -> str:
    return " ".join(values or [])


async def _dispatch(dsn: str, args: argparse.Namespace) -> tuple[tuple[str, ...], list[dict[str, Any]], str]:
    from opsdb.db import Database
    from opsdb.queries import query
    from opsdb.schemas.access import RoleCreate, UserCreate, UserUpdate

    what = args.what
    async with await Database.connect(dsn, max_size=1) as db, db.transaction() as uow:
        if what == "users":
            rows = [dict(r) for r in await uow.conn.fetch(query("cli_list_users"), args.active, args.limit)]
            for r in rows:
                r["roles"] = _join(r["roles"]) if not args.json else list(r["roles"])
            return ("id", "username", "display_name", "email", "active", "roles"), rows, ""
        if what == "roles":
            rows = [dict(r) for r in await uow.conn.fetch(query("cli_list_roles"))]
            for r in rows:
                r["permissions"] = _join(r["permissions"]) if not args.json else list(r["permissions"])
            return ("id", "name", "description", "permissions", "users"), rows, ""
        if what == "role_create":
            role = await uow.users.create_role(RoleCreate(name=args.name, description=args.description))
            return (), [], f"created role {role.name} ({role.id})"
        if what in ("permit", "forbid"):
            role = await uow.users.get_role_by_name(args.role)
            permission = await uow.users.get_permission_by_name(args.permission)
            if what == "permit":
                changed = await uow.users.grant_permission(role.id, permission.id)
                return (), [], f"role {role.name} {'now has' if changed else 'already had'} {permission.name}"
            changed = await uow.users.revoke_permission(role.id, permission.id)
            return (), [], f"role {role.name} {'no longer has' if changed else 'did not have'} {permission.name}"
        if what == "create":
            user = await uow.users.create_user(
                UserCreate(username=args.username, email=args.email, display_name=args.display_name)
            )
            for name in args.role:
                await uow.users.grant_role(user.id, (await uow.users.get_role_by_name(name)).id)
            row = user.model_dump(mode="json") | {"roles": sorted(args.role)}
            if args.json:
                return (), [row], ""
            return (
                (),
                [],
                f"created user {user.username} ({user.id})"
                + (f" with roles {', '.join(sorted(args.role))}" if args.role else ""),
            )
        user = await uow.users.get_user_by_username(args.username)
        if what in ("grant", "revoke"):
            role = await uow.users.get_role_by_name(args.role)
            if what == "grant":
                changed = await uow.users.grant_role(user.id, role.id)
                return (), [], f"{user.username} {'now has' if changed else 'already had'} role {role.name}"
            changed = await uow.users.revoke_role(user.id, role.id)
            return (), [], f"{user.username} {'no longer has' if changed else 'did not have'} role {role.name}"
        if what in ("activate", "deactivate"):
            user = await uow.users.update_user(user.id, UserUpdate(active=what == "activate"))
            if not args.json:
                return (), [], f"{user.username} is now {'active' if user.active else 'inactive'}"
        roles = [r.name for r in await uow.users.roles_of_user(user.id)]
        permissions = sorted(await uow.users.permissions_of_user(user.id))
        row = user.model_dump(mode="json") | {"roles": roles, "permissions": permissions}
        if not args.json:
            row = row | {"roles": _join(roles), "permissions": _join(permissions)}
        return (), [row], ""
