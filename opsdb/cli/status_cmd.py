"""`opsdb status`: counts per state and per location, the pipeline backlog, failed items.

Argument parsing and printing only; the summaries are opsdb/status.py.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from opsdb.cli.common import EXIT_OK, add_command, add_json, positive_int, run_async

if TYPE_CHECKING:
    from rich.console import Console

    from opsdb.status import Summary


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(
        sub,
        "status",
        help="counts per state and location, backlog, failed items",
        examples=["opsdb status", "opsdb status --json | jq .backlog", "opsdb status --database opsdb_simulate"],
    )
    add_json(parser)
    parser.add_argument("--failed", type=positive_int, default=20, help="how many failed items to list (default 20)")
    parser.set_defaults(run=_run)


async def _collect(dsn: str, failed: int) -> Summary:
    from opsdb.db import Database
    from opsdb.status import summarize

    async with await Database.connect(dsn, max_size=1) as db, db.connection() as conn:
        return await summarize(conn, failed_limit=failed)


def _run(args: argparse.Namespace) -> int:
    from opsdb.cli.output import print_json, stdout
    from opsdb.cli.target import resolve

    target = resolve(args)
    summary: Summary = run_async(_collect, target.dsn, args.failed)
    if args.json:
        print_json(summary.__dict__)
        return EXIT_OK
    render(summary, stdout())
    return EXIT_OK


def render(summary: Summary, out: Console) -> None:
    """Print the summary as tables (every value escaped)."""
    from opsdb.cli.common import human
    from opsdb.cli.output import table

    out.print(
        table(
            "States",
            ("item", "field", "value", "count"),
            ((human(r["item"]), r["field"], r["value"], r["n"]) for r in summary.states),
        ),
        table(
            "Physical copies",
            ("site", "location", "type", "copy", "status", "count"),
            ((r["site"], r["location"], r["location_type"], r["type"], r["status"], r["n"]) for r in summary.copies),
        ),
        table("Pipeline backlog", ("stage", "items"), ((r["stage"], r["n"]) for r in summary.backlog)),
    )
    if summary.failed:
        out.print(
            table(
                "Failed items",
                ("item", "id", "attempts", "last error"),
                ((human(r["item"]), r["id"], r["attempts"], (r["last_error"] or "")[:200]) for r in summary.failed),
            )
        )
    else:
        out.print("no failed items")
