"""Where a deletion claim of 1,000 copies spends its time, on an existing database.

    python -m bench.deletion_claim_profile --dsn DSN [--after migrations/0032_deletion_claim.sql]
                                           [--calls 8] [--explain N]

In one rolled-back session (superuser: `track_functions = all`): schedules --calls batches of
1,000 (untimed), then claims --calls batches of 1,000, printing for each claim the backend CPU
(schedstat) and wall time, and the functions' calls, total and self time from
pg_stat_xact_user_functions. With --explain N, call N runs with auto_explain (nested statements,
ANALYZE, BUFFERS, timing) at NOTICE level and the plans are printed. Nothing is committed.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import psycopg

from bench.backend_cpu import backend_cpu

SCHEDULE = "SELECT count(*) FROM opsdb_schedule_deletions(NULL, 1000)"
CLAIM = "SELECT count(*) FROM opsdb_claim_deletions('bench', 1000, NULL, NULL, 600)"
FUNCTIONS = "SELECT funcname, calls, total_time, self_time FROM pg_stat_xact_user_functions"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--after")
    parser.add_argument("--calls", type=int, default=8)
    parser.add_argument("--explain", type=int, default=0)
    parser.add_argument("--min-ms", type=float, default=0.3)
    args = parser.parse_args()
    conn = psycopg.connect(args.dsn)
    notices: list[str] = []
    conn.add_notice_handler(lambda d: notices.append(d.message_primary or ""))
    try:
        conn.execute("SET LOCAL track_functions = 'all'")
        conn.execute("SET LOCAL statement_timeout = 0")
        if args.after:
            conn.execute(Path(args.after).read_text(encoding="utf-8").encode())
        cpu = backend_cpu(conn)

        def functions() -> dict[str, tuple[int, float, float]]:
            return {r[0]: (r[1], r[2], r[3]) for r in conn.execute(FUNCTIONS)}

        for _ in range(args.calls):
            conn.execute(SCHEDULE.encode()).fetchone()
        for call in range(1, args.calls + 1):
            if call == args.explain:
                conn.execute("LOAD 'auto_explain'")
                for k, v in (
                    ("log_min_duration", "0"),
                    ("log_nested_statements", "on"),
                    ("log_analyze", "on"),
                    ("log_buffers", "on"),
                    ("log_timing", "on"),
                    ("log_level", "notice"),
                    ("log_triggers", "on"),
                ):
                    conn.execute("SELECT set_config(%s, %s, true)", (f"auto_explain.{k}", v))
            notices.clear()
            before = functions()
            c, w = cpu(), time.perf_counter()
            n = conn.execute(CLAIM.encode()).fetchone()[0]  # type: ignore[index]
            c, w = cpu() - c, (time.perf_counter() - w) * 1e3
            print(f"call {call}: claimed {n}  cpu {c:.1f} ms  wall {w:.1f} ms")
            rows = []
            for name, (calls, total, own) in functions().items():
                was = before.get(name, (0, 0.0, 0.0))
                if calls > was[0]:
                    rows.append((own - was[2], total - was[1], calls - was[0], name))
            for own, total, calls, name in sorted(rows, reverse=True)[:12]:
                print(f"    {name:<36} calls {calls:>5}  total {total:8.2f}  self {own:8.2f}")
            if call == args.explain:
                conn.execute("SET LOCAL auto_explain.log_min_duration = -1")
                for m in notices:
                    print(m)
    finally:
        conn.rollback()
        conn.close()


if __name__ == "__main__":
    main()
