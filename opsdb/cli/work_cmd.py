"""`opsdb work list | show | retry | reset | cancel`: operator controls for failed or stuck work.

Argument parsing and printing only; the guarded actions are opsdb/operations.py.
"""

from __future__ import annotations

import argparse
from typing import Any

from opsdb.cli.common import (
    EXIT_OK,
    EXIT_PROBLEMS,
    Interrupted,
    UsageError,
    add_command,
    add_json,
    add_yes,
    age,
    confirm,
    positive_int,
    run_async,
)

KINDS = (
    "raw_data_package_build",
    "data_transfer_package_build",
    "data_transfer",
    "data_transfer_unpack",
    "long_term_archive_transfer",
    "staging_job",
    "physical_copy_deletion",
)
"""= opsdb.work.WorkKind values (not imported: keeps --help fast)."""
STATES = ("queued", "running", "failed", "done", "expired")
_DEFAULT_STATE = {"retry": "failed", "reset": "expired", "cancel": "queued"}


def _filters(parser: argparse.ArgumentParser, *, states_default: str) -> None:
    parser.add_argument(
        "--state",
        action="append",
        choices=STATES,
        help=f"queued, running, failed, done or expired (running past its lease); repeatable "
        f"(default {states_default})",
    )
    parser.add_argument("--site", help="only items at this site (short name)")
    parser.add_argument("--location", metavar="SITE/LOCATION", help="only items at this location")
    parser.add_argument("--older-than", type=age, metavar="AGE", help="unchanged for at least AGE (90s, 15m, 2h, 3d)")
    parser.add_argument(
        "--limit", type=positive_int, default=100, help="at most this many items per kind (default 100)"
    )


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(
        sub,
        "work",
        help="list, show, retry, reset or cancel work items (guarded, recorded with actor and reason)",
        examples=[
            "opsdb work list --state failed",
            "opsdb work show data_transfer 17",
            "opsdb work retry data_transfer 17 --reason 'link back up'",
            "opsdb work reset physical_copy_deletion --older-than 1h --reason 'worker host died' --yes",
        ],
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = add_command(
        actions,
        "list",
        help="work items by kind, state, site, location and age",
        examples=["opsdb work list", "opsdb work list --kind data_transfer --state failed --site ccat --json"],
    )
    listing.add_argument("--kind", action="append", choices=KINDS, help="only this kind (repeatable; default all)")
    _filters(listing, states_default="queued, running, failed")
    add_json(listing)
    listing.set_defaults(run=_run)
    show = add_command(
        actions, "show", help="one item with its operator actions", examples=["opsdb work show data_transfer 17"]
    )
    show.add_argument("kind", choices=KINDS)
    show.add_argument("id", type=positive_int)
    add_json(show)
    show.set_defaults(run=_run)
    for name, text in (
        ("retry", "failed items back to pending with fresh attempts (or waiting ones due now)"),
        ("reset", "items whose worker's lease ran out back to pending (the late completion is refused)"),
        ("cancel", "jobs not running fail for good; scheduled or failed deletions are withdrawn"),
    ):
        action = add_command(
            actions,
            name,
            help=text,
            description=f"{text}. Give item ids, or filters choosing the items (default state "
            f"{_DEFAULT_STATE[name]}); more than one item asks first. Every change is guarded by the item's state "
            "and recorded with actor and reason.",
            examples=[
                f"opsdb work {name} data_transfer 17 18 --reason 'link back up'",
                f"opsdb work {name} raw_data_package_build --site ccat --reason 'disk replaced' --yes",
            ],
        )
        action.add_argument("kind", choices=KINDS)
        action.add_argument("ids", nargs="*", type=positive_int, metavar="ID", help="item ids (default: by filters)")
        action.add_argument("--reason", required=True, help="why (recorded)")
        action.add_argument("--actor", help="who (recorded; default: your login name)")
        _filters(action, states_default=_DEFAULT_STATE[name])
        add_yes(action)
        add_json(action)
        action.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    from opsdb.cli.target import resolve

    target = resolve(args)
    result: int = run_async(_dispatch, target.dsn, args, target.label)
    return result


async def _location_id(conn: Any, text: str | None) -> int | None:
    if text is None:
        return None
    from opsdb.repositories.sites import SiteRepository

    site, _, name = text.partition("/")
    if not site or not name:
        raise UsageError("--location must be SITE/LOCATION, e.g. ccat/buffer")
    location = await SiteRepository(conn).get_location_by_name(site, name)
    return int(location.id)


async def _select(conn: Any, args: argparse.Namespace, kinds: list[Any], default: list[str]) -> list[dict[str, Any]]:
    from opsdb.operations import list_work

    location_id = await _location_id(conn, args.location)
    states: Any = args.state or default
    if "expired" in states and len(states) > 1:
        raise UsageError("--state expired cannot be combined with other states")
    found: list[dict[str, Any]] = []
    for kind in kinds:
        found += await list_work(
            conn, kind, states=states, site=args.site, location_id=location_id,
            older_than_seconds=args.older_than, limit=args.limit,
        )  # fmt: skip
    return found


async def _dispatch(dsn: str, args: argparse.Namespace, label: str) -> int:
    import getpass

    from opsdb import operations
    from opsdb.cli.output import duration, print_json, stdout, table
    from opsdb.db import Database
    from opsdb.errors import InvalidTransitionError, NotFoundError
    from opsdb.work import WorkKind, get

    out = stdout()
    async with await Database.connect(dsn, max_size=1) as db, db.connection() as conn:
        if args.action == "list":
            kinds = [WorkKind(k) for k in (args.kind or KINDS)]
            rows = await _select(conn, args, kinds, ["queued", "running", "failed"])
            if args.json:
                print_json(rows)
                return EXIT_OK
            out.print(
                table(
                    None,
                    (
                        "kind",
                        "id",
                        "status",
                        "site",
                        "location",
                        "attempts",
                        "claimed by",
                        "lease until",
                        "unchanged for",
                        "last error",
                    ),
                    (
                        (
                            r["kind"],
                            r["id"],
                            r["status"],
                            r["site"],
                            r["location"],
                            f"{r['attempts']}/{r['max_attempts']}",
                            r["claimed_by"],
                            r["lease_until"],
                            _age(r["updated_at"], duration),
                            (r["last_error"] or "")[:120],
                        )
                        for r in rows
                    ),
                )
            )
            if not rows:
                out.print("(none)")
            return EXIT_OK
        kind = WorkKind(args.kind)
        if args.action == "show":
            item = await get(conn, kind, args.id)
            actions = await operations.actions_of(conn, kind, args.id)
            if args.json:
                print_json({"kind": kind.value, "item": dict(item.row), "operator_actions": actions})
                return EXIT_OK
            out.print(table(f"{kind.value} {args.id}", ("field", "value"), sorted(item.row.items())))
            if actions:
                out.print(
                    table(
                        "Operator actions",
                        ("at", "actor", "action", "from", "to", "reason"),
                        (
                            (a["at"], a["actor"], a["action"], a["from_status"], a["to_status"], a["reason"])
                            for a in actions
                        ),
                    )
                )
            return EXIT_OK
        ids: list[int] = args.ids or [r["id"] for r in await _select(conn, args, [kind], [_DEFAULT_STATE[args.action]])]
        if not ids:
            out.print(f"no {kind.value} item matches: nothing to {args.action}")
            return EXIT_OK
        if len(ids) > 1:
            confirm(f"{args.action} {len(ids)} {kind.value} items in database {label}?", args.yes)
        actor = args.actor or getpass.getuser()
        done: list[dict[str, Any]] = []
        refused: list[dict[str, Any]] = []
        for item_id in ids:
            try:
                result = await operations.act(conn, args.action, kind, item_id, actor=actor, reason=args.reason)
            except (InvalidTransitionError, NotFoundError) as exc:
                refused.append({"id": item_id, "error": str(exc)})
                continue
            done.append(
                {"id": item_id, "from": result.from_status, "to": result.to_status, "action_id": result.action_id}
            )
            Interrupted.committed = f"{len(done)} of {len(ids)} items changed (each recorded); the rest untouched"
        if args.json:
            print_json({"changed": done, "refused": refused})
        else:
            if done:
                out.print(
                    table(
                        f"{args.action}: changed", ("id", "from", "to"), ((d["id"], d["from"], d["to"]) for d in done)
                    )
                )
            if refused:
                out.print(table(f"{args.action}: refused", ("id", "why"), ((r["id"], r["error"]) for r in refused)))
        return EXIT_PROBLEMS if refused else EXIT_OK


def _age(updated: Any, duration: Any) -> str:
    from datetime import UTC, datetime

    if updated is None:
        return ""
    text: str = duration((datetime.now(UTC) - updated).total_seconds())
    return text
