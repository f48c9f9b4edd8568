"""`opsdb spool status|replay|conflicts`: the site spool's backlog, replaying it by hand, and its kept conflicts."""

from __future__ import annotations

import argparse
import json
import os
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from opsdb.cli.common import EXIT_OK, EXIT_PROBLEMS, UsageError, add_command, positive_int, run_async

if TYPE_CHECKING:
    from rich.console import Console

    from opsdb.site.replay import ReplayReport
    from opsdb.site.store import Spool, SpoolStatus

SPOOL_ENV = "OPSDB_SPOOL"


def _console() -> Console:
    from opsdb.cli.output import stdout

    return stdout()


def default_spool_path() -> Path:
    """`OPSDB_SPOOL`, else `site-spool.sqlite` beside the local database's data."""
    configured = os.environ.get(SPOOL_ENV, "").strip()
    if configured:
        return Path(configured).expanduser()
    from opsdb import local

    return local.data_dir().parent / "site-spool.sqlite"


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(
        sub,
        "spool",
        help="the site spool: backlog, replay to the main database, kept conflicts",
        examples=[
            "opsdb spool status",
            "OPSDB_DSN=postgresql://ops@db.example.org/opsdb opsdb spool replay",
            "opsdb spool conflicts --json",
        ],
        description=f"The site spool holds instrument writes made while the main database was out of reach "
        f"(docs/site.md). Its file: --spool, else {SPOOL_ENV}, else site-spool.sqlite beside the local data.",
    )
    actions = parser.add_subparsers(dest="spool_command", required=True, metavar="ACTION")
    status = add_command(
        actions,
        "status",
        help="queued writes, oldest entry's age, replay rate and errors",
        examples=["opsdb spool status", "opsdb spool status --json --spool /var/lib/opsdb/site-spool.sqlite"],
    )
    status.add_argument("--json", action="store_true", help="print JSON")
    replay_cmd = add_command(
        actions,
        "replay",
        help="replay the queued writes to the main database now",
        examples=["OPSDB_DSN=postgresql://ops@db.example.org/opsdb opsdb spool replay", "opsdb spool replay --dsn …"],
    )
    replay_cmd.add_argument("--dsn", help="main database (default: OPSDB_DSN; required)")
    replay_cmd.add_argument("--batch-size", type=positive_int, default=25_000, help="files per transaction")
    replay_cmd.add_argument(
        "--connections", type=positive_int, default=8, help="batches in flight (hides the link's round trips)"
    )
    replay_cmd.add_argument("--window-files", type=positive_int, default=200_000, help="files marked applied at once")
    replay_cmd.add_argument(
        "--keep-hours",
        type=float,
        default=24.0,
        help="then delete applied entries older than this (those with conflicts stay; site reads "
        "merge applied entries until the replica has them)",
    )
    conflicts = add_command(
        actions,
        "conflicts",
        help="conflicts and refusals replay found, kept for inspection",
        examples=["opsdb spool conflicts", "opsdb spool conflicts --limit 20 --json"],
    )
    conflicts.add_argument("--limit", type=positive_int, default=100)
    conflicts.add_argument("--json", action="store_true", help="print JSON")
    for action in (status, replay_cmd, conflicts):
        action.add_argument("--spool", type=Path, help=f"spool file (default: {SPOOL_ENV} or the local data dir)")
    parser.set_defaults(run=_run)


