"""Deletion at scale: candidates, scheduling, claims and the whole deletion path, before (0020) and after (0021).

    python -m bench.deletion [--packages 2000] [--files 100] [--deleted 0.5] [--scheduled 0.4]
                             [--repeat 3] [--delete 3000] [--variants] [--only TEXT] [--rounds N]
                             [--no-before] [--reuse] [--dsn DSN] [--json out.json]

Builds, with INSERT ... SELECT generate_series (never one by one), a history of `--packages`
archived packages of `--files` files each, every file with a copy at the source: a fraction
`--deleted` of the packages has its file copies deleted already (history), `--scheduled`
scheduled and not yet due (the backlog of issue 13), the rest present and deletable. The
database is migrated to 0020 first; "before" is measured, then 0021 is applied to the same
data (as a deployment would) and "after" is measured, in the same run. Each figure comes from
a transaction that is rolled back, so every measurement sees the same data:

* candidates: one `deletion_candidates(limit=1000)` call (median of `--repeat`);
* schedule 1,000: one `schedule_deletions(limit=1000)` (median);
* scheduling rate: every deletable copy in batches of 10,000 (copies/s);
* claiming rate: claims of 1,000 on one connection until the scheduled copies are claimed;
* deleting rate: claim 1,000, confirm, record deleted, `--delete` copies (copies/s): before
  with `deleting` per claim (0020's only path), after with `deleting_many` per batch.

Every measurement starts on a fresh connection whose first statement is a one-copy claim, as a
deletion daemon's session starts (a PL/pgSQL trigger keeps the plan of its first call).
`--variants` also measures the head with one part taken back inside the rolled-back
transaction (all of 0022, by its rollback; 0021's parts: the 0020 guard, the 0020 copy counters,
the per-row NOTIFY), to show each part's own effect; `--only TEXT` keeps the variants whose label
contains TEXT, `--rounds N` alternates head and variants N times, `--no-before` skips 0020.
With `--dsn` and `--reuse` the database of an earlier run on that server is kept (not rebuilt;
pending migrations are applied; "before" is skipped): every measurement rolls back, so runs
can be repeated on the same data.
Without `--dsn` a throwaway embedded PostgreSQL 18 is started (fsync off).
`bench.scale` may import `build_history` and `measure`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import psycopg
from yoyo import get_backend, read_migrations

from opsdb import deletion, embedded, migrate
from opsdb.config import with_database, yoyo_url
from opsdb.db import Connection, Database
from opsdb.resources import migrations_dir

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

OLD_CLAIM = """
WITH due AS (
    SELECT t.id, t.next_attempt_at AS due_at
    FROM physical_copy t
    WHERE t.status IN ('deletion_scheduled', 'deletion_in_progress')
      AND t.next_attempt_at <= now()
      AND t.data_location_id IN (
            SELECT l.id FROM data_location l
            WHERE l.location_type <> 'long_term_archive'
              AND ($3::bigint[] IS NULL OR l.id = ANY($3::bigint[]))
              AND ($4::text[] IS NULL OR l.site_id IN (SELECT s.id FROM site s WHERE s.short_name = ANY($4::text[]))))
    ORDER BY t.next_attempt_at
    LIMIT $2 + 16
    FOR UPDATE OF t SKIP LOCKED
),
allowed AS (
    SELECT d AS id FROM opsdb_deletable_locked(ARRAY(SELECT id FROM due ORDER BY id)) AS d
),
judged AS (
    SELECT due.id, due.due_at, allowed.id IS NOT NULL AS ok
    FROM due LEFT JOIN allowed ON allowed.id = due.id
),
refused AS (
    UPDATE physical_copy t
    SET next_attempt_at = now() + interval '60 seconds',
        status = CASE WHEN t.status = 'deletion_in_progress' THEN 'deletion_failed' ELSE t.status END,
        last_error = CASE WHEN t.status = 'deletion_in_progress'
            THEN 'lease of ' || t.claimed_by || ' expired mid-deletion and the safe-deletion rule no longer holds: '
                 || 'its bytes may be partly removed; check the copy, then reset it or mark it lost or corrupt'
            ELSE t.last_error END,
        claim_token = CASE WHEN t.status = 'deletion_in_progress' THEN NULL ELSE t.claim_token END,
        lease_until = CASE WHEN t.status = 'deletion_in_progress' THEN NULL ELSE t.lease_until END
    FROM judged j
    WHERE t.id = j.id AND NOT j.ok
),
candidate AS (
    SELECT id FROM judged WHERE ok ORDER BY due_at LIMIT $2
),
claimed AS (
    UPDATE physical_copy t
    SET status = CASE WHEN t.attempts >= t.max_attempts THEN 'deletion_failed' ELSE 'deletion_in_progress' END,
        attempts = LEAST(t.attempts + 1, t.max_attempts),
        last_error = CASE
            WHEN t.status = 'deletion_in_progress' AND t.attempts >= t.max_attempts
                THEN 'lease of ' || t.claimed_by || ' expired; no attempts left'
            WHEN t.status = 'deletion_in_progress' THEN 'lease of ' || t.claimed_by || ' expired'
            ELSE t.last_error END,
        claimed_by = CASE WHEN t.attempts >= t.max_attempts THEN t.claimed_by ELSE $1 END,
        claim_token = CASE WHEN t.attempts >= t.max_attempts THEN NULL ELSE gen_random_uuid() END,
        lease_until = CASE WHEN t.attempts >= t.max_attempts THEN NULL
                           ELSE now() + make_interval(secs => $5::float8) END,
        next_attempt_at = CASE WHEN t.attempts >= t.max_attempts THEN t.next_attempt_at
                               ELSE now() + make_interval(secs => $5::float8) END
    FROM candidate c
    WHERE t.id = c.id
    RETURNING t.*
)
SELECT * FROM claimed WHERE status = 'deletion_in_progress' ORDER BY id
"""
"""0020's claim statement (sql/deletion.sql before 0021): by due time only, no caps."""

