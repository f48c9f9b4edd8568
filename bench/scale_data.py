"""A database with realistic history, generated on the server (INSERT ... SELECT generate_series).

`populate(conn, files)` fills a migrated, empty database the way years of operation would:
files come in groups of one (executed obs unit, instrument module); almost every group is
packaged, bundled, transferred to Cologne and archived there, and the source copies of its
files are deleted. Only a fixed-size tail is in flight, whatever the history (`InFlight`):

- the newest executions are still running, and the groups before them are not packaged yet;
- then packages waiting at the CCAT buffer, ready to bundle;
- then packages transferring, half with their transfer created (pending), half not yet;
- then archived packages whose source file copies are still present (deletion candidates).

Ids are set explicitly (files: md5-derived uuids, as random as registration's derived ids;
executions: time-ordered), so any row can be addressed by its number: `file_uuid(i)`,
`execution_uuid(e)`, package id g + 1 for group g. Nothing is registered one by one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from uuid import UUID

from opsdb.db import Connection

MODULES = 4
FILES_PER_GROUP = 250
PACKAGES_PER_BUNDLE = 10
# an obs unit is executed about this often, whatever the history: more history, more obs units
# (not more executions of each), so "executions of an obs unit" has the same answer at every size
EXECUTIONS_PER_OBS_UNIT = 10


@dataclass(frozen=True)
class InFlight:
    """Group counts of the in-flight tail (the same at every database size)."""

    running: int = 16  # groups of executions still running (4 executions)
    unpackaged: int = 40  # groups of finished executions not packaged yet (running ones included)
    waiting: int = 40  # packages built, at the CCAT buffer, not bundled
    transferring: int = 40  # packages in bundles on their way (half of the bundles have a transfer)
    deletable: int = 200  # archived packages whose files are still present at the source


@dataclass(frozen=True)
class Layout:
    """Ids of the generated reference rows and the group boundaries."""

    files: int
    groups: int
    modules: list[int]
    obs_unit_ids: list[int]
    source_location_id: int
    ccat_buffer_id: int
    cologne_buffer_id: int
    archive_location_id: int
    processing_location_id: int
    user_id: int
    # groups [0, archived_end) are archived; [archived_end - deletable, archived_end) keep their source copies
    archived_end: int
    transferring_end: int
    waiting_end: int
    # groups [waiting_end, groups) are unpackaged; [running_start, groups) belong to running executions
    running_start: int


def file_uuid(i: int) -> UUID:
    """Id of generated file number i (0-based), the same as the server's md5('f' || i)::uuid."""
    return UUID(hashlib.md5(f"f{i}".encode()).hexdigest())


