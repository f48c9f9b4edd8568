"""Benchmark: read throughput with one streaming replica against none, in the same run.

Starts a primary and a streaming replica (`pg_basebackup -R`, tests/cluster_support.py: the
embedded PostgreSQL 18 binaries, or `--bindir /usr/lib/postgresql/15/bin`), fills
`raw_data_file` through `register_files`, then runs `--readers` concurrent readers for
`--seconds` each way: every read is one `db.read()` unit of work running a server-heavy
query (files of one size band, counted and summed) and a repository lookup by id.
"Primary only" is a `Database` without replicas; "one replica" sends plain reads to the
replica, so the primary only serves writes. Both servers share this machine's cores, so the
figure shows the routing's overhead and what moving reads off the primary frees, not a
second machine's capacity::

    python -m bench.replicas [--files 100000] [--readers 8] [--seconds 10] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
import uuid
from pathlib import Path
from typing import Any

import anyio
import psycopg

from opsdb import migrate
from opsdb.config import with_database
from opsdb.db import Database
from opsdb.registration import register_files
from opsdb.settings import Settings
from opsdb.testing import seed_world
from tests.cluster_support import Cluster, free_port

QUERY = "SELECT count(*), sum(size_bytes) FROM raw_data_file WHERE size_bytes BETWEEN $1 AND $1 + 5000"


async def _fill(dsn: str, files: int) -> list[uuid.UUID]:
    async with await Database.connect(dsn) as db:
        async with db.connection() as conn:
            world = await seed_world(conn)
        records = [
            {
                "instrument_module_id": world.module_id,
                "executed_obs_unit_id": world.execution_id,
                "name": f"f{i}",
                "relative_path": f"bench/{i // 1000}/f{i}.fits",
                "size_bytes": (i * 7919) % 1_000_000,
                "checksum_algorithm": "md5",
                "checksum": f"{i:032x}",
                "file_created_at": "2026-01-01T00:00:00+00:00",
            }
            for i in range(files)
        ]
        await register_files(db, world.locations["ccat_source"], records)
        async with db.connection() as conn:
            rows = await conn.fetch("SELECT id FROM raw_data_file ORDER BY id LIMIT 1000")
            await conn.execute("ANALYZE raw_data_file")
        return [r["id"] for r in rows]


async def _measure(db: Database, ids: list[uuid.UUID], readers: int, seconds: float) -> dict[str, Any]:
    reads = 0
    on_replica = 0
    deadline = time.monotonic() + seconds

    async def reader(n: int) -> None:
        nonlocal reads, on_replica
        i = n
        while time.monotonic() < deadline:
            async with db.read() as uow:
                await uow.conn.fetchrow(QUERY, (i * 104729) % 1_000_000)
                await uow.files.get_file(ids[i % len(ids)])
                on_replica += uow.on_replica
            reads += 1
            i += readers

    started = time.monotonic()
    async with anyio.create_task_group() as tg:
        for n in range(readers):
            tg.start_soon(reader, n)
    elapsed = time.monotonic() - started
    return {"reads": reads, "reads_per_s": round(reads / elapsed, 1), "on_replica": on_replica}


async def _run(primary: str, replica: str, args: argparse.Namespace) -> dict[str, Any]:
    ids = await _fill(primary, args.files)
    settings = Settings(pool_max_size=args.readers + 2)
    results: dict[str, Any] = {}
    async with await Database.connect(primary, replicas=[], settings=settings) as db:
        await _measure(db, ids, args.readers, 1.0)  # warm the caches
        results["primary_only"] = await _measure(db, ids, args.readers, args.seconds)
    async with await Database.connect(primary, replicas=[replica], settings=settings) as db:
        seen = await db.write_position()
        async with db.read(after=seen) as uow:
            assert uow.on_replica, "the replica did not catch up"
        await _measure(db, ids, args.readers, 1.0)
        results["one_replica"] = await _measure(db, ids, args.readers, args.seconds)
    results["ratio"] = round(results["one_replica"]["reads_per_s"] / results["primary_only"]["reads_per_s"], 2)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.replicas", description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--readers", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--bindir", type=Path, help="PostgreSQL binaries (default: the embedded 18)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    primary = Cluster.create(free_port(), args.bindir)
    replica: Cluster | None = None
    try:
        primary.start()
        with psycopg.connect(primary.dsn(), autocommit=True) as admin:
            admin.execute('CREATE DATABASE "opsdb"')
        migrate.apply(with_database(primary.dsn(), "opsdb"))
        replica = primary.replica(free_port())
        replica.wait_ready()
        results = anyio.run(_run, with_database(primary.dsn(), "opsdb"), with_database(replica.dsn(), "opsdb"), args)
    finally:
        if replica is not None:
            replica.destroy()
        primary.destroy()
    results["machine"] = {"cpus": os.cpu_count(), "python": platform.python_version()}
    results["settings"] = {"files": args.files, "readers": args.readers, "seconds": args.seconds}
    for name in ("primary_only", "one_replica"):
        row = results[name]
        print(f"{name:>13}: {row['reads_per_s']:>9.1f} reads/s  ({row['on_replica']} on the replica)")
    print(f"        ratio: {results['ratio']:.2f}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
