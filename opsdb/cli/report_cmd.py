"""`opsdb report at-risk | space | queues | vacuum | rebuild`: what an operator checks, cheaply.

Argument parsing and printing only; the reports and their SQL are opsdb/reports.py and sql/reports.sql.
"""

from __future__ import annotations

import argparse
from typing import Any

from opsdb.cli.common import EXIT_OK, add_command, add_json, add_yes, confirm, run_async


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(
        sub,
        "report",
        help="at-risk data, space per location, queue health (cost follows the answer, not history)",
        examples=["opsdb report at-risk", "opsdb report space --json", "opsdb report queues", "opsdb report vacuum"],
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    risk = add_command(
        actions,
        "at-risk",
        help="packages with one verified copy or none, and files not yet packaged, per site and location",
        examples=["opsdb report at-risk", "opsdb report at-risk --items 50 --json"],
    )
    risk.add_argument("--items", type=int, default=0, metavar="N", help="also list up to N at-risk packages")
    add_json(risk)
    risk.set_defaults(run=_run, what="at-risk")
    space = add_command(
        actions,
        "space",
        help="copies and bytes per location and status, and what deletion would free now",
        examples=["opsdb report space", "opsdb report space --json | jq '.locations'"],
    )
    add_json(space)
    space.set_defaults(run=_run, what="space")
    queues = add_command(
        actions,
        "queues",
        help="per kind of work and location: queued, running, expired leases, oldest age, failed",
        examples=["opsdb report queues", "opsdb report queues --json"],
    )
    add_json(queues)
    queues.set_defaults(run=_run, what="queues")
    vacuum = add_command(
        actions,
        "vacuum",
        help="vacuum debt of the bulk and queue tables: dead tuples, last (auto)vacuum and analyze, whether"
        " autovacuum is due; queue-like partial indexes: pages against the live rows they hold",
        examples=["opsdb report vacuum", "opsdb report vacuum --json | jq '.tables[] | select(.vacuum_due)'"],
    )
    add_json(vacuum)
    vacuum.set_defaults(run=_run, what="vacuum")
    rebuild = add_command(
        actions,
        "rebuild",
        help="recount the copy and state counters (full scans; after a crash lost unfolded copy deltas, or a repair)",
        examples=["opsdb report rebuild --yes"],
    )
    add_yes(rebuild)
    rebuild.set_defaults(run=_run, what="rebuild", json=False)


async def _collect(dsn: str, what: str, items: int) -> Any:
    from opsdb import reports
    from opsdb.db import Database

    async with await Database.connect(dsn, max_size=1) as db, db.connection() as conn:
        if what == "at-risk":
            return await reports.at_risk(conn, items=items)
        if what == "space":
            return await reports.space(conn)
        if what == "queues":
            return await reports.queues(conn)
        if what == "vacuum":
            return await reports.vacuum(conn)
        await reports.rebuild(conn)
        return None


def _run(args: argparse.Namespace) -> int:
    from opsdb.cli.output import duration, print_json, size, stdout, table
    from opsdb.cli.target import resolve

    target = resolve(args)
    if args.what == "rebuild":
        confirm(f"recount every copy and state counter of database {target.label} (scans every copy)?", args.yes)
    result = run_async(_collect, target.dsn, args.what, getattr(args, "items", 0))
    out = stdout()
    if args.what == "rebuild":
        out.print("copy and state counters recounted")
        return EXIT_OK
    if args.json:
        print_json(result if isinstance(result, list) else result.to_json())
        return EXIT_OK
    if args.what == "at-risk":
        out.print(
            table(
                "Packages with at most one verified copy",
                ("site", "location", "verified copies", "packages", "bytes"),
                ((r["site"], r["location"], r["verified"], r["packages"], size(r["bytes"])) for r in result.packages),
            ),
            table(
                "Files not yet packaged (only their source copy)",
                ("site", "location", "files", "bytes"),
                ((r["site"], r["location"], r["files"], size(r["bytes"])) for r in result.files),
            ),
        )
        if result.items:
            out.print(
                table(
                    "At-risk packages",
                    ("id", "name", "verified", "state", "status", "bytes", "created"),
                    (
                        (
                            r["id"],
                            r["name"],
                            r["verified"],
                            r["state"],
                            r["status"],
                            size(r["size_bytes"]),
                            r["created_at"],
                        )
                        for r in result.items
                    ),
                )
            )
        if not (result.packages or result.files):
            out.print("nothing at risk: every package has at least two verified copies")
    elif args.what == "space":
        out.print(
            table(
                "Space per location",
                ("site", "location", "type", "copies held", "bytes held", "deletion would free now"),
                (
                    (
                        r["site"],
                        r["location"],
                        r["location_type"],
                        r["held_copies"],
                        size(r["held_bytes"]),
                        size(r["freeable_bytes"]),
                    )
                    for r in result.locations
                ),
            ),
            table(
                "Copies per location and status",
                ("site", "location", "copy", "status", "copies", "bytes"),
                (
                    (r["site"], r["location"], r["type"], r["status"], r["copies"], size(r["bytes"]))
                    for r in result.rows
                ),
            ),
        )
    elif args.what == "vacuum":
        _print_vacuum(out, result)
    else:
        out.print(
            table(
                "Queues",
                ("kind", "site", "location", "queued", "running", "expired leases", "oldest queued", "failed"),
                (
                    (
                        r["kind"],
                        r["site"],
                        r["location"],
                        r["queued"],
                        r["running"],
                        r["expired_leases"],
                        duration(r["oldest_seconds"]),
                        r["failed"],
                    )
                    for r in result
                ),
            )
        )
        if not result:
            out.print("all queues empty, no failed items")
    return EXIT_OK


def _when(value: Any) -> str:
    return "never" if value is None else value.strftime("%Y-%m-%d %H:%M")


def _print_vacuum(out: Any, result: Any) -> None:
    from opsdb.cli.output import table

    def due(t: dict[str, Any]) -> str:
        if not t["vacuum_due"]:
            return f"in {t['dead_until_vacuum']:,} dead"
        return f"due ({t['vacuum_due_because']})" + ("" if t["autovacuum_enabled"] else ", autovacuum off")

    out.print(
        table(
            "Tables",
            (
                "table",
                "pages",
                "live",
                "dead",
                "last vacuum",
                "last autovacuum",
                "last analyze",
                "autovacuum",
                "analyze",
                "index cleanup",
            ),
            (
                (
                    t["table"],
                    f"{t['pages']:,}",
                    f"{t['live_tuples']:,}",
                    f"{t['dead_tuples']:,}",
                    _when(t["last_vacuum"]),
                    _when(t["last_autovacuum"]),
                    _when(max((x for x in (t["last_analyze"], t["last_autoanalyze"]) if x), default=None)),
                    due(t),
                    "due" if t["analyze_due"] else "-",
                    t["index_cleanup"],
                )
                for t in result.tables
            ),
        ),
        table(
            "Partial indexes (pages a vacuum empties stay in the file, for reuse)",
            ("table", "index", "pages", "live rows", "pages needed", "excess pages"),
            (
                (
                    i["table"],
                    i["index"],
                    f"{i['pages']:,}",
                    "-" if i["live_rows"] is None else f"{i['live_rows']:,}" + ("" if i["live_exact"] else " at most"),
                    "-" if i["needed_pages"] is None else f"{i['needed_pages']:,}",
                    "-" if i["excess_pages"] is None else f"{i['excess_pages']:,}",
                )
                for i in result.indexes
            ),
        ),
    )