ROLLBACK_SQL = migrations_dir() / "0021_deletion_speed.rollback.sql"


def _old_function(name: str) -> str:
    """0020's definition of function `name`, from 0021's rollback."""
    text = ROLLBACK_SQL.read_text(encoding="utf-8")
    match = re.search(rf"CREATE OR REPLACE FUNCTION {name}\(.*?\n\$\$;", text, re.S)
    assert match, name
    return match.group(0)


def variants() -> dict[str, list[str]]:
    """The head with one part taken back (DDL run inside the rolled-back transaction)."""
    return {
        "head with 0022 taken back": [(migrations_dir() / "0022_trigger_costs.rollback.sql").read_text("utf-8")],
        "0021 with 0020's guard": [_old_function("opsdb_guard_deletion")],
        "0021 with 0020's copy counters": [_old_function("opsdb_copy_deltas_update")],
        "0021 with per-row priority": [
            "DROP TRIGGER physical_copy_deletion_priority ON physical_copy",
            "CREATE TRIGGER physical_copy_deletion_priority BEFORE UPDATE OF status ON physical_copy FOR EACH ROW "
            "WHEN (NEW.status = 'deletion_scheduled' AND OLD.status NOT IN ('deletion_scheduled', "
            "'deletion_in_progress')) EXECUTE FUNCTION opsdb_deletion_priority_default()",
            _old_function("opsdb_schedule_deletions"),
        ],
        "head with 0026 taken back": [(migrations_dir() / "0026_deletion_throughput.rollback.sql").read_text("utf-8")],
        "0021 with per-row NOTIFY": [
            "DROP TRIGGER physical_copy_deletion_notify ON physical_copy",
            "CREATE TRIGGER physical_copy_deletion_notify AFTER UPDATE OF status ON physical_copy FOR EACH ROW "
            "WHEN (NEW.status = 'deletion_scheduled' AND OLD.status <> 'deletion_scheduled' "
            "AND NEW.next_attempt_at <= now()) EXECUTE FUNCTION opsdb_notify_work('physical_copy_deletion')",
        ],
    }


async def build_history(
    conn: Connection, *, packages: int, files: int, deleted: float, scheduled: float
) -> dict[str, Any]:
    """Generate the world and its deletion history (see the module docstring); its location ids."""
    await conn.execute("SET statement_timeout = 0")  # the build's statements are large by design
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


