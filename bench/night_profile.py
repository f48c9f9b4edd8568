"""Where a simulated night's time goes: server time by statement, client time by function.

Runs a default `opsdb simulate` night in-process under cProfile while a thread samples
`pg_stat_activity` of the night's database every 20 ms, then prints the share of active
backend samples per named query (`sql/*.sql`), the waits, and the client's top functions.

    python -m bench.night_profile --dsn postgresql://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import pstats
import threading
import time

import anyio
import psycopg

from opsdb.queries import QUERIES
from opsdb.simulate import SimulationConfig, prepare_database, run_simulation

_BY_TEXT = {" ".join(text.split())[:60]: name for name, text in QUERIES.items()}


def _name(statement: str) -> str:
    text = " ".join(statement.split())
    return next((name for start, name in _BY_TEXT.items() if text.startswith(start)), text[:100])


class Sampler(threading.Thread):
    """Counts the active statements of one database every `interval` seconds."""

    def __init__(self, dsn: str, database: str, interval: float = 0.02) -> None:
        super().__init__(daemon=True)
        self.dsn, self.database, self.interval = dsn, database, interval
        self.statements: collections.Counter[str] = collections.Counter()
        self.locked: collections.Counter[str] = collections.Counter()
        self.waits: collections.Counter[str] = collections.Counter()
        self.samples = 0
        self.stop = threading.Event()

    def run(self) -> None:
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            while not self.stop.is_set():
                rows = conn.execute(
                    "SELECT query, coalesce(wait_event_type, 'CPU'), coalesce(wait_event, '') FROM pg_stat_activity "
                    "WHERE datname = %s AND state = 'active' AND pid <> pg_backend_pid()",
                    (self.database,),
                ).fetchall()
                self.samples += 1
                for statement, wait_type, wait in rows:
                    self.statements[_name(statement)] += 1
                    self.waits[f"{wait_type}:{wait}"] += 1
                    if wait_type == "Lock":
                        self.locked[_name(statement)] += 1
                time.sleep(self.interval)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dsn", required=True, help="a server where the user may CREATE DATABASE")
    parser.add_argument("--database", default="opsdb_simulate_profile")
    parser.add_argument("--executions", type=int, default=SimulationConfig.executions)
    args = parser.parse_args()
    dsn = prepare_database(args.dsn, args.database)
    sampler = Sampler(args.dsn, args.database)
    sampler.start()
    profile = cProfile.Profile()
    began = time.perf_counter()
    profile.enable()
    try:
        result = anyio.run(run_simulation, dsn, SimulationConfig(executions=args.executions))
        print(f"night {result.seconds} s, ok {result.ok}, files/s per stage {result.pipeline_files_per_second}")
    except Exception as exc:  # a failed night still shows where its time went
        print(f"the night failed: {exc!r}")
    finally:
        profile.disable()
        sampler.stop.set()
        sampler.join()
    busy = sum(sampler.statements.values()) or 1
    active = busy / max(sampler.samples, 1)
    print(f"{time.perf_counter() - began:.1f} s wall, {sampler.samples} samples, {active:.2f} active backends")
    print("share  waiting-on-lock  statement")
    for name, n in sampler.statements.most_common(25):
        print(f"{n / busy:6.1%} {sampler.locked[name] / busy:6.1%}  {name}")
    print("waits:", ", ".join(f"{w} {n / busy:.1%}" for w, n in sampler.waits.most_common(6)))
    pstats.Stats(profile).sort_stats("tottime").print_stats(20)


if __name__ == "__main__":
    main()
