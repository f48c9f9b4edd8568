"""The `opsdb` command line: parser, dispatch and exit codes.

Exit codes: 0 success; 1 the job ran but found problems (conflicts, failed invariants,
refused operations); 2 bad usage or bad input (unknown names included); 3 database
unreachable, not migrated, or the local server cannot start; 4 internal error (a bug: set
OPSDB_DEBUG=1 for the traceback); 130 interrupted. Each subcommand lives in its own module
and registers itself with `add_parser(subparsers)`; modules import their heavy dependencies
(rich, asyncpg, pydantic) only when they run, so `--help` stays fast.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, EXIT_UNAVAILABLE, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 4, 130

COMMANDS = (
    "db_cmd",
    "migrate_cmd",
    "seed_cmd",
    "register_cmd",
    "listing_cmd",
    "users_cmd",
    "work_cmd",
    "report_cmd",
    "status_cmd",
    "token_cmd",
    "simulate_cmd",
    "metrics_cmd",
    "history_cmd",
    "spool_cmd",
)
"""Command modules, in the order `--help` lists them; absent ones are skipped."""

_HUMAN = {
    "data_location": "location",
    "user_account": "user",
    "role": "role",
    "site": "site",
    "executed_obs_unit": "execution",
    "raw_data_file": "file",
    "raw_data_package": "package",
    "data_transfer_package": "transfer package",
    "data_transfer": "transfer",
    "long_term_archive_transfer": "archive transfer",
    "physical_copy": "copy",
    "instrument_module": "instrument module",
    "obs_unit": "obs unit",
    "observing_program": "observing program",
    "api_token": "API token",
    "staging_job": "staging job",
}
"""Table names in messages, in an operator's words."""


class UsageError(Exception):
    """Bad usage or input found by a command: one line, exit 2."""


class ProblemsError(Exception):
    """The command ran and refused or found problems: one line, exit 1."""


class Interrupted:
    """What the running command has committed so far, said when Ctrl-C stops it."""

    committed: str = "nothing was written"


def human(entity: str) -> str:
    """A table name in an operator's words."""
    return _HUMAN.get(entity, entity.replace("_", " "))


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


def age(text: str) -> float:
    """argparse type: an age like `90s`, `15m`, `2h`, `3d` (bare numbers are seconds); seconds."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    number, unit = (text[:-1], text[-1]) if text and text[-1] in units else (text, "s")
    try:
        value = float(number) * units[unit]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an age: {text!r} (e.g. 90s, 15m, 2h, 3d)") from None
    if not 0 <= value < 1e10:
        raise argparse.ArgumentTypeError(f"not an age: {text!r}")
    return value


def _common() -> argparse.ArgumentParser:
    """Options every command accepts, before or after its name."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--database",
        metavar="NAME",
        default=argparse.SUPPRESS,
        help="use database NAME on the same server (default: the database of OPSDB_DSN, else "
        "'opsdb' on the local server)",
    )
    common.add_argument(
        "--log-json", action="store_true", default=argparse.SUPPRESS, help="log to stderr as JSON lines"
    )
    common.add_argument(
        "--verbose", "-v", action="store_true", default=argparse.SUPPRESS, help="log at INFO level to stderr"
    )
    return common


COMMON = _common()