Action = Callable[[Connection], Awaitable[int]]


async def _rolled_back(db: Database, action: Action, ddl: list[str]) -> tuple[float, int]:
    """Time `action` on a fresh session, inside a transaction that is rolled back."""
    async with db.connection() as conn:
        tx = conn.raw.transaction()
        await tx.start()
        try:
            await conn.execute("SET LOCAL statement_timeout = 0")  # 0020's batches are slow
            for statement in ddl:
                await conn.execute(statement)
            await _warm(conn)
            return await _timed(lambda: action(conn))
        finally:
            await tx.rollback()


async def _warm(conn: Connection) -> None:
    """One small UPDATE of a copy, as a daemon's first statement: the triggers plan for one row."""
    await conn.execute(
        "UPDATE physical_copy SET updated_at = updated_at WHERE id = (SELECT min(id) FROM physical_copy "
        "WHERE status = 'deleted')"
    )


async def measure(
    db: Database, *, old: bool, ddl: list[str] | None = None, repeat: int = 3, delete_count: int = 3000
) -> dict[str, float]:
    """Figures on the data `build_history` made: `old` runs 0020's claim and per-claim deleting."""
    ddl = ddl or []

    async def candidates(conn: Connection) -> int:
        return len(await deletion.deletion_candidates(conn, limit=1000))

    async def schedule(conn: Connection, limit: int = 1000) -> int:
        return len(await deletion.schedule_deletions(conn, limit=limit))

    async def schedule_all(conn: Connection) -> int:
        total = 0
        while n := await schedule(conn, 10_000):
            total += n
        return total

    async def claim(conn: Connection, limit: int) -> list[Any]:
        if old:
            rows = await conn.fetch(OLD_CLAIM, "bench", limit, None, None, 600.0)
            return [deletion._claim_from_row(deletion.KIND, r) for r in rows]
        return await deletion.claim_deletions(conn, "bench", limit=limit)

    async def scheduled_now(conn: Connection) -> None:
        # the backlog of history stays not due (only copies due now are moved: after the session's
        # one-row first statement, 0023's state trigger joined a batch quadratically, and the
        # backlog, built not due, is 40 % of the copies); the deletable copies are scheduled, due now
        await conn.execute(
            "UPDATE physical_copy SET next_attempt_at = now() + interval '2 days' "
            "WHERE status = 'deletion_scheduled' AND next_attempt_at <= now()"
        )
        await schedule_all(conn)

    rates: dict[str, float] = {}

    async def claim_all(conn: Connection) -> int:
        await scheduled_now(conn)
        start = time.perf_counter()
        total = 0
        while batch := await claim(conn, 1000):
            total += len(batch)
        rates["claimed_per_s"] = total / (time.perf_counter() - start)
        return total

    async def delete_all(conn: Connection) -> int:
        await scheduled_now(conn)
        start = time.perf_counter()
        total = 0
        while total < delete_count and (batch := await claim(conn, 1000)):
            if old:
                for c in batch:
                    async with deletion.deleting(conn, c) as go:
                        total += go
            else:
                async with deletion.deleting_many(conn, batch) as confirmed:
                    total += len(confirmed.go)
        rates["deleted_per_s"] = total / (time.perf_counter() - start)
        return total

    cand = [await _rolled_back(db, candidates, ddl) for _ in range(repeat)]
    batch = [await _rolled_back(db, schedule, ddl) for _ in range(repeat)]
    rate_time, rate_count = await _rolled_back(db, schedule_all, ddl)
    await _rolled_back(db, claim_all, ddl)
    await _rolled_back(db, delete_all, ddl)
    return {
        "candidates_ms": statistics.median(t for t, _ in cand) * 1000,
        "candidates_found": cand[0][1],
        "schedule_1000_ms": statistics.median(t for t, _ in batch) * 1000,
        "scheduled_per_s": rate_count / rate_time if rate_time else 0.0,
        "scheduled": rate_count,
        **rates,
    }


