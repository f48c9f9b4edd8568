"""Does autovacuum's INDEX_CLEANUP AUTO leave the deletion work index's dead entries in place?

    python -m bench.vacuum_bypass --dsn "postgresql://postgres@/opsdb_scale_2000000?host=/SOCKDIR&port=PORT"
                                  [--rounds 15000 60000]

COMMITS to the database it is given: run it on your own kept `bench.scale --keep DIR`
database (its server started on a port of your own), never on a shared one. It turns the
table's autovacuum off (so nothing else vacuums in between; restored at the end) and, per
round, moves N present file copies (contiguous on the heap, as deletions of one package's files
are) through `deletion_scheduled` (distinct `next_attempt_at`, as real schedules have) to
`deleted`, committed, with the table's user triggers off (the guard and counters are not what
is measured). Each round leaves N dead entries in `physical_copy_deletion_work_idx` and dead
items on about 2 N / rows-per-page heap pages. Then:

1. the deletion claim's window and the "deletions pending" count (EXPLAIN ANALYZE BUFFERS,
   best of 5; the first scan after the deaths sets the kill bits and is printed separately);
2. `VACUUM (VERBOSE) physical_copy` (INDEX_CLEANUP AUTO, what autovacuum runs): its own lines
   (index scan bypassed or not, per index pages and removed entries), wall time and the
   backend's CPU (schedstat); the window and count again;
3. `VACUUM (VERBOSE, INDEX_CLEANUP ON) physical_copy`: the same.

docs/scale.md, "Queue-like partial indexes on the bulk table", has the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from typing import Any

import anyio
import asyncpg

from bench.queue_bloat import COUNT, WINDOW

INDEX = "physical_copy_deletion_work_idx"


async def _plan(conn: asyncpg.Connection, sql: str) -> tuple[int, float]:
    plan = json.loads(await conn.fetchval("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql))[0]
    node = plan["Plan"]
    return node.get("Shared Hit Blocks", 0) + node.get("Shared Read Blocks", 0), plan["Execution Time"]


async def _probe(conn: asyncpg.Connection, label: str, first: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, sql in (("window", WINDOW), ("count", COUNT)):
        runs = []
        for _ in range(5):
            tr = conn.transaction()
            await tr.start()
            try:
                runs.append(await _plan(conn, sql))
            finally:
                await tr.rollback()
        if first:
            out[f"{name} first"] = f"{runs[0][0]} buffers, {runs[0][1]:.3f} ms"
        best = min(runs, key=lambda r: r[1])
        out[name] = f"{best[0]} buffers, {best[1]:.3f} ms"
    size = await conn.fetchval("SELECT pg_relation_size($1::regclass) / 8192", INDEX)
    await anyio.sleep(1.5)  # an idle backend flushes its statistics within a second
    await conn.execute("SELECT pg_stat_clear_snapshot()")
    dead = await conn.fetchval("SELECT n_dead_tup FROM pg_stat_user_tables WHERE relname = 'physical_copy'")
    print(f"{label}: {out}, {INDEX} {size} pages, n_dead_tup {dead:,}", flush=True)
    return out


def _cpu_ms(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/schedstat") as f:
            return int(f.read().split()[0]) / 1e6
    except OSError:
        return float("nan")


async def _vacuum(conn: asyncpg.Connection, options: str) -> None:
    lines: list[str] = []

    def listener(_conn: Any, message: Any) -> None:
        lines.append(str(message.message))

    conn.add_log_listener(listener)
    pid = await conn.fetchval("SELECT pg_backend_pid()")
    cpu = _cpu_ms(pid)
    started = time.perf_counter()
    await conn.execute(f"VACUUM ({options}) physical_copy")
    wall = time.perf_counter() - started
    cpu = _cpu_ms(pid) - cpu
    conn.remove_log_listener(listener)
    load = os.getloadavg()[0]
    print(f"VACUUM ({options}) physical_copy: {wall:.2f} s wall, {cpu:.0f} ms backend CPU, load {load:.1f}")
    for text in lines:
        for line in text.splitlines():
            if any(
                w in line for w in ("bypass", "index", "pages:", "tuples:", "buffer usage", "system usage", "removable")
            ):
                print("   ", line.strip())


async def _round(conn: asyncpg.Connection, n: int) -> None:
    pages = await conn.fetchval("SELECT relpages FROM pg_class WHERE relname = 'physical_copy'")
    ids = [
        r["id"]
        for r in await conn.fetch(
            "SELECT id FROM physical_copy WHERE type = 'raw_data_file' AND status = 'present' ORDER BY ctid LIMIT $1", n
        )
    ]
    if len(ids) < n:
        raise SystemExit(f"only {len(ids)} present file copies left")
    async with conn.transaction():
        await conn.execute("ALTER TABLE physical_copy DISABLE TRIGGER USER")
        await conn.execute(
            "UPDATE physical_copy SET status = 'deletion_scheduled', "
            "next_attempt_at = now() + (id % 100000) * interval '1 ms' WHERE id = ANY($1::bigint[])",
            ids,
        )
        await conn.execute("ALTER TABLE physical_copy ENABLE TRIGGER USER")
    async with conn.transaction():
        await conn.execute("ALTER TABLE physical_copy DISABLE TRIGGER USER")
        await conn.execute(
            "UPDATE physical_copy SET status = 'deleted', deleted_at = now() WHERE id = ANY($1::bigint[])", ids
        )
        await conn.execute("ALTER TABLE physical_copy ENABLE TRIGGER USER")
    touched = await conn.fetchval(
        "SELECT count(DISTINCT (ctid::text::point)[0]) FROM physical_copy WHERE id = ANY($1::bigint[])", ids
    )
    print(
        f"\n== round: {n:,} copies present -> deletion_scheduled -> deleted (committed); table {pages:,} pages,"
        f" 2 % = {pages * 0.02:,.0f}; final versions on {touched:,} pages, old ones on about as many again"
    )


async def _run(dsn: str, rounds: list[int], reloption: bool) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("ALTER TABLE physical_copy SET (autovacuum_enabled = off)")
        if reloption:
            await conn.execute("ALTER TABLE physical_copy SET (vacuum_index_cleanup = on)")
            print("physical_copy: vacuum_index_cleanup = on (a plain VACUUM, autovacuum's too, never bypasses)")
        await conn.execute("VACUUM physical_copy")
        await _probe(conn, "start (vacuumed)")
        for n in rounds:
            await _round(conn, n)
            await _probe(conn, "after the round", first=True)
            await _vacuum(conn, "VERBOSE")
            await _probe(conn, "after the plain VACUUM")
            await _vacuum(conn, "VERBOSE, INDEX_CLEANUP ON")
            await _probe(conn, "after VACUUM (INDEX_CLEANUP ON)")
    finally:
        await conn.execute("ALTER TABLE physical_copy RESET (autovacuum_enabled, vacuum_index_cleanup)")
        await conn.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.vacuum_bypass", description=__doc__.split("\n")[0])
    parser.add_argument("--dsn", required=True, help="your OWN kept bench.scale database (this commits)")
    parser.add_argument("--rounds", type=int, nargs="+", default=[15_000, 60_000])
    parser.add_argument(
        "--index-cleanup-on",
        action="store_true",
        help="set the table's vacuum_index_cleanup = on for the run (what the plain VACUUM then does)",
    )
    args = parser.parse_args(argv)
    anyio.run(_run, args.dsn, args.rounds, args.index_cleanup_on)


if __name__ == "__main__":
    main()
