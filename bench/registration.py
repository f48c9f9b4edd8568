"""Benchmark: bulk raw-file registration against the ways an ORM-based system would do it.

One command, one fresh embedded PostgreSQL 18 with default durability settings::

    python -m bench.registration --json out.json [--files 200000] [--runs 3] [--scale-files 10000000]
    python -m bench.registration --quick --json quick.json      # small sizes, for development

Measures files/s (a file row plus its source physical copy), medians of `--runs` runs:
(a) plain COPY of the same rows into the same tables (no conflict handling: the ceiling),
(b) opsdb registering new files, (c) opsdb re-registering them (all existing),
(d) SQLAlchemy 2 ORM `session.add_all`, (e) SQLAlchemy core bulk insert (both on the same
tables, mapped declaratively), then a scale run: registering a batch into tables already
holding `--scale-files` files. `--rss-files N` streams N files through `register_files` in a
child process and reports its peak RSS. Prints a table and writes JSON (docs/performance.md).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import anyio
import anyio.from_thread
import anyio.to_thread
import asyncpg
from sqlalchemy import BigInteger, ForeignKey, Identity, String, Text, create_engine, insert
from sqlalchemy.dialects.postgresql import JSONB, TIMESTAMP, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

from opsdb import embedded, migrate
from opsdb.config import with_database
from opsdb.db import Database
from opsdb.ids import file_id
from opsdb.registration import DEFAULT_CONNECTIONS, register_files
from opsdb.registration import records as records_module
from opsdb.registration.records import FILE_COLUMNS
from opsdb.testing import Seeded, file_records, iter_file_records
from opsdb.testing import seed_registration as seed


def _with_ids(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The records with their derived ids filled in (what the baselines insert)."""
    out = []
    for r in records:
        r = dict(r)
        r["id"] = file_id(r["instrument_module_id"], r["relative_path"], r["file_created_at"])
        out.append(r)
    return out


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


async def _reset(dsn: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("TRUNCATE physical_copy, raw_data_file CASCADE")
        await conn.execute("VACUUM ANALYZE raw_data_file, physical_copy")
        await conn.execute("CHECKPOINT")
    finally:
        await conn.close()


# (a) plain COPY ------------------------------------------------------------------------


def copy_rows(records: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """The rows (a) COPYs, ids derived: built before the clock starts, so (a) times COPY alone."""
    return [tuple(r.get(c) if c != "metadata" else "{}" for c in FILE_COLUMNS) for r in _with_ids(records)]


async def run_copy(dsn: str, seeded: Seeded, rows: list[tuple[Any, ...]], batch: int, connections: int) -> None:
    chunks = list(_chunks(rows, batch))
    conns = [await asyncpg.connect(dsn) for _ in range(connections)]  # default codecs: binary jsonb from str

    async def worker(conn: asyncpg.Connection, mine: list[list[tuple[Any, ...]]]) -> None:
        for chunk in mine:
            async with conn.transaction():
                await conn.copy_records_to_table("raw_data_file", records=chunk, columns=list(FILE_COLUMNS))
                await conn.copy_records_to_table(
                    "physical_copy",
                    records=[("raw_data_file", row[0], seeded.location) for row in chunk],
                    columns=["type", "raw_data_file_id", "data_location_id"],
                )

    try:
        async with anyio.create_task_group() as tg:
            for i, conn in enumerate(conns):
                tg.start_soon(worker, conn, chunks[i::connections])
    finally:
        for conn in conns:
            await conn.close()


# (b), (c) opsdb --------------------------------------------------------------------------


async def run_opsdb(dsn: str, seeded: Seeded, records: list[dict[str, Any]], batch: int, connections: int) -> Any:
    async with await Database.connect(dsn, min_size=connections, max_size=connections) as db:
        return await register_files(db, seeded.location, records, batch_size=batch, connections=connections)


# (d), (e) SQLAlchemy -----------------------------------------------------------------------


class Base(DeclarativeBase):
    """The ORM baseline's declarative base: the same two tables, mapped."""


class RawDataFile(Base):
    __tablename__ = "raw_data_file"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    instrument_module_id: Mapped[int] = mapped_column(BigInteger)
    executed_obs_unit_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    name: Mapped[str] = mapped_column(Text)
    relative_path: Mapped[str] = mapped_column(Text)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    checksum_algorithm: Mapped[str] = mapped_column(String)
    checksum: Mapped[str] = mapped_column(String)
    file_type: Mapped[str | None] = mapped_column(Text)
    file_created_at: Mapped[datetime | None] = mapped_column(TIMESTAMP(timezone=True))
    file_metadata: Mapped[dict[str, Any]] = mapped_column("metadata", JSONB, default=dict)
    copies: Mapped[list[PhysicalCopy]] = relationship(back_populates="file")


class PhysicalCopy(Base):
    __tablename__ = "physical_copy"
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    type: Mapped[str] = mapped_column(String)
    raw_data_file_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("raw_data_file.id"))
    data_location_id: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String, default="present")
    file: Mapped[RawDataFile] = relationship(back_populates="copies")


