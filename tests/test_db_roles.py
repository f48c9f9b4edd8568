"""Least-privilege PostgreSQL roles: connect as a member of each and prove what it can and cannot do.

Each test makes its own LOGIN roles (tests/roles_support.py) and drops them afterwards; the
group roles are cluster-wide and shared with every other database on the server. The per-actor
roles of migration 0017 and the forgeries they refuse: tests/attack/test_roles.py.
"""

from __future__ import annotations

import uuid

import anyio
import asyncpg
import psycopg
import pytest
from yoyo import get_backend, read_migrations

from opsdb import migrate
from opsdb.config import with_database, yoyo_url
from opsdb.db import Database
from opsdb.errors import PrivilegeError
from opsdb.resources import migrations_dir
from opsdb.schemas.access import ApiTokenCreate, UserCreate
from opsdb.schemas.locations import SiteCreate
from opsdb.testing import seed_registration
from tests import roles_support
from tests.roles_support import LoginAs

pytestmark = pytest.mark.anyio

login_as = roles_support.login_as  # the fixture


async def _refused(conn: asyncpg.Connection, statement: str) -> None:
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await conn.execute(statement)


async def _seed(db: Database) -> tuple[int, int]:
    async with db.transaction() as uow:
        site = await uow.sites.create_site(SiteCreate(name="CCAT", short_name="ccat"))
        user = await uow.users.create_user(UserCreate(username="svc"))
        await uow.users.grant_role(user.id, (await uow.users.get_role_by_name("service")).id)
        await uow.tokens.create_token(ApiTokenCreate(user_account_id=user.id, name="t", scopes=["read:*"]))
    return site.id, user.id


async def test_group_roles_cannot_log_in_or_administer(db: Database) -> None:
    async with db.connection() as conn:
        rows = await conn.fetch(
            "SELECT rolname, rolcanlogin, rolsuper, rolcreaterole, rolcreatedb, rolbypassrls FROM pg_roles"
            " WHERE rolname IN ('opsdb_reader', 'opsdb_writer') ORDER BY rolname"
        )
    assert [r["rolname"] for r in rows] == ["opsdb_reader", "opsdb_writer"]
    for row in rows:
        flags = ("rolcanlogin", "rolsuper", "rolcreaterole", "rolcreatedb", "rolbypassrls")
        assert not any(row[flag] for flag in flags)


async def test_reader_reads_but_changes_nothing(db: Database, login_as: LoginAs) -> None:
    site_id, _ = await _seed(db)
    conn = await asyncpg.connect(await login_as("opsdb_reader"))
    try:
        assert await conn.fetchval("SELECT name FROM site WHERE id = $1", site_id) == "CCAT"
        assert await conn.fetchval("SELECT count(*) FROM role") >= 4
        await _refused(conn, "INSERT INTO site (name, short_name) VALUES ('x', 'x')")
        await _refused(conn, "UPDATE site SET name = 'y'")
        await _refused(conn, "DELETE FROM site")
        await _refused(conn, "TRUNCATE site CASCADE")
        await _refused(conn, "UPDATE api_token SET active = false")
        await _refused(conn, "CREATE TABLE scratch (id int)")
        await _refused(conn, "DROP TABLE site CASCADE")
        await _refused(conn, "SELECT token_hash FROM api_token")
        await _refused(conn, "SELECT * FROM api_token")
        assert await conn.fetchval("SELECT count(*) FROM site") == 1  # nothing changed
    finally:
        await conn.close()


async def test_reader_lists_tokens_through_the_repository_without_seeing_hashes(
    db: Database, login_as: LoginAs
) -> None:
    _, user_id = await _seed(db)
    async with await Database.connect(await login_as("opsdb_reader")) as reader, reader.transaction() as uow:
        tokens = await uow.tokens.list_tokens_of_user(user_id)
        assert [t.name for t in tokens] == ["t"]
        assert await uow.users.permissions_of_user(user_id) >= {"read:*", "claim:work"}
        with pytest.raises(PrivilegeError, match="permission denied"):
            await uow.sites.create_site(SiteCreate(name="Nope", short_name="nope"))


