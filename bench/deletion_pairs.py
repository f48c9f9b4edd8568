"""Deletion schedules and claims of 1,000 on an existing database, paired: before and after a migration.

    python -m bench.deletion_pairs --dsn DSN [--after migrations/0028_deletion_rows_once.sql]
                                   [--rounds 4] [--calls 10] [--warm] [--fresh]

For a database already built (e.g. `bench.scale --keep`'s 1M or 20M database) at the migration
*before* `--after`: each round opens a session for "before" and one for "after" (the file's
statements run inside the session's transaction first), schedules `--calls` batches of 1,000
deletions, then claims `--calls` batches of 1,000, then confirms (opsdb_confirm_deletions) and
completes (an UPDATE to deleted, judged again by the deletion guard) `--calls` batches of 1,000 of
the claimed copies, and rolls everything back (nothing is ever
committed: safe on a shared benchmark database). `--warm` starts each session with a one-row
UPDATE of a copy, as a deletion daemon's session starts with small statements (a PL/pgSQL
trigger's static statement keeps the plan of its first call). `--fresh` runs every call inside a
savepoint that is rolled back, so that each sees the same state (`bench.scale`'s protocol: each
claim is preceded by an untimed schedule of 1,000 in the same savepoint); without it the calls of a
session follow each other as a deletion daemon's do (each schedule takes the next 1,000, each claim
the next 1,000 of the 10,000 scheduled).

Reported per 1,000 copies: the median over rounds of each session's median over its calls
after the fifth (generic plans by then) of the backend's CPU time (`/proc/<pid>/schedstat`:
the server must run on this machine; a loaded machine inflates wall time far more than CPU
time) and of the wall time, and copies/s from both.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import psycopg

from bench.backend_cpu import backend_cpu
from opsdb.resources import migrations_dir

SCHEDULE = "SELECT count(*) FROM opsdb_schedule_deletions(NULL, 1000)"
CLAIM = "SELECT count(*) FROM opsdb_claim_deletions('bench', 1000, NULL, NULL, 600)"
HELD = (
    "SELECT array_agg(id ORDER BY id), array_agg(claim_token ORDER BY id)"
    " FROM (SELECT id, claim_token FROM physical_copy"
    " WHERE status = 'deletion_in_progress' AND claimed_by = 'bench' ORDER BY id LIMIT 1000) x"
)
CONFIRM = "SELECT count(*) FROM opsdb_confirm_deletions(%s, %s) WHERE verdict = 'go'"
COMPLETE = (
    "UPDATE physical_copy SET status = 'deleted', deleted_at = now(), claim_token = NULL, lease_until = NULL"
    " WHERE id = ANY(%s) AND status = 'deletion_in_progress'"
)
WARM = "UPDATE physical_copy SET updated_at = updated_at WHERE id = (SELECT min(id) FROM physical_copy)"


def _session(dsn: str, ddl: str | None, calls: int, warm: bool, fresh: bool = False) -> dict[str, float]:
    """One session's medians (ms) of schedule and claim, CPU and wall; rolled back."""
    conn = psycopg.connect(dsn)
    try:
        conn.execute("SET LOCAL statement_timeout = 0")
        if ddl:
            conn.execute(ddl.encode())
        if warm:
            conn.execute(WARM)
        cpu = backend_cpu(conn)

        out: dict[str, float] = {}
        for name, sql in (("schedule", SCHEDULE), ("claim", CLAIM), ("complete", CONFIRM)):
            cpus, walls = [], []
            for _ in range(calls):
                if fresh:
                    conn.execute("SAVEPOINT call")
                    if name in ("claim", "complete"):
                        conn.execute(SCHEDULE.encode()).fetchone()
                    if name == "complete":
                        conn.execute(CLAIM.encode()).fetchone()
                held = conn.execute(HELD.encode()).fetchone() if name == "complete" else None
                c, w = cpu(), time.perf_counter()
                if held is None:
                    done = conn.execute(sql.encode()).fetchone()
                else:  # the batch's last go/no-go, then its completion (the guard judges it again)
                    done = conn.execute(CONFIRM.encode(), held).fetchone()
                    conn.execute(COMPLETE.encode(), held[:1])
                cpus.append(cpu() - c)
                walls.append((time.perf_counter() - w) * 1000)
                if fresh:
                    conn.execute("ROLLBACK TO SAVEPOINT call")
                assert done is not None and done[0] == 1000, f"{name}: {done}"
            settled = slice(5, None) if calls > 6 else slice(1, None)
            out[f"{name}_cpu"] = statistics.median(cpus[settled])
            out[f"{name}_wall"] = statistics.median(walls[settled])
        return out
    finally:
        conn.rollback()  # never commit
        conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dsn", required=True, help="the database (at the migration before --after)")
    parser.add_argument(
        "--after",
        action="append",
        help="SQL run inside each 'after' session (repeat: several variants, labelled by file name; "
        "default migrations/0028_deletion_rows_once.sql)",
    )
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--calls", type=int, default=10)
    parser.add_argument("--warm", action="store_true", help="start each session with a one-row UPDATE")
    parser.add_argument("--fresh", action="store_true", help="every call in a rolled-back savepoint (bench.scale)")
    args = parser.parse_args()
    files = args.after or [str(migrations_dir() / "0028_deletion_rows_once.sql")]
    variants: list[tuple[str, str | None]] = [("before", None)]
    for file in files:
        label = "after" if len(files) == 1 else Path(file).stem
        variants.append((label, Path(file).read_text(encoding="utf-8")))
    runs: dict[str, list[dict[str, float]]] = {label: [] for label, _ in variants}
    for r in range(args.rounds):
        for label, statements in variants:
            runs[label].append(_session(args.dsn, statements, args.calls, args.warm, args.fresh))
        print(
            f"round {r + 1}: "
            + ", ".join(
                f"{k} {v[-1]['schedule_cpu']:.1f}/{v[-1]['claim_cpu']:.1f}/{v[-1]['complete_cpu']:.1f}"
                for k, v in runs.items()
            )
        )
    print(
        f"{'per 1,000':<24} {'schedule CPU ms':>16} {'claim CPU ms':>13} {'complete CPU ms':>16} {'schedule wall':>14}"
        f" {'claim wall':>11} {'complete wall':>14} {'scheduled/s (CPU)':>18} {'claimed/s (CPU)':>16}"
    )
    for label, found in runs.items():
        m = {k: statistics.median(f[k] for f in found) for k in found[0]}
        print(
            f"{label:<24} {m['schedule_cpu']:>16.1f} {m['claim_cpu']:>13.1f} {m['complete_cpu']:>16.1f} "
            f"{m['schedule_wall']:>14.1f} {m['claim_wall']:>11.1f} {m['complete_wall']:>14.1f} "
            f"{1e6 / m['schedule_cpu']:>18,.0f} {1e6 / m['claim_cpu']:>16,.0f}"
        )


if __name__ == "__main__":
    main()
