"""Benchmark: the regular queries at 1M and 20M files with realistic history (issue #13).

One command, one fresh embedded PostgreSQL 18, default settings except a server sized for the
machine (`SERVER_SETTINGS`: shared_buffers 4GB, a long checkpoint distance, 1GB
maintenance_work_mem; planner and work_mem settings stay at their defaults)::

    python -m bench.scale                                  # 1M and 20M files
    python -m bench.scale --sizes 1000000,5000000 --calls 200 --json scale.json
    python -m bench.scale --index-cost --files 200000      # what migration 0018's indexes cost registration

Each database is generated on the server (`bench.scale_data.populate`: INSERT ... SELECT
generate_series, secondary indexes of the bulk tables rebuilt afterwards), then analysed.
Every regular query then runs `--calls` times through the public functions a daemon, the CLI
or a UI calls (repositories, `opsdb.pipeline`, `opsdb.work`, `opsdb.status` when present),
with arguments drawn at random over the whole history; writes run in a transaction that is
rolled back. The sizes are built first, then timed interleaved: per query a few untimed calls on
each size, then rounds of calls on each size in turn (`--warmup`, `--rounds`), so whatever else
the machine does falls on every size alike. Prints p50 and p99 per query and size, the p99
ratio between the largest and the smallest size, and the on-disk bytes per row of the bulk
tables and of each of their indexes.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import anyio
import asyncpg
import psycopg

from bench.scale_data import (
    FILES_PER_GROUP,
    MODULES,
    Layout,
    execution_uuid,
    file_uuid,
    populate,
    queue_deletable,
    spread_obs_units,
)
from opsdb import embedded, migrate, pipeline, work
from opsdb.config import with_database
from opsdb.db import Connection, Database
from opsdb.repositories.copies import PhysicalCopyRepository
from opsdb.repositories.executions import ExecutionRepository
from opsdb.repositories.files import FileRepository
from opsdb.repositories.packages import PackageRepository
from opsdb.repositories.transfers import TransferRepository
from opsdb.schemas.enums import CopyType, ExecutionStatus, PackageState, PhysicalCopyStatus, Status

Call = Callable[[Connection, random.Random], Awaitable[Any]]
WARMUP_CALLS = 5
ROUNDS = 10


@dataclass(frozen=True)
class Query:
    name: str
    call: Call
    writes: bool = False  # run inside a transaction that is rolled back
    setup: Call | None = None  # run first in that transaction, untimed (e.g. schedule what a claim takes)


def _file(lay: Layout, rng: random.Random) -> int:
    return rng.randrange(lay.files)


def _path(lay: Layout, i: int) -> tuple[int, str]:
    g = i // FILES_PER_GROUP
    return lay.modules[g % MODULES], f"obs_{g // MODULES}/m{g % MODULES}/file_{i}.fits"


def queries(lay: Layout) -> list[Query]:
    """Every regular query, with arguments drawn over the whole history of `lay`."""
    executions = lay.groups // MODULES
    unpackaged = range(lay.waiting_end, lay.groups)

    async def file_by_id(c: Connection, r: random.Random) -> Any:
        return await FileRepository(c).get_file(file_uuid(_file(lay, r)))

    async def file_by_path(c: Connection, r: random.Random) -> Any:
        return await FileRepository(c).get_file_by_path(*_path(lay, _file(lay, r)))

    async def files_of_execution(c: Connection, r: random.Random) -> Any:
        return await FileRepository(c).list_files(
            executed_obs_unit_id=execution_uuid(r.randrange(executions)), limit=100
        )

    async def files_of_execution_module(c: Connection, r: random.Random) -> Any:
        return await FileRepository(c).list_files(
            executed_obs_unit_id=execution_uuid(r.randrange(executions)),
            instrument_module_id=lay.modules[r.randrange(MODULES)],
            limit=100,
        )

    async def files_of_package(c: Connection, r: random.Random) -> Any:
        return await FileRepository(c).list_files(raw_data_package_id=1 + r.randrange(lay.waiting_end), limit=100)

    async def unpackaged_files(c: Connection, r: random.Random) -> Any:
        g = r.choice(unpackaged)
        return await FileRepository(c).list_unpackaged_files(execution_uuid(g // MODULES), lay.modules[g % MODULES])

    async def copies_of_file(c: Connection, r: random.Random) -> Any:
        return await PhysicalCopyRepository(c).list_item_copies(CopyType.RAW_DATA_FILE, file_uuid(_file(lay, r)))

    async def copies_of_package(c: Connection, r: random.Random) -> Any:
        return await PhysicalCopyRepository(c).list_item_copies(
            CopyType.RAW_DATA_PACKAGE, 1 + r.randrange(lay.waiting_end)
        )

    async def file_copy_at_location(c: Connection, r: random.Random) -> Any:
        return await PhysicalCopyRepository(c).get_copy_at_location(
            CopyType.RAW_DATA_FILE, file_uuid(_file(lay, r)), lay.source_location_id
        )

    async def present_copies_at_source(c: Connection, r: random.Random) -> Any:
        return await PhysicalCopyRepository(c).list_copies(
            data_location_id=lay.source_location_id, status=PhysicalCopyStatus.PRESENT, limit=100
        )

    async def waiting_packages(c: Connection, r: random.Random) -> Any:
        return await PackageRepository(c).list_packages(state=PackageState.WAITING, limit=100)

    async def packages_of_execution(c: Connection, r: random.Random) -> Any:
        return await PackageRepository(c).list_packages(
            executed_obs_unit_id=execution_uuid(r.randrange(executions)), limit=100
        )

    async def pending_transfers(c: Connection, r: random.Random) -> Any:
        return await TransferRepository(c).list_transfers(status=Status.PENDING, limit=100)

    async def failed_archive_transfers(c: Connection, r: random.Random) -> Any:
        return await TransferRepository(c).list_archive_transfers(status=Status.FAILED, limit=100)

    async def executions_of_obs_unit(c: Connection, r: random.Random) -> Any:
        return await ExecutionRepository(c).list_executions(obs_unit_id=r.choice(lay.obs_unit_ids), limit=100)

    async def running_executions(c: Connection, r: random.Random) -> Any:
        return await ExecutionRepository(c).list_executions(status=ExecutionStatus.RUNNING, limit=100)

    found: list[Query] = [
        Query("file by id", file_by_id),
        Query("file by module + path", file_by_path),
        Query("files of an execution (page of 100)", files_of_execution),
        Query("files of an execution + module (page)", files_of_execution_module),
        Query("files of a package (page)", files_of_package),
        Query("unpackaged files of a group (page)", unpackaged_files),
        Query("copies of a file", copies_of_file),
        Query("copies of a package", copies_of_package),
        Query("file copy at a location", file_copy_at_location),
        Query("present copies at a location (page)", present_copies_at_source),
        Query("waiting packages (page)", waiting_packages),
        Query("packages of an execution", packages_of_execution),
        Query("pending transfers (page)", pending_transfers),
        Query("failed archive transfers (page)", failed_archive_transfers),
        Query("executions of an obs unit (page)", executions_of_obs_unit),
        Query("running executions (page)", running_executions),
        Query("pipeline: unpackaged file groups", lambda c, r: pipeline.unpackaged_file_groups(c)),
        Query("pipeline: packages ready to bundle", lambda c, r: pipeline.packages_ready_to_bundle(c)),
        Query("pipeline: bundles needing transfer", lambda c, r: pipeline.bundles_needing_transfer(c)),
        Query("pipeline: transfers to unpack", lambda c, r: pipeline.transfers_to_unpack(c)),
        Query("pipeline: packages ready for archive", lambda c, r: pipeline.packages_ready_for_archive(c)),
        Query("pipeline: staging requests", lambda c, r: pipeline.staging_requests(c)),
    ]
    for kind in work.WorkKind:
        if kind is work.WorkKind.PHYSICAL_COPY_DELETION:
            continue
        found.append(Query(f"claim 10: {kind.value}", _claimer(kind), writes=True))
        found.append(Query(f"failed page: {kind.value}", _failed_lister(kind)))
    # status before the deletion writes: their rolled-back updates leave dead entries in the
    # partial queue indexes its backlog counts read until the next VACUUM
    status = _status_call()
    if status is not None:
        found.append(Query("opsdb status (summary)", status))
    # deletion (helper h2's queries), through the public pipeline functions
    found += [
        Query("deletion candidates (1,000)", lambda c, r: pipeline.deletion_candidates(c, limit=1000)),
        Query("schedule deletions (1,000)", lambda c, r: pipeline.schedule_deletions(c, limit=1000), writes=True),
        Query(
            "claim deletions (1,000 scheduled)",
            lambda c, r: pipeline.claim_deletions(c, "bench", 1000),
            writes=True,
            setup=lambda c, r: pipeline.schedule_deletions(c, limit=1000),
        ),
    ]
    return found


def _claimer(kind: work.WorkKind) -> Call:
    async def call(c: Connection, r: random.Random) -> Any:
        return await work.claim(c, kind, "bench", 10)

    return call


def _failed_lister(kind: work.WorkKind) -> Call:
    async def call(c: Connection, r: random.Random) -> Any:
        return await work.list_failed(c, kind, limit=100)

    return call


def _status_call() -> Call | None:
    try:
        from opsdb import status
    except ImportError:
        return None
    summarize = getattr(status, "summarize", None)
    if summarize is None:
        return None

    async def call(c: Connection, r: random.Random) -> Any:
        return await summarize(c)

    return call


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def time_query(
    conn: Connection, q: Query, calls: int, rng: random.Random, slow: float, statement_timeout: float
) -> dict[str, Any]:
    """Run `q` up to `calls` times (fewer once the total passes `slow` seconds; a call is cancelled
    after `timeout` seconds); p50 and p99 in ms."""
    times: list[float] = []
    spent = 0.0
    answer: int | None = None
    await conn.execute(f"SET statement_timeout = {int(statement_timeout * 1000)}")
    try:
        for _ in range(calls):
            if q.writes:
                await conn.execute("BEGIN")
                if q.setup is not None:
                    await q.setup(conn, rng)
            start = time.perf_counter()
            try:
                result = await q.call(conn, rng)
                if isinstance(result, list | tuple):
                    answer = len(result)
            except Exception as exc:
                if "statement timeout" in str(exc):
                    return {"calls": len(times) + 1, "timeout_s": statement_timeout, "p50_ms": None, "p99_ms": None}
                raise
            finally:
                elapsed = time.perf_counter() - start
                if q.writes:
                    await conn.execute("ROLLBACK")
            times.append(elapsed * 1000)
            spent += elapsed
            if spent > slow:
                break
    finally:
        await conn.execute("SET statement_timeout = 0")
    return {
        "calls": len(times),
        "p50_ms": round(statistics.median(times), 3) if times else None,
        "p99_ms": round(_percentile(times, 0.99), 3) if times else None,
        "rows": answer,  # the last call's answer size (lists only): a query that finds nothing times nothing
        "times": times,
    }


async def _rebuild_bulk_indexes(conn: Connection, drop: bool, saved: list[str]) -> None:
    """Drop (saving their definitions) or recreate the bulk tables' indexes that back no constraint."""
    if drop:
        rows = await conn.fetch(
            """SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def
               FROM pg_index i
               WHERE i.indrelid IN ('raw_data_file'::regclass, 'physical_copy'::regclass)
                 AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)"""
        )
        for r in rows:
            saved.append(r["def"])
            await conn.execute(f"DROP INDEX {r['name']}")
    else:
        for definition in saved:
            await conn.execute(definition)


