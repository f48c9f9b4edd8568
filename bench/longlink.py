"""Benchmark: file registration over an emulated 250 ms link (Chile - Cologne) against a direct link, same run.

One command, one fresh embedded PostgreSQL 18 with default durability::

    python -m bench.longlink --json longlink.json            # 200,000 files, 1,000,000-file backlog
    python -m bench.longlink --quick                          # small sizes, for development

The long link is `opsdb.site.link` (a delay-injecting TCP proxy on loopback, in its own
process) in front of the server's Unix socket; the loss variant stalls a chunk that lost a
packet by one retransmission (200 ms + a round trip). Measured, in files/s (a file row plus its
source copy): registration direct and over the link with opsdb's defaults (10,000-file batches,
3 connections) and with the long-link settings (larger batches, more connections in flight);
then the site spool (files/s a site host spools, validation included) and the replay of a
spooled backlog over the 250 ms link. Figures: docs/site.md and docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import anyio
import asyncpg

from opsdb import embedded, migrate
from opsdb.config import with_database
from opsdb.db import Database
from opsdb.registration import register_files
from opsdb.site import SiteClient, Spool, replay
from opsdb.site.link import upstream_of, via
from opsdb.testing import Seeded, file_records, iter_file_records, seed_registration


def start_link(upstream: str, rtt_ms: float, loss: float) -> tuple[subprocess.Popen[str], int]:
    """The emulated link in its own process (its event loop does not compete with the client's)."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "opsdb.site.link",
            "--upstream",
            upstream,
            "--delay-ms",
            str(rtt_ms),
            "--loss",
            str(loss),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    return process, int(process.stdout.readline())


async def _reset(dsn: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("TRUNCATE physical_copy, raw_data_file CASCADE")
        await conn.execute("VACUUM ANALYZE raw_data_file, physical_copy")
        await conn.execute("CHECKPOINT")
    finally:
        await conn.close()


async def _rtt(dsn: str) -> float:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.fetchval("SELECT 1")
        began = time.perf_counter()
        for _ in range(3):
            await conn.fetchval("SELECT 1")
        return (time.perf_counter() - began) / 3
    finally:
        await conn.close()


async def register_run(
    db: Database, seeded: Seeded, records: list[dict[str, Any]], batch: int, connections: int
) -> dict[str, Any]:
    """One registration of `records` (the caller empties the tables first)."""
    began = time.perf_counter()
    report = await register_files(db, seeded.location, records, batch_size=batch, connections=connections)
    seconds = time.perf_counter() - began
    assert report.new == len(records), report
    return {
        "files": len(records),
        "batch_size": batch,
        "connections": connections,
        "seconds": round(seconds, 3),
        "files_per_second": round(len(records) / seconds),
    }


async def spool_run(path: Path, seeded: Seeded, count: int, call_size: int, start: int) -> dict[str, Any]:
    """Spool `count` files in calls of `call_size` through SiteClient (no link: every call spools)."""
    spool = Spool(path)
    try:
        async with SiteClient(spool, None) as site:
            records = iter_file_records(seeded, count, start=start, prefix="spooled")
            began = time.perf_counter()
            chunk: list[dict[str, Any]] = []
            for record in records:
                chunk.append(record)
                if len(chunk) == call_size:
                    assert (await site.register_files(seeded.location, chunk)).spooled
                    chunk = []
            if chunk:
                await site.register_files(seeded.location, chunk)
            seconds = time.perf_counter() - began
    finally:
        spool.close()
    return {
        "files": count,
        "call_size": call_size,
        "seconds": round(seconds, 3),
        "files_per_second": round(count / seconds),
        "spool_bytes": _size_on_disk(path),
    }


def _size_on_disk(path: Path) -> int:
    """The spool file plus its write-ahead log."""
    wal = path.with_name(path.name + "-wal")
    return path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)


async def replay_run(path: Path, dsn: str, batch: int, connections: int, window: int) -> dict[str, Any]:
    spool = Spool(path)
    try:
        async with await Database.connect(dsn, min_size=connections, max_size=connections + 1) as db:
            began = time.perf_counter()
            last = [began]

            def progress(p: Any) -> None:
                if time.perf_counter() - last[0] > 10:
                    last[0] = time.perf_counter()
                    print(f"  replayed {p.files:,} files, {p.files_per_second:,.0f}/s", file=sys.stderr)

            report = await replay(
                spool, db, batch_size=batch, connections=connections, window_files=window, on_progress=progress
            )
            seconds = time.perf_counter() - began
    finally:
        spool.close()
    assert report.conflicts == 0 and report.files_new == report.files, report
    return {
        "files": report.files,
        "batch_size": batch,
        "connections": connections,
        "window_files": window,
        "seconds": round(seconds, 3),
        "files_per_second": round(report.files / seconds),
    }


async def _bench(dsn: str, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    async with await Database.connect(dsn, min_size=1, max_size=2) as db, db.connection() as conn:
        seeded = await seed_registration(conn, modules=4, units=64)
    records = file_records(seeded, args.files)
    out: dict[str, Any] = {
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "postgresql": await (await asyncpg.connect(dsn)).fetchval("SHOW server_version"),
        },
        "settings": {k: str(v) for k, v in vars(args).items() if k != "json"},
        "links": {},
        "registration": {},
    }
    upstream = upstream_of(dsn)
    links: dict[str, str] = {"direct": dsn}
    processes = []
    try:
        for name, loss in (("250ms", 0.0), (f"250ms+{args.loss:g}loss", args.loss)):
            process, port = start_link(upstream, args.rtt_ms, loss)
            processes.append(process)
            links[name] = via(dsn, port)
        for name, link in links.items():
            out["links"][name] = {"rtt_seconds": round(await _rtt(link), 4)}
            print(
                f"link {name}: measured round trip {out['links'][name]['rtt_seconds'] * 1000:.1f} ms", file=sys.stderr
            )
        settings = {"default": (10_000, 3), "longlink": (args.batch_size, args.connections)}
        # each pool registers `runs` times: the first on fresh connections (cold: statements
        # prepared, staging tables made), the others on the same connections (warm: an
        # instrument's long-running registrar)
        for name, link in links.items():
            for label, (batch, connections) in settings.items():
                began = time.perf_counter()
                async with await Database.connect(link, min_size=connections, max_size=connections) as db:
                    connect = time.perf_counter() - began
                    for run in range(args.runs):
                        await _reset(dsn)
                        result = await register_run(db, seeded, records, batch, connections)
                        result["pool_connect_seconds"] = round(connect, 3)
                        key = f"{name}/{label}/{'cold' if run == 0 else 'warm'}"
                        out["registration"].setdefault(key, []).append(result)
                        print(f"{key}: {result['files_per_second']:,} files/s ({result['seconds']} s)", file=sys.stderr)
        best = {k: max(r["files_per_second"] for r in v) for k, v in out["registration"].items()}
        direct = {
            state: max(v for k, v in best.items() if k.startswith("direct/") and k.endswith(state))
            for state in ("cold", "warm")
        }
        out["ratios"] = {k: round(v / direct[k.rsplit("/", 1)[1]], 3) for k, v in best.items()}

        await _reset(dsn)
        spool_path = work / "spool.sqlite"
        out["spool"] = await spool_run(spool_path, seeded, args.backlog, args.call_size, args.files)
        print(f"spool: {out['spool']['files_per_second']:,} files/s", file=sys.stderr)
        out["replay"] = await replay_run(spool_path, links["250ms"], args.batch_size, args.connections, args.window)
        print(f"replay over 250 ms: {out['replay']['files_per_second']:,} files/s", file=sys.stderr)
    finally:
        for process in processes:
            process.kill()
            process.wait()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.longlink", description=__doc__.split("\n")[0])
    parser.add_argument("--json", type=Path, help="write machine-readable results here")
    parser.add_argument("--files", type=int, help="files per registration run (200,000; --quick 20,000)")
    parser.add_argument("--backlog", type=int, help="files spooled, then replayed (1,000,000; --quick 50,000)")
    parser.add_argument("--runs", type=int, default=3, help="registrations per pool (the first one cold)")
    parser.add_argument("--rtt-ms", type=float, default=250.0)
    parser.add_argument("--loss", type=float, default=0.001, help="packet loss of the lossy variant")
    parser.add_argument("--batch-size", type=int, default=25_000, help="long-link settings: files per batch")
    parser.add_argument("--connections", type=int, default=8, help="long-link settings: batches in flight")
    parser.add_argument("--window", type=int, default=200_000, help="replay: files marked applied at once")
    parser.add_argument("--call-size", type=int, default=1_000, help="spool: files per instrument call")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    if args.files is None:
        args.files = 20_000 if args.quick else 200_000
    if args.backlog is None:
        args.backlog = 50_000 if args.quick else 1_000_000

    directory = Path(tempfile.mkdtemp(prefix="opsdb-longlink-bench-"))
    (directory / embedded.OWNER_FILE).write_text(str(os.getpid()))
    directory.chmod(0o755)
    data_dir = directory / "pgdata"
    server = embedded.start(data_dir)  # default durability: fsync and synchronous_commit on
    try:
        server.psql("ALTER SYSTEM SET max_connections = 100; ")
        admin = embedded.dsn_of(server)
        server.psql("CREATE DATABASE bench")
        dsn = with_database(admin, "bench")
        migrate.apply(dsn)
        results = anyio.run(_bench, dsn, args, directory)
    finally:
        server.cleanup()
        embedded.stop(data_dir)
        shutil.rmtree(directory, ignore_errors=True)
    print(json.dumps({k: results[k] for k in ("ratios", "spool", "replay")}, indent=2))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))
        print(f"wrote {args.json}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
