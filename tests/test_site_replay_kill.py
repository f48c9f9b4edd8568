"""Replay killed (SIGKILL) at random points, many times, while new writes keep arriving: the main
database ends up holding exactly what was spooled, once, and every conflict is kept."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from uuid import UUID

import anyio
import pytest

from opsdb.db import Database
from opsdb.ids import file_id, uuid7
from opsdb.registration import register_files
from opsdb.site import SiteClient, Spool
from opsdb.testing import T0, World
from tests.test_site_spool import _dead_dsn, files

pytestmark = pytest.mark.anyio

KILLS = 12


def _start_replay(spool: Path, dsn: str) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPSDB_")}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "opsdb.cli",
            "spool",
            "replay",
            "--spool",
            str(spool),
            "--dsn",
            dsn,
            "--batch-size",
            "80",
            "--window-files",
            "240",
            "--connections",
            "3",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )


async def _wait_for_replay_start(spool: Spool, process: subprocess.Popen[bytes], run: int) -> None:
    """Until the process has begun its replay (its run is recorded), or has ended."""
    deadline = time.monotonic() + 60
    while process.poll() is None and time.monotonic() < deadline:
        if spool._db.execute("SELECT count(*) FROM replay_run").fetchone()[0] >= run:
            return
        await anyio.sleep(0.02)


async def _spool_night(site: SiteClient, observing_world: World, executions: list[UUID], per_execution: int) -> None:
    for execution in executions:
        await site.start_execution({"id": execution, "obs_unit_id": observing_world.obs_unit_id, "start_time": T0})
        records = files(observing_world, execution, per_execution)
        for first in range(0, per_execution, 60):
            await site.register_files(observing_world.locations["ccat_source"], records[first : first + 60])
        await site.finish_execution(
            execution, {"status": "completed", "end_time": T0 + timedelta(hours=1), "notes": "done"}
        )


@pytest.mark.slow
async def test_replay_killed_at_random_points_applies_exactly_what_was_spooled(
    db: Database, database_dsn: str, tmp_path: Path, observing_world: World
) -> None:
    path = tmp_path / "spool.sqlite"
    spool = Spool(path)
    rng = random.Random(15)
    first_night = [uuid7() for _ in range(16)]
    async with SiteClient(spool, _dead_dsn()) as site:
        await _spool_night(site, observing_world, first_night, 600)
        await site.start_execution({"obs_unit_id": 999_999, "start_time": T0})  # refused at replay
    # Cologne started one of the executions too (the same start) and registered one of its files
    # meanwhile, with another checksum
    clash = files(observing_world, first_night[2], 600, checksum="ee")[17]
    async with db.connection() as conn:
        await conn.execute(
            "INSERT INTO executed_obs_unit (id, obs_unit_id, start_time) VALUES ($1, $2, $3)",
            first_night[2],
            observing_world.obs_unit_id,
            T0,
        )
        await register_files(conn, observing_world.locations["ccat_source"], [clash])

    kills = 0
    mid_replay = 0  # kills that found work left before and after
    runs = 0
    later: list[UUID] = []
    # kill at a random point in [earliest, latest] s after the replay began: the window moves
    # later while kills land before anything committed, earlier while replays finish first
    earliest, latest = 0.0, 0.6
    while mid_replay < KILLS and runs < 16 * KILLS:
        before = spool.status().queued_entries
        if not before or (kills == KILLS // 3 and not later):
            # new writes arrive between kills (and whenever a replay got through everything)
            more = [uuid7() for _ in range(8)]
            async with SiteClient(spool, _dead_dsn()) as site:
                await _spool_night(site, observing_world, more, 150)
            later += more
            continue
        runs += 1
        process = _start_replay(path, database_dsn)
        await _wait_for_replay_start(spool, process, runs)
        await anyio.sleep(rng.uniform(earliest, latest))  # a random point of the replay (windows take ~0.1-0.5 s)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            kills += 1
        process.wait()
        after = spool.status().queued_entries
        mid_replay += 0 < after < before
        if after == 0:  # the replay finished first (a faster machine): aim earlier
            latest = max(earliest + 0.05, latest * 0.8)
        elif after == before:  # killed before its first window committed: aim later
            earliest = min(latest - 0.05, earliest + 0.05)
    assert mid_replay >= KILLS and later, f"{mid_replay} of {kills} kills landed mid-replay"
    process = _start_replay(path, database_dsn)
    _, stderr = process.communicate(timeout=300)
    assert process.returncode in (0, 1), stderr.decode()  # 1: conflicts found in this run
    status = spool.status()
    assert status.queued_entries == 0
    kept = spool.conflicts()
    assert sorted((c.kind, c.reason, c.position) for c in kept) == [("file", "conflict", 17), ("start", "refused", 0)]

    spooled = spool._db.execute(
        "SELECT id, instrument_module_id, executed_obs_unit_id, relative_path, size_bytes, checksum FROM spooled_file"
    ).fetchall()
    assert len(spooled) == 16 * 600 + len(later) * 150
    expected = {(UUID(i), m, UUID(e), p, s, c) for i, m, e, p, s, c in spooled if p != clash["relative_path"]} | {
        (
            file_id(clash["instrument_module_id"], clash["relative_path"], clash["file_created_at"]),
            clash["instrument_module_id"],
            clash["executed_obs_unit_id"],
            clash["relative_path"],
            clash["size_bytes"],
            clash["checksum"],
        )
    }
    ours = first_night + later
    async with db.connection() as conn:
        stored = await conn.fetch(
            "SELECT id, instrument_module_id, executed_obs_unit_id, relative_path, size_bytes, checksum "
            "FROM raw_data_file WHERE executed_obs_unit_id = ANY($1::uuid[])",
            ours,
        )
        assert {tuple(r) for r in stored} == expected
        assert len(stored) == len(expected)
        copies = await conn.fetchrow(
            "SELECT count(*) AS copies, count(DISTINCT raw_data_file_id) AS files FROM physical_copy "
            "WHERE raw_data_file_id = ANY(SELECT id FROM raw_data_file WHERE executed_obs_unit_id = ANY($1::uuid[]))",
            ours,
        )
        assert copies is not None and copies["copies"] == copies["files"] == len(expected)
        executions = await conn.fetch(
            "SELECT id, status, notes, end_time FROM executed_obs_unit WHERE id = ANY($1::uuid[])", ours
        )
        assert len(executions) == len(ours)
        assert {(r["status"], r["notes"], r["end_time"]) for r in executions} == {
            ("completed", "done", T0 + timedelta(hours=1))
        }
        assert await conn.fetchval("SELECT count(*) FROM executed_obs_unit WHERE obs_unit_id = 999999") == 0
    spool.close()