def _sa_url(dsn: str) -> str:
    return dsn.replace("postgresql://", "postgresql+psycopg://", 1)


def run_orm(dsn: str, seeded: Seeded, records: list[dict[str, Any]], batch: int) -> None:
    engine = create_engine(_sa_url(dsn))
    try:
        for chunk in _chunks(_with_ids(records), batch):
            with Session(engine) as session, session.begin():
                objects = []
                for r in chunk:
                    values = {k: v for k, v in r.items()}
                    f = RawDataFile(**values, file_metadata={})
                    objects.append(f)
                    objects.append(PhysicalCopy(type="raw_data_file", file=f, data_location_id=seeded.location))
                session.add_all(objects)
    finally:
        engine.dispose()


def run_core(dsn: str, seeded: Seeded, records: list[dict[str, Any]], batch: int) -> None:
    engine = create_engine(_sa_url(dsn))
    try:
        for chunk in _chunks(_with_ids(records), batch):
            with engine.begin() as conn:
                conn.execute(insert(RawDataFile.__table__), [{**r, "metadata": {}} for r in chunk])
                conn.execute(
                    insert(PhysicalCopy.__table__),
                    [
                        {"type": "raw_data_file", "raw_data_file_id": r["id"], "data_location_id": seeded.location}
                        for r in chunk
                    ],
                )
    finally:
        engine.dispose()


# scale: tables already holding many files ----------------------------------------------

FILL_SQL = """
WITH f AS (
    INSERT INTO raw_data_file (id, instrument_module_id, executed_obs_unit_id, name, relative_path, size_bytes,
                               checksum_algorithm, checksum, file_type, file_created_at)
    SELECT (lpad(to_hex(1735689600000 + g), 12, '0') || '8' || substr(md5(g::text), 1, 19))::uuid,
           ($3::bigint[])[1 + g % cardinality($3::bigint[])],
           ($4::uuid[])[1 + (g / 1000) % cardinality($4::uuid[])],
           'old_' || g || '.fits', 'old/' || (g / 1000) || '/old_' || g || '.fits', 1000000 + g,
           'xxh64', lpad(to_hex(g), 16, '0'), 'fits', to_timestamp((1735689600000 + g) / 1000.0)
    FROM generate_series($1::bigint, $2::bigint) g
    ORDER BY 1
    RETURNING id
)
INSERT INTO physical_copy (type, raw_data_file_id, data_location_id) SELECT 'raw_data_file', id, $5 FROM f
"""


