"""A/B of migration 0023 (state counters) in ONE embedded server: database `old` migrated to
0021 (all migrations, then 0023 rolled back), database `new` at 0023; rounds alternate.

    python -m bench.state_counts claims --items 10000 --runs 3 --workers 1 4
    python -m bench.state_counts registration --files 50000 --runs 3
    python -m bench.state_counts status --files 1000000 --calls 30
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import anyio
import psycopg

from opsdb import embedded, migrate
from opsdb.config import with_database
from opsdb.db import Database

# sql/status.sql as it was before migration 0023 (the baseline: state counts by GROUP BY)
OLD_STATUS = (Path(__file__).parent / "status_0021.sql").read_text()


def _old_query(name: str) -> str:
    m = re.search(rf"-- {name} --\n(?:--[^\n]*\n)*(.*?)(?:\n\n|\Z)", OLD_STATUS, re.S)
    assert m, name
    return m.group(1)


def _databases(server: str) -> dict[str, str]:
    out = {}
    with psycopg.connect(server, autocommit=True) as admin:
        for name in ("old", "new"):
            admin.execute(f"DROP DATABASE IF EXISTS {name}")
            admin.execute(f"CREATE DATABASE {name}")
            out[name] = with_database(server, name)
    for dsn in out.values():
        migrate.apply(dsn)
    assert migrate.rollback(out["old"], count=1) == ["0023_state_counts"]
    return out


async def claims(dsns: dict[str, str], args: argparse.Namespace) -> None:
    from bench import claims as cb

    dbs = {k: await Database.connect(v, min_size=1, max_size=max(args.workers) + 1) for k, v in dsns.items()}
    worlds = {}
    for k, db in dbs.items():
        async with db.connection() as conn:
            worlds[k] = dict(await conn.fetchrow(cb.SEED_WORLD) or {})
    res: dict[str, Any] = {}
    for w in args.workers:
        for r in range(args.runs):
            order = ("old", "new") if r % 2 == 0 else ("new", "old")
            for k in order:
                one = await cb._run(dbs[k], worlds[k], "claim-next", f"{k}w{w}r{r}", args.items, w, args.batch)
                assert one["duplicates"] == 0 and one["completed"] == args.items
                res.setdefault(w, {}).setdefault(k, []).append(one["per_second"])
                print(
                    f"workers {w} run {r} {k}: {one['per_second']:.0f} items/s load {os.getloadavg()[0]:.2f}",
                    file=sys.stderr,
                )
    for w, by in res.items():
        ratios = [n / o for n, o in zip(by["new"], by["old"], strict=True)]
        print(
            f"claims claim-next workers {w}: old {statistics.median(by['old']):.0f}/s "
            f"new {statistics.median(by['new']):.0f}/s, per-run new/old {[round(x, 3) for x in ratios]}, "
            f"median {statistics.median(ratios):.3f}, load {os.getloadavg()[0]:.2f}"
        )
    for db in dbs.values():
        await db.close()


async def registration(dsns: dict[str, str], args: argparse.Namespace) -> None:
    from bench import registration as rb

    seeded = {}
    for k, dsn in dsns.items():
        async with await Database.connect(dsn, min_size=1, max_size=2) as db, db.connection() as conn:
            seeded[k] = await rb.seed(conn, modules=4, units=64)
    res: dict[str, list[float]] = {"old": [], "new": []}
    for r in range(args.runs):
        order = ("old", "new") if r % 2 == 0 else ("new", "old")
        for k in order:
            records = rb.file_records(seeded[k], args.files)
            await rb._reset(dsns[k])
            t = time.perf_counter()
            await rb.run_opsdb(dsns[k], seeded[k], records, 10_000, rb.DEFAULT_CONNECTIONS)
            rate = args.files / (time.perf_counter() - t)
            res[k].append(rate)
            print(f"registration run {r} {k}: {rate:,.0f} files/s load {os.getloadavg()[0]:.2f}", file=sys.stderr)
    ratios = [n / o for n, o in zip(res["new"], res["old"], strict=True)]
    print(
        f"registration (b) {args.files} files: old {statistics.median(res['old']):,.0f}/s "
        f"new {statistics.median(res['new']):,.0f}/s, per-run new/old {[round(x, 3) for x in ratios]}, "
        f"median {statistics.median(ratios):.3f}, load {os.getloadavg()[0]:.2f}"
    )


async def empty(dsns: dict[str, str], args: argparse.Namespace) -> None:
    """Statements that touch no row: their AFTER statement triggers still fire."""
    from bench import claims as cb

    stmts = {
        "UPDATE raw_data_package (0 rows)": "UPDATE raw_data_package SET status = 'failed' WHERE id = -1",
        "UPDATE physical_copy (0 rows)": "UPDATE physical_copy SET status = 'lost' WHERE id = -1",
        "INSERT raw_data_package ON CONFLICT DO NOTHING (0 rows)": "INSERT INTO raw_data_package "
        "(name, relative_path, executed_obs_unit_id, instrument_module_id, "
        "origin_location_id) SELECT name, relative_path, executed_obs_unit_id, instrument_module_id, "
        "origin_location_id FROM raw_data_package LIMIT 1 ON CONFLICT (name) DO NOTHING",
        "INSERT raw_data_package ON CONFLICT DO UPDATE (0 rows)": "INSERT INTO raw_data_package "
        "(name, relative_path, executed_obs_unit_id, instrument_module_id, "
        "origin_location_id) SELECT name, relative_path, executed_obs_unit_id, instrument_module_id, "
        "origin_location_id FROM raw_data_package LIMIT 1 ON CONFLICT (name) DO UPDATE SET priority = 0 "
        "WHERE false",
    }
    dbs = {k: await Database.connect(v, min_size=1, max_size=2) for k, v in dsns.items()}
    for _k, db in dbs.items():
        async with db.connection() as conn:
            w = dict(await conn.fetchrow(cb.SEED_WORLD) or {})
            await conn.execute(cb.SEED_ITEMS, "e", w["execution"], w["module"], w["source"], 10)
    for label, sql in stmts.items():
        res: dict[str, list[float]] = {"old": [], "new": []}
        for r in range(args.runs):
            for k in ("old", "new") if r % 2 == 0 else ("new", "old"):
                async with dbs[k].connection() as conn:
                    t = time.perf_counter()
                    for _ in range(args.calls):
                        await conn.execute(sql)
                    res[k].append((time.perf_counter() - t) / args.calls * 1000)
        print(
            f"{label}: old {statistics.median(res['old']):.3f} ms new {statistics.median(res['new']):.3f} ms "
            f"per statement (medians of {args.runs} x {args.calls}), load {os.getloadavg()[0]:.2f}"
        )
    for db in dbs.values():
        await db.close()


async def trigger(dsns: dict[str, str], args: argparse.Namespace) -> None:
    """Server-side: UPDATEs of 50 rows pending <-> scheduled (each a state move of every row:
    history rows, the guard, and in `new` the state deltas), timed inside one DO block."""
    from bench import claims as cb

    dbs = {k: await Database.connect(v, min_size=1, max_size=2) for k, v in dsns.items()}
    for _k, db in dbs.items():
        async with db.connection() as conn:
            w = dict(await conn.fetchrow(cb.SEED_WORLD) or {})
            await conn.execute(cb.SEED_ITEMS, "t", w["execution"], w["module"], w["source"], args.batch)
            await conn.execute("VACUUM ANALYZE")
    body = f"""
    DO $$
    DECLARE t0 timestamptz := clock_timestamp();
        ids bigint[] := (SELECT array_agg(id) FROM raw_data_package);
    BEGIN
        FOR i IN 1..{args.calls} LOOP
            UPDATE raw_data_package SET status = 'scheduled' WHERE id = ANY(ids);
            COMMIT;
            UPDATE raw_data_package SET status = 'pending' WHERE id = ANY(ids);
            COMMIT;
        END LOOP;
        PERFORM set_config('ab.ms',
            (extract(epoch FROM clock_timestamp() - t0) * 1000 / {2 * args.calls})::text, false);
    END $$"""
    res: dict[str, list[float]] = {"old": [], "new": []}
    for r in range(args.runs):
        for k in ("old", "new") if r % 2 == 0 else ("new", "old"):
            async with dbs[k].connection() as conn:
                await conn.execute(body)
                res[k].append(float(await conn.fetchval("SELECT current_setting('ab.ms')")))
                await conn.execute("SELECT opsdb_fold_copy_deltas()")
        print(f"run {r}: old {res['old'][-1]:.3f} new {res['new'][-1]:.3f} ms/statement", file=sys.stderr)
    ratios = [n / o for n, o in zip(res["new"], res["old"], strict=True)]
    print(
        f"UPDATE of {args.batch} rows moving state (server side, {args.calls * 2} statements per run): "
        f"old {statistics.median(res['old']):.3f} ms new {statistics.median(res['new']):.3f} ms per statement, "
        f"per-run new/old {[round(x, 3) for x in ratios]}, median {statistics.median(ratios):.3f}, "
        f"load {os.getloadavg()[0]:.2f}"
    )
    for db in dbs.values():
        await db.close()


async def trigtime(dsns: dict[str, str], args: argparse.Namespace) -> None:
    """EXPLAIN ANALYZE's own trigger timing: raw_data_package_state_updated per UPDATE of `batch` rows."""
    from bench import claims as cb

    dbs = {k: await Database.connect(v, min_size=1, max_size=2) for k, v in dsns.items()}
    ids = {}
    for k, db in dbs.items():
        async with db.connection() as conn:
            w = dict(await conn.fetchrow(cb.SEED_WORLD) or {})
            await conn.execute(cb.SEED_ITEMS, "t", w["execution"], w["module"], w["source"], args.batch)
            await conn.execute("VACUUM ANALYZE")
            ids[k] = [r["id"] for r in await conn.fetch("SELECT id FROM raw_data_package")]
    res: dict[str, list[float]] = {"old": [], "new": []}
    for r in range(args.calls):
        for k in ("old", "new") if r % 2 == 0 else ("new", "old"):
            async with dbs[k].connection() as conn:
                for to in ("scheduled", "pending"):
                    raw = await conn.fetchval(
                        "EXPLAIN (ANALYZE, FORMAT JSON) UPDATE raw_data_package SET status = $1 "
                        "WHERE id = ANY($2::bigint[])",
                        to,
                        ids[k],
                    )
                    plan = (json.loads(raw) if isinstance(raw, str) else raw)[0]
                    res[k] += [
                        t["Time"] for t in plan["Triggers"] if t["Trigger Name"] == "raw_data_package_state_updated"
                    ]
        if r % 100 == 99:
            for db in dbs.values():
                async with db.connection() as conn:
                    await conn.execute("SELECT opsdb_fold_copy_deltas()")
    print(
        f"raw_data_package_state_updated, UPDATE of {args.batch} rows moving state, {len(res['old'])} statements each "
        f"interleaved: old p50 {statistics.median(res['old']):.3f} ms, new p50 {statistics.median(res['new']):.3f} ms; "
        f"means {statistics.mean(res['old']):.3f} / {statistics.mean(res['new']):.3f} ms, load {os.getloadavg()[0]:.2f}"
    )
    for db in dbs.values():
        await db.close()


