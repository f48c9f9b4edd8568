"""Deletion at scale: candidates, scheduling and claims, before (main's SQL) and after (0016).

    python -m bench.deletion [--packages 2000] [--files 100] [--deleted 0.5] [--scheduled 0.4]
                             [--repeat 5] [--dsn DSN] [--json out.json]

Builds, with INSERT ... SELECT generate_series (never one by one), a history of `--packages`
archived packages of `--files` files each, every file with a copy at the source: a fraction
`--deleted` of the packages has its file copies deleted already (history), `--scheduled`
scheduled and not yet claimed (the backlog of issue 13), the rest present and deletable.
Then times, on the same data in the same run:

* candidates: one `deletion_candidates(limit=1000)` call (median of `--repeat`);
* schedule 1,000: one `schedule_deletions(limit=1000)` (rolled back, median);
* scheduling rate: every deletable copy in batches of 50,000 (copies/s, rolled back);
* claiming rate: claims of 1,000 on one connection until the backlog of present copies,
  scheduled first, is claimed (copies/s, rolled back).

"before" runs main's statements (migrations 0009-0012: the per-copy rule over a scan of
copies, the generic claim judging one copy per call), copied here, with 0016's guard trigger
switched off inside the rolled-back transaction; "after" runs opsdb.deletion. Without
`--dsn` a throwaway embedded PostgreSQL 18 is started (fsync off). `bench.scale` may import
`build_history` and `measure`.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import psycopg

from opsdb import deletion, embedded, migrate
from opsdb.config import with_database
from opsdb.db import Connection, Database
from opsdb.queries import query

WORLD = """
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
chile AS (INSERT INTO site (name, short_name) VALUES ('CCAT', 'ccat') RETURNING id),
cologne AS (INSERT INTO site (name, short_name) VALUES ('Cologne', 'cologne') RETURNING id),
src_loc AS (INSERT INTO data_location (type, site_id, name, location_type, host, root_path)
            SELECT 'disk', chile.id, 'source', 'source', 'h', '/data' FROM chile RETURNING id),
buf_loc AS (INSERT INTO data_location (type, site_id, name, location_type, host, root_path)
            SELECT 'disk', chile.id, 'buffer', 'buffer', 'h', '/buffer' FROM chile RETURNING id),
lta_loc AS (INSERT INTO data_location (type, site_id, name, location_type, host, root_path)
            SELECT 'disk', cologne.id, 'lta', 'long_term_archive', 'h', '/lta' FROM cologne RETURNING id)
SELECT eou.id AS execution, mdl.id AS module, src_loc.id AS source, buf_loc.id AS buffer, lta_loc.id AS lta
FROM eou, mdl, src_loc, buf_loc, lta_loc
"""

# packages 1..n: the first `deleted` fraction's file copies are history, the next `scheduled`
# fraction waits in the deletion queue, the rest is present; all archived at the end, in one
# UPDATE (transferring -> archived), as the archive step does
PACKAGES = """
INSERT INTO raw_data_package (name, relative_path, executed_obs_unit_id, instrument_module_id, origin_location_id,
                              status, state, size_bytes, checksum, checksum_algorithm)
SELECT 'p' || n, 'p/' || n || '.tar', $1, $2, $3, 'completed', 'transferring', 1, repeat('a', 64), 'sha256'
FROM generate_series(1, $4) n
"""
ARCHIVE_COPIES = """
INSERT INTO physical_copy (type, raw_data_package_id, data_location_id, status, checksum_verified_at)
SELECT 'raw_data_package', p.id, $1, 'present', now() FROM raw_data_package p
"""
FILES = """
INSERT INTO raw_data_file (id, instrument_module_id, executed_obs_unit_id, raw_data_package_id, name, relative_path,
                           size_bytes, checksum, checksum_algorithm)
SELECT gen_random_uuid(), $1, $2, p.id, 'f' || p.id || '_' || n, 'f/' || p.id || '/' || n, 1, repeat('b', 64), 'sha256'
FROM raw_data_package p, generate_series(1, $3) n
"""
FILE_COPIES = """
INSERT INTO physical_copy (type, raw_data_file_id, data_location_id, status, deleted_at, next_attempt_at)
SELECT 'raw_data_file', f.id, $1,
       CASE WHEN f.raw_data_package_id <= $2 THEN 'deleted'
            WHEN f.raw_data_package_id <= $3 THEN 'deletion_scheduled' ELSE 'present' END,
       CASE WHEN f.raw_data_package_id <= $2 THEN now() END,
       CASE WHEN f.raw_data_package_id <= $3 THEN now() + interval '1 day' END
