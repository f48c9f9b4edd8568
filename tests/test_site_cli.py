"""`opsdb spool status|replay|conflicts` as an operator runs them."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from opsdb.db import Database
from opsdb.ids import uuid7
from opsdb.registration import register_files
from opsdb.site import SiteClient, Spool
from opsdb.testing import T0, World
from tests.test_site_spool import _dead_dsn, files
from tests.tests_support import run_cli

pytestmark = pytest.mark.anyio


async def test_status_shows_the_backlog_replay_applies_it_and_conflicts_are_listed(
    db: Database, database_dsn: str, tmp_path: Path, observing_world: World
) -> None:
    path = tmp_path / "spool.sqlite"
    spool = Spool(path)
    execution = observing_world.running[0]
    async with SiteClient(spool, _dead_dsn()) as site:
        await site.register_files(observing_world.locations["ccat_source"], files(observing_world, execution, 30))
        await site.start_execution({"id": uuid7(), "obs_unit_id": observing_world.obs_unit_id, "start_time": T0})
        await site.finish_execution(execution, {"status": "completed", "end_time": T0 + timedelta(hours=1)})
    spool.close()
    async with db.connection() as conn:  # registered meanwhile with another checksum
        await register_files(
            conn, observing_world.locations["ccat_source"], [files(observing_world, execution, 30, checksum="ff")[4]]
        )
    env = {"OPSDB_SPOOL": str(path)}

    status = run_cli("spool", "status", "--json", env=env)
    assert status.returncode == 0, status.stderr
    data = json.loads(status.stdout)
    assert data["queued_entries"] == 3 and data["queued_files"] == 30 and data["oldest_age_seconds"] >= 0
    assert data["queued_by_kind"] == {"files": 1, "start": 1, "finish": 1}
    shown = run_cli("spool", "status", env=env)
    assert "queued files" in shown.stdout and "30" in shown.stdout

    missing = run_cli("spool", "replay", env=env)
    assert missing.returncode == 2 and "OPSDB_DSN" in missing.stderr and "Traceback" not in missing.stderr
    unreachable = run_cli("spool", "replay", "--dsn", _dead_dsn(), env=env)
    assert unreachable.returncode == 3 and "Traceback" not in unreachable.stderr
    errors = json.loads(run_cli("spool", "status", "--json", env=env).stdout)["errors"]
    assert len(errors) == 1 and "cannot connect" in errors[0]["error"]

    replayed = run_cli("spool", "replay", "--batch-size", "10", env={**env, "OPSDB_DSN": database_dsn})
    assert replayed.returncode == 1, replayed.stderr  # a conflict was kept
    assert "1 conflicts kept" in replayed.stdout and "29 new" in replayed.stdout

    data = json.loads(run_cli("spool", "status", "--json", env=env).stdout)
    assert data["queued_entries"] == 0 and data["conflicts"] == 1
    assert data["last_run"]["files"] == 30 and data["last_run"]["error"] is None
    kept = json.loads(run_cli("spool", "conflicts", "--json", env=env).stdout)
    assert len(kept) == 1 and kept[0]["kind"] == "file" and kept[0]["position"] == 4
    assert "checksum" in kept[0]["detail"]
    listed = run_cli("spool", "conflicts", env=env)
    assert listed.returncode == 0 and "conflict" in listed.stdout


def test_an_unusable_spool_file_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "not-a-spool"
    bad.write_bytes(b"this is not an SQLite database" * 100)
    result = run_cli("spool", "status", "--spool", str(bad))
    assert result.returncode == 1 and "spool" in result.stderr and "Traceback" not in result.stderr
