"""Listing and showing: `opsdb executions | files | packages | copies | locations`.

Every listing filters in SQL, is bounded by `--limit` (keyset pages via `--after` where the
id order allows), prints names instead of ids, and has `--json`. `executions start|finish`
record the telescope's executions from the shell (the ids a manifest needs).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from opsdb.cli.common import EXIT_OK, UsageError, add_command, add_json, positive_int, run_async


def timestamp(text: str) -> datetime:
    """argparse type: an ISO 8601 time with a zone (`2026-11-23T03:00:00Z`)."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {text!r} (e.g. 2026-11-23T03:00:00Z)") from None
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError(f"give a time zone: {text!r} (e.g. 2026-11-23T03:00:00Z)")
    return value


def uuid_arg(text: str) -> UUID:
    """argparse type: a UUID."""
    try:
        return UUID(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a UUID: {text!r}") from None


def _limit(parser: argparse.ArgumentParser, default: int = 100) -> None:
    parser.add_argument(
        "--limit", type=positive_int, default=default, help=f"at most this many rows (default {default})"
    )


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    _executions(sub)
    _files(sub)
    _packages(sub)
    copies = add_command(
        sub,
        "copies",
        help="every physical copy of one file, package or bundle, per site and location",
        examples=[
            "opsdb copies file 0190f3c2-…",
            "opsdb copies package 42 --json",
            "opsdb copies bundle 7",
        ],
    )
    copies.add_argument("item", choices=("file", "package", "bundle"), help="kind of item")
    copies.add_argument("id", help="its id (a UUID for files, a number otherwise)")
    add_json(copies)
    copies.set_defaults(run=_run, what="copies")
    locations = add_command(
        sub,
        "locations",
        help="storage locations per site with their details",
        examples=["opsdb locations", "opsdb locations --site ccat --type source --json"],
    )
    locations.add_argument("--site", help="only this site (short name)")
    locations.add_argument(
        "--type", choices=("source", "buffer", "long_term_archive", "processing"), help="only this location type"
    )
    add_json(locations)
    locations.set_defaults(run=_run, what="locations")


def _executions(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(
        sub,
        "executions",
        help="list, show, start or finish executed obs units",
        examples=[
            "opsdb executions list --status running",
            "opsdb executions start --obs-unit GEco-Orion-CHAI",
            "opsdb executions finish 0190f3c2-… --status completed",
        ],
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = add_command(
        actions,
        "list",
        help="executions, newest first",
        examples=[
            "opsdb executions list",
            "opsdb executions list --obs-unit GEco-Orion-CHAI --since 2026-11-23T00:00Z",
        ],
    )
    listing.add_argument("--status", choices=("running", "completed", "failed", "aborted"), help="only this status")
    listing.add_argument("--obs-unit", help="only executions of this obs unit (name)")
    listing.add_argument("--since", type=timestamp, help="started at or after this time")
    listing.add_argument("--until", type=timestamp, help="started before this time")
    _limit(listing)
    add_json(listing)
    listing.set_defaults(run=_run, what="executions")
    show = add_command(actions, "show", help="one execution", examples=["opsdb executions show 0190f3c2-…"])
    show.add_argument("id", type=uuid_arg)
    add_json(show)
    show.set_defaults(run=_run, what="execution")
    start = add_command(
        actions,
        "start",
        help="record that the telescope started an obs unit; prints the execution id",
        examples=[
            "opsdb executions start --obs-unit GEco-Orion-CHAI",
            "opsdb executions start --obs-unit X --id 0190…",
        ],
    )
    start.add_argument("--obs-unit", required=True, help="the obs unit (name)")
    start.add_argument("--id", type=uuid_arg, help="the execution's id (default: a new UUIDv7); a retry maps to it")
    start.add_argument("--start-time", type=timestamp, help="when it started (default now)")
    start.add_argument("--notes", help="free text")
    add_json(start)
    start.set_defaults(run=_run, what="start")
    finish = add_command(
        actions,
        "finish",
        help="record the outcome of a running execution",
        examples=["opsdb executions finish 0190f3c2-… --status completed"],
    )
    finish.add_argument("id", type=uuid_arg)
    finish.add_argument("--status", required=True, choices=("completed", "failed", "aborted"))
    finish.add_argument("--end-time", type=timestamp, help="when it ended (default now)")
    finish.add_argument("--notes", help="free text (appended)")
    add_json(finish)
    finish.set_defaults(run=_run, what="finish")


def _files(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(
        sub,
        "files",
        help="list or show raw data files",
        examples=["opsdb files list --execution 0190f3c2-…", "opsdb files show 0190f3c2-…-…"],
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = add_command(
        actions,
        "list",
        help="files in id order (page with --after)",
        examples=["opsdb files list --execution 0190… --module CHAI/LFA", "opsdb files list --package 42 --json"],
    )
    listing.add_argument("--execution", type=uuid_arg, help="only files of this execution")
    listing.add_argument("--module", metavar="INSTRUMENT/MODULE", help="only files of this module, e.g. CHAI/LFA")
    listing.add_argument("--package", type=positive_int, help="only files in this raw data package")
    listing.add_argument("--after", type=uuid_arg, help="start after this file id (the last of the previous page)")
    _limit(listing)
    add_json(listing)
    listing.set_defaults(run=_run, what="files")
    show = add_command(actions, "show", help="one file with its metadata", examples=["opsdb files show 0190…"])
    show.add_argument("id", type=uuid_arg)
    add_json(show)
    show.set_defaults(run=_run, what="file")


def _packages(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(
        sub,
        "packages",
        help="list raw data packages",
        examples=["opsdb packages list --state waiting", "opsdb packages list --execution 0190… --json"],
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = add_command(
        actions, "list", help="packages in id order", examples=["opsdb packages list --status failed"]
    )
    listing.add_argument("--execution", type=uuid_arg, help="only packages of this execution")
    listing.add_argument(
        "--status", choices=("pending", "scheduled", "in_progress", "completed", "failed", "cancelled")
    )
    listing.add_argument("--state", help="only packages in this state (e.g. waiting, transferring, archived)")
    listing.add_argument("--after", type=int, default=0, help="start after this package id")
    _limit(listing)
    add_json(listing)
    listing.set_defaults(run=_run, what="packages")


def _run(args: argparse.Namespace) -> int:
    from opsdb.cli.target import resolve

    target = resolve(args)
    columns, rows = run_async(_fetch, target.dsn, args)
    _print(args, columns, rows)
    return EXIT_OK


def _print(args: argparse.Namespace, columns: Sequence[str], rows: list[dict[str, Any]]) -> None:
    from opsdb.cli.output import print_json, size, stdout, table

    if args.json:
        single = args.what in ("execution", "file", "start", "finish")
        print_json(rows[0] if single and rows else rows)
        return
    shown = [{k: (size(v) if k == "size_bytes" else v) for k, v in r.items()} for r in rows]
    if args.what == "file" and rows:
        stdout().print(table(None, ("field", "value"), ((k, v) for k, v in shown[0].items())))
        return
    stdout().print(table(None, columns, ([r.get(c) for c in columns] for r in shown)))
    if not rows:
        stdout().print("(none)")


async def _fetch(dsn: str, args: argparse.Namespace) -> tuple[Sequence[str], list[dict[str, Any]]]:
    from datetime import UTC

    from opsdb.db import Database
    from opsdb.errors import NotFoundError
    from opsdb.queries import query

    what = args.what
    async with await Database.connect(dsn, max_size=1) as db, db.transaction() as uow:
        conn = uow.conn
        if what == "executions":
            rows = await conn.fetch(
                query("cli_list_executions"), args.status, args.obs_unit, args.since, args.until, args.limit
            )
            return ("id", "obs_unit", "status", "start_time", "end_time", "notes"), [dict(r) for r in rows]
        if what in ("execution", "start", "finish"):
            if what == "start":
                from opsdb.schemas.execution import ExecutedObsUnitStart

                unit = await uow.obs_units.get_obs_unit_by_name(args.obs_unit)
                data: dict[str, Any] = {
                    "obs_unit_id": unit.id,
                    "start_time": args.start_time or datetime.now(UTC),
                    "notes": args.notes,
                }
                if args.id:
                    data["id"] = args.id
                record = await uow.executions.start(ExecutedObsUnitStart.model_validate(data))
            elif what == "finish":
                from opsdb.schemas.execution import ExecutedObsUnitFinish

                record = await uow.executions.finish(
                    args.id,
                    ExecutedObsUnitFinish.model_validate(
                        {"status": args.status, "end_time": args.end_time or datetime.now(UTC), "notes": args.notes}
                    ),
                )
            else:
                record = await uow.executions.get_execution(args.id)
            row = record.model_dump()
            return tuple(row), [row]
        if what == "files":
            module_id = None
            if args.module:
                ids = await uow.observatories.module_ids_by_name()
                if args.module not in ids:
                    raise UsageError(f"unknown module {args.module!r} (INSTRUMENT/MODULE, e.g. CHAI/LFA)")
                module_id = ids[args.module]
            rows = await conn.fetch(
                query("cli_list_files"), args.execution, module_id, args.package, args.after, args.limit
            )
            return (
                ("id", "module", "execution", "relative_path", "size_bytes", "package", "file_created_at"),
                [dict(r) for r in rows],
            )
        if what == "file":
            found = await conn.fetchrow(query("cli_get_file"), args.id)
            if found is None:
                raise NotFoundError("raw_data_file", args.id)
            return tuple(found.keys()), [dict(found)]
        if what == "packages":
            rows = await conn.fetch(
                query("cli_list_packages"), args.execution, args.status, args.state, args.after, args.limit
            )
            columns = ("id", "name", "module", "execution", "status", "state", "size_bytes", "bundle", "attempts")
            return columns, [dict(r) for r in rows]
        if what == "copies":
            keys: list[Any] = [None, None, None]
            try:
                if args.item == "file":
                    keys[0] = UUID(args.id)
                else:
                    keys[1 if args.item == "package" else 2] = int(args.id)
            except ValueError:
                raise UsageError(f"not a {args.item} id: {args.id!r}") from None
            rows = await conn.fetch(query("cli_copies_of_item"), *keys)
            shown = ("id", "site", "location", "location_type", "status", "verified_at", "deleted_at", "last_error")
            return shown, [dict(r) for r in rows]
        rows = await conn.fetch(query("cli_list_locations"), args.site, args.type)
        return ("id", "site", "name", "location_type", "type", "active", "priority", "storage"), [dict(r) for r in rows]