FROM raw_data_file f
ORDER BY f.raw_data_package_id, f.relative_path
"""

# main's candidates (migration 0012) and claim judge (0009), for the "before" figures
OLD_FUNCTIONS = """
CREATE OR REPLACE FUNCTION bench_old_deletion_candidates(locations bigint[], max_rows integer) RETURNS SETOF bigint
LANGUAGE sql STABLE AS $$
    SELECT c.id FROM physical_copy c
    JOIN data_location l ON l.id = c.data_location_id
    WHERE c.type <> 'raw_data_file' AND c.status = 'present' AND l.location_type IN ('source', 'buffer')
      AND (locations IS NULL OR c.data_location_id = ANY(locations))
      AND opsdb_copy_deletable(c.id)
    UNION ALL
    SELECT c.id FROM raw_data_package p
    JOIN raw_data_file f ON f.raw_data_package_id = p.id
    JOIN physical_copy c ON c.type = 'raw_data_file' AND c.raw_data_file_id = f.id
    JOIN data_location l ON l.id = c.data_location_id
    WHERE p.state = 'archived' AND c.status IN ('present', 'deletion_possible')
      AND l.location_type IN ('source', 'buffer')
      AND (locations IS NULL OR c.data_location_id = ANY(locations))
      AND opsdb_copy_deletable(c.id)
    UNION ALL
    SELECT c.id FROM physical_copy c
    JOIN data_location l ON l.id = c.data_location_id
    WHERE c.type = 'raw_data_package' AND c.status = 'staged' AND l.location_type = 'processing'
      AND (locations IS NULL OR c.data_location_id = ANY(locations))
      AND opsdb_copy_deletable(c.id)
    LIMIT max_rows
$$;
CREATE OR REPLACE FUNCTION bench_old_claim_deletable(copy_id bigint) RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM 1
    FROM physical_copy a
    JOIN data_location al ON al.id = a.data_location_id AND al.location_type = 'long_term_archive'
    WHERE a.type = 'raw_data_package'
      AND a.raw_data_package_id IN (
            SELECT pc.raw_data_package_id FROM physical_copy pc WHERE pc.id = copy_id
            UNION ALL
            SELECT f.raw_data_package_id FROM physical_copy pc JOIN raw_data_file f ON f.id = pc.raw_data_file_id
            WHERE pc.id = copy_id
            UNION ALL
            SELECT p.id FROM physical_copy pc
            JOIN raw_data_package p ON p.data_transfer_package_id = pc.data_transfer_package_id
            WHERE pc.id = copy_id)
    FOR SHARE OF a;
    RETURN opsdb_copy_deletable(copy_id);
END;
$$;
"""
OLD_CANDIDATES = "SELECT id FROM bench_old_deletion_candidates($1::bigint[], $2::integer) AS id"
OLD_SCHEDULE = """
WITH candidate AS (
    SELECT id FROM bench_old_deletion_candidates($1::bigint[], $2::integer) AS id
),
locked AS (
    SELECT c.id FROM physical_copy c JOIN candidate USING (id)
    WHERE c.status IN ('present', 'deletion_possible', 'staged')
    FOR UPDATE OF c SKIP LOCKED
)
UPDATE physical_copy c
SET status = 'deletion_scheduled', next_attempt_at = now(), attempts = 0, last_error = NULL,
    claimed_by = NULL, claim_token = NULL, lease_until = NULL
FROM locked
WHERE c.id = locked.id
RETURNING c.id
"""
GUARD_OFF = "ALTER TABLE physical_copy DISABLE TRIGGER physical_copy_transition_deletion_rule"


def _old_claim_sql() -> str:
    """main's generic claim (sql/work.sql) for deletions, judging one copy per call."""
    names = {
        "table": "physical_copy",
        "location": "data_location_id",
        "extra": "",
        "judge": "bench_old_claim_deletable(id)",
        "window": "4",
        "pending": "deletion_scheduled",
        "running": "deletion_in_progress",
        "done": "deleted",
        "failed": "deletion_failed",
    }
    for column in (
        "status",
        "attempts",
        "max_attempts",
        "last_error",
        "next_attempt_at",
        "claimed_by",
        "claim_token",
        "lease_until",
    ):
        names[column] = column
    return re.sub(r"\{([a-z_]+)\}", lambda m: names[m.group(1)], query("work_claim"))


async def build_history(
    conn: Connection, *, packages: int, files: int, deleted: float, scheduled: float
) -> dict[str, Any]:
    """Generate the world and its deletion history (see the module docstring); its location ids."""
    world = dict(await conn.fetchrow(WORLD) or {})
    await conn.execute(PACKAGES, world["execution"], world["module"], world["source"], packages)
    await conn.execute(ARCHIVE_COPIES, world["lta"])
    await conn.execute(FILES, world["module"], world["execution"], files)
    gone = int(packages * deleted)
    waiting = gone + int(packages * scheduled)
    await conn.execute(FILE_COPIES, world["source"], gone, waiting)
    await conn.execute("UPDATE raw_data_package SET state = 'archived'")
    for table in ("physical_copy", "raw_data_file", "raw_data_package", "deletion_file_queue"):
        await conn.execute(f"VACUUM ANALYZE {table}")
    world["present"] = (packages - waiting) * files
    world["history"] = waiting * files
    return world


