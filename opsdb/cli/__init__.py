"""The `opsdb` command line: parser, dispatch and exit codes.

Exit codes: 0 success; 1 the job ran but found problems (conflicts, failed invariants);
2 bad usage or bad input; 3 database unreachable. Each subcommand lives in its own module
and registers itself with `add_parser(subparsers)`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from rich.console import Console

from opsdb.config import redact_dsn
from opsdb.errors import DatabaseUnavailableError, InputValidationError, OpsdbError

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, EXIT_UNAVAILABLE = 0, 1, 2, 3

err_console = Console(stderr=True, highlight=False)


def positive_int(text: str) -> int:
    """argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def positive_days(text: str) -> float:
    """argparse type: a finite number of days, more than 0 and at most 100 years."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 < value <= 36_525:  # (false for NaN too)
        raise argparse.ArgumentTypeError(f"must be more than 0 and at most 36525 days, got {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    from opsdb.cli import db_cmd, migrate_cmd

    parser = argparse.ArgumentParser(
        prog="opsdb",
        description="Operational database of the CCAT Data Center. Without OPSDB_DSN every command "
        "uses a local embedded PostgreSQL (started on demand).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (migrate_cmd, db_cmd):
        module.add_parser(sub)
    _optional_commands(sub)
    return parser


def _optional_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Commands whose modules may not exist in every build of the package."""
    import importlib

    for name in ("register_cmd", "status_cmd", "token_cmd", "simulate_cmd", "history_cmd", "spool_cmd"):
        try:
            module = importlib.import_module(f"opsdb.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"opsdb.cli.{name}":
                raise
            continue
        module.add_parser(sub)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit code."""
    args = build_parser().parse_args(argv)
    try:
        code: int = args.run(args)
        return code
    except DatabaseUnavailableError as exc:
        err_console.print(f"[red]error:[/] {redact_dsn(str(exc))}")
        return EXIT_UNAVAILABLE
    except InputValidationError as exc:
        err_console.print(f"[red]error:[/] {exc}")
        return EXIT_USAGE
    except OpsdbError as exc:
        err_console.print(f"[red]error:[/] {redact_dsn(str(exc))}")
        return EXIT_PROBLEMS
    except KeyboardInterrupt:
        err_console.print("interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main())
