"""Prerequisite rows for tests, written with plain SQL (independent of the repositories).

`seed_basics(conn)` builds one observatory hierarchy with two instrument modules, one obs
unit with two executions, the CCAT and Cologne sites with their locations, and one user.
`insert(conn, table, **values)` writes any row with exactly the given columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from opsdb.db import Connection, Record
from opsdb.ids import uuid7

T0 = datetime(2026, 11, 1, 3, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Basics:
    observatory_id: int
    telescope_id: int
    instrument_id: int
    module_id: int  # CHAI LFA
    other_module_id: int  # CHAI HFA
    program_id: int
    source_id: int
    obs_mode_id: int
    obs_unit_id: int
    executed_obs_unit_id: UUID
    other_executed_obs_unit_id: UUID
    ccat_site_id: int
    cologne_site_id: int
    ccat_source_location_id: int  # disk, source
    ccat_buffer_location_id: int  # disk, buffer
    cologne_buffer_location_id: int  # disk, buffer
    cologne_archive_location_id: int  # tape, long_term_archive
    cologne_processing_location_id: int  # disk, processing
    user_id: int


async def insert(conn: Connection, table: str, **values: Any) -> Record:
    """INSERT one row with exactly these columns (test-only dynamic SQL); returns the row."""
    columns = ", ".join(values)
    binds = ", ".join(f"${i}" for i in range(1, len(values) + 1))
    row = await conn.fetchrow(f"INSERT INTO {table} ({columns}) VALUES ({binds}) RETURNING *", *values.values())
    assert row is not None
    return row


async def _id(conn: Connection, table: str, **values: Any) -> Any:
    return (await insert(conn, table, **values))["id"]


async def seed_basics(conn: Connection) -> Basics:
    """Insert the rows data, copy and transfer tests hang off; returns their ids."""
    observatory = await _id(conn, "observatory", name="CCAT")
    telescope = await _id(conn, "telescope", observatory_id=observatory, name="FYST")
    instrument = await _id(conn, "instrument", telescope_id=telescope, name="CHAI")
    lfa = await _id(conn, "instrument_module", instrument_id=instrument, name="LFA", pixel_count=64)
    hfa = await _id(conn, "instrument_module", instrument_id=instrument, name="HFA", pixel_count=64)
    program = await _id(conn, "observing_program", name="Galactic Ecology", short_name="GEco")
    source = await _id(conn, "source", type="fixed", name="Orion-KL", ra_deg=83.81, dec_deg=-5.37, frame="icrs")
    mode = await _id(conn, "obs_mode", name="otf_map")
    obs_unit = await _id(
        conn, "obs_unit", name="orion_map_1", observing_program_id=program, source_id=source, obs_mode_id=mode
    )
    executions = [
        await _id(conn, "executed_obs_unit", id=uuid7(T0), obs_unit_id=obs_unit, start_time=T0) for _ in range(2)
    ]
    ccat = await _id(conn, "site", name="CCAT", short_name="ccat", location="Chile")
    cologne = await _id(conn, "site", name="Cologne", short_name="cologne", location="Germany")

    async def disk(site: int, name: str, location_type: str) -> int:
        return int(
            await _id(
                conn,
                "data_location",
                type="disk",
                site_id=site,
                name=name,
                location_type=location_type,
                host=f"{name}.example.org",
                root_path=f"/data/{name}",
            )
        )

    ccat_source = await disk(ccat, "chai_source", "source")
    ccat_buffer = await disk(ccat, "buffer", "buffer")
    cologne_buffer = await disk(cologne, "buffer", "buffer")
    cologne_archive = await _id(
        conn,
        "data_location",
        type="tape",
        site_id=cologne,
        name="tape",
        location_type="long_term_archive",
        library_name="TS4500",
    )
    cologne_processing = await disk(cologne, "processing", "processing")
    user = await _id(conn, "user_account", username="astro", email="astro@example.org")
    return Basics(
        observatory_id=observatory,
        telescope_id=telescope,
        instrument_id=instrument,
        module_id=lfa,
        other_module_id=hfa,
        program_id=program,
        source_id=source,
        obs_mode_id=mode,
        obs_unit_id=obs_unit,
        executed_obs_unit_id=executions[0],
        other_executed_obs_unit_id=executions[1],
        ccat_site_id=ccat,
        cologne_site_id=cologne,
        ccat_source_location_id=ccat_source,
        ccat_buffer_location_id=ccat_buffer,
        cologne_buffer_location_id=cologne_buffer,
        cologne_archive_location_id=cologne_archive,
        cologne_processing_location_id=cologne_processing,
        user_id=user,
    )


async def rejects(conn: Connection, error: type[Exception], constraint: str, table: str, **values: Any) -> None:
    """Assert that inserting this row fails with `error` naming `constraint` (rolled back to a savepoint)."""
    try:
        async with conn.transaction():
            await insert(conn, table, **values)
    except error as exc:
        named = getattr(exc, "constraint", None)
        assert named == constraint, f"expected {constraint}, got {named}: {exc}"
        return
    raise AssertionError(f"{table} accepted a row that {constraint} should refuse: {values}")
