"""`opsdb db up | down | dsn | reset`: the persistent local PostgreSQL for development."""

from __future__ import annotations

import argparse

from rich.console import Console

from opsdb import local
from opsdb.cli import EXIT_OK

console = Console(highlight=False)


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("db", help="manage the local embedded PostgreSQL (used when OPSDB_DSN is unset)")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    for name, text in (
        ("up", "start it (creating and migrating the database if needed)"),
        ("down", "stop it"),
        ("dsn", "print its DSN (starting it if needed)"),
        ("reset", "stop it, delete its data and start afresh"),
    ):
        actions.add_parser(name, help=text).set_defaults(run=_run, action=name)


def _run(args: argparse.Namespace) -> int:
    if args.action == "up":
        dsn = local.up()
        console.print(f"local database up: {dsn}\ndata: {local.data_dir()}")
    elif args.action == "down":
        stopped = local.down()
        console.print("local database stopped" if stopped else "local database was not running")
    elif args.action == "dsn":
        print(local.up())
    else:
        dsn = local.reset()
        console.print(f"local database reset: {dsn}")
    return EXIT_OK