async def _timed(conn: Any, fn: Any, calls: int) -> dict[str, float]:
    samples = []
    for _ in range(calls):
        t = time.perf_counter()
        await fn(conn)
        samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    return {"p50_ms": round(statistics.median(samples), 2), "p99_ms": round(samples[int(0.99 * (len(samples) - 1))], 2)}


async def status(server: str, args: argparse.Namespace) -> None:
    from bench.scale import _rebuild_bulk_indexes
    from bench.scale_data import populate
    from opsdb.queries import query
    from opsdb.reports import fold
    from opsdb.status import summarize

    name = f"scale_{args.files}"
    dsn = with_database(server, name)
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.execute(f"CREATE DATABASE {name}")
    migrate.apply(dsn)
    migrate.rollback(dsn, count=1)  # built at 0021, like the databases of today
    t = time.perf_counter()
    async with await Database.connect(dsn, min_size=1, max_size=2) as db, db.connection() as conn:
        await conn.execute("SET synchronous_commit = off")
        await conn.execute("SET statement_timeout = 0")
        await conn.execute("SET maintenance_work_mem = '512MB'")
        saved: list[str] = []
        await _rebuild_bulk_indexes(conn, True, saved)
        await populate(conn, args.files)
        await _rebuild_bulk_indexes(conn, False, saved)
        await conn.execute("VACUUM ANALYZE")
    print(f"built {args.files:,} files at 0021 in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    t = time.perf_counter()
    migrate.apply(dsn)
    print(f"migration 0023 (initial rebuild of the counters) took {time.perf_counter() - t:.1f} s", file=sys.stderr)
    old_states = _old_query("status_counts_by_table_state")

    async def old_summary(conn: Any) -> None:  # summarize as before 0023
        await fold(conn)
        async with conn.transaction():
            await conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            await conn.fetch(old_states)
            await conn.fetch(_old_query("status_copies_by_location"))
            await conn.fetch(_old_query("status_backlog"))
            await conn.fetch(_old_query("status_failed_items"), 20)

    async def new_summary(conn: Any) -> None:
        await summarize(conn)

    async def old_q(conn: Any) -> None:
        await conn.fetch(old_states)

    async def new_q(conn: Any) -> None:
        await conn.fetch(query("status_counts_by_table_state"))

    out: dict[str, Any] = {"files": args.files, "load_before": os.getloadavg()[0]}
    async with await Database.connect(dsn, min_size=1, max_size=2) as db, db.connection() as conn:
        await conn.execute("VACUUM ANALYZE")
        # same database, interleaved: the old GROUP BY still runs after the migration
        for _ in range(2):
            for label, fn in (
                ("old states query", old_q),
                ("new states query", new_q),
                ("old summarize", old_summary),
                ("new summarize", new_summary),
            ):
                out.setdefault(label, []).append(await _timed(conn, fn, args.calls))
        for label in ("old states query", "new states query", "old summarize", "new summarize"):
            print(f"{args.files:,} files: {label}: {out[label]}")
        for name in ("status_counts_by_table_state", "status_backlog", "status_failed_items"):
            qargs = (20,) if name == "status_failed_items" else ()
            raw = await conn.fetchval(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {query(name)}", *qargs)
            plan = (json.loads(raw) if isinstance(raw, str) else raw)[0]
            text = await conn.fetch(f"EXPLAIN (ANALYZE, BUFFERS) {query(name)}", *qargs)
            print(f"--- {name}: {plan['Execution Time']:.2f} ms")
            print("\n".join(r[0] for r in text))
        out["load_after"] = os.getloadavg()[0]
    print(json.dumps(out))


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("what", choices=["claims", "registration", "status", "empty", "trigger", "trigtime"])
    p.add_argument("--items", type=int, default=10_000)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--batch", type=int, default=50)
    p.add_argument("--workers", type=int, nargs="+", default=[1, 4])
    p.add_argument("--files", type=int, default=50_000)
    p.add_argument("--calls", type=int, default=30)
    p.add_argument("--dir", type=Path)
    args = p.parse_args()
    print(f"load before {os.getloadavg()}", file=sys.stderr)
    with embedded.throwaway(prefix="opsdb-h2-ab-") as server:
        if args.what == "status":
            anyio.run(status, server, args)
        else:
            dsns = _databases(server)
            anyio.run(
                {
                    "claims": claims,
                    "registration": registration,
                    "empty": empty,
                    "trigger": trigger,
                    "trigtime": trigtime,
                }[args.what],
                dsns,
                args,
            )


if __name__ == "__main__":
    main()
