"""`opsdb register MANIFEST`: register an instrument's raw files in bulk from a manifest."""

from __future__ import annotations

import argparse
from array import array
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from opsdb.cli import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, positive_int
from opsdb.db import Database
from opsdb.errors import FieldProblem, InputValidationError
from opsdb.local import resolve_dsn
from opsdb.manifest import ManifestError, count_records, read_manifest, resolve_modules
from opsdb.registration import DEFAULT_CONNECTIONS, BatchProgress, RegistrationReport, register_files

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "register",
        help="register raw files from a JSON Lines or CSV manifest",
        description="Register raw files in bulk; each gets a present copy at LOCATION. Idempotent: "
        "re-running a manifest registers nothing twice. Exit 1 when conflicts were found, 2 for a bad manifest.",
    )
    parser.add_argument("manifest", type=Path, help="a .jsonl or .csv file of file records")
    parser.add_argument(
        "--location", required=True, metavar="SITE/LOCATION", help="source location, e.g. ccat/chai_source"
    )
    parser.add_argument("--format", choices=("jsonl", "csv"), help="manifest format (default: from the extension)")
    parser.add_argument(
        "--batch-size", type=positive_int, default=10_000, help="records per transaction (default 10000)"
    )
    parser.add_argument(
        "--connections",
        type=positive_int,
        default=DEFAULT_CONNECTIONS,
        help=f"parallel connections (default {DEFAULT_CONNECTIONS})",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    path: Path = args.manifest
    if not path.is_file():
        err_console.print(f"[red]error:[/] no such manifest: {path}")
        return EXIT_USAGE
    site, _, location = args.location.partition("/")
    if not site or not location:
        err_console.print("[red]error:[/] --location must be SITE/LOCATION, e.g. ccat/chai_source")
        return EXIT_USAGE
    lines = array("Q")  # input position -> manifest line number
    committed = [0]  # records in committed batches
    try:
        report = anyio.run(_register, args, path, site, location, lines, committed)
    except ManifestError as exc:
        err_console.print(f"[red]error:[/] {exc}")
        _print_committed(committed[0])
        return EXIT_USAGE
    except InputValidationError as exc:
        err_console.print(f"[red]error:[/] bad manifest {path}, nothing of that batch written:")
        for problem in exc.problems[:20]:
            err_console.print(f"  {_at_line(problem, lines)}")
        if len(exc.problems) > 20:
            err_console.print(f"  ... and {len(exc.problems) - 20} more")
        _print_committed(committed[0])
        return EXIT_USAGE
    _print_report(report, lines)
    return EXIT_PROBLEMS if report.conflicts else EXIT_OK


def _print_committed(records: int) -> None:
    err_console.print(
        f"{records} records of the batches before it are registered; re-sending the whole manifest is safe"
    )


def _at_line(problem: FieldProblem, lines: array[int]) -> str:
    line = lines[problem.position] if 0 <= problem.position < len(lines) else "?"
    return f"line {line}: {problem.field}: {problem.message}"


async def _register(
    args: argparse.Namespace, path: Path, site: str, location: str, lines: array[int], committed: list[int]
) -> RegistrationReport:
    async with await Database.connect(resolve_dsn(), max_size=max(args.connections, 1) + 1) as db:
        async with db.transaction() as uow:
            target = await uow.sites.get_location_by_name(site, location)
            modules = await uow.observatories.module_ids_by_name()

        def records() -> Iterator[dict[str, Any]]:
            for number, record in resolve_modules(read_manifest(path, args.format), modules):
                lines.append(number)
                yield record

        with Progress(
            TextColumn("registering"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err_console,
            disable=args.no_progress,
            transient=True,
        ) as progress:
            task = progress.add_task("files", total=count_records(path))

            def on_progress(p: BatchProgress) -> None:
                progress.update(task, completed=p.done)
                committed[0] = p.done

            return await register_files(
                db,
                target.id,
                records(),
                batch_size=args.batch_size,
                connections=args.connections,
                on_progress=on_progress,
            )


def _print_report(report: RegistrationReport, lines: array[int]) -> None:
    rate = report.total / report.seconds if report.seconds else 0.0
    summary = Table("new", "already present", "conflicts", "files/s", title="Registration")
    summary.add_row(str(report.new), str(report.existing), str(len(report.conflicts)), f"{rate:,.0f}")
    console.print(summary)
    if report.conflicts:
        table = Table("line", "file", "differs", title="Conflicts (nothing was overwritten)")
        for conflict in report.conflicts[:50]:
            line = lines[conflict.position] if conflict.position < len(lines) else "?"
            diffs = "; ".join(f"{k}: stored {old} / given {new}" for k, (old, new) in conflict.differences.items())
            table.add_row(str(line), f"{conflict.relative_path}", diffs)
        console.print(table)
        if len(report.conflicts) > 50:
            console.print(f"... and {len(report.conflicts) - 50} more conflicts")
