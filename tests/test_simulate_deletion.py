"""The simulated deletion daemon deletes as the real one should: set-based claims (migration 0021),
one confirmation and one completion statement per batch, never the per-row claim path."""

from __future__ import annotations

import anyio
import pytest

from opsdb.db import Database
from opsdb.simulate import SimulationConfig, run_simulation


@pytest.mark.anyio
async def test_the_night_claims_deletions_set_based_and_confirms_them_per_batch(database_dsn: str) -> None:
    async with await Database.connect(database_dsn, max_size=1) as db, db.connection() as conn:
        # function call counts for every later session of this database (the night's pool)
        await conn.execute(
            "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET track_functions = ''all''', current_database()); END $$"
        )
    config = SimulationConfig(executions=2, files_per_execution=150, seed=5, failure_rate=0.1)
    result = await run_simulation(database_dsn, config)
    assert result.drained and result.ok, result.invariants
    deleted = result.totals["deleted_copies"]
    assert deleted > 300 and deleted == result.counters.completed["physical_copy_deletion"]
    assert result.counters.deletions_refused == 0  # every scheduled copy was deletable
    calls: dict[str, int] = {}
    async with await Database.connect(database_dsn, max_size=1) as db, db.connection() as conn:
        for _ in range(50):  # the night's sessions report their counts as they exit
            await conn.execute("SELECT pg_stat_clear_snapshot()")
            calls = {
                r["funcname"]: r["calls"]
                for r in await conn.fetch(
                    "SELECT funcname, calls FROM pg_stat_user_functions WHERE funcname = ANY($1::text[])",
                    ["opsdb_claim_deletions", "opsdb_confirm_deletions", "opsdb_claim_deletable"],
                )
            }
            if calls.get("opsdb_claim_deletions", 0) and calls.get("opsdb_confirm_deletions", 0):
                break
            await anyio.sleep(0.1)
    assert calls.get("opsdb_claim_deletions", 0) > 0, calls
    assert calls.get("opsdb_confirm_deletions", 0) > 0, calls
    # the per-row path (work.claim judging opsdb_claim_deletable per copy) is not taken
    assert calls.get("opsdb_claim_deletable", 0) == 0, calls
    # batches: far fewer confirmations than deleted copies
    assert calls["opsdb_confirm_deletions"] * 10 < deleted, calls
