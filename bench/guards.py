"""Cost of the state-machine guards and the audit trail (migration 0015), A/B in one database.

    python -m bench.guards [--json out.json] [--files 20000] [--items 5000] [--rounds 5]

One fresh embedded PostgreSQL 18. Each round registers `--files` new files (one connection,
`register_files`, batches of 10,000) and claims + completes `--items` package builds
(`work.claim` / `work.complete_many`, batches of 50, one connection), once with the guard
triggers enabled and once with them disabled (ALTER TABLE ... DISABLE TRIGGER on the
`*_state_inserted` / `*_state_updated` triggers), alternating which goes first. Reports
wall time and the server backend's CPU time (utime + stime from /proc, which a loaded shared
machine disturbs far less than wall time), medians over the rounds. docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio

from bench.claims import RESULT, SEED_ITEMS, SEED_WORLD
from opsdb import embedded, migrate, work
from opsdb.config import with_database
from opsdb.db import Connection, Database
from opsdb.registration import register_files
from opsdb.states import MACHINE_COLUMNS
from opsdb.testing import file_records, seed_registration
from opsdb.work import WorkKind

TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


async def _switch(conn: Connection, enabled: bool) -> None:
    for table in sorted({t for t, _ in MACHINE_COLUMNS}):
        for trigger in (f"{table}_state_inserted", f"{table}_state_updated"):
            await conn.execute(f"ALTER TABLE {table} {'ENABLE' if enabled else 'DISABLE'} TRIGGER {trigger}")


async def _measure(conn: Connection, job: Callable[[], Awaitable[None]]) -> tuple[float, float]:
    pid: int = await conn.fetchval("SELECT pg_backend_pid()")
    cpu, wall = _cpu_seconds(pid), time.perf_counter()
    await job()
    return time.perf_counter() - wall, _cpu_seconds(pid) - cpu


async def _bench(dsn: str, files: int, items: int, rounds: int) -> dict[str, Any]:
    figures: dict[str, dict[str, list[tuple[float, float]]]] = {
        "registration": {"guarded": [], "unguarded": []},
        "claims": {"guarded": [], "unguarded": []},
    }
    async with await Database.connect(dsn, min_size=1, max_size=1) as db, db.connection() as conn:
        seeded = await seed_registration(conn, modules=4, units=64)
        world = dict(await conn.fetchrow(SEED_WORLD) or {})
        n = 0
        for r in range(rounds):
            for mode in ("guarded", "unguarded") if r % 2 == 0 else ("unguarded", "guarded"):
                n += 1
                await _switch(conn, mode == "guarded")
                records = file_records(seeded, files, start=n * files, prefix=f"r{n}")

                async def register(records: list[dict[str, object]] = records) -> None:
                    await register_files(conn, seeded.location, records, batch_size=10_000)

                figures["registration"][mode].append(await _measure(conn, register))
                await conn.execute(SEED_ITEMS, f"i{n}", world["execution"], world["module"], world["source"], items)
                await conn.execute("VACUUM ANALYZE raw_data_package")

                async def claims() -> None:
                    while batch := await work.claim(conn, WorkKind.RAW_DATA_PACKAGE_BUILD, "w", limit=50):
                        await work.complete_many(
                            conn, batch[0].kind, batch, [{**RESULT, "location_id": world["buffer"]} for _ in batch]
                        )

                figures["claims"][mode].append(await _measure(conn, claims))
        await _switch(conn, True)
    out: dict[str, Any] = {"files": files, "items": items, "rounds": rounds}
    for name, count in (("registration", files), ("claims", items)):
        result = {}
        for mode, runs in figures[name].items():
            result[mode] = {
                "median_per_second": statistics.median(count / wall for wall, _ in runs),
                "median_server_cpu_us_per_item": statistics.median(cpu * 1e6 / count for _, cpu in runs),
                "runs": [{"wall_s": wall, "server_cpu_s": cpu} for wall, cpu in runs],
            }
        result["throughput_ratio"] = result["guarded"]["median_per_second"] / result["unguarded"]["median_per_second"]
        out[name] = result
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.guards", description=__doc__.split("\n")[0])
    parser.add_argument("--json", type=Path)
    parser.add_argument("--files", type=int, default=20_000)
    parser.add_argument("--items", type=int, default=5_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    directory = Path(tempfile.mkdtemp(prefix="opsdb-guards-bench-"))
    (directory / embedded.OWNER_FILE).write_text(str(os.getpid()))
    directory.chmod(0o755)
    server = embedded.start(directory / "pgdata")
    try:
        dsn = with_database(embedded.dsn_of(server), "bench")
        server.psql("CREATE DATABASE bench")
        migrate.apply(dsn)
        results = anyio.run(_bench, dsn, args.files, args.items, args.rounds)
    finally:
        server.cleanup()
        embedded.stop(directory / "pgdata")
        shutil.rmtree(directory, ignore_errors=True)
    for name in ("registration", "claims"):
        r = results[name]
        for mode in ("guarded", "unguarded"):
            m = r[mode]
            print(
                f"{name:13} {mode:10} {m['median_per_second']:>9,.0f} /s   "
                f"server CPU {m['median_server_cpu_us_per_item']:6.1f} us/item"
            )
        print(f"{name:13} guarded/unguarded throughput {r['throughput_ratio']:.2f}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
