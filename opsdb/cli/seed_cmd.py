"""`opsdb seed FILE`: apply a declarative observatory description (TOML), idempotently.

Argument parsing and printing only; seeding is opsdb/seed.py.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from opsdb.cli.common import EXIT_OK, Interrupted, UsageError, add_command, add_json, run_async


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(
        sub,
        "seed",
        help="create the observatory described in a TOML file (idempotent)",
        description="Create telescopes, instruments and modules, sites and their storage locations, routes, "
        "programs, obs modes, sources and obs units from a TOML file that names things (never ids). Entries "
        "already stored with the same values are left alone, so re-applying changes nothing; any problem "
        "(naming file, entry and field), or an entry stored with other values, writes nothing (exit 2).",
        examples=["opsdb seed examples/ccat.toml", "opsdb seed site.toml --json"],
    )
    parser.add_argument("file", type=Path, help="the TOML description (see examples/ccat.toml)")
    add_json(parser)
    parser.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    from opsdb.cli.output import print_json, stdout, table
    from opsdb.cli.target import resolve
    from opsdb.seed import load

    if not args.file.is_file():
        raise UsageError(f"no such file: {args.file}")
    data = load(args.file)  # file errors before touching a database
    target = resolve(args)
    Interrupted.committed = "nothing was written (the seed is one transaction)"
    report = run_async(_apply, target.dsn, args.file, data)
    if args.json:
        print_json({"created": report.created, "unchanged": report.unchanged})
        return EXIT_OK
    kinds = sorted(set(report.created) | set(report.unchanged))
    stdout().print(
        table(
            f"Seeded from {args.file}",
            ("kind", "created", "already stored"),
            ((k, report.created.get(k, 0), report.unchanged.get(k, 0)) for k in kinds),
        )
    )
    return EXIT_OK


async def _apply(dsn: str, path: Path, data: dict[str, object]) -> object:
    from opsdb.db import Database
    from opsdb.seed import apply_seed

    async with await Database.connect(dsn, max_size=1) as db:
        return await apply_seed(db, path, data)
