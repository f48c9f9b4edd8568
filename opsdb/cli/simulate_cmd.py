"""`opsdb simulate`: seed the observatory and run a simulated observing night in the common database.

By default the night runs in the database every other command uses (OPSDB_DSN's, else the
local `opsdb`), so `opsdb status`, `opsdb executions list` and the reports show it afterwards.
A database an earlier simulation made is recreated; an empty one is used; one holding other
data is refused (`--database NAME` picks another).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from opsdb.cli.common import EXIT_OK, EXIT_PROBLEMS, Interrupted, UsageError, add_command, positive_int

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

    from opsdb.simulate import Counters, SimulationConfig, SimulationResult
    from opsdb.status import Summary


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(
        sub,
        "simulate",
        help="run a simulated observing night in the common database and check the invariants",
        description="Seeds the CCAT observatory (examples/ccat.toml) into the database every command uses "
        "(OPSDB_DSN's, else the local 'opsdb'; --database NAME for another), runs a night with concurrent "
        "daemons and checks the invariants against the database. A database made by an earlier simulation "
        "is recreated; an empty one is used; one holding other data is refused (exit 2). Exit code 0 when "
        "all invariants hold, 1 otherwise.",
        examples=[
            "opsdb simulate",
            "opsdb simulate --executions 2 --files-per-execution 100 --no-live",
            "opsdb simulate --database night_test --json result.json",
            "OPSDB_DSN=postgresql://ops@db.example.org/sim opsdb simulate   # password from ~/.pgpass",
        ],
    )
    parser.add_argument("--executions", type=positive_int, default=12, help="executed obs units (default 12)")
    parser.add_argument(
        "--files-per-execution", type=positive_int, default=3000, help="files per execution (default 3000)"
    )
    parser.add_argument("--workers", type=positive_int, default=2, help="daemon workers per kind of work")
    parser.add_argument("--seed", type=int, default=1, help="random seed")
    parser.add_argument("--failure-rate", type=float, default=0.05, help="fraction of attempts that fail")
    parser.add_argument("--timeout", type=float, default=600.0, help="give up after this many seconds")
    parser.add_argument(
        "--outage",
        type=_outage,
        metavar="FROM-TO",
        help="site mode: the telescope writes through a link cut for this part of the night (e.g. 0.3-0.6)",
    )
    parser.add_argument("--no-live", action="store_true", help="no live progress display")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the result as JSON to PATH")
    parser.add_argument(
        "--dsn",
        help="server to run on, without a password (give it in PGPASSWORD or ~/.pgpass, or use OPSDB_DSN): "
        "a command line is visible to every local user",
    )
    parser.set_defaults(run=_run)


def _outage(text: str) -> tuple[float, float]:
    from opsdb.site.outage import parse_outage

    try:
        return parse_outage(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _target(args: argparse.Namespace) -> tuple[str, str]:
    """(server DSN to administer from, database name, ) for this run."""
    from urllib.parse import urlsplit

    from opsdb import local
    from opsdb.config import dsn_from_env

    if args.dsn:
        try:
            password = urlsplit(args.dsn).password
        except ValueError:
            password = None
        if password or "password=" in args.dsn.lower():
            raise UsageError(
                "--dsn must not hold a password (it would show in the process list): put it in PGPASSWORD, "
                "~/.pgpass or OPSDB_DSN"
            )
        server = args.dsn
        return server, args.database or urlsplit(server).path.lstrip("/") or "postgres"
    configured = dsn_from_env()
    if configured:
        return configured, args.database or urlsplit(configured).path.lstrip("/")
    return local.server_dsn(), args.database or local.DATABASE


def _prepare(server: str, database: str) -> str:
    from opsdb.config import redact_dsn
    from opsdb.errors import DatabaseUnavailableError
    from opsdb.simulate import prepare_database

    try:
        return prepare_database(server, database)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    except Exception as exc:  # psycopg errors: unreachable server, no CREATEDB privilege
        raise DatabaseUnavailableError(
            f"cannot prepare database {database!r} on {redact_dsn(server)}: {type(exc).__name__}: "
            f"{redact_dsn(str(exc))}"
        ) from None


def _progress_table(counters: Counters, config: SimulationConfig, began: float) -> Table:
    from rich.table import Table

    done = counters.completed
    table = Table("", "", title=f"simulated night: {counters.phase} ({time.perf_counter() - began:.0f} s)")
    rows = (
        ("executions", f"{counters.executions_finished} / {config.executions}"),
        ("files registered", f"{counters.files_registered:,} / {config.executions * config.files_per_execution:,}"),
        ("packages built", f"{done['raw_data_package_build']} / {counters.packages_created}"),
        ("bundles built", f"{done['data_transfer_package_build']} / {counters.bundles_created}"),
        ("transfers", f"{done['data_transfer']} / {counters.transfers_created}"),
        ("unpacked", f"{done['data_transfer_unpack']} / {counters.transfers_created}"),
        ("archived", f"{done['long_term_archive_transfer']} / {counters.archive_transfers_created}"),
        ("copies deleted", f"{done['physical_copy_deletion']:,} / {counters.deletions_scheduled:,}"),
        (
            "injected",
            f"{counters.failures_injected} failures, {counters.crashes_injected} crashes, "
            f"{counters.claims_lost} claims lost",
        ),
    )
    for label, value in rows:
        table.add_row(label, value)
    return table


async def _simulate(dsn: str, config: SimulationConfig, live: bool) -> SimulationResult:
    import anyio
    from rich.live import Live

    from opsdb.cli.output import stdout
    from opsdb.simulate import Counters, run_simulation

    console = stdout()
    counters = Counters()
    if not live:
        return await run_simulation(dsn, config, counters)
    began = time.perf_counter()
    result: SimulationResult | None = None
    with Live(_progress_table(counters, config, began), console=console, refresh_per_second=4) as display:

        async def refresh() -> None:
            while True:
                display.update(_progress_table(counters, config, began))
                await anyio.sleep(0.25)

        async with anyio.create_task_group() as tg:
            tg.start_soon(refresh)
            result = await run_simulation(dsn, config, counters)
            tg.cancel_scope.cancel()
        display.update(_progress_table(counters, config, began))
    assert result is not None
    return result


async def _summary(dsn: str) -> Summary:
    from opsdb.db import Database
    from opsdb.status import summarize

    async with await Database.connect(dsn, max_size=1) as db, db.connection() as conn:
        return await summarize(conn)


def report(result: SimulationResult, out: Console) -> None:
    """Figures, throughput and the invariants."""
    from rich.markup import escape
    from rich.table import Table

    t = result.totals
    c = result.counters
    out.print(
        f"{t['executions']} executions, {t['files']:,} files ({t['bytes'] / 1e12:.2f} TB), "
        f"{t['packages']} packages, {t['bundles']} bundles, {t['transfers']} transfers, "
        f"{t['archive_transfers']} archive transfers, {t['deleted_copies']:,} copies deleted"
    )
    completed = sum(c.completed.values())
    out.print(
        f"{result.seconds:.1f} s; registration {result.files_per_second:,.0f} files/s; "
        f"{completed:,} work items completed, {result.work_items_per_second:,.0f} items/s; "
        f"{c.failures_injected} injected failures and {c.crashes_injected} crashes retried, "
        f"{c.claims_lost} late completions refused"
        + (f"; {c.transient_errors} deadlocks or serialization failures carried over" if c.transient_errors else "")
    )
    if result.pipeline_files_per_second:
        out.print(
            "whole pipeline, files/s: "
            + ", ".join(f"{k} {v:,.0f}" for k, v in result.pipeline_files_per_second.items())
        )
    if not result.drained:
        out.print("[red]the pipeline did not drain before the timeout[/]")
    table = Table("invariant", "holds", "detail", title="Invariants (checked against the database)")
    for inv in result.invariants:
        table.add_row(escape(inv.name), "[green]yes[/]" if inv.ok else "[red]NO[/]", escape(inv.detail))
    out.print(table)


def _run(args: argparse.Namespace) -> int:
    import anyio

    from opsdb.cli.output import stderr, stdout
    from opsdb.cli.status_cmd import render
    from opsdb.cli.target import describe
    from opsdb.simulate import SimulationConfig

    console = stdout()
    config = SimulationConfig(
        executions=args.executions,
        files_per_execution=args.files_per_execution,
        workers=args.workers,
        seed=args.seed,
        failure_rate=args.failure_rate,
        timeout_seconds=args.timeout,
        outage=args.outage,
    )
    server, database = _target(args)
    dsn = _prepare(server, database)
    stderr().print(f"simulating in database {describe(dsn)}", markup=False)
    Interrupted.committed = (
        f"the night so far is committed in database {describe(dsn)} (a partial night: the next "
        "`opsdb simulate` recreates it)"
    )
    live = not args.no_live and sys.stdout.isatty()
    result = anyio.run(_simulate, dsn, config, live)
    summary = anyio.run(_summary, dsn)
    render(summary, console)
    report(result, console)
    if args.json:
        args.json.write_text(json.dumps(result.to_json(), default=str, indent=2))
    console.print(
        f"the night is in database {describe(dsn)}: `opsdb status`, `opsdb executions list` and "
        "`opsdb report at-risk` show it",
        markup=False,
    )
    if result.ok:
        console.print("[green]all invariants hold[/]")
        return EXIT_OK
    console.print("[red]invariants violated or pipeline not drained[/]")
    return EXIT_PROBLEMS
