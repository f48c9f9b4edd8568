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

from opsdb.cli import (
    db_cmd,
    history_cmd,
    listing_cmd,
    metrics_cmd,
    migrate_cmd,
    register_cmd,
    report_cmd,
    seed_cmd,
    simulate_cmd,
    spool_cmd,
    status_cmd,
    token_cmd,
    users_cmd,
    work_cmd,
)
from opsdb.cli.common import (
    COMMON,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_PROBLEMS,
    EXIT_UNAVAILABLE,
    EXIT_USAGE,
    Interrupted,
    ProblemsError,
    UsageError,
    err_console,
    human,
)

COMMANDS = (
    db_cmd,
    migrate_cmd,
    seed_cmd,
    register_cmd,
    listing_cmd,
    users_cmd,
    work_cmd,
    report_cmd,
    status_cmd,
    token_cmd,
    simulate_cmd,
    metrics_cmd,
    history_cmd,
    spool_cmd,
)
"""Command modules, in the order `--help` lists them."""


def build_parser() -> argparse.ArgumentParser:
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
    for module in COMMANDS:
        module.add_parser(sub)
    return parser


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
        if _sqlstate(exc) in _NOT_MIGRATED:
            return _not_migrated(args)
        _error(redact_dsn(str(exc)))
        return EXIT_PROBLEMS
    except KeyboardInterrupt:
        raise
    except Exception as exc:
        state = _sqlstate(exc)
        if state in _NOT_MIGRATED:
            return _not_migrated(args)
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


_NOT_MIGRATED = ("42P01", "3F000", "42883")
"""SQLSTATEs of an undefined table, schema or function: the database lacks (some of) the schema."""


def _not_migrated(args: argparse.Namespace) -> int:
    _error(
        f"the database {_database_name(args)} is not migrated (or is older than this opsdb): run `opsdb migrate apply`"
    )
    return EXIT_UNAVAILABLE


def _database_name(args: argparse.Namespace) -> str:
    target = getattr(args, "target", None)
    return getattr(target, "label", None) or "in use"


if __name__ == "__main__":
    sys.exit(main())