def _obs_units_for(executions: int) -> int:
    return max(100, executions // EXECUTIONS_PER_OBS_UNIT)


async def spread_obs_units(conn: Connection, layout: Layout) -> Layout:
    """A database built when every size had 100 obs units: add obs units and spread the executions
    over them (execution e to unit e mod n, as `populate` does), so each has
    EXECUTIONS_PER_OBS_UNIT; the layout with the new ids. Idempotent."""
    units = _obs_units_for(layout.groups // MODULES)
    if len(layout.obs_unit_ids) >= units:
        return layout
    added = [
        r["id"]
        for r in await conn.fetch(
            """INSERT INTO obs_unit (name, observing_program_id, source_id, obs_mode_id)
               SELECT 'unit_' || n, u.observing_program_id, u.source_id, u.obs_mode_id
               FROM obs_unit u, generate_series($2::int + 1, $3::int) n WHERE u.id = $1
               RETURNING id""",
            layout.obs_unit_ids[0],
            len(layout.obs_unit_ids),
            units,
        )
    ]
    ids = layout.obs_unit_ids + added
    await conn.execute(
        """UPDATE executed_obs_unit
           SET obs_unit_id = ($1::bigint[])[1 + (extract(epoch FROM start_time - timestamptz '2026-01-01 00:00:00+00')
                                                 / 60)::bigint % array_length($1::bigint[], 1)]""",
        ids,
    )
    return replace(layout, obs_unit_ids=ids)


def execution_uuid(e: int) -> UUID:
    """Id of generated execution number e (0-based), time-ordered like uuid7."""
    h = f"{e:012x}"
    return UUID(f"{h}7000a000{h}")


async def _one(conn: Connection, sql: str, *args: object) -> int:
    value = await conn.fetchval(sql, *args)
    assert value is not None
    return int(value)


async def _reference_rows(conn: Connection, units: int) -> tuple[list[int], list[int], dict[str, int], int]:
    observatory = await _one(conn, "INSERT INTO observatory (name) VALUES ('CCAT') RETURNING id")
    telescope = await _one(
        conn, "INSERT INTO telescope (observatory_id, name) VALUES ($1, 'FYST') RETURNING id", observatory
    )
    instrument = await _one(
        conn, "INSERT INTO instrument (telescope_id, name) VALUES ($1, 'CHAI') RETURNING id", telescope
    )
    modules = [
        await _one(
            conn,
            "INSERT INTO instrument_module (instrument_id, name, pixel_count) VALUES ($1, $2, 64) RETURNING id",
            instrument,
            f"M{m}",
        )
        for m in range(MODULES)
    ]
    program = await _one(conn, "INSERT INTO observing_program (name, short_name) VALUES ('Survey', 'SRV') RETURNING id")
    source = await _one(
        conn,
        "INSERT INTO source (type, name, ra_deg, dec_deg, frame) VALUES ('fixed', 'Orion', 83.8, -5.4, 'icrs')"
        " RETURNING id",
    )
    mode = await _one(conn, "INSERT INTO obs_mode (name) VALUES ('otf') RETURNING id")
    obs_units = [
        r["id"]
        for r in await conn.fetch(
            "INSERT INTO obs_unit (name, observing_program_id, source_id, obs_mode_id)"
            " SELECT 'unit_' || n, $1, $2, $3 FROM generate_series(1, $4) n RETURNING id",
            program,
            source,
            mode,
            units,
        )
    ]
    ccat = await _one(conn, "INSERT INTO site (name, short_name) VALUES ('CCAT', 'ccat') RETURNING id")
    cologne = await _one(conn, "INSERT INTO site (name, short_name) VALUES ('Cologne', 'cologne') RETURNING id")
    disk = (
        "INSERT INTO data_location (type, site_id, name, location_type, host, root_path)"
        " VALUES ('disk', $1, $2, $3, $2 || '.example.org', '/data/' || $2) RETURNING id"
    )
    locations = {
        "source": await _one(conn, disk, ccat, "chai_source", "source"),
        "ccat_buffer": await _one(conn, disk, ccat, "buffer", "buffer"),
        "cologne_buffer": await _one(conn, disk, cologne, "buffer", "buffer"),
        "archive": await _one(
            conn,
            "INSERT INTO data_location (type, site_id, name, location_type, library_name)"
            " VALUES ('tape', $1, 'tape', 'long_term_archive', 'TS4500') RETURNING id",
            cologne,
        ),
        "processing": await _one(conn, disk, cologne, "processing", "processing"),
    }
    await conn.execute(
        "INSERT INTO data_transfer_route (name, origin_site_id, destination_site_id, route_type)"
        " VALUES ('ccat_to_cologne', $1, $2, 'direct')",
        ccat,
        cologne,
    )
    user = await _one(
        conn, "INSERT INTO user_account (username, email) VALUES ('astro', 'astro@example.org') RETURNING id"
    )
    return modules, obs_units, locations, user


async def populate(conn: Connection, files: int, tail: InFlight | None = None, *, chunk: int = 1_000_000) -> Layout:
    """Fill an empty migrated database with `files` files and their history (see module doc)."""
    tail = tail or InFlight()
    groups = files // FILES_PER_GROUP
    in_flight = tail.unpackaged + tail.waiting + tail.transferring + tail.deletable
    if groups < in_flight + PACKAGES_PER_BUNDLE or groups % MODULES:
        raise ValueError(f"need a multiple of {MODULES} groups, at least {in_flight + PACKAGES_PER_BUNDLE}")
    files = groups * FILES_PER_GROUP
    modules, obs_units, loc, user = await _reference_rows(conn, _obs_units_for(groups // MODULES))
    waiting_end = groups - tail.unpackaged
    transferring_end = waiting_end - tail.waiting
    archived_end = transferring_end - tail.transferring
    running_start = groups - tail.running
    # bundles: archived and transferring packages, PACKAGES_PER_BUNDLE each, in group order
    bundles = -(-transferring_end // PACKAGES_PER_BUNDLE)
    archived_bundles = archived_end // PACKAGES_PER_BUNDLE
    layout = Layout(
        files=files,
        groups=groups,
        modules=modules,
        obs_unit_ids=obs_units,
        source_location_id=loc["source"],
        ccat_buffer_id=loc["ccat_buffer"],
        cologne_buffer_id=loc["cologne_buffer"],
        archive_location_id=loc["archive"],
        processing_location_id=loc["processing"],
        user_id=user,
        archived_end=archived_end,
        transferring_end=transferring_end,
        waiting_end=waiting_end,
        running_start=running_start,
    )
    t0 = "timestamptz '2026-01-01 00:00:00+00'"
    executions = groups // MODULES
    # executions: one per MODULES groups, a minute apart; the newest ones are running
    await conn.execute(
        f"""
        INSERT INTO executed_obs_unit (id, obs_unit_id, status, start_time, end_time)
        SELECT (lpad(to_hex(e), 12, '0') || '7000a000' || lpad(to_hex(e), 12, '0'))::uuid,
               ($2::bigint[])[1 + e % array_length($2::bigint[], 1)],
               CASE WHEN e * $3 >= $4 THEN 'running' ELSE 'completed' END,
               {t0} + e * interval '1 minute',
               CASE WHEN e * $3 >= $4 THEN NULL ELSE {t0} + e * interval '1 minute' + interval '50 seconds' END
        FROM generate_series(0, $1 - 1) e
        """,
        executions,
        obs_units,
        MODULES,
        running_start,
    )
    # bundles (built at the CCAT buffer)
    await conn.execute(
        """
        INSERT INTO data_transfer_package (id, name, relative_path, origin_location_id, size_bytes,
                                           checksum_algorithm, checksum, status, attempts)
        OVERRIDING SYSTEM VALUE
        SELECT b + 1, 'bundle_' || b, 'bundles/bundle_' || b || '.tar', $2, 2500000000, 'md5', md5('b' || b),
               'completed', 1
        FROM generate_series(0, $1 - 1) b
        """,
        bundles,
        loc["ccat_buffer"],
    )
    # packages: one per packaged group; group g is package g + 1
    await conn.execute(
        """
        INSERT INTO raw_data_package (id, name, relative_path, executed_obs_unit_id, instrument_module_id,
                                      origin_location_id, size_bytes, checksum_algorithm, checksum, state,
                                      data_transfer_package_id, status, attempts)
        OVERRIDING SYSTEM VALUE
        SELECT g + 1, 'package_' || g, 'packages/package_' || g || '.tar',
               (lpad(to_hex(g / $5), 12, '0') || '7000a000' || lpad(to_hex(g / $5), 12, '0'))::uuid,
               ($4::bigint[])[1 + g % $5], $6, 250000000, 'md5', md5('p' || g),
               CASE WHEN g < $2 THEN 'archived' WHEN g < $3 THEN 'transferring' ELSE 'waiting' END,
               CASE WHEN g < $3 THEN 1 + g / $7 END, 'completed', 1
        FROM generate_series(0, $1 - 1) g
        """,
        waiting_end,
        archived_end,
        transferring_end,
        modules,
        MODULES,
        loc["source"],
        PACKAGES_PER_BUNDLE,
    )
    # ids were given explicitly: the identities continue after them
    for table in ("data_transfer_package", "raw_data_package"):
        await conn.execute(
            "SELECT setval(pg_get_serial_sequence($1, 'id'), (SELECT max(id) FROM " + table + "))", table
        )
    # files and their source copies, in chunks (bounded transition tables for the integrity triggers)
    for start in range(0, files, chunk):
        end = min(files, start + chunk)
        # files: FILES_PER_GROUP per group, in time order; packaged unless in the unpackaged tail
        await conn.execute(
            """
            INSERT INTO raw_data_file (id, instrument_module_id, executed_obs_unit_id, raw_data_package_id, name,
                                       relative_path, size_bytes, checksum_algorithm, checksum, file_type,
                                       file_created_at)
            SELECT md5('f' || i)::uuid, ($3::bigint[])[1 + g % $4],
                   (lpad(to_hex(g / $4), 12, '0') || '7000a000' || lpad(to_hex(g / $4), 12, '0'))::uuid,
                   CASE WHEN g < $5 THEN g + 1 END,
                   'file_' || i || '.fits', 'obs_' || (g / $4) || '/m' || (g % $4) || '/file_' || i || '.fits',
                   1000000 + i % 1000, 'md5', md5(i::text), 'fits',
                   timestamptz '2026-01-01 00:00:00+00' + (g / $4) * interval '1 minute'
            FROM generate_series($6::bigint, $1 - 1) i, LATERAL (SELECT i / $2 AS g) grp
            """,
            end,
            FILES_PER_GROUP,
            modules,
            MODULES,
            waiting_end,
            start,
        )
        # file copies at the source: deleted once archived, except the deletable tail
        await conn.execute(
            """
            INSERT INTO physical_copy (type, raw_data_file_id, data_location_id, status, checksum_verified_at,
                                       deleted_at, created_at)
            SELECT 'raw_data_file', md5('f' || i)::uuid, $3,
                   CASE WHEN i / $2 < $4::int - $5::int THEN 'deleted' ELSE 'present' END, now(),
                   CASE WHEN i / $2 < $4::int - $5::int THEN now() END, now()
            FROM generate_series($6::bigint, $1 - 1) i
            """,
            end,
            FILES_PER_GROUP,
            loc["source"],
            archived_end,
            tail.deletable,
            start,
        )
    # package copies: CCAT buffer (deleted once archived), Cologne buffer (deleted once archived),
    # archive (present, verified) for archived packages
    await conn.execute(
        """
        INSERT INTO physical_copy (type, raw_data_package_id, data_location_id, status, checksum_verified_at,
                                   deleted_at)
        SELECT 'raw_data_package', g + 1, l.location_id,
               CASE WHEN l.kind = 'archive' OR g >= $2 THEN 'present' ELSE 'deleted' END, now(),
               CASE WHEN l.kind <> 'archive' AND g < $2 THEN now() END
        FROM generate_series(0, $1 - 1) g
        CROSS JOIN (VALUES ('ccat', $3::bigint), ('cologne', $4::bigint), ('archive', $5::bigint))
            AS l(kind, location_id)
        WHERE l.kind = 'ccat' OR g < $2
        """,
        waiting_end,
        archived_end,
        loc["ccat_buffer"],
        loc["cologne_buffer"],
        loc["archive"],
    )
    # bundle copies: at the CCAT buffer (present while transferring), at Cologne (archived ones, deleted)
    await conn.execute(
        """
        INSERT INTO physical_copy (type, data_transfer_package_id, data_location_id, status, checksum_verified_at,
                                   deleted_at)
        SELECT 'data_transfer_package', b + 1, l.location_id,
               CASE WHEN b >= $2 THEN 'present' ELSE 'deleted' END, now(), CASE WHEN b < $2 THEN now() END
        FROM generate_series(0, $1 - 1) b
        CROSS JOIN (VALUES ('ccat', $3::bigint), ('cologne', $4::bigint)) AS l(kind, location_id)
        WHERE l.kind = 'ccat' OR b < $2
        """,
        bundles,
        archived_bundles,
        loc["ccat_buffer"],
        loc["cologne_buffer"],
    )
    # transfers: completed and unpacked for archived bundles; pending for half of the others
    await conn.execute(
        """
        INSERT INTO data_transfer (data_transfer_package_id, data_transfer_route_id, origin_location_id,
                                   destination_location_id, method, status, attempts, unpack_status,
                                   unpack_attempts)
        SELECT b + 1, (SELECT id FROM data_transfer_route LIMIT 1), $3, $4, 'bbcp',
               CASE WHEN b < $2 THEN 'completed' ELSE 'pending' END, CASE WHEN b < $2 THEN 1 ELSE 0 END,
               CASE WHEN b < $2 THEN 'completed' ELSE 'pending' END, CASE WHEN b < $2 THEN 1 ELSE 0 END
        FROM generate_series(0, $1 - 1) b
        WHERE b < $2 OR (b - $2) % 2 = 0
        """,
        bundles,
        archived_bundles,
        loc["ccat_buffer"],
        loc["cologne_buffer"],
    )
    # archive transfers of archived packages, completed
    await conn.execute(
        """
        INSERT INTO long_term_archive_transfer (raw_data_package_id, origin_location_id, destination_location_id,
                                                status, attempts, completed_at)
        SELECT g + 1, $2, $3, 'completed', 1, now()
        FROM generate_series(0, $1 - 1) g
        """,
        archived_end,
        loc["cologne_buffer"],
        loc["archive"],
    )
    # staging: one finished job per 1,000 archived packages, and one pending
    await conn.execute(
        """
        INSERT INTO staging_job (user_account_id, destination_location_id, status, attempts, completed_at)
        SELECT $2, $3, CASE WHEN j = 0 THEN 'pending' ELSE 'completed' END, 1, now()
        FROM generate_series(0, $1) j
        """,
        max(1, archived_end // 1000),
        user,
        loc["processing"],
    )
    await conn.execute(
        """
        INSERT INTO staging_job_package (staging_job_id, raw_data_package_id)
        SELECT j.id, 1 + (j.id * 7919) % $1 FROM staging_job j
        """,
        archived_end,
    )
    await queue_deletable(conn, layout, tail)
    return layout


async def queue_deletable(conn: Connection, layout: Layout, tail: InFlight | None = None) -> None:
    """Queue the archived packages whose source copies are still present for the deletion rule, as
    a package's move to archived does (`opsdb_queue_file_deletions`); idempotent."""
    tail = tail or InFlight()
    await conn.execute(
        "SELECT opsdb_queue_file_deletions(ARRAY(SELECT g + 1 FROM generate_series($1::bigint, $2::bigint - 1) g))",
        layout.archived_end - tail.deletable,
        layout.archived_end,
    )
