"""What dead entries in the deletion work index cost a claim window and a status count.

    python -m bench.queue_bloat --dsn "postgresql://postgres@/opsdb_scale_1000000?host=/tmp&port=54999"
                                [--steps 100000 500000 1000000]

On a kept `bench.scale --keep DIR` database, its server started first (`pg_ctl -D DIR/pgdata
-o "-p 54999 -k /tmp" start`, as the data directory's owner; it VACUUMs `physical_copy`):
moves batches of 10,000 present file copies to `deletion_scheduled` with the table's user
triggers off and rolls each batch back (nothing is committed: each leaves dead entries in
`physical_copy_deletion_work_idx`, as finished deletions do until a vacuum), and after each
step reports the buffers and time (best of 5, EXPLAIN ANALYZE BUFFERS) of the deletion claim's
window scan and of the "deletions pending" count; then VACUUMs and reports them again.
docs/scale.md, "Vacuum and analyze", has the figures.
"""

from __future__ import annotations

import argparse
import json
import time

import anyio
import asyncpg

WINDOW = (
    "SELECT id FROM physical_copy WHERE status IN ('deletion_scheduled', 'deletion_in_progress') "
    "AND next_attempt_at <= now() ORDER BY next_attempt_at LIMIT 4000 FOR UPDATE SKIP LOCKED"
)
COUNT = "SELECT count(*) FROM physical_copy WHERE status IN ('deletion_scheduled', 'deletion_in_progress')"
BATCH = 10_000


async def _probe(conn: asyncpg.Connection, label: str) -> None:
    out = {}
    for name, sql in (("window", WINDOW), ("count", COUNT)):
        best: tuple[int, float] | None = None
        for _ in range(5):
            async with conn.transaction():
                plan = json.loads(await conn.fetchval("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql))[0]
            buffers = plan["Plan"].get("Shared Hit Blocks", 0) + plan["Plan"].get("Shared Read Blocks", 0)
            if best is None or plan["Execution Time"] < best[1]:
                best = (buffers, plan["Execution Time"])
        assert best is not None
        out[name] = f"{best[0]} buffers, {best[1]:.3f} ms"
    print(f"{label}: {out}", flush=True)


async def _run(dsn: str, steps: list[int]) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("VACUUM physical_copy")
        await _probe(conn, "vacuumed")
        ids = [
            r["id"]
            for r in await conn.fetch(
                "SELECT id FROM physical_copy WHERE type = 'raw_data_file' AND status = 'present' LIMIT 100000"
            )
        ]
        churned = 0
        for target in steps:
            while churned < target:
                for i in range(0, len(ids), BATCH):
                    tr = conn.transaction()
                    await tr.start()
                    try:
                        await conn.execute("ALTER TABLE physical_copy DISABLE TRIGGER USER")
                        await conn.execute(
                            "UPDATE physical_copy SET status = 'deletion_scheduled', next_attempt_at = now() "
                            "WHERE id = ANY($1::bigint[])",
                            ids[i : i + BATCH],
                        )
                    finally:
                        await tr.rollback()
                    churned += BATCH
                    if churned >= target:
                        break
            await _probe(conn, f"after {churned:,} rolled-back schedules")
        started = time.perf_counter()
        await conn.execute("VACUUM physical_copy")
        print(f"VACUUM physical_copy: {time.perf_counter() - started:.2f} s")
        await _probe(conn, "vacuumed again")
    finally:
        await conn.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.queue_bloat", description=__doc__.split("\n")[0])
    parser.add_argument("--dsn", required=True, help="a kept bench.scale database (a postgresql:// URL)")
    parser.add_argument("--steps", type=int, nargs="+", default=[100_000, 500_000, 1_000_000])
    args = parser.parse_args(argv)
    anyio.run(_run, args.dsn, args.steps)


if __name__ == "__main__":
    main()
