"""Parent rows the registration benchmark and tests need: one observatory chain, modules,
a source location and running executed obs units (plain SQL, no repositories)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from opsdb.db import Connection
from opsdb.ids import uuid7

SEED_SQL = """
WITH o AS (INSERT INTO observatory (name) VALUES ($1) RETURNING id),
t AS (INSERT INTO telescope (observatory_id, name) SELECT id, $1 FROM o RETURNING id),
i AS (INSERT INTO instrument (telescope_id, name) SELECT id, $1 FROM t RETURNING id),
m AS (INSERT INTO instrument_module (instrument_id, name)
      SELECT i.id, 'module-' || g FROM i, generate_series(1, $2::int) g RETURNING id),
s AS (INSERT INTO site (name, short_name) VALUES ($1, $1) RETURNING id),
l AS (INSERT INTO data_location (type, site_id, name, location_type, host, root_path)
      SELECT 'disk', s.id, n, 'source', 'localhost', '/data/' || n FROM s, (VALUES ('raw'), ('mirror')) v(n)
      RETURNING id),
p AS (INSERT INTO observing_program (name, short_name) VALUES ($1, $1) RETURNING id),
src AS (INSERT INTO source (type, name, ephemeris_body) VALUES ('solar_system', $1, 'moon') RETURNING id),
om AS (INSERT INTO obs_mode (name) VALUES ($1) RETURNING id),
ou AS (INSERT INTO obs_unit (name, observing_program_id, source_id, obs_mode_id)
       SELECT $1, p.id, src.id, om.id FROM p, src, om RETURNING id)
SELECT (SELECT array_agg(id ORDER BY id) FROM m) AS modules,
       (SELECT array_agg(id ORDER BY id) FROM l) AS locations,
       (SELECT id FROM ou) AS obs_unit
"""

INSERT_UNITS_SQL = """
INSERT INTO executed_obs_unit (id, obs_unit_id, start_time) SELECT u, $2, now() FROM unnest($1::uuid[]) u
"""


@dataclass(frozen=True)
class Seeded:
    modules: list[int]
    location: int  # a source disk location
    other_location: int
    obs_unit: int
    units: list[uuid.UUID]  # running executed obs units


async def seed(conn: Connection, *, modules: int = 4, units: int = 4, name: str = "bench") -> Seeded:
    row = await conn.fetchrow(SEED_SQL, name, modules)
    assert row is not None
    unit_ids = [uuid7() for _ in range(units)]
    await conn.execute(INSERT_UNITS_SQL, unit_ids, row["obs_unit"])
    return Seeded(list(row["modules"]), row["locations"][0], row["locations"][1], row["obs_unit"], unit_ids)


EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def file_records(seeded: Seeded, count: int, *, start: int = 0, prefix: str = "scan") -> list[dict[str, object]]:
    """`count` distinct, valid file records spread over the seeded modules and units."""
    return list(iter_file_records(seeded, count, start=start, prefix=prefix))


def iter_file_records(seeded: Seeded, count: int, *, start: int = 0, prefix: str = "scan"):  # type: ignore[no-untyped-def]
    modules, units = seeded.modules, seeded.units
    base = EPOCH.timestamp()
    for n in range(start, start + count):
        yield {
            "instrument_module_id": modules[n % len(modules)],
            "executed_obs_unit_id": units[(n // 1000) % len(units)],
            "name": f"{prefix}_{n:09d}.fits",
            "relative_path": f"{prefix}/{n // 1000:06d}/{prefix}_{n:09d}.fits",
            "size_bytes": 1_000_000 + n,
            "checksum_algorithm": "xxh64",
            "checksum": f"{n:016x}",
            "file_type": "fits",
            "file_created_at": datetime.fromtimestamp(base + n / 1000, tz=UTC),
        }
