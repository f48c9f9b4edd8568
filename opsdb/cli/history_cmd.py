"""`opsdb history TABLE ITEM_ID`: one item's recorded state changes (the audit trail)."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from opsdb.cli.common import EXIT_OK, add_command, positive_int, run_async

if TYPE_CHECKING:
    from rich.console import Console

    from opsdb.history import HistoryEntry


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(
        sub,
        "history",
        help="one item's state changes: when, from -> to, by whom",
        examples=["opsdb history copy 42", "opsdb history package 7 --json", "opsdb history copy 42 --after 1000"],
    )
    parser.add_argument("table", help="physical_copy, raw_data_package, ... or copy, package, bundle, transfer, ...")
    parser.add_argument("item_id", help="the item's id (a UUID for executed_obs_unit)")
    parser.add_argument("--after", type=int, default=0, metavar="ID", help="only history rows after this history id")
    parser.add_argument("--limit", type=positive_int, default=100, help="at most this many rows (default 100)")
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON")
    parser.set_defaults(run=_run)


async def _fetch(table: str, item_id: str, after: int, limit: int) -> list[HistoryEntry]:
    from opsdb.db import Database
    from opsdb.history import item_history
    from opsdb.local import resolve_dsn

    async with await Database.connect(resolve_dsn(), max_size=1) as db, db.connection() as conn:
        return await item_history(conn, table, item_id, after_id=after, limit=limit)


def _run(args: argparse.Namespace) -> int:
    from opsdb.cli.output import stdout
    from opsdb.history import item_key, resolve_table

    table = resolve_table(args.table)  # bad input fails before any database is opened
    item = item_key(table, args.item_id)
    entries = run_async(_fetch, table, item, args.after, args.limit)
    if args.json:
        print(json.dumps([e.__dict__ for e in entries], default=str, indent=2))
        return EXIT_OK
    render(table, item, entries, stdout(), page=args.limit)
    return EXIT_OK


def render(table: str, item: str, entries: list[HistoryEntry], out: Console, *, page: int = 100) -> None:
    """Print the history as a table (or say there is none)."""
    from rich.markup import escape
    from rich.table import Table

    if not entries:
        out.print(f"no history for {table} {item}", markup=False)
        return
    rows = Table("id", "time", "column", "from", "to", "role", "login", "application", "worker", "claim", "repair")
    rows.title = f"History of {table} {item}"
    for e in entries:
        rows.add_row(
            str(e.id),
            e.changed_at.isoformat(timespec="milliseconds"),
            e.column_name,
            e.from_state or "(new)",
            e.to_state,
            e.db_role,
            e.session_role,
            escape(e.application_name or ""),
            escape(e.claimed_by or ""),
            str(e.claim_ref)[:8] if e.claim_ref else "",
            "yes" if e.repair else "",
        )
    out.print(rows)
    if len(entries) == page:
        out.print(f"next page: --after {entries[-1].id}")
