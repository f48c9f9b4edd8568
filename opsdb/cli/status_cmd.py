"""`opsdb status`: counts per state and per location, the pipeline backlog, failed items."""

from __future__ import annotations

import argparse
import json

import anyio
from rich.console import Console
from rich.table import Table

from opsdb.cli import EXIT_OK
from opsdb.db import Database
from opsdb.local import resolve_dsn
from opsdb.status import Summary, summarize

console = Console(highlight=False)


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("status", help="counts per state and location, backlog, failed items")
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON")
    parser.add_argument("--failed", type=int, default=20, help="how many failed items to list")
    parser.set_defaults(run=_run)


async def _collect(failed: int) -> Summary:
    async with await Database.connect(resolve_dsn(), max_size=1) as db, db.connection() as conn:
        return await summarize(conn, failed_limit=failed)


def _run(args: argparse.Namespace) -> int:
    summary = anyio.run(_collect, args.failed)
    if args.json:
        print(json.dumps(summary.__dict__, default=str, indent=2))
        return EXIT_OK
    render(summary, console)
    return EXIT_OK


def render(summary: Summary, out: Console) -> None:
    """Print the summary as tables."""
    states = Table("item", "field", "value", "count", title="States")
    for r in summary.states:
        states.add_row(r["item"], r["field"], r["value"], str(r["n"]))
    copies = Table("site", "location", "type", "copy", "status", "count", title="Physical copies")
    for r in summary.copies:
        copies.add_row(r["site"], r["location"], r["location_type"], r["type"], r["status"], str(r["n"]))
    backlog = Table("stage", "items", title="Pipeline backlog")
    for r in summary.backlog:
        backlog.add_row(r["stage"], str(r["n"]))
    out.print(states, copies, backlog)
    if summary.failed:
        failed = Table("item", "id", "attempts", "last error", title="Failed items")
        for r in summary.failed:
            failed.add_row(r["item"], r["id"], str(r["attempts"]), (r["last_error"] or "")[:80])
        out.print(failed)
    else:
        out.print("no failed items")
