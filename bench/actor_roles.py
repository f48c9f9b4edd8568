"""Benchmark: what the per-actor checks of migration 0017 cost a registration.

Registers `--files` files per run on a throwaway embedded PostgreSQL, alternating three set-ups:
the owner (the actor trigger on physical_copy inserts returns at once), an `opsdb_instrument`
login (the trigger checks every location of the batch), and the owner with that trigger
disabled. `python -m bench.actor_roles --files 100000 --rounds 3`
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections import defaultdict

import psycopg

from opsdb import embedded, migrate
from opsdb.config import with_database
from opsdb.db import Database
from opsdb.registration import register_files
from opsdb.testing import file_records, seed_registration

LOGIN = "opsdb_bench_instrument"


def _as_user(dsn: str, user: str) -> str:
    scheme, rest = dsn.split("://", 1)
    return f"{scheme}://{user}@{rest.split('@', 1)[1]}"


async def _run(dsn: str, owner_dsn: str, files: int, start: int) -> float:
    async with await Database.connect(owner_dsn) as owner, owner.connection() as conn:
        seeded = await seed_registration(conn, modules=4, units=4, name=f"b{start}")
    records = file_records(seeded, files, start=start, prefix=f"s{start}")
    async with await Database.connect(dsn, min_size=2, max_size=4) as db:
        began = time.perf_counter()
        report = await register_files(db, seeded.location, records)
        elapsed = time.perf_counter() - began
    assert report.new == files
    return files / elapsed


async def main(files: int, rounds: int) -> None:
    with embedded.throwaway("opsdb-bench-roles-") as server:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute("CREATE DATABASE bench_roles")
        owner = with_database(server, "bench_roles")
        migrate.apply(owner)
        with psycopg.connect(owner, autocommit=True) as admin:
            admin.execute(f"CREATE ROLE {LOGIN} LOGIN IN ROLE opsdb_instrument")
        setups = (
            ("owner, actor trigger", owner, "ENABLE"),
            ("instrument login, actor trigger", _as_user(owner, LOGIN), "ENABLE"),
            ("owner, actor trigger disabled", owner, "DISABLE"),
        )
        rates: dict[str, list[float]] = defaultdict(list)
        try:
            run = 0
            for _ in range(rounds):
                for label, dsn, trigger in setups:
                    with psycopg.connect(owner, autocommit=True) as admin:
                        admin.execute(f"ALTER TABLE physical_copy {trigger} TRIGGER opsdb_actor_physical_copy_insert")
                    run += 1
                    rates[label].append(await _run(dsn, owner, files, run * 10_000_000))
        finally:
            with psycopg.connect(server, autocommit=True) as admin:
                admin.execute("DROP DATABASE bench_roles WITH (FORCE)")
                admin.execute(f"DROP ROLE {LOGIN}")
        for label, values in rates.items():
            each = ", ".join(f"{v:,.0f}" for v in values)
            print(f"{label}: median {statistics.median(values):,.0f} files/s ({each})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.files, arguments.rounds))