async def sizes(conn: Connection, files: int) -> dict[str, Any]:
    """On-disk bytes of the bulk tables (and of the audit trail, if any) and of each of their
    indexes, per row."""
    out: dict[str, Any] = {}
    tables = [("raw_data_file", files), ("physical_copy", await conn.fetchval("SELECT count(*) FROM physical_copy"))]
    # the audit trail, where the schema has one (issue #10's state history)
    if await conn.fetchval("SELECT to_regclass('state_history') IS NOT NULL"):
        tables.append(("state_history", await conn.fetchval("SELECT count(*) FROM state_history")))
    for table, rows in tables:
        if not rows:
            continue
        heap = await conn.fetchval("SELECT pg_table_size($1::regclass)", table)
        out[table] = {"rows": rows, "heap_bytes": heap, "heap_bytes_per_row": round(heap / rows, 1), "indexes": {}}
        for r in await conn.fetch(
            """SELECT c.relname, pg_relation_size(c.oid) AS bytes
               FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
               WHERE i.indrelid = $1::regclass ORDER BY c.relname""",
            table,
        ):
            out[table]["indexes"][r["relname"]] = {
                "bytes": r["bytes"],
                "bytes_per_row": round(r["bytes"] / rows, 1),
            }
    out["database_bytes"] = await conn.fetchval("SELECT pg_database_size(current_database())")
    return out


