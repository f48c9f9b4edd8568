"""Deletion confirmations and completions of 1,000 on an existing database, paired: before and after a migration.

    python -m bench.deletion_completion --dsn DSN [--after migrations/0030_deletion_completion.sql]
                                        [--rounds 4] [--calls 12]

For a database already built (e.g. `bench.scale --keep`'s 1M or 20M database) at the migration
*before* `--after`: each round opens a session for "before" and one for "after" (the file's
statements run inside the session's transaction first). Each call schedules and claims 1,000
deletions (untimed), then times, separately, the batch confirmation (`opsdb_confirm_deletions`,
what `deletion.confirm_deletions` sends) and the completion as opsdb.work sends it for the deletion
kind (`work.complete_many`: the UPDATE to deleted with its effect, judged again by the deletion
guard, with the state, counter and audit triggers it fires). Everything is rolled back: safe on a
shared benchmark database. Unlike bench.deletion_pairs (which times confirm + a hand-written
UPDATE together), it reports the calls of a session in two groups: the first five (the plan
cache's custom plans) and from the sixth on (where the plan cache may switch a PL/pgSQL
statement to its generic plan), because a deletion daemon's session lives long.

Reported per 1,000 copies: the median over rounds of each session's median of the backend's CPU
time (`/proc/<pid>/schedstat`: the server must run on this machine) and of the wall time.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import psycopg

from bench.backend_cpu import backend_cpu
from opsdb.resources import migrations_dir
from opsdb.work import WorkKind, completion_statement

SCHEDULE = "SELECT count(*) FROM opsdb_schedule_deletions(NULL, 1000)"
CLAIM = "SELECT count(*) FROM opsdb_claim_deletions('bench', 1000, NULL, NULL, 600)"
HELD = (
    "SELECT array_agg(id ORDER BY id), array_agg(claim_token ORDER BY id)"
    " FROM (SELECT id, claim_token FROM physical_copy"
    " WHERE status = 'deletion_in_progress' AND claimed_by = 'bench' ORDER BY id LIMIT 1000) x"
)
CONFIRM = "SELECT count(*) FROM opsdb_confirm_deletions(%(ids)s, %(tokens)s) WHERE verdict = 'go'"
# the completion opsdb.work sends for the deletion kind ($1 ids, $2 tokens), with psycopg's placeholders
COMPLETE = (
    completion_statement(WorkKind.PHYSICAL_COPY_DELETION, []).sql.replace("$1", "%(ids)s").replace("$2", "%(tokens)s")
)


def _session(dsn: str, ddl: str | None, calls: int) -> dict[str, float]:
    """One session's medians (ms) of confirm and complete, CPU and wall, first five and later; rolled back."""
    conn = psycopg.connect(dsn)
    try:
        conn.execute("SET LOCAL statement_timeout = 0")
        if ddl:
            conn.execute(ddl.encode())
        cpu = backend_cpu(conn)

        found: dict[str, list[float]] = {}
        for call in range(calls):
            conn.execute(SCHEDULE.encode()).fetchone()
            conn.execute(CLAIM.encode()).fetchone()
            held = conn.execute(HELD.encode()).fetchone()
            assert held is not None and held[0] is not None and len(held[0]) == 1000, "fewer than 1,000 claimed"
            binds = {"ids": held[0], "tokens": held[1]}
            group = "early" if call < 5 else "late"
            for name, sql in (("confirm", CONFIRM), ("complete", COMPLETE)):
                c, w = cpu(), time.perf_counter()
                got = conn.execute(sql.encode(), binds).fetchall()
                done = got[0] if name == "confirm" else (len(got),)
                found.setdefault(f"{name}_{group}_cpu", []).append(cpu() - c)
                found.setdefault(f"{name}_{group}_wall", []).append((time.perf_counter() - w) * 1000)
                assert done is not None and done[0] == 1000, f"{name}: {done}"
        return {k: statistics.median(v) for k, v in found.items()}
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
        "default migrations/0030_deletion_completion.sql)",
    )
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--calls", type=int, default=12, help="calls per session (the first five are reported apart)")
    args = parser.parse_args()
    if args.calls < 6:
        parser.error("--calls must be at least 6")
    files = args.after or [str(migrations_dir() / "0030_deletion_completion.sql")]
    variants: list[tuple[str, str | None]] = [("before", None)]
    for file in files:
        label = "after" if len(files) == 1 else Path(file).stem
        variants.append((label, Path(file).read_text(encoding="utf-8")))
    runs: dict[str, list[dict[str, float]]] = {label: [] for label, _ in variants}
    for r in range(args.rounds):
        for label, statements in variants:
            runs[label].append(_session(args.dsn, statements, args.calls))
        print(
            f"round {r + 1}: "
            + ", ".join(
                f"{k} {v[-1]['confirm_late_cpu']:.1f}/{v[-1]['complete_late_cpu']:.1f}" for k, v in runs.items()
            ),
            flush=True,
        )
    print(
        f"{'per 1,000 (CPU ms)':<28} {'confirm 1-5':>12} {'complete 1-5':>13} {'confirm 6+':>11} {'complete 6+':>12}"
        f" {'both 6+':>8} {'wall both 6+':>13} {'copies/s 6+ (CPU)':>18}"
    )
    for label, found in runs.items():
        m = {k: statistics.median(f[k] for f in found) for k in found[0]}
        both = m["confirm_late_cpu"] + m["complete_late_cpu"]
        wall = m["confirm_late_wall"] + m["complete_late_wall"]
        print(
            f"{label:<28} {m['confirm_early_cpu']:>12.1f} {m['complete_early_cpu']:>13.1f} "
            f"{m['confirm_late_cpu']:>11.1f} {m['complete_late_cpu']:>12.1f} {both:>8.1f} {wall:>13.1f} "
            f"{1e6 / both:>18,.0f}"
        )


if __name__ == "__main__":
    main()