def migrate_upto(dsn: str, upto: str) -> None:
    """Apply the migrations up to and including `upto`."""
    backend = get_backend(yoyo_url(dsn))
    try:
        with backend.lock():
            pending = backend.to_apply(read_migrations(str(migrations_dir())))
            backend.apply_migrations(pending.filter(lambda m: m.id <= upto))
    finally:
        backend.connection.close()


def _apply(dsn: str, *, upto: str | None) -> None:
    """Apply the migrations up to and including `upto` (None: all)."""
    if upto is None:
        migrate.apply(dsn)
    else:
        migrate_upto(dsn, upto)


async def _main(args: argparse.Namespace, admin_dsn: str) -> dict[str, Any]:
    name = "opsdb_bench_deletion"
    with psycopg.connect(admin_dsn, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None
        reuse = args.reuse and exists
        if not reuse:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}"')
    dsn = with_database(admin_dsn, name)
    if not reuse:
        _apply(dsn, upto="0020_work_steering")
    figures: dict[str, dict[str, float]] = {}
    async with await Database.connect(dsn, min_size=1, max_size=2) as db:
        async with db.connection() as conn:
            start = time.perf_counter()
            if reuse:  # the database a previous --reuse run built (kept: this run's writes are rolled back)
                world = dict(
                    await conn.fetchrow(
                        "SELECT count(*) FILTER (WHERE status = 'present') AS present, "
                        "count(*) FILTER (WHERE status <> 'present') AS history FROM physical_copy "
                        "WHERE type = 'raw_data_file'"
                    )
                    or {}
                )
            else:
                world = await build_history(
                    conn, packages=args.packages, files=args.files, deleted=args.deleted, scheduled=args.scheduled
                )
            built = time.perf_counter() - start
        if not args.no_before and not reuse:
            figures["before (0020)"] = await measure(db, old=True, repeat=args.repeat, delete_count=args.delete)
    start = time.perf_counter()
    _apply(dsn, upto=None)
    migrated = time.perf_counter() - start
    async with await Database.connect(dsn, min_size=1, max_size=2) as db:
        for r in range(args.rounds):  # head and variants alternate round by round: drifting load hits both
            suffix = f" #{r + 1}" if args.rounds > 1 else ""
            figures["after (head)" + suffix] = await measure(
                db, old=False, repeat=args.repeat, delete_count=args.delete
            )
            if args.variants:
                for label, ddl in variants().items():
                    if args.only and args.only not in label:
                        continue
                    figures[label + suffix] = await measure(
                        db, old=False, ddl=ddl, repeat=args.repeat, delete_count=args.delete
                    )
    return {
        "world": {k: world[k] for k in ("present", "history")},
        "build_s": built,
        "migrate_0021_s": migrated,
        "figures": figures,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--packages", type=int, default=2000)
    parser.add_argument("--files", type=int, default=100, help="files per package")
    parser.add_argument("--deleted", type=float, default=0.5)
    parser.add_argument("--scheduled", type=float, default=0.4)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--delete", type=int, default=3000, help="copies the deleting rate runs through")
    parser.add_argument("--variants", action="store_true", help="also 0021 with each part taken back")
    parser.add_argument("--no-before", action="store_true", help="skip the 0020 measurement")
    parser.add_argument("--only", metavar="TEXT", help="only the variants whose label contains TEXT")
    parser.add_argument("--rounds", type=int, default=1, help="head and variants this many times, alternating")
    parser.add_argument(
        "--reuse", action="store_true", help="keep the benchmark database of an earlier --dsn run (no rebuild)"
    )
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
    print(f"0021 applied to the built database in {result['migrate_0021_s']:.1f} s; load average {os.getloadavg()}")
    head = f"{'':>32} {'candidates':>12} {'schedule 1k':>12} {'schedule/s':>11} {'claim/s':>9} {'delete/s':>9}"
    print(head)
    for label, f in result["figures"].items():
        print(
            f"{label:>32} {f['candidates_ms']:>10.1f}ms {f['schedule_1000_ms']:>10.1f}ms "
            f"{f['scheduled_per_s']:>11,.0f} {f['claimed_per_s']:>9,.0f} {f['deleted_per_s']:>9,.0f}"
        )
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump({"args": vars(args), **result}, out, indent=2, default=str)


if __name__ == "__main__":
    main()