def _kept_layout(server: str, name: str) -> Layout | None:
    """The layout of a database an earlier `--keep` run built, or None when there is none."""
    with psycopg.connect(server, autocommit=True) as admin:
        if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
            return None
    with psycopg.connect(with_database(server, name), autocommit=True) as db:
        if db.execute("SELECT to_regclass('bench_scale_layout')").fetchone() == (None,):
            return None
        row = db.execute("SELECT layout FROM bench_scale_layout").fetchone()
    if row is None:
        return None
    value = json.loads(row[0]) if isinstance(row[0], str) else row[0]  # (stored through opsdb's jsonb codec)
    return Layout(**value)


@dataclass
class Prepared:
    """A database of one size, built (or kept) and migrated, ready to be timed."""

    files: int
    dsn: str
    layout: Layout
    result: dict[str, Any]


async def prepare_size(server: str, files: int, reuse: bool = False) -> Prepared:
    """Build the database of `files` files (or reuse a kept one), migrate and analyse it; its sizes."""
    name = f"opsdb_scale_{files}"
    dsn = with_database(server, name)
    result: dict[str, Any] = {"files": files}
    lay = _kept_layout(server, name) if reuse else None
    result["reused"] = lay is not None
    if lay is None:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}"')
    started = time.perf_counter()
    migrate.apply(dsn)  # a kept database gets the migrations added since it was built
    async with await Database.connect(dsn, min_size=1, max_size=2) as db, db.connection() as conn:
        if lay is not None:  # kept from an older build: bring its data up to today's layout (idempotent)
            await queue_deletable(conn, lay)
            spread = await spread_obs_units(conn, lay)
            if spread != lay:
                lay = spread
                await conn.execute("UPDATE bench_scale_layout SET layout = $1::jsonb", json.dumps(asdict(lay)))
        if lay is None:
            await conn.execute("SET synchronous_commit = off")
            await conn.execute("SET statement_timeout = 0")  # OPSDB_STATEMENT_TIMEOUT is for daemons
            await conn.execute("SET maintenance_work_mem = '512MB'")
            saved: list[str] = []
            await _rebuild_bulk_indexes(conn, True, saved)
            lay = await populate(conn, files)
            await _rebuild_bulk_indexes(conn, False, saved)
            await conn.execute(
                "CREATE TABLE bench_scale_layout (layout jsonb NOT NULL); REVOKE ALL ON bench_scale_layout FROM PUBLIC"
            )
            await conn.execute("INSERT INTO bench_scale_layout VALUES ($1::jsonb)", json.dumps(asdict(lay)))
        await conn.execute("VACUUM ANALYZE")
        result["build_seconds" if not result.get("reused") else "migrate_seconds"] = round(
            time.perf_counter() - started, 1
        )
        print(f"  {files:,} files ready in {round(time.perf_counter() - started, 1)} s", file=sys.stderr)
        result["sizes"] = await sizes(conn, lay.files)
    return Prepared(files, dsn, lay, result)