async def test_writer_changes_data_and_uses_tokens_but_cannot_manage_access(db: Database, login_as: LoginAs) -> None:
    _, user_id = await _seed(db)
    async with db.transaction() as uow:  # as the owner (the API service would be an access admin)
        issued, plaintext = await uow.tokens.create_token(
            ApiTokenCreate(user_account_id=user_id, name="daemon", scopes=["claim:work"])
        )
    async with await Database.connect(await login_as("opsdb_writer")) as writer, writer.transaction() as uow:
        await uow.sites.create_site(SiteCreate(name="Cologne", short_name="cologne"))
        verified = await uow.tokens.verify(plaintext, "claim:work", "10.0.0.1")  # records its use
        assert verified.token.id == issued.id
    async with db.transaction() as uow:
        assert (await uow.tokens.get_token(issued.id)).usage_count == 1
        assert (await uow.sites.get_site_by_short_name("cologne")).name == "Cologne"
    async with await Database.connect(await login_as("opsdb_writer")) as writer:
        for attempt in (
            lambda uow: uow.users.create_user(UserCreate(username="intruder")),
            lambda uow: uow.tokens.create_token(ApiTokenCreate(user_account_id=user_id, name="x", scopes=["*:*"])),
            lambda uow: uow.conn.execute("UPDATE api_token SET scopes = '{*:*}'"),
            lambda uow: uow.conn.execute("UPDATE user_account SET active = true"),
            lambda uow: uow.conn.execute("DELETE FROM user_role"),
        ):
            with pytest.raises(PrivilegeError):
                async with writer.transaction() as uow:
                    await attempt(uow)


async def test_access_admin_manages_users_roles_and_tokens(db: Database, login_as: LoginAs) -> None:
    _, user_id = await _seed(db)
    async with await Database.connect(await login_as("opsdb_access_admin")) as admin, admin.transaction() as uow:
        user = await uow.users.create_user(UserCreate(username="operator"))
        viewer = await uow.users.get_role_by_name("viewer")
        await uow.users.grant_role(user.id, viewer.id)
        assert await uow.users.revoke_role(user.id, viewer.id) is True  # DELETE on a link table
        issued, _ = await uow.tokens.create_token(
            ApiTokenCreate(user_account_id=user_id, name="daemon", scopes=["claim:work"])
        )
        await uow.tokens.revoke_token(issued.id)
        with pytest.raises(PrivilegeError):
            await uow.sites.create_site(SiteCreate(name="Cologne", short_name="cologne"))


async def test_a_writers_temporary_table_cannot_stand_in_for_a_referenced_table(
    db: Database, login_as: LoginAs
) -> None:
    async with db.connection() as conn:
        seeded = await seed_registration(conn, modules=1, units=1)
    conn = await asyncpg.connect(await login_as("opsdb_writer"))
    try:
        await conn.execute("CREATE TEMP TABLE instrument_module (id bigint PRIMARY KEY)")
        await conn.execute("INSERT INTO instrument_module VALUES (987654)")
        await conn.execute("GRANT ALL ON instrument_module TO PUBLIC")
        with pytest.raises(asyncpg.ForeignKeyViolationError):
            await conn.execute(
                "INSERT INTO raw_data_file (id, instrument_module_id, executed_obs_unit_id, name, relative_path,"
                " size_bytes, checksum_algorithm, checksum) VALUES ($1, 987654, $2, 'x', 'x', 1, 'xxh64', $3)",
                uuid.uuid4(),
                seeded.units[0],
                "0" * 16,
            )
    finally:
        await conn.close()


