"""Site mode: writes spool when the link is cut or dead, refusals at spool time, replay, kept conflicts, reads."""

from __future__ import annotations

import socket
import sqlite3
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from opsdb.db import Database
from opsdb.errors import InputValidationError, NotFoundError
from opsdb.ids import uuid7
from opsdb.schemas.enums import ExecutionStatus
from opsdb.site import Outcome, SiteClient, SiteReader, Spool, replay
from opsdb.site.link import LinkProxy, upstream_of, via
from opsdb.testing import T0, World

pytestmark = pytest.mark.anyio


def _dead_dsn() -> str:
    """A TCP address where nothing listens (connection refused at once)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"postgresql://postgres@127.0.0.1:{port}/nothing"


def files(
    observing_world: World, execution: UUID, count: int, *, prefix: str = "f", checksum: str = "ab"
) -> list[dict[str, Any]]:
    return [
        {
            "instrument_module_id": observing_world.module_id,
            "executed_obs_unit_id": execution,
            "name": f"{prefix}{n}.fits",
            "relative_path": f"{execution}/{prefix}{n}.fits",
            "size_bytes": 1000 + n,
            "checksum_algorithm": "md5",
            "checksum": (checksum * 16)[:32],
            "file_created_at": T0 + timedelta(seconds=n),
        }
        for n in range(count)
    ]


@pytest.fixture
def spool(tmp_path: Path) -> Spool:
    s = Spool(tmp_path / "spool.sqlite")
    yield s
    s.close()


@pytest.fixture
async def proxy(database_dsn: str) -> AsyncIterator[LinkProxy]:
    link = LinkProxy(upstream_of(database_dsn))
    await link.start()
    yield link
    await link.close()


async def test_writes_go_direct_while_the_link_is_up(
    db: Database, observing_world: World, spool: Spool, proxy: LinkProxy, database_dsn: str
) -> None:
    async with SiteClient(spool, via(database_dsn, proxy.port), timeout=5) as site:
        execution = uuid7()
        started = await site.start_execution(
            {"id": execution, "obs_unit_id": observing_world.obs_unit_id, "start_time": T0}
        )
        assert started.outcome is Outcome.APPLIED and started.ids == [execution]
        registered = await site.register_files(
            observing_world.locations["ccat_source"], files(observing_world, execution, 5)
        )
        assert registered.outcome is Outcome.APPLIED and registered.new == 5 and len(registered.ids) == 5
    assert not spool.has_queued()
    async with db.connection() as conn:
        assert await conn.fetchval("SELECT count(*) FROM raw_data_file WHERE executed_obs_unit_id = $1", execution) == 5


async def test_a_cut_link_spools_within_the_timeout_then_replay_applies_in_order(
    db: Database, observing_world: World, spool: Spool, proxy: LinkProxy, database_dsn: str
) -> None:
    proxy.cut()
    execution = uuid7()
    async with SiteClient(spool, via(database_dsn, proxy.port), timeout=0.5, retry_after=60) as site:
        began = time.perf_counter()
        started = await site.start_execution(
            {"id": execution, "obs_unit_id": observing_world.obs_unit_id, "start_time": T0}
        )
        assert time.perf_counter() - began < 3
        assert started.outcome is Outcome.SPOOLED and started.ids == [execution]
        assert "0.5 s" in (started.reason or "")
        registered = await site.register_files(
            observing_world.locations["ccat_source"], files(observing_world, execution, 50)
        )
        assert registered.spooled and len(registered.ids) == 50
        finished = await site.finish_execution(
            execution, {"status": "completed", "end_time": T0 + timedelta(hours=1), "notes": "clear sky"}
        )
        assert finished.spooled
        # nothing reached the main database
        async with db.connection() as conn:
            assert await conn.fetchval("SELECT count(*) FROM executed_obs_unit WHERE id = $1", execution) == 0
        status = spool.status()
        assert status.queued_entries == 3 and status.queued_files == 50 and status.oldest_age_seconds is not None
    proxy.restore()
    report = await replay(spool, db, batch_size=20)
    assert (report.entries, report.starts, report.files, report.finishes, report.conflicts) == (3, 1, 50, 1, 0)
    assert not spool.has_queued()
    async with db.connection() as conn:
        row = await conn.fetchrow("SELECT status, notes FROM executed_obs_unit WHERE id = $1", execution)
        assert row is not None and (row["status"], row["notes"]) == ("completed", "clear sky")
        assert [
            tuple(r)
            for r in await conn.fetch(
                "SELECT count(*), count(DISTINCT c.id) FROM raw_data_file f"
                " JOIN physical_copy c ON c.raw_data_file_id = f.id WHERE f.executed_obs_unit_id = $1",
                execution,
            )
        ] == [(50, 50)]
    again = await replay(spool, db)
    assert again.entries == 0
    assert spool.purge_applied(3600) == 0  # applied a moment ago: kept for the site reads
    assert spool.purge_applied(0) == 3 and spool.status().applied_entries == 0
    assert spool.spooled_files_of(execution) == []


async def test_an_unreachable_database_spools_at_once(observing_world: World, spool: Spool) -> None:
    async with SiteClient(spool, _dead_dsn(), timeout=5) as site:
        began = time.perf_counter()
        result = await site.start_execution({"obs_unit_id": observing_world.obs_unit_id, "start_time": T0})
        assert result.spooled and isinstance(result.ids[0], UUID)
        assert time.perf_counter() - began < 2
        assert "unreachable" in (result.reason or "") or "link" in (result.reason or "")


async def test_bad_input_is_refused_at_spool_time_naming_record_and_field(observing_world: World, spool: Spool) -> None:
    async with SiteClient(spool, _dead_dsn()) as site:
        bad = files(observing_world, uuid7(), 3)
        bad[1]["checksum"] = "XYZ"
        bad[2]["relative_path"] = "/absolute"
        with pytest.raises(InputValidationError) as caught:
            await site.register_files(observing_world.locations["ccat_source"], bad)
        named = {(p.position, p.field) for p in caught.value.problems}
        assert {(1, "checksum"), (2, "relative_path")} <= named
        with pytest.raises(InputValidationError) as caught:
            await site.start_execution({"obs_unit_id": observing_world.obs_unit_id, "start_time": "not a time"})
        assert caught.value.problems[0].field == "start_time"
        with pytest.raises(InputValidationError) as caught:
            await site.finish_execution(uuid7(), {"status": "running", "end_time": T0})
        assert caught.value.problems[0].field == "status"
        spooled = await site.start_execution({"obs_unit_id": observing_world.obs_unit_id, "start_time": T0})
        with pytest.raises(InputValidationError) as caught:  # end before the (spooled) start
            await site.finish_execution(spooled.ids[0], {"status": "completed", "end_time": T0 - timedelta(seconds=1)})
        assert caught.value.problems[0].field == "end_time" and "before start_time" in str(caught.value)
    assert spool.status().queued_entries == 1  # the start only


async def test_references_are_checked_against_the_replica_at_spool_time(
    db: Database, observing_world: World, spool: Spool
) -> None:
    async with SiteClient(spool, _dead_dsn(), reader=db) as site:
        known = observing_world.running[0]
        ok = await site.register_files(observing_world.locations["ccat_source"], files(observing_world, known, 2))
        assert ok.spooled
        spooled_start = await site.start_execution({"obs_unit_id": observing_world.obs_unit_id, "start_time": T0})
        assert (
            await site.register_files(
                observing_world.locations["ccat_source"], files(observing_world, spooled_start.ids[0], 1)
            )
        ).spooled
        records = files(observing_world, uuid7(), 2, prefix="g")
        records[1]["instrument_module_id"] = 999_999
        with pytest.raises(InputValidationError) as caught:
            await site.register_files(observing_world.locations["ccat_source"], records)
        named = {(p.position, p.field) for p in caught.value.problems}
        assert named == {(0, "executed_obs_unit_id"), (1, "executed_obs_unit_id"), (1, "instrument_module_id")}
        with pytest.raises(InputValidationError) as caught:
            await site.register_files(999_999, files(observing_world, known, 1, prefix="h"))
        assert caught.value.problems[0].field == "location_id"


async def test_conflicts_found_at_replay_are_kept_and_reported(
    db: Database, observing_world: World, spool: Spool
) -> None:
    execution = observing_world.running[0]
    async with SiteClient(spool, _dead_dsn()) as site:
        await site.register_files(observing_world.locations["ccat_source"], files(observing_world, execution, 10))
        clash = uuid7()
        await site.start_execution({"id": clash, "obs_unit_id": observing_world.obs_unit_id, "start_time": T0})
        await site.finish_execution(
            observing_world.running[1], {"status": "completed", "end_time": T0 + timedelta(hours=1)}
        )
        refused = await site.start_execution({"obs_unit_id": 999_999, "start_time": T0})  # unknown obs unit
        await site.register_files(
            observing_world.locations["ccat_source"], files(observing_world, refused.ids[0], 2, prefix="r")
        )
        await site.register_files(
            observing_world.locations["ccat_source"], files(observing_world, execution, 3, prefix="s")
        )
    # meanwhile, in Cologne: file 3 registered with another checksum, the clashing id started otherwise,
    # and the other execution aborted
    async with db.connection() as conn:
        other = files(observing_world, execution, 10, checksum="cd")[3]
        from opsdb.registration import register_files

        await register_files(conn, observing_world.locations["ccat_source"], [other])
        await conn.execute(
            "INSERT INTO executed_obs_unit (id, obs_unit_id, start_time) VALUES ($1, $2, $3)",
            clash,
            observing_world.obs_unit_id,
            T0 + timedelta(days=1),
        )
        await conn.execute(
            "UPDATE executed_obs_unit SET status = 'aborted', end_time = $2 WHERE id = $1",
            observing_world.running[1],
            T0 + timedelta(minutes=5),
        )
    report = await replay(spool, db)
    # the refused start's files are refused too (no such execution); the rest of the window applies
    assert report.files_new == 9 + 3 and report.conflicts == 6
    kept = spool.conflicts()
    assert sorted((c.kind, c.reason, c.position) for c in kept) == [
        ("file", "conflict", 3),
        ("file", "refused", 0),
        ("file", "refused", 1),
        ("finish", "conflict", 0),
        ("start", "conflict", 0),
        ("start", "refused", 0),
    ]
    file_conflict = next(c for c in kept if c.kind == "file" and c.reason == "conflict")
    assert "checksum" in file_conflict.detail
    assert all("executed_obs_unit_id" in c.detail for c in kept if c.reason == "refused" and c.kind == "file")
    assert spool.status().conflicts == 6 and spool.status().queued_entries == 0
    async with db.connection() as conn:  # nothing stored was overwritten
        assert (
            await conn.fetchval("SELECT checksum FROM raw_data_file WHERE relative_path = $1", other["relative_path"])
            == other["checksum"]
        )
        assert (
            await conn.fetchval("SELECT status FROM executed_obs_unit WHERE id = $1", observing_world.running[1])
            == "aborted"
        )


async def test_site_reads_merge_spooled_writes_until_the_replica_has_them(
    db: Database, observing_world: World, spool: Spool
) -> None:
    reader = SiteReader(spool, db)  # (the test database stands in for the local replica)
    async with SiteClient(spool, _dead_dsn(), reader=db) as site:
        new = uuid7()
        await site.start_execution({"id": new, "obs_unit_id": observing_world.obs_unit_id, "start_time": T0})
        seen = await reader.get_execution(new)
        assert seen.pending and seen.execution.status is ExecutionStatus.RUNNING
        await site.register_files(observing_world.locations["ccat_source"], files(observing_world, new, 4))
        await site.finish_execution(new, {"status": "completed", "end_time": T0 + timedelta(hours=1), "notes": "n"})
        seen = await reader.get_execution(new)
        assert seen.pending and seen.execution.status is ExecutionStatus.COMPLETED and seen.execution.notes == "n"
        listed = await reader.files_of_execution(new)
        assert len(listed.files) == 4 and listed.pending == {f.id for f in listed.files}
        # a stored execution with a spooled finish shows finished
        await site.finish_execution(
            observing_world.running[0], {"status": "failed", "end_time": T0 + timedelta(hours=2)}
        )
        assert (await reader.get_execution(observing_world.running[0])).execution.status is ExecutionStatus.FAILED
    with pytest.raises(NotFoundError):
        await reader.get_execution(uuid7())
    await replay(spool, db)
    seen = await reader.get_execution(new)
    assert not seen.pending and seen.execution.status is ExecutionStatus.COMPLETED
    listed = await reader.files_of_execution(new)
    assert len(listed.files) == 4 and not listed.pending


async def test_an_acknowledged_spool_entry_is_on_disk(observing_world: World, tmp_path: Path) -> None:
    path = tmp_path / "spool.sqlite"
    spool = Spool(path)
    async with SiteClient(spool, _dead_dsn()) as site:
        await site.register_files(observing_world.locations["ccat_source"], files(observing_world, uuid7(), 7))
    # another connection (as after a crash) sees it, and the journal settings are the durable ones
    with sqlite3.connect(path) as other:
        assert other.execute("SELECT count(*) FROM spooled_file").fetchone() == (7,)
        assert other.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert spool._db.execute("PRAGMA synchronous").fetchone() == (2,)  # FULL
    spool.close()