async def time_sizes(
    prepared: list[Prepared],
    calls: int,
    slow: float,
    statement_timeout: float,
    seed: int,
    warmup: int = WARMUP_CALLS,
    rounds: int = ROUNDS,
) -> list[dict[str, Any]]:
    """Time every query on every size, the sizes interleaved: per query, `warmup` untimed calls on
    each size (a daemon's connection has its statements prepared and its catalogue cached), then
    `rounds` rounds of calls/rounds calls on each size in turn, so whatever else the machine does
    falls on all sizes alike. Each size draws its arguments from its own generator (same seed)."""
    out = [p.result for p in prepared]
    async with contextlib.AsyncExitStack() as stack:
        conns = []
        for p in prepared:
            db = await stack.enter_async_context(await Database.connect(p.dsn, min_size=1, max_size=2))
            conns.append(await stack.enter_async_context(db.connection()))
        counting = [await _buffer_counting(c) for c in conns]
        rngs = [random.Random(seed) for _ in prepared]
        all_queries = [queries(p.layout) for p in prepared]
        for r in out:
            r["queries"] = {}
        for i, name in enumerate(q.name for q in all_queries[0]):
            per_size: list[list[float]] = [[] for _ in prepared]
            spent = [0.0 for _ in prepared]
            failed: list[dict[str, Any] | None] = [None for _ in prepared]
            answers: list[int | None] = [None for _ in prepared]
            try:
                for n, c in enumerate(conns):
                    await time_query(c, all_queries[n][i], warmup, rngs[n], slow, statement_timeout)
                for n, c in enumerate(conns):
                    if counting[n]:
                        await c.execute("SELECT pg_stat_statements_reset()")
                for _ in range(rounds):
                    for n, c in enumerate(conns):
                        if failed[n] is not None or spent[n] > slow:
                            continue
                        per_round = -(-calls // rounds)
                        t = await time_query(c, all_queries[n][i], per_round, rngs[n], slow, statement_timeout)
                        if "timeout_s" in t:
                            failed[n] = t
                            continue
                        per_size[n] += t["times"]
                        spent[n] += sum(t["times"]) / 1000
                        answers[n] = t["rows"]
            except Exception as exc:  # a query another branch changes: report, keep going
                failed = [{"error": f"{type(exc).__name__}: {exc}"[:200]} for _ in prepared]
            for n, (c, q) in enumerate(zip(conns, (qs[i] for qs in all_queries), strict=True)):
                timing: dict[str, Any]
                if failed[n] is not None:
                    timing = failed[n] or {}
                else:
                    times = per_size[n]
                    timing = {
                        "calls": len(times),
                        "p50_ms": round(statistics.median(times), 3),
                        "p99_ms": round(_percentile(times, 0.99), 3),
                        "rows": answers[n],  # the last call's answer size (lists only)
                    }
                    if counting[n] and q.setup is None:
                        timing["buffers"], timing["buffers_read"] = await _buffers_per_call(c, len(times))
                out[n]["queries"][name] = timing
                print(f"  {prepared[n].files:,} {name}: {timing}", file=sys.stderr)
    return out


async def _buffer_counting(conn: Connection) -> bool:
    """Whether pg_stat_statements is loaded (SERVER_SETTINGS; not on a server given by --dsn)."""
    try:
        await conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        await conn.execute("SELECT pg_stat_statements_reset()")
    except Exception:  # not preloaded: no buffer counts
        return False
    return True


async def _buffers_per_call(conn: Connection, calls: int) -> tuple[float, float]:
    """Shared buffers per call of the query just timed, its triggers and functions included, from
    pg_stat_statements (reset before it): all it touched (hit + read), and those not found in
    shared buffers (read: from the OS cache or the disk)."""
    row = await conn.fetchrow(
        """SELECT coalesce(sum(shared_blks_hit + shared_blks_read), 0) AS touched,
                  coalesce(sum(shared_blks_read), 0) AS read
           FROM pg_stat_statements
           WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
             AND query !~* 'pg_stat_statements|^(BEGIN|ROLLBACK|SET )'"""
    )
    assert row is not None
    return round(float(row["touched"]) / calls, 1), round(float(row["read"]) / calls, 1)


def print_table(results: list[dict[str, Any]]) -> None:
    first, last = results[0], results[-1]
    head = " | ".join(f"{r['files'] / 1e6:g}M p50 ms | {r['files'] / 1e6:g}M p99 ms" for r in results)
    bufs = " / ".join(f"{r['files'] / 1e6:g}M" for r in results)
    print(
        f"| query | rows | {head} | p99 ratio | buffers per call {bufs} | of them read {bufs} "
        f"| rows/s at p50 ({last['files'] / 1e6:g}M) |"
    )
    print("|---|---|" + "---:|" * (2 * len(results) + 1) + "---|---|---:|")
    for name in first["queries"]:
        cells = []
        for r in results:
            t = r["queries"].get(name, {})
            if "timeout_s" in t:
                cells += [f"> {t['timeout_s'] * 1000:.0f}", "-"]
            else:
                cells += [str(t.get("p50_ms", t.get("error", "-"))), str(t.get("p99_ms", "-"))]
        a, b = first["queries"][name].get("p99_ms"), last["queries"].get(name, {}).get("p99_ms")
        ratio = f"{b / a:.2f}" if a and b and len(results) > 1 else "-"
        rows = " / ".join(str(r["queries"].get(name, {}).get("rows", "-")) for r in results)
        t = last["queries"].get(name, {})
        rate = f"{t['rows'] / t['p50_ms'] * 1000:,.0f}" if t.get("rows") and t.get("p50_ms") else "-"
        buffers = " / ".join(str(r["queries"].get(name, {}).get("buffers", "-")) for r in results)
        read = " / ".join(str(r["queries"].get(name, {}).get("buffers_read", "-")) for r in results)
        print(f"| {name} | {rows} | " + " | ".join(cells) + f" | {ratio} | {buffers} | {read} | {rate} |")


# -- what the new indexes cost registration ----------------------------------------------------

BULK_INDEXES_0018 = {
    "raw_data_file_eou_id_idx": "CREATE INDEX raw_data_file_eou_id_idx ON raw_data_file (executed_obs_unit_id, id)",
    "physical_copy_live_idx": "CREATE INDEX physical_copy_live_idx ON physical_copy (data_location_id, status, id)"
    " WHERE status <> 'deleted'",
}


async def index_cost(server: str, files: int, runs: int) -> dict[str, Any]:
    """Registration and plain COPY of `files` new files with and without each 0018 bulk-table index,
    interleaved in one run (files/s, medians)."""
    from bench.registration import _reset, copy_rows, run_copy, run_opsdb
    from opsdb.testing import file_records
    from opsdb.testing import seed_registration as seed

    name = "opsdb_index_cost"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    dsn = with_database(server, name)
    migrate.apply(dsn)
    async with await Database.connect(dsn, min_size=1, max_size=1) as db, db.connection() as conn:
        seeded = await seed(conn)
    records = file_records(seeded, files)
    rows = copy_rows(records)
    variants = {"without": [], "+eou_id": ["raw_data_file_eou_id_idx"], "+live": ["physical_copy_live_idx"]}
    variants["+both (0018)"] = list(BULK_INDEXES_0018)
    rates: dict[str, dict[str, list[float]]] = {v: {"copy": [], "opsdb": []} for v in variants}
    for _ in range(runs):
        for variant, keep in variants.items():
            raw = await asyncpg.connect(dsn)
            try:
                for index, definition in BULK_INDEXES_0018.items():
                    await raw.execute(f"DROP INDEX IF EXISTS {index}")
                    if index in keep:
                        await raw.execute(definition)
            finally:
                await raw.close()
            for label, body in (
                ("copy", lambda: run_copy(dsn, seeded, rows, 10_000, 3)),
                ("opsdb", lambda: run_opsdb(dsn, seeded, records, 10_000, 3)),
            ):
                await _reset(dsn)
                start = time.perf_counter()
                await body()
                rates[variant][label].append(files / (time.perf_counter() - start))
    out = {v: {k: round(statistics.median(x)) for k, x in r.items()} for v, r in rates.items()}
    print("| indexes | COPY files/s | opsdb files/s |")
    print("|---|---:|---:|")
    for variant, r in out.items():
        print(f"| {variant} | {r['copy']:,} | {r['opsdb']:,} |")
    return out


# The server's memory and checkpoint distance, set (and the server restarted) before anything is
# built: at PostgreSQL's defaults (128MB shared_buffers, 1GB max_wal_size) the 20M build spent
# 87 minutes evicting the random-key indexes and checkpointing; with these, 24 minutes. A data
# center's server with 24 GiB would run with at least these; the queries' own settings
# (work_mem, planner costs) are left at their defaults.
SERVER_SETTINGS = {
    "shared_buffers": "4GB",
    "max_wal_size": "32GB",
    "checkpoint_timeout": "30min",
    "maintenance_work_mem": "1GB",
    # buffers per call (hit + read) of every timed query: what its plan touches, whatever the cache
    "shared_preload_libraries": "pg_stat_statements",
}


def _sized(data_dir: Path, server: Any) -> Any:
    """`server` with SERVER_SETTINGS in effect (set and restarted once; a kept server has them)."""
    with psycopg.connect(embedded.dsn_of(server), autocommit=True) as admin:
        current = {k: admin.execute(f"SELECT current_setting('{k}')").fetchone() for k in SERVER_SETTINGS}
        if all(row and row[0] == v for (k, row), v in zip(current.items(), SERVER_SETTINGS.values(), strict=True)):
            return server
        for key, value in SERVER_SETTINGS.items():
            admin.execute(f"ALTER SYSTEM SET {key} = '{value}'")
    server.cleanup()
    embedded.stop(data_dir)
    return embedded.start(data_dir)


@contextmanager
def _server(parent: Path | None, keep: Path | None = None) -> Iterator[str]:
    """A fresh embedded server with default durability (fsync on), stopped and deleted on exit;
    with `keep`, the server in that directory (created when missing), stopped but kept."""
    # own prefix and owner file: embedded.reap_stale (tests, other benchmarks) must not take it for stale
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        directory = keep
    else:
        directory = Path(tempfile.mkdtemp(prefix="opsdb-scale-bench-", dir=parent))
    (directory / embedded.OWNER_FILE).write_text(str(os.getpid()))
    directory.chmod(0o755)
    data_dir = directory / "pgdata"
    server = _sized(data_dir, embedded.start(data_dir))
    try:
        yield embedded.dsn_of(server)
    finally:
        server.cleanup()
        embedded.stop(data_dir)
        if keep is None:
            shutil.rmtree(directory, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000000,20000000", help="comma-separated file counts")
    parser.add_argument("--calls", type=int, default=200, help="calls per query (fewer for slow ones)")
    parser.add_argument("--slow", type=float, default=20.0, help="seconds per query after which calls stop")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds after which one call is cancelled")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--warmup", type=int, default=WARMUP_CALLS, help="untimed calls per query and size first")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="rounds over the sizes per query")
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--dir", type=Path, help="where the embedded server's directory goes (default: /tmp)")
    parser.add_argument("--dsn", help="an existing server instead of an embedded one (admin DSN)")
    parser.add_argument(
        "--keep",
        type=Path,
        help="keep the embedded server in this directory and reuse the databases it already holds"
        " (pending migrations are applied first): build 20M once, time it after every change",
    )
    parser.add_argument("--index-cost", action="store_true", help="measure what 0018's indexes cost registration")
    parser.add_argument("--files", type=int, default=200_000, help="files per run of --index-cost")
    parser.add_argument("--runs", type=int, default=3, help="runs of --index-cost")
    args = parser.parse_args(argv)

    def run(server: str) -> dict[str, Any]:
        if args.index_cost:
            return {"index_cost": anyio.run(index_cost, server, args.files, args.runs)}
        prepared = []
        for files in (int(s) for s in args.sizes.split(",")):
            print(f"building {files:,} files ...", file=sys.stderr)
            prepared.append(anyio.run(prepare_size, server, files, args.keep is not None))
        print("timing, the sizes interleaved ...", file=sys.stderr)
        results = anyio.run(
            lambda: time_sizes(prepared, args.calls, args.slow, args.timeout, args.seed, args.warmup, args.rounds)
        )
        print_table(results)
        return {"sizes": results}

    if args.dsn:
        out = run(args.dsn)
    else:
        with _server(args.dir, args.keep) as server:
            out = run(server)
    if args.json:
        args.json.write_text(json.dumps(out, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