async def _timed(action: Callable[[], Awaitable[int]]) -> tuple[float, int]:
    start = time.perf_counter()
    count = await action()
    return time.perf_counter() - start, count


async def _rolled_back(conn: Connection, action: Callable[[], Awaitable[int]], old: bool) -> tuple[float, int]:
    """Time `action` inside a transaction that is rolled back (the next run sees the same data)."""
    tx = conn.raw.transaction()
    await tx.start()
    try:
        if old:
            await conn.execute(GUARD_OFF)
        return await _timed(action)
    finally:
        await tx.rollback()


async def measure(conn: Connection, *, repeat: int = 5) -> dict[str, dict[str, float]]:
    """Before/after figures on the data `build_history` made."""
    await conn.execute(OLD_FUNCTIONS)
    old_claim = _old_claim_sql()
    figures: dict[str, dict[str, float]] = {}
    for label, old in (("before", True), ("after", False)):

        async def candidates(old: bool = old) -> int:
            if old:
                return len(await conn.fetch(OLD_CANDIDATES, None, 1000))
            return len(await deletion.deletion_candidates(conn, limit=1000))

        async def schedule(limit: int, old: bool = old) -> int:
            if old:
                return len(await conn.fetch(OLD_SCHEDULE, None, limit))
            return len(await deletion.schedule_deletions(conn, limit=limit))

        async def schedule_all(old: bool = old) -> int:
            total = 0
            while n := await schedule(50_000, old):
                total += n
            return total

        claim_rate: list[float] = []

        async def claim_all(old: bool = old, claim_rate: list[float] = claim_rate) -> int:
            await conn.execute(
                "UPDATE physical_copy SET next_attempt_at = now() + interval '2 days' "
                "WHERE status = 'deletion_scheduled'"
            )
            await schedule_all(old)
            start = time.perf_counter()
            total = 0
            while True:
                if old:
                    n = len(await conn.fetch(old_claim, "bench", 1000, None, None, 600.0))
                else:
                    n = len(await deletion.claim_deletions(conn, "bench", limit=1000))
                if not n:
                    break
                total += n
            claim_rate.append(total / (time.perf_counter() - start))
            return total

        cand = [await _rolled_back(conn, candidates, old) for _ in range(repeat)]
        batch = [await _rolled_back(conn, lambda old=old: schedule(1000, old), old) for _ in range(repeat)]
        rate_time, rate_count = await _rolled_back(conn, schedule_all, old)
        await _rolled_back(conn, claim_all, old)
        figures[label] = {
            "candidates_ms": statistics.median(t for t, _ in cand) * 1000,
            "candidates_found": cand[0][1],
            "schedule_1000_ms": statistics.median(t for t, _ in batch) * 1000,
            "scheduled_per_s": rate_count / rate_time if rate_time else 0.0,
            "scheduled": rate_count,
            "claimed_per_s": claim_rate[0],
        }
    return figures


async def _main(args: argparse.Namespace, admin_dsn: str) -> dict[str, Any]:
    name = "opsdb_bench_deletion"
    with psycopg.connect(admin_dsn, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    dsn = with_database(admin_dsn, name)
    migrate.apply(dsn)
    async with await Database.connect(dsn, min_size=1, max_size=2) as db, db.connection() as conn:
        start = time.perf_counter()
        world = await build_history(
            conn, packages=args.packages, files=args.files, deleted=args.deleted, scheduled=args.scheduled
        )
        built = time.perf_counter() - start
        figures = await measure(conn, repeat=args.repeat)
    return {"world": {k: world[k] for k in ("present", "history")}, "build_s": built, "figures": figures}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--packages", type=int, default=2000)
    parser.add_argument("--files", type=int, default=100, help="files per package")
    parser.add_argument("--deleted", type=float, default=0.5)
    parser.add_argument("--scheduled", type=float, default=0.4)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--dsn", help="admin DSN of a server to use (default: a throwaway embedded one)")
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args()
    if args.dsn:
        result = anyio.run(_main, args, args.dsn)
    else:
        with embedded.throwaway(prefix="opsdb-bench-") as dsn:
            result = anyio.run(_main, args, dsn)
    world = result["world"]
    print(
        f"{args.packages} packages x {args.files} files: {world['present']} present file copies, "
        f"{world['history']} deleted or scheduled (built in {result['build_s']:.1f} s)"
    )
    print(f"{'':>8} {'candidates':>12} {'schedule 1k':>12} {'schedule/s':>12} {'claim/s':>10}")
    for label, f in result["figures"].items():
        print(
            f"{label:>8} {f['candidates_ms']:>10.1f}ms {f['schedule_1000_ms']:>10.1f}ms "
            f"{f['scheduled_per_s']:>12,.0f} {f['claimed_per_s']:>10,.0f}"
        )
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump({"args": vars(args), **result}, out, indent=2, default=str)


if __name__ == "__main__":
    main()
