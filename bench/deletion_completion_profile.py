"""Where a deletion confirmation and completion of 1,000 copies spend their time, on an existing database.

    python -m bench.deletion_completion_profile --dsn DSN [--after migrations/0030_deletion_completion.sql]
                                                [--calls 8]

In one rolled-back session (superuser: `track_functions = all` is set for it; `--after`'s statements
run first): each call schedules and claims 1,000 deletions, then runs the batch confirmation under
`EXPLAIN (ANALYZE, BUFFERS)` and the completion as opsdb.work sends it (work_complete_many for
physical_copy_deletion) under `EXPLAIN (ANALYZE, BUFFERS)`, printing the confirmation's time, the
completion's UPDATE node and trigger times, and for each the functions' calls, total and self time
from `pg_stat_xact_user_functions` (ms, wall). Nothing is committed. Times are wall times with
EXPLAIN's instrumentation: for the split, not for before/after (bench.deletion_completion).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import psycopg

from opsdb.work import WorkKind, completion_statement

SCHEDULE = "SELECT count(*) FROM opsdb_schedule_deletions(NULL, 1000)"
CLAIM = "SELECT count(*) FROM opsdb_claim_deletions('bench', 1000, NULL, NULL, 600)"
HELD = (
    "SELECT array_agg(id ORDER BY id), array_agg(claim_token ORDER BY id)"
    " FROM (SELECT id, claim_token FROM physical_copy"
    " WHERE status = 'deletion_in_progress' AND claimed_by = 'bench' ORDER BY id LIMIT 1000) x"
)
FUNCTIONS = "SELECT funcname, calls, total_time, self_time FROM pg_stat_xact_user_functions"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--after", help="SQL run first in the session (e.g. a migration not yet applied)")
    parser.add_argument("--calls", type=int, default=8)
    args = parser.parse_args()
    conn = psycopg.connect(args.dsn)
    try:
        conn.execute("SET LOCAL track_functions = 'all'")
        if args.after:
            conn.execute(Path(args.after).read_text(encoding="utf-8").encode())

        def functions() -> dict[str, tuple[int, float, float]]:
            return {r[0]: (r[1], r[2], r[3]) for r in conn.execute(FUNCTIONS)}

        def show(before: dict[str, tuple[int, float, float]]) -> None:
            rows = []
            for name, (calls, total, own) in functions().items():
                was = before.get(name, (0, 0.0, 0.0))
                if calls > was[0]:
                    rows.append((own - was[2], total - was[1], calls - was[0], name))
            for own, total, calls, name in sorted(rows, reverse=True)[:10]:
                print(f"    {name:<36} calls {calls:>3}  total {total:8.2f}  self {own:8.2f}")

        complete = completion_statement(WorkKind.PHYSICAL_COPY_DELETION, []).sql
        conn.execute(f"PREPARE complete_deletions(bigint[], uuid[]) AS {complete}".encode())
        client = psycopg.ClientCursor(conn)
        for call in range(1, args.calls + 1):
            conn.execute(SCHEDULE.encode()).fetchone()
            conn.execute(CLAIM.encode()).fetchone()
            held = conn.execute(HELD.encode()).fetchone()
            assert held is not None and held[0] is not None
            before = functions()
            plan = client.execute(
                "EXPLAIN (ANALYZE, BUFFERS) SELECT count(*) FROM opsdb_confirm_deletions(%s::bigint[], %s::uuid[])",
                held,
            ).fetchall()
            print(f"call {call}: confirm {next(r[0] for r in plan if r[0].startswith('Execution Time'))}")
            show(before)
            before = functions()
            plan = client.execute(
                "EXPLAIN (ANALYZE, BUFFERS) EXECUTE complete_deletions(%s::bigint[], %s::uuid[])", held
            ).fetchall()
            print(f"call {call}: complete")
            for (line,) in plan:
                if "Update on physical_copy t " in line or line.startswith(("Trigger", "Execution Time")):
                    print(f"    {line.strip()}")
            show(before)
    finally:
        conn.rollback()  # never commit
        conn.close()


if __name__ == "__main__":
    main()