async def fill(dsn: str, seeded: Seeded, count: int, chunk: int = 1_000_000) -> float:
    """Put `count` older files (time-ordered ids before the benchmark's) into the tables."""
    conn = await asyncpg.connect(dsn)
    started = time.perf_counter()
    try:
        for start in range(0, count, chunk):
            end = min(start + chunk, count) - 1
            await conn.execute(FILL_SQL, start, end, seeded.modules, seeded.units, seeded.location)
            print(f"  filled {end + 1:,} files ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
        await conn.execute("VACUUM ANALYZE raw_data_file, physical_copy")
        await conn.execute("CHECKPOINT")
    finally:
        await conn.close()
    return time.perf_counter() - started


# RSS of a 1M-file stream --------------------------------------------------------------


async def _rss_child(dsn: str, count: int, batch: int, connections: int) -> None:
    async with await Database.connect(dsn, min_size=connections, max_size=connections) as db:
        async with db.connection() as conn:
            seeded = await seed(conn, name="rss")
        started = time.perf_counter()
        report = await register_files(
            db,
            seeded.location,
            iter_file_records(seeded, count, prefix="rss"),
            batch_size=batch,
            connections=connections,
        )
        elapsed = time.perf_counter() - started
    print(json.dumps({"files": report.new, "seconds": elapsed, "peak_rss_mb": _peak_rss_kib() / 1024}))


def _peak_rss_kib() -> int:
    """This process's own peak RSS (VmHWM). Not ru_maxrss: Linux carries the parent's peak
    over fork/vfork + exec into it, so a child of a big parent would report the parent's."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)  # no procfs


def measure_rss(dsn: str, count: int, batch: int, connections: int) -> dict[str, Any]:
    command = [sys.executable, "-m", "bench.registration", "--rss-child", str(count), "--dsn", dsn]
    command += ["--batch-size", str(batch), "--connections", str(connections)]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# driver ---------------------------------------------------------------------------------


_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def server_cpu(postmaster: int | None) -> float:
    """CPU seconds of the server so far: the postmaster, its live children, and the children it
    reaped (backends of closed connections). 0 without procfs."""
    if postmaster is None:
        return 0.0

    def fields(pid: int | str) -> list[str]:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()

    try:
        own = fields(postmaster)
    except OSError:
        return 0.0
    ticks = sum(int(v) for v in own[11:15])  # utime, stime, cutime, cstime
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                child = fields(entry)
            except OSError:
                continue
            if int(child[1]) == postmaster:
                ticks += int(child[11]) + int(child[12])
    return ticks / _TICK


def _postmaster(data_dir: Path) -> int | None:
    try:
        return int((data_dir / "postmaster.pid").read_text().splitlines()[0])
    except (OSError, ValueError, IndexError):
        return None


def _timed_once(
    files: int, setup: Callable[[], None], body: Callable[[], Any], postmaster: int | None
) -> tuple[float, float, float]:
    """(files/s, client CPU us per file, server CPU us per file) of one run."""
    setup()
    server_before, client_before = server_cpu(postmaster), time.process_time()
    started = time.perf_counter()
    body()
    elapsed = time.perf_counter() - started
    client = time.process_time() - client_before
    time.sleep(0.3)  # closed connections' backends exit and are reaped into the postmaster's totals
    server = server_cpu(postmaster) - server_before
    return files / elapsed, client / files * 1e6, server / files * 1e6


def _summary(files: int, runs: list[tuple[float, float, float]]) -> dict[str, Any]:
    rates = [r[0] for r in runs]
    return {
        "files": files,
        "runs": rates,
        "median": statistics.median(rates),
        "client_us_per_file": statistics.median(r[1] for r in runs),
        "server_us_per_file": statistics.median(r[2] for r in runs),
        "client_us_runs": [r[1] for r in runs],
        "server_us_runs": [r[2] for r in runs],
    }


def _timed(
    label: str, runs: int, files: int, setup: Callable[[], None], body: Callable[[], Any], postmaster: int | None = None
) -> dict[str, Any]:
    measured = []
    for run in range(runs):
        measured.append(_timed_once(files, setup, body, postmaster))
        rate, client, server = measured[-1]
        print(
            f"  {label} run {run + 1}: {rate:,.0f} files/s, client {client:.1f} us/file, server {server:.1f} us/file",
            file=sys.stderr,
        )
    return _summary(files, measured)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.registration", description=__doc__.split("\n")[0])
    parser.add_argument("--json", type=Path, help="write machine-readable results here")
    parser.add_argument("--files", type=int, help="files per run (200,000; --quick 20,000)")
    parser.add_argument("--baseline-files", type=int, help="files per run of the SQLAlchemy baselines (20,000)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scale-files", type=int, help="files present for the scale run (10,000,000); 0 skips it")
    parser.add_argument("--scale-batch", type=int, help="files registered in the scale run (200,000)")
    parser.add_argument("--rss-files", type=int, default=0, help="stream this many files in a child, report peak RSS")
    parser.add_argument("--batch-size", type=int, default=10_000)
    parser.add_argument("--connections", type=int, default=DEFAULT_CONNECTIONS)
    parser.add_argument(
        "--switch-interval",
        type=float,
        help="interpreter switch interval in ms while batches are prepared (0: leave Python's 5 ms; "
        "default: opsdb.registration.records.SWITCH_INTERVAL)",
    )
    parser.add_argument("--quick", action="store_true", help="small sizes for development")
    parser.add_argument("--only", default="a,b,c,d,e", help="comma-separated subset of a,b,c,d,e")
    parser.add_argument("--rss-child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--dsn", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.rss_child:
        anyio.run(_rss_child, args.dsn, args.rss_child, args.batch_size, args.connections)
        return 0
    if args.switch_interval is not None:
        records_module.SWITCH_INTERVAL = args.switch_interval / 1000 or None
    quick = {"files": 20_000, "baseline_files": 2_000, "scale_files": 200_000, "scale_batch": 20_000}
    full = {"files": 200_000, "baseline_files": 20_000, "scale_files": 10_000_000, "scale_batch": 200_000}
    for key, value in (quick if args.quick else full).items():
        if getattr(args, key) is None:
            setattr(args, key, value)

    # own prefix and owner file: embedded.reap_stale (other benchmarks, tests) must not take it for stale
    directory = Path(tempfile.mkdtemp(prefix="opsdb-registration-bench-"))
    (directory / embedded.OWNER_FILE).write_text(str(os.getpid()))
    directory.chmod(0o755)
    data_dir = directory / "pgdata"
    server = embedded.start(data_dir)  # default durability: fsync and synchronous_commit on
    try:
        admin = embedded.dsn_of(server)
        server.psql("CREATE DATABASE bench")
        dsn = with_database(admin, "bench")
        migrate.apply(dsn)
        args.postmaster = _postmaster(data_dir)
        results = anyio.run(_bench, dsn, args)
    finally:
        server.cleanup()
        embedded.stop(data_dir)
        shutil.rmtree(directory, ignore_errors=True)

    _print_table(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))
        print(f"wrote {args.json}", file=sys.stderr)
    return 0


async def _bench(dsn: str, args: argparse.Namespace) -> dict[str, Any]:
    async with await Database.connect(dsn, min_size=1, max_size=2) as db, db.connection() as conn:
        seeded = await seed(conn, modules=4, units=64)
    records = file_records(seeded, args.files)
    baseline = records[: args.baseline_files]
    only = set(args.only.split(","))
    out: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "settings": {k: v for k, v in vars(args).items() if k not in ("json", "rss_child", "dsn", "postmaster")},
        "load_average_before": os.getloadavg(),
        "results": {},
    }
    version = await _fetchval(dsn, "SHOW server_version")
    out["machine"]["postgresql"] = version
    res = out["results"]

    def reset() -> None:
        anyio.from_thread.run(_reset, dsn)

    async def in_thread(label: str, files: int, setup: Callable[[], None], body: Callable[[], Any]) -> None:
        res[label] = await anyio.to_thread.run_sync(_timed, label, args.runs, files, setup, body, args.postmaster)

    b, n = args.batch_size, args.connections
    # (a), (b), (c) in rounds: each run of (a) is followed by (b) and (c) under the same load,
    # so the per-run ratios compare like with like
    rows = copy_rows(records) if "a" in only else []
    steps: list[tuple[str, Callable[[], None], Callable[[], Any]]] = []
    if "a" in only:
        steps.append(("a_copy", reset, lambda: anyio.from_thread.run(run_copy, dsn, seeded, rows, b, n)))
    if "b" in only or "c" in only:
        steps.append(("b_opsdb_new", reset, lambda: anyio.from_thread.run(run_opsdb, dsn, seeded, records, b, n)))
    if "c" in only:
        steps.append(
            ("c_opsdb_existing", lambda: None, lambda: anyio.from_thread.run(run_opsdb, dsn, seeded, records, b, n))
        )

    def rounds() -> dict[str, list[tuple[float, float, float]]]:
        measured: dict[str, list[tuple[float, float, float]]] = {label: [] for label, _, _ in steps}
        for run in range(args.runs):
            for label, setup, body in steps:
                measured[label].append(_timed_once(args.files, setup, body, args.postmaster))
                rate, client, server = measured[label][-1]
                print(
                    f"  run {run + 1} {label}: {rate:,.0f} files/s, client {client:.1f} us/file, "
                    f"server {server:.1f} us/file, load {os.getloadavg()[0]:.2f}",
                    file=sys.stderr,
                )
        return measured

    for label, measured in (await anyio.to_thread.run_sync(rounds)).items():
        if label != "b_opsdb_new" or "b" in only:
            res[label] = _summary(args.files, measured)
    rows.clear()
    if "d" in only:
        await in_thread("d_sqlalchemy_orm", len(baseline), reset, lambda: run_orm(dsn, seeded, baseline, b))
    if "e" in only:
        await in_thread("e_sqlalchemy_core", len(baseline), reset, lambda: run_core(dsn, seeded, baseline, b))
    if args.rss_files:
        await _reset(dsn)
        res["rss_stream"] = await anyio.to_thread.run_sync(measure_rss, dsn, args.rss_files, b, n)
    if args.scale_files:
        await _reset(dsn)
        print(f"filling {args.scale_files:,} files for the scale run", file=sys.stderr)
        fill_seconds = await fill(dsn, seeded, args.scale_files)
        batch = records[: args.scale_batch]

        def scale_setup() -> None:
            anyio.from_thread.run(_forget, dsn, batch)

        await in_thread(
            "scale_opsdb_new", len(batch), scale_setup,
            lambda: anyio.from_thread.run(run_opsdb, dsn, seeded, batch, b, n),
        )  # fmt: skip
        res["scale_opsdb_new"]["present_files"] = args.scale_files
        res["scale_opsdb_new"]["fill_seconds"] = fill_seconds
    out["ratios"] = _ratios(res)
    out["load_average_after"] = os.getloadavg()
    return out


async def _fetchval(dsn: str, sql: str) -> Any:
    conn = await asyncpg.connect(dsn)
    try:
        return await conn.fetchval(sql)
    finally:
        await conn.close()


async def _forget(dsn: str, batch: list[dict[str, Any]]) -> None:
    """Remove the scale run's batch again, so every run registers new files."""
    ids = [r["id"] for r in _with_ids(batch)]
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("DELETE FROM physical_copy WHERE raw_data_file_id = ANY($1::uuid[])", ids)
        await conn.execute("DELETE FROM raw_data_file WHERE id = ANY($1::uuid[])", ids)
        await conn.execute("VACUUM raw_data_file, physical_copy")
        await conn.execute("CHECKPOINT")
    finally:
        await conn.close()


def _ratios(res: dict[str, Any]) -> dict[str, float]:
    def rate(key: str) -> float | None:
        return res[key]["median"] if key in res else None

    ratios: dict[str, float] = {}
    new, copy, orm, core = rate("b_opsdb_new"), rate("a_copy"), rate("d_sqlalchemy_orm"), rate("e_sqlalchemy_core")
    scale = rate("scale_opsdb_new")
    existing = rate("c_opsdb_existing")
    if new and copy:
        ratios["new_vs_copy"] = new / copy
    if existing and copy:
        ratios["existing_vs_copy"] = existing / copy
    if new and orm:
        ratios["new_vs_orm"] = new / orm
    if new and core:
        ratios["new_vs_core"] = new / core
    if new and scale:
        ratios["scale_vs_empty"] = scale / new
    return ratios


TARGETS = {
    "b_opsdb_new": ("files/s >= 50,000", lambda r: r["results"]["b_opsdb_new"]["median"] >= 50_000),
    "new_vs_orm": (">= 25x", lambda r: r["ratios"]["new_vs_orm"] >= 25),
    "new_vs_copy": (">= 0.95 (issue 13)", lambda r: r["ratios"]["new_vs_copy"] >= 0.95),
    "existing_vs_copy": (">= 1.50 (issue 13)", lambda r: r["ratios"]["existing_vs_copy"] >= 1.5),
    "c_opsdb_existing": ("files/s >= 150,000", lambda r: r["results"]["c_opsdb_existing"]["median"] >= 150_000),
    "scale_vs_empty": (">= 0.60", lambda r: r["ratios"]["scale_vs_empty"] >= 0.6),
}


def _print_table(out: dict[str, Any]) -> None:
    res = out["results"]
    load = ", ".join(f"{v:.2f}" for v in out.get("load_average_before", ()))
    print(f"\nload average before: {load}; after: {', '.join(f'{v:.2f}' for v in out.get('load_average_after', ()))}")
    print(f"{'measurement':<22} {'files':>10} {'median files/s':>15} {'client us':>10} {'server us':>10}   runs")
    for key, value in res.items():
        if "median" in value:
            runs = ", ".join(f"{r:,.0f}" for r in value["runs"])
            client, server = value.get("client_us_per_file", 0.0), value.get("server_us_per_file", 0.0)
            print(f"{key:<22} {value['files']:>10,} {value['median']:>15,.0f} {client:>10.2f} {server:>10.2f}   {runs}")
    if "a_copy" in res:
        copy_runs = res["a_copy"]["runs"]
        for key, name in (("b_opsdb_new", "(b)/(a)"), ("c_opsdb_existing", "(c)/(a)")):
            if key in res:
                per_run = [r / c for r, c in zip(res[key]["runs"], copy_runs, strict=False)]
                print(f"{name} per run (same round): {', '.join(f'{v:.2f}' for v in per_run)}")
    if "rss_stream" in res:
        rss = res["rss_stream"]
        print(f"rss_stream: {rss['files']:,} files streamed, peak RSS {rss['peak_rss_mb']:.0f} MB")
    print()
    for key, value in out["ratios"].items():
        print(f"{key:<22} {value:.2f}")
    checks = {}
    for key, (text, check) in TARGETS.items():
        try:
            checks[key] = bool(check(out))
        except KeyError:
            continue
        print(f"target {key:<15} {text:<20} {'met' if checks[key] else 'NOT met'}")
    out["targets"] = checks


if __name__ == "__main__":
    sys.exit(main())