def _age(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _when(stamp: float | None) -> str:
    return "-" if stamp is None else datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def render_status(status: SpoolStatus, out: Console) -> None:
    """The backlog at a glance (what a long outage looks like without reading logs)."""
    from rich.table import Table

    table = Table("", "", title=f"site spool {status.path}")
    kinds = ", ".join(f"{n} {k}" for k, n in sorted(status.queued_by_kind.items())) or "none"
    table.add_row("queued entries", f"{status.queued_entries:,} ({kinds})")
    table.add_row("queued files", f"{status.queued_files:,}")
    table.add_row("oldest queued entry", _age(status.oldest_age_seconds))
    table.add_row("applied entries kept", f"{status.applied_entries:,}")
    table.add_row("kept conflicts", f"{status.conflicts:,}" + (" (opsdb spool conflicts)" if status.conflicts else ""))
    run = status.last_run
    if run is not None:
        state = "running" if run["finished_at"] is None else ("failed" if run["error"] else "finished")
        table.add_row(
            "last replay",
            f"{state}, started {_when(run['started_at'])}: {run['entries']:,} entries, {run['files']:,} files, "
            f"{run['files_per_second']:,.0f} files/s, {run['conflicts']} conflicts",
        )
    for error in status.errors:
        table.add_row("replay error", f"{_when(error['updated_at'])}: {error['error']}")
    out.print(table)


def _status(spool: Spool, as_json: bool) -> int:
    status = spool.status()
    if as_json:
        data = asdict(status) | {"oldest_age_seconds": status.oldest_age_seconds}
        _console().print_json(json.dumps(data))
    else:
        render_status(status, _console())
    return EXIT_OK


def _conflicts(spool: Spool, limit: int, as_json: bool) -> int:
    from rich.table import Table

    kept = spool.conflicts(limit=limit)
    if as_json:
        _console().print_json(json.dumps([asdict(c) for c in kept]))
        return EXIT_OK
    if not kept:
        _console().print("no kept conflicts")
        return EXIT_OK
    table = Table("entry", "position", "kind", "reason", "record", "found", "detail", title="kept conflicts")
    for c in kept:
        table.add_row(str(c.entry), str(c.position), c.kind, c.reason, c.record_id, _when(c.found_at), c.detail)
    _console().print(table)
    return EXIT_OK


async def _replay(spool: Spool, dsn: str, args: argparse.Namespace) -> ReplayReport:
    from opsdb.config import redact_dsn
    from opsdb.db import Database
    from opsdb.errors import DatabaseUnavailableError
    from opsdb.site.client import LINK_ERRORS
    from opsdb.site.replay import ReplayProgress, replay

    def progress(p: ReplayProgress) -> None:
        _console().print(
            f"replayed {p.entries:,} entries, {p.files:,} files ({p.files_per_second:,.0f} files/s), "
            f"{p.conflicts} conflicts kept; {p.queued_entries:,} entries queued"
        )

    try:
        db = await Database.connect(dsn, min_size=1, max_size=args.connections + 1)
    except DatabaseUnavailableError as exc:  # recorded, so that `status` shows it
        run = spool.begin_run()
        spool.update_run(run, entries=0, files=0, conflicts=0, error=str(exc), finished=True)
        raise
    async with db:
        try:
            return await replay(
                spool,
                db,
                batch_size=args.batch_size,
                connections=args.connections,
                window_files=args.window_files,
                on_progress=progress,
            )
        except LINK_ERRORS as exc:
            raise DatabaseUnavailableError(
                f"link to the main database lost during replay ({type(exc).__name__}: {redact_dsn(str(exc))}); "
                "the unfinished window stays queued"
            ) from None


def _run(args: argparse.Namespace) -> int:
    from opsdb.config import dsn_from_env
    from opsdb.site.store import Spool

    spool = Spool(args.spool or default_spool_path())
    try:
        if args.spool_command == "status":
            return _status(spool, args.json)
        if args.spool_command == "conflicts":
            return _conflicts(spool, args.limit, args.json)
        dsn = args.dsn or dsn_from_env()
        if not dsn:
            raise UsageError("replay needs the main database: set OPSDB_DSN or pass --dsn")
        began = time.perf_counter()
        report = run_async(_replay, spool, dsn, args)
        _console().print(
            f"replay done in {time.perf_counter() - began:.1f} s: {report.entries:,} entries ({report.starts} starts, "
            f"{report.finishes} finishes, {report.files:,} files: {report.files_new:,} new, "
            f"{report.files_existing:,} already there), {report.conflicts} conflicts kept"
        )
        purged = spool.purge_applied(args.keep_hours * 3600)
        if purged:
            _console().print(f"deleted {purged:,} applied entries older than {args.keep_hours:g} h")
        return EXIT_PROBLEMS if report.conflicts else EXIT_OK
    finally:
        spool.close()
