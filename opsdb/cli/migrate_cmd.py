"""`opsdb migrate apply | rollback | list`: schema migrations, safe when two deploys race.

Argument parsing and printing only; migrating is opsdb/migrate.py.
"""

from __future__ import annotations

import argparse

from opsdb.cli.common import EXIT_OK, add_command, add_yes, confirm, positive_int


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(
        sub,
        "migrate",
        help="apply, roll back or list schema migrations",
        examples=["opsdb migrate apply", "opsdb migrate list", "opsdb migrate rollback --count 1 --yes"],
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    add_command(
        actions,
        "apply",
        help="apply every pending migration",
        examples=["OPSDB_DSN=postgresql://… opsdb migrate apply"],
    ).set_defaults(run=_run, action="apply")
    rollback = add_command(
        actions,
        "rollback",
        help="roll back applied migrations (default: the last one); names the database and asks first",
        examples=["opsdb migrate rollback", "opsdb migrate rollback --all --yes"],
    )
    group = rollback.add_mutually_exclusive_group()
    group.add_argument("--count", type=positive_int, default=1, help="how many to roll back (default 1)")
    group.add_argument("--all", action="store_true", help="roll back every migration (drops every table)")
    add_yes(rollback)
    rollback.set_defaults(run=_run, action="rollback")
    add_command(
        actions, "list", help="list migrations and whether each is applied", examples=["opsdb migrate list"]
    ).set_defaults(run=_run, action="list")


def _run(args: argparse.Namespace) -> int:
    import psycopg

    from opsdb import migrate
    from opsdb.cli.output import stdout, table
    from opsdb.cli.target import resolve
    from opsdb.config import redact_dsn
    from opsdb.errors import DatabaseUnavailableError
    from opsdb.settings import load_settings, secret

    settings = load_settings()
    target = resolve(args, apply_migrations=False)
    dsn = secret(settings.migrate_dsn) or target.dsn  # OPSDB_MIGRATE_DSN: a direct connection past a pooler
    timeout = settings.migrate_lock_timeout
    console = stdout()
    try:
        if args.action == "apply":
            applied = migrate.apply(dsn, lock_timeout=timeout)
            console.print(
                f"applied {len(applied)} migration(s)" + (": " + ", ".join(applied) if applied else ""), markup=False
            )
        elif args.action == "rollback":
            applied = [s.id for s in migrate.status(dsn) if s.applied]
            chosen = applied if args.all else applied[-args.count :]
            if not chosen:
                console.print("rolled back 0 migration(s): none is applied")
                return EXIT_OK
            what = "every migration (this drops every table and all data)" if args.all else ", ".join(chosen)
            confirm(f"roll back {what} in database {target.label}?", args.yes)
            undone = migrate.rollback(dsn, count=None if args.all else args.count, lock_timeout=timeout)
            console.print(
                f"rolled back {len(undone)} migration(s)" + (": " + ", ".join(undone) if undone else ""), markup=False
            )
        else:
            console.print(table(None, ("migration", "applied"), ((s.id, s.applied) for s in migrate.status(dsn))))
    except psycopg.OperationalError as exc:
        raise DatabaseUnavailableError(f"cannot connect to {redact_dsn(dsn)}: {redact_dsn(str(exc))}") from None
    return EXIT_OK
