"""`opsdb migrate apply | rollback | list`: schema migrations, safe when two deploys race."""

from __future__ import annotations

import argparse

import psycopg
from rich.console import Console
from rich.table import Table

from opsdb import migrate
from opsdb.cli import EXIT_OK, positive_int
from opsdb.config import dsn_from_env, redact_dsn
from opsdb.errors import DatabaseUnavailableError
from opsdb.settings import load_settings, secret

console = Console(highlight=False)


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("migrate", help="apply, roll back or list schema migrations")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    actions.add_parser("apply", help="apply every pending migration").set_defaults(run=_run, action="apply")
    rollback = actions.add_parser("rollback", help="roll back applied migrations (default: the last one)")
    group = rollback.add_mutually_exclusive_group()
    group.add_argument("--count", type=positive_int, default=1, help="how many to roll back (default 1)")
    group.add_argument("--all", action="store_true", help="roll back every migration")
    rollback.set_defaults(run=_run, action="rollback")
    actions.add_parser("list", help="list migrations and whether each is applied").set_defaults(run=_run, action="list")


def _dsn() -> str:
    configured = secret(load_settings().migrate_dsn) or dsn_from_env()
    if configured:
        return configured
    from opsdb import local

    return local.up(apply_migrations=False)


def _run(args: argparse.Namespace) -> int:
    dsn = _dsn()
    timeout = load_settings().migrate_lock_timeout
    try:
        if args.action == "apply":
            applied = migrate.apply(dsn, lock_timeout=timeout)
            console.print(f"applied {len(applied)} migration(s)" + (": " + ", ".join(applied) if applied else ""))
        elif args.action == "rollback":
            undone = migrate.rollback(dsn, count=None if args.all else args.count, lock_timeout=timeout)
            console.print(f"rolled back {len(undone)} migration(s)" + (": " + ", ".join(undone) if undone else ""))
        else:
            table = Table("migration", "applied")
            for state in migrate.status(dsn):
                table.add_row(state.id, "yes" if state.applied else "[yellow]no[/]")
            console.print(table)
    except psycopg.OperationalError as exc:
        raise DatabaseUnavailableError(f"cannot connect to {redact_dsn(dsn)}: {redact_dsn(str(exc))}") from None
    return EXIT_OK
