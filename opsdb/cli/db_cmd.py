"""`opsdb db up | down | dsn | reset`: the persistent local PostgreSQL for development.

Argument parsing and printing only; the server is opsdb/local.py and opsdb/embedded.py.
"""

from __future__ import annotations

import argparse

from opsdb.cli.common import EXIT_OK, add_command, add_yes, confirm


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(
        sub,
        "db",
        help="manage the local embedded PostgreSQL (used when OPSDB_DSN is unset)",
        examples=["opsdb db up", "opsdb db dsn", "opsdb db down", "opsdb db reset --yes"],
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    for name, text, example in (
        ("up", "start it (creating and migrating the database if needed)", "opsdb db up"),
        ("down", "stop it", "opsdb db down"),
        ("dsn", "print its DSN (starting it if needed)", 'psql "$(opsdb db dsn)"'),
        ("reset", "stop it, delete all its data and start afresh (asks first)", "opsdb db reset --yes"),
    ):
        action = add_command(actions, name, help=text, examples=[example])
        if name == "reset":
            add_yes(action)
        action.set_defaults(run=_run, action=name)


def _run(args: argparse.Namespace) -> int:
    from opsdb import local
    from opsdb.cli.output import stdout

    console = stdout()
    database = args.database or local.DATABASE
    if args.action == "up":
        dsn = local.up(database=database)
        console.print(f"local database {database} up: {dsn}\ndata: {local.data_dir()}", markup=False)
    elif args.action == "down":
        stopped = local.down()
        console.print("local database stopped" if stopped else "local database was not running")
    elif args.action == "dsn":
        print(local.up(database=database))
    else:
        confirm(f"delete every database of the local server in {local.data_dir()} (all its data)?", args.yes)
        dsn = local.reset()
        console.print(f"local database reset: {dsn}", markup=False)
    return EXIT_OK