async def test_writer_runs_no_ddl_no_truncate_and_deletes_only_links(db: Database, login_as: LoginAs) -> None:
    site_id, _ = await _seed(db)
    conn = await asyncpg.connect(await login_as("opsdb_writer"))
    try:
        await conn.execute("UPDATE site SET location = 'Chile' WHERE id = $1", site_id)
        await _refused(conn, "DELETE FROM site")
        await _refused(conn, "DELETE FROM api_token")
        await _refused(conn, "TRUNCATE site CASCADE")
        await _refused(conn, "TRUNCATE user_role")
        await _refused(conn, "CREATE TABLE scratch (id int)")
        await _refused(conn, "CREATE FUNCTION evil() RETURNS int LANGUAGE sql AS 'SELECT 1'")
        await _refused(conn, "DROP TABLE site CASCADE")
        await _refused(conn, "ALTER TABLE site ADD COLUMN evil text")
        await _refused(conn, "ALTER TABLE site DROP CONSTRAINT site_short_name_key")
        await _refused(conn, "CREATE INDEX evil_idx ON site (name)")
        await _refused(
            conn, "CREATE TRIGGER evil BEFORE UPDATE ON site FOR EACH ROW EXECUTE FUNCTION opsdb_touch_updated_at()"
        )
        await conn.execute("GRANT ALL ON site TO PUBLIC")  # only warns: it holds no grant option
        public_grants = (
            "SELECT count(*) FROM aclexplode((SELECT relacl FROM pg_class WHERE relname = 'site')) WHERE grantee = 0"
        )
        assert await conn.fetchval(public_grants) == 0
        await _refused(conn, "DELETE FROM _yoyo_migration")
        await _refused(conn, "INSERT INTO _yoyo_migration (migration_hash, migration_id) VALUES ('x', 'x')")
        await _refused(conn, "CREATE ROLE evil_role")
        assert await conn.fetchval("SELECT location FROM site WHERE id = $1", site_id) == "Chile"
        # a temporary table (bulk loading through COPY) stays allowed
        await conn.execute("CREATE TEMPORARY TABLE staging_rows (id int)")
    finally:
        await conn.close()


async def test_tables_of_later_migrations_get_the_same_grants(db: Database, login_as: LoginAs) -> None:
    async with db.connection() as conn:  # the owner, as a later migration would
        await conn.execute("CREATE TABLE later_table (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, note text)")
    writer = await asyncpg.connect(await login_as("opsdb_writer"))
    reader = await asyncpg.connect(await login_as("opsdb_reader"))
    try:
        await writer.execute("INSERT INTO later_table (note) VALUES ('x')")
        await writer.execute("UPDATE later_table SET note = 'y'")
        await _refused(writer, "DELETE FROM later_table")
        assert await reader.fetchval("SELECT note FROM later_table") == "y"
        await _refused(reader, "INSERT INTO later_table (note) VALUES ('z')")
    finally:
        await writer.close()
        await reader.close()


def _yoyo_0008(dsn: str, action: str) -> None:
    backend = get_backend(yoyo_url(dsn))
    try:
        target = read_migrations(str(migrations_dir())).filter(lambda m: m.id == "0008_database_roles")
        with backend.lock():
            if action == "rollback":
                backend.rollback_migrations(target)
            else:
                backend.apply_migrations(backend.to_apply(target))
    finally:
        backend.connection.close()


async def test_rollback_revokes_here_but_keeps_roles_other_databases_use(
    db: Database, database_dsn: str, empty_dsn: str, login_as: LoginAs
) -> None:
    await _seed(db)
    # a second opsdb database on the same server: the roles already exist, migrating is fine
    await anyio.to_thread.run_sync(migrate.apply, empty_dsn)
    await anyio.to_thread.run_sync(_yoyo_0008, database_dsn, "rollback")
    async with db.connection() as conn:
        groups = "SELECT count(*) FROM pg_roles WHERE rolname IN ('opsdb_reader', 'opsdb_writer')"
        assert await conn.fetchval(groups) == 2
        assert await conn.fetchval("SELECT count(*) FROM pg_default_acl") == 0
    writer = await asyncpg.connect(await login_as("opsdb_writer"))
    try:
        await _refused(writer, "SELECT * FROM site")
    finally:
        await writer.close()
    other = await asyncpg.connect(await login_as("opsdb_reader", empty_dsn))
    try:
        assert await other.fetchval("SELECT count(*) FROM role") == 4  # still granted over there
    finally:
        await other.close()
    await anyio.to_thread.run_sync(_yoyo_0008, database_dsn, "apply")
    writer = await asyncpg.connect(await login_as("opsdb_writer"))
    try:
        assert await writer.fetchval("SELECT count(*) FROM site") == 1
    finally:
        await writer.close()


