"""`opsdb register MANIFEST`: register an instrument's raw files in bulk from a manifest.

`--check` runs the whole registration inside one transaction and rolls it back: every check
the real run makes (fields, modules, executions, conflicts with stored files), nothing
written. Conflicts found by committed batches are reported even when a later line is bad.
"""

from __future__ import annotations

import argparse
import logging
from array import array
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from opsdb.cli.common import (
    EXIT_OK,
    EXIT_PROBLEMS,
    EXIT_USAGE,
    Interrupted,
    UsageError,
    add_command,
    positive_int,
    run_async,
)

if TYPE_CHECKING:
    from opsdb.errors import FieldProblem
    from opsdb.registration import RegistrationReport

DEFAULT_CONNECTIONS = 3  # = opsdb.registration.DEFAULT_CONNECTIONS (not imported: keeps --help fast)


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(
        sub,
        "register",
        help="register raw files from a JSON Lines or CSV manifest",
        description="Register raw files in bulk; each gets a present copy at LOCATION. Idempotent: "
        "re-running a manifest registers nothing twice. Exit 1 when conflicts were found, 2 for a bad manifest "
        "or an unknown location.",
        examples=[
            "opsdb register night-42.jsonl --location ccat/chai_source",
            "opsdb register night-42.csv --location ccat/primecam_source --check",
        ],
    )
    parser.add_argument("manifest", type=Path, help="a .jsonl or .csv file of file records")
    parser.add_argument(
        "--location", required=True, metavar="SITE/LOCATION", help="source location, e.g. ccat/chai_source"
    )
    parser.add_argument("--format", choices=("jsonl", "csv"), help="manifest format (default: from the extension)")
    parser.add_argument(
        "--check", action="store_true", help="check everything (conflicts too) and write nothing (rolled back)"
    )
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


class _CheckDone(Exception):
    """Raised inside the check transaction to roll it back."""


def _run(args: argparse.Namespace) -> int:
    from opsdb.cli.output import stderr
    from opsdb.cli.target import resolve
    from opsdb.errors import InputValidationError
    from opsdb.manifest import ManifestError
    from opsdb.registration import RegistrationReport

    path: Path = args.manifest
    if not path.is_file():
        raise UsageError(f"no such manifest: {path}")
    site, _, location = args.location.partition("/")
    if not site or not location:
        raise UsageError("--location must be SITE/LOCATION, e.g. ccat/chai_source")
    target = resolve(args)
    lines = array("Q")  # input position -> manifest line number
    report = RegistrationReport()
    err = stderr()
    committed = [0]
    Interrupted.committed = "nothing was written (checked only)" if args.check else "no batch was committed yet"
    try:
        run_async(_register, target.dsn, args, path, site, location, lines, report, committed)
    except ManifestError as exc:
        _print_report(report, lines, partial=True)
        err.print(f"[red]error:[/] {_escape(str(exc))}")
        _print_committed(committed[0], args.check)
        return EXIT_USAGE
    except InputValidationError as exc:
        _print_report(report, lines, partial=True)
        err.print(f"[red]error:[/] bad manifest {_escape(str(path))}, nothing of that batch written:")
        for problem in exc.problems[:20]:
            err.print(f"  {_escape(_at_line(problem, lines))}")
        if len(exc.problems) > 20:
            err.print(f"  ... and {len(exc.problems) - 20} more")
        _print_committed(committed[0], args.check)
        return EXIT_USAGE
    _print_report(report, lines, partial=False)
    if args.check:
        err.print("checked only: nothing was written")
    return EXIT_PROBLEMS if report.conflicts else EXIT_OK


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def _print_committed(records: int, check: bool) -> None:
    from opsdb.cli.output import stderr

    if check:
        stderr().print("checked only: nothing was written")
        return
    stderr().print(
        f"{records} records of the batches before it are registered (their conflicts are listed above); "
        "re-sending the whole manifest is safe"
    )


def _at_line(problem: FieldProblem, lines: array[int]) -> str:
    line = lines[problem.position] if 0 <= problem.position < len(lines) else "?"
    return f"line {line}: {problem.field}: {problem.message}"


async def _register(
    dsn: str,
    args: argparse.Namespace,
    path: Path,
    site: str,
    location: str,
    lines: array[int],
    report: RegistrationReport,
    committed: list[int],
) -> None:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from opsdb.cli.output import stderr
    from opsdb.db import Database
    from opsdb.manifest import count_records, read_manifest, resolve_modules
    from opsdb.registration import BatchProgress, register_files

    async with await Database.connect(dsn, max_size=max(args.connections, 1) + 1) as db:
        async with db.transaction() as uow:
            target = await uow.sites.get_location_by_name(site, location)
            modules = await uow.observatories.module_ids_by_name()

        def records() -> Iterator[dict[str, Any]]:
            for number, record in resolve_modules(read_manifest(path, args.format), modules):
                lines.append(number)
                yield record

        with Progress(
            TextColumn("checking" if args.check else "registering"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=stderr(),
            disable=args.no_progress,
            transient=True,
        ) as progress:
            task = progress.add_task("files", total=count_records(path))

            log = logging.getLogger("opsdb.registration")

            def on_progress(p: BatchProgress) -> None:
                log.info(
                    "batch %s", "checked" if args.check else "registered",
                    extra={"batch": p.batch, "count": p.size, "location": args.location,
                           "new": p.new, "conflicts": p.conflicts},
                )  # fmt: skip
                progress.update(task, completed=p.done)
                committed[0] = p.done
                if not args.check:
                    Interrupted.committed = (
                        f"{p.done} records in committed batches are registered; re-sending the whole manifest is safe"
                    )

            if not args.check:
                await register_files(
                    db,
                    target.id,
                    records(),
                    batch_size=args.batch_size,
                    connections=args.connections,
                    on_progress=on_progress,
                    report=report,
                )
                return
            try:
                async with db.connection() as conn, conn.transaction():
                    await register_files(
                        conn, target.id, records(), batch_size=args.batch_size, on_progress=on_progress, report=report
                    )
                    raise _CheckDone
            except _CheckDone:
                pass


def _print_report(report: RegistrationReport, lines: array[int], *, partial: bool) -> None:
    from opsdb.cli.output import stdout, table

    if partial and not (report.conflicts or report.new or report.existing):
        return
    console = stdout()
    rate = report.total / report.seconds if report.seconds else 0.0
    title = "Registration (batches before the error)" if partial else "Registration"
    console.print(
        table(
            title,
            ("new", "already present", "conflicts", "files/s"),
            [(report.new, report.existing, len(report.conflicts), f"{rate:,.0f}")],
        )
    )
    if report.conflicts:
        conflicts = sorted(report.conflicts, key=lambda c: c.position)

        def row(conflict: Any) -> tuple[Any, ...]:
            line = lines[conflict.position] if conflict.position < len(lines) else "?"
            diffs = "; ".join(f"{k}: stored {old} / given {new}" for k, (old, new) in conflict.differences.items())
            return (line, conflict.relative_path, diffs)

        console.print(
            table("Conflicts (nothing was overwritten)", ("line", "file", "differs"), (row(c) for c in conflicts[:50]))
        )
        if len(conflicts) > 50:
            console.print(f"... and {len(conflicts) - 50} more conflicts")
