"""The one test world (`opsdb.testing`): what it builds, and two named worlds side by side."""

from __future__ import annotations

import pytest

from opsdb.db import Database
from opsdb.registration import register_files
from opsdb.testing import build_world, file_records, seed_registration

pytestmark = pytest.mark.anyio


async def test_a_world_holds_what_its_fields_name(db: Database) -> None:
    world = await build_world(db, modules=3, running=2)
    async with db.connection() as conn:
        modules = await conn.fetch(
            "SELECT name FROM instrument_module WHERE id = ANY($1::bigint[]) ORDER BY id", world.modules
        )
        running = await conn.fetchval(
            "SELECT count(*) FROM executed_obs_unit WHERE status = 'running' AND id = ANY($1::uuid[])", world.running
        )
        finished = await conn.fetchval("SELECT status FROM executed_obs_unit WHERE id = $1", world.execution_id)
        lta = await conn.fetchval(
            "SELECT location_type FROM data_location WHERE id = $1", world.locations["cologne_lta"]
        )
    assert [r["name"] for r in modules] == ["LFA", "HFA", "module-3"]
    assert (running, finished, lta) == (2, "completed", "long_term_archive")


async def test_two_named_worlds_share_one_database_and_take_registrations(db: Database) -> None:
    await build_world(db)
    async with db.connection() as conn:
        seeded = await seed_registration(conn, modules=2, units=2, name="b0")
    report = await register_files(db, seeded.location, file_records(seeded, 1500))
    async with db.connection() as conn:
        counts = await conn.fetchrow(
            "SELECT (SELECT count(*) FROM observatory) AS observatories, (SELECT count(*) FROM site) AS sites, "
            "(SELECT count(*) FROM raw_data_file WHERE executed_obs_unit_id = ANY($1::uuid[])) AS files",
            seeded.units,
        )
    assert report.new == 1500
    assert dict(counts) == {"observatories": 2, "sites": 6, "files": 1500}