async def test_writer_registers_files_and_daemons_claim_work(db: Database, login_as: LoginAs) -> None:
    from opsdb import work
    from opsdb.registration import register_files
    from opsdb.testing import file_records, seed_registration

    async with db.connection() as conn:
        seeded = await seed_registration(conn, modules=1, units=1)
    async with await Database.connect(await login_as("opsdb_writer")) as writer:
        report = await register_files(writer, seeded.location, file_records(seeded, 50), batch_size=20)
        assert report.new == 50
        async with writer.connection() as conn:
            assert await work.claim(conn, work.WorkKind.DATA_TRANSFER, "w1", limit=5) == []
    async with await Database.connect(await login_as("opsdb_reader")) as reader:
        with pytest.raises(PrivilegeError):
            await register_files(reader, seeded.location, file_records(seeded, 1, start=100))


async def test_an_owner_without_createrole_migrates_once_a_dba_made_the_roles(server_dsn: str, db: Database) -> None:
    """docs/security.md, "Creating the roles": the roles exist (the suite's template created them),
    so a plain owner (no CREATEROLE, no superuser) migrates a new database, and its own
    statements pass the opsdb_actor_* checks."""
    owner = roles_support.login_name("owner")
    database = f"opsdb_t_plain_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server_dsn, autocommit=True) as admin:
        admin.execute(f'CREATE ROLE "{owner}" LOGIN NOCREATEROLE NOSUPERUSER NOCREATEDB')
        admin.execute(f'CREATE DATABASE "{database}" OWNER "{owner}"')
    dsn = roles_support.as_user(with_database(server_dsn, database), owner)
    try:
        await anyio.to_thread.run_sync(migrate.apply, dsn)
        async with await Database.connect(dsn, min_size=1, max_size=1) as plain, plain.connection() as conn:
            assert not await conn.fetchval(
                "SELECT rolcreaterole OR rolsuper FROM pg_roles WHERE rolname = current_user"
            )
            seeded = await seed_registration(conn, modules=1, units=1)
            package = await conn.fetchval(
                "INSERT INTO raw_data_package (name, relative_path, executed_obs_unit_id, instrument_module_id,"
                " origin_location_id) VALUES ('p', 'p.tar', $1, $2, $3) RETURNING id",
                seeded.units[0],
                seeded.modules[0],
                seeded.location,
            )
            await conn.execute("UPDATE raw_data_package SET state = 'archived' WHERE id = $1", package)
            assert (
                await conn.fetchval("SELECT has_database_privilege('public', current_database(), 'CONNECT')") is False
            )
    finally:
        with psycopg.connect(server_dsn, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            admin.execute(f'DROP OWNED BY "{owner}"')
            admin.execute(f'DROP ROLE IF EXISTS "{owner}"')


async def test_columns_added_later_are_granted_by_apply_actor_grants(db: Database, login_as: LoginAs) -> None:
    async with db.connection() as conn:  # the owner, as a later migration would
        await conn.execute("ALTER TABLE physical_copy ADD COLUMN later_note text")
        await conn.execute("CALL opsdb_apply_actor_grants()")
    reader = await asyncpg.connect(await login_as("opsdb_reader"))
    deleter = await asyncpg.connect(await login_as("opsdb_deletion_daemon"))
    try:
        assert await reader.fetchval("SELECT count(later_note) FROM physical_copy") == 0
        await _refused(reader, "SELECT claim_token FROM physical_copy")
        await _refused(reader, "SELECT * FROM physical_copy")
        assert await deleter.fetch("SELECT * FROM physical_copy") == []  # its own tokens, and the new column
    finally:
        await reader.close()
        await deleter.close()
