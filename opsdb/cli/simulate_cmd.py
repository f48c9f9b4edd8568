"""`opsdb simulate`: seed the observatory in a dedicated database and run a simulated observing night."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import anyio
from rich.console import Console
from rich.live import Live
from rich.table import Table

from opsdb import embedded, local
from opsdb.cli import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, err_console, positive_int
from opsdb.cli.status_cmd import render
from opsdb.config import dsn_from_env, redact_dsn
from opsdb.db import Database
from opsdb.errors import DatabaseUnavailableError
from opsdb.simulate import DATABASE, Counters, SimulationConfig, SimulationResult, prepare_database, run_simulation
from opsdb.site.outage import parse_outage
from opsdb.status import Summary, summarize

console = Console(highlight=False)


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    defaults = SimulationConfig()
    parser = sub.add_parser(
        "simulate",
        help="run a simulated observing night in a dedicated database and check the invariants",
        description=f"Recreates the database {DATABASE!r} on the server of OPSDB_DSN (else the local "
        "embedded server), seeds the observatory, runs a night with concurrent daemons and checks "
        "the invariants against the database. Exit code 0 when all hold, 1 otherwise.",
    )
    parser.add_argument("--executions", type=positive_int, default=defaults.executions, help="executed obs units")
    parser.add_argument(
        "--files-per-execution", type=positive_int, default=defaults.files_per_execution, help="files per execution"
    )
    parser.add_argument(
        "--workers", type=positive_int, default=defaults.workers, help="daemon workers per kind of work"
    )
    parser.add_argument("--seed", type=int, default=defaults.seed, help="random seed")
    parser.add_argument(
        "--failure-rate", type=float, default=defaults.failure_rate, help="fraction of attempts that fail"
    )
    parser.add_argument(
        "--timeout", type=float, default=defaults.timeout_seconds, help="give up after this many seconds"
    )
    parser.add_argument(
        "--outage",
        type=_outage,
        metavar="FROM-TO",
        help="site mode: the telescope writes through a link cut for this part of the night (e.g. 0.3-0.6)",
    )
    parser.add_argument("--no-live", action="store_true", help="no live progress display")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the result as JSON to PATH")
    parser.add_argument(
        "--dsn", help="server to run on (any database on it; default: OPSDB_DSN, else the local embedded server)"
    )
    parser.add_argument("--database", default=DATABASE, help=f"name of the dedicated database (default {DATABASE})")
    parser.set_defaults(run=_run)


def _outage(text: str) -> tuple[float, float]:
    try:
        return parse_outage(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _server_dsn(explicit: str | None) -> str:
    dsn = explicit or dsn_from_env()
    if dsn:
        return dsn
    return embedded.dsn_of(embedded.start(local.data_dir(), persistent=True))


class _Refused(Exception):
    """The database exists and is not the simulation's own."""


def _prepare(server: str, database: str) -> str:
    try:
        return prepare_database(server, database)
    except ValueError as exc:
        raise _Refused(str(exc)) from None
    except Exception as exc:  # psycopg errors: unreachable server, no CREATEDB privilege
        raise DatabaseUnavailableError(
            f"cannot prepare database {database!r} on {redact_dsn(server)}: {type(exc).__name__}: "
            f"{redact_dsn(str(exc))}"
        ) from None


def _progress_table(counters: Counters, config: SimulationConfig, began: float) -> Table:
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
    async with await Database.connect(dsn, max_size=1) as db, db.connection() as conn:
        return await summarize(conn)


def report(result: SimulationResult, out: Console) -> None:
    """Figures, throughput and the invariants."""
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
        table.add_row(inv.name, "[green]yes[/]" if inv.ok else "[red]NO[/]", inv.detail)
    out.print(table)


def _run(args: argparse.Namespace) -> int:
    config = SimulationConfig(
        executions=args.executions,
        files_per_execution=args.files_per_execution,
        workers=args.workers,
        seed=args.seed,
        failure_rate=args.failure_rate,
        timeout_seconds=args.timeout,
        outage=args.outage,
    )
    server = _server_dsn(args.dsn)
    try:
        dsn = _prepare(server, args.database)
    except _Refused as exc:
        err_console.print(f"[red]error:[/] {exc}")
        return EXIT_USAGE
    console.print(f"simulating in database {args.database!r} on {redact_dsn(server)}")
    live = not args.no_live and sys.stdout.isatty()
    result = anyio.run(_simulate, dsn, config, live)
    summary = anyio.run(_summary, dsn)
    render(summary, console)
    report(result, console)
    if args.json:
        args.json.write_text(json.dumps(result.to_json(), default=str, indent=2))
    if result.ok:
        console.print("[green]all invariants hold[/]")
        return EXIT_OK
    console.print("[red]invariants violated or pipeline not drained[/]")
    return EXIT_PROBLEMS