def add_command(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    *,
    help: str,
    examples: Sequence[str],
    description: str | None = None,
) -> argparse.ArgumentParser:
    """A subcommand parser with the common options and an `examples:` epilog."""
    epilog = "examples:\n" + "\n".join(f"  {e}" for e in examples)
    return sub.add_parser(
        name,
        help=help,
        description=description or help,
        epilog=epilog,
        parents=[COMMON],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def add_json(parser: argparse.ArgumentParser) -> None:
    """The `--json` flag of listing and report commands."""
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON instead of a table")


def add_yes(parser: argparse.ArgumentParser) -> None:
    """The `--yes` flag of destructive commands."""
    parser.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation (for scripts)")


def confirm(question: str, yes: bool) -> None:
    """Ask `question` on the terminal; UsageError unless answered yes (or `--yes` given)."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise UsageError(f"{question} -- refusing without a terminal to ask; pass --yes to confirm")
    answer = input(f"{question} [y/N] ").strip().lower()
    if answer not in ("y", "yes"):
        raise ProblemsError("cancelled: nothing changed")


def build_parser() -> argparse.ArgumentParser:
    import importlib

    from opsdb import __version__

    parser = argparse.ArgumentParser(
        prog="opsdb",
        description="Operational database of the CCAT Data Center. Every command uses the database of "
        "OPSDB_DSN, else the persistent local one (embedded PostgreSQL, started on demand); "
        "--database NAME picks another database on the same server.",
        epilog="examples:\n  opsdb simulate\n  opsdb status\n  opsdb executions list --json\n"
        "  opsdb report at-risk\n\nexit codes: 0 ok, 1 problems found or refused, 2 bad usage or input, "
        "3 database unreachable or not migrated, 4 internal error, 130 interrupted",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[COMMON],
    )
    parser.set_defaults(database=None, log_json=False, verbose=False)
    parser.add_argument("--version", action="version", version=f"opsdb {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"opsdb.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"opsdb.cli.{name}":
                raise
            continue
        module.add_parser(sub)
    return parser


class _LazyConsole:
    """The stderr console, created on first use (rich is not imported for `--help`)."""

    def __getattr__(self, name: str) -> Any:
        from opsdb.cli.output import stderr

        return getattr(stderr(), name)


err_console: Console = _LazyConsole()  # type: ignore[assignment]
"""The console for errors and notes (stderr); command modules may print to it."""


def _error(message: str) -> None:
    from rich.markup import escape

    err_console.print(f"[red]error:[/] {escape(message)}", soft_wrap=True)


def _sqlstate(exc: BaseException) -> str | None:
    """The SQLSTATE of a driver error (asyncpg or psycopg), if any, through its causes."""
    seen: BaseException | None = exc
    while seen is not None:
        state = getattr(seen, "sqlstate", None)
        if isinstance(state, str):
            return state
        seen = seen.__cause__ or seen.__context__
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit code."""
    parser = build_parser()
    try:
        import argcomplete

        argcomplete.autocomplete(parser)
    except ImportError:  # pragma: no cover - a dependency, but completion is optional
        pass
    args = parser.parse_args(argv)
    from opsdb.logs import configure

    configure(json_lines=args.log_json, verbose=args.verbose)
    try:
        return _dispatch(args)
    except KeyboardInterrupt:
        import warnings

        warnings.simplefilter("ignore")
        _error(f"interrupted: {Interrupted.committed}")
        return EXIT_INTERRUPTED


def _dispatch(args: argparse.Namespace) -> int:
    from opsdb.config import redact_dsn
    from opsdb.errors import DatabaseUnavailableError, InputValidationError, NotFoundError, OpsdbError

    try:
        code: int = args.run(args)
        return code
    except UsageError as exc:
        _error(str(exc))
        return EXIT_USAGE
    except ProblemsError as exc:
        _error(str(exc))
        return EXIT_PROBLEMS
    except DatabaseUnavailableError as exc:
        _error(redact_dsn(str(exc)))
        return EXIT_UNAVAILABLE
    except InputValidationError as exc:
        _error(str(exc))
        return EXIT_USAGE
    except NotFoundError as exc:
        _error(f"{human(exc.entity)} not found: {exc.key}")
        return EXIT_USAGE
    except OpsdbError as exc:
        _error(redact_dsn(str(exc)))
        return EXIT_PROBLEMS
    except KeyboardInterrupt:
        raise
    except Exception as exc:
        state = _sqlstate(exc)
        if state in ("42P01", "3F000", "42883"):  # undefined table, schema or function
            _error(
                f"the database {_database_name(args)} is not migrated (or is older than this opsdb): "
                "run `opsdb migrate apply`"
            )
            return EXIT_UNAVAILABLE
        if isinstance(exc, OSError) and not state:
            _error(f"{exc.strerror or type(exc).__name__}: {exc.filename or exc}")
            return EXIT_USAGE
        if state and state.startswith(("08", "57P", "53")):  # connection, shutdown, resources
            _error(f"database unavailable: {redact_dsn(str(exc))}")
            return EXIT_UNAVAILABLE
        if state == "42501":
            _error(f"permission denied: {redact_dsn(str(exc))}")
            return EXIT_PROBLEMS
        if os.environ.get("OPSDB_DEBUG"):
            raise
        _error(f"internal error: {type(exc).__name__}: {redact_dsn(str(exc))} (set OPSDB_DEBUG=1 for the traceback)")
        return EXIT_INTERNAL


def _database_name(args: argparse.Namespace) -> str:
    target = getattr(args, "target", None)
    return getattr(target, "label", None) or "in use"


def run_async(func: Any, *args: Any) -> Any:
    """Run an async function to completion (anyio on asyncio)."""
    import anyio

    return anyio.run(func, *args)


if __name__ == "__main__":
    sys.exit(main())
