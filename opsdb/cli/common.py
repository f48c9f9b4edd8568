"""What every command module shares: exit codes, errors, argument types, `add_command`, confirmation.

The parser and dispatch live in opsdb/cli/__init__.py, which imports the command modules;
those import this module only, so the command line has no import cycle.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, EXIT_UNAVAILABLE, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 4, 130

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


class _LazyConsole:
    """The stderr console, created on first use (rich is not imported for `--help`)."""

    def __getattr__(self, name: str) -> Any:
        from opsdb.cli.output import stderr

        return getattr(stderr(), name)


err_console: Console = _LazyConsole()  # type: ignore[assignment]
"""The console for errors and notes (stderr); command modules may print to it."""


def run_async(func: Any, *args: Any) -> Any:
    """Run an async function to completion (anyio on asyncio)."""
    import anyio

    return anyio.run(func, *args)
