"""Rules by hand: each actor role logs in and sends SQL, aiming at what the other attack tests miss.

Session 8's adversarial review (docs/security.md, "Rules by hand"). Each attempt runs under a fresh login of one group
role, must be refused (the SQLSTATE is checked), and a digest of every table the attempts aim at is
compared in SQL before and after. Fixed by migration 0031:

- a file put into a package that is already built or archived (at registration by the instrument,
  or by the packager's filing UPDATE) made its copies archive-backed: the deletion daemon then
  scheduled and claimed the only copies of files the archive never held;
- `opsdb_rebuild_copy_counters()` (SHARE lock on physical_copy, as the owner) was open to every
  login: a reader could stop every copy write;
- the writer could re-point a package or bundle (name, path, origin) and the operator could move a
  location holding copies (root path, host, bucket, ...), so the archive evidence pointed elsewhere;
- a direct change of `checksum_verified_at` (withdrawing or forging a verification) left no
  state_history row;
- the operator or writer could take a package out of a staging job that was running or completed
  (and with it the hold of safe-deletion rules 4 and 7);
- the writer could rewrite `operator_action` rows, and an operator's row said only what the client
  claimed (`actor`, a back-dated `at`): rows are now append-only and name the login.

The rest held and stays here as regression: temporary tables shadowing the guards' tables
(`state_transition`, `deletion_claim_verdict`, `copy_size_hint`) under `search_path = pg_temp, ...`,
hostile arguments to the deletion functions (NULLs, empty arrays, infinite or NaN leases, arrays of
different lengths), the lock helpers from roles that do not own them, and writes to the copy
counters.
"""

from __future__ import annotations

from dataclasses import dataclass

import anyio
import asyncpg
import pytest

from opsdb.db import Connection, Database
from opsdb.testing import (
    World,
    add_bundle,
    add_files,
    add_package_copy,
    add_packages,
    add_route,
    add_transfer,
    build_world,
    repair,
)
from tests import roles_support
from tests.roles_support import LoginAs

pytestmark = pytest.mark.anyio
login_as = roles_support.login_as  # the fixture

INSTRUMENT = "opsdb_instrument"
PACKAGER = "opsdb_packager"
TRANSFER = "opsdb_transfer_daemon"
ARCHIVE = "opsdb_archive_daemon"
STAGING = "opsdb_staging_daemon"
DELETION = "opsdb_deletion_daemon"
OPERATOR = "opsdb_operator"
WRITER = "opsdb_writer"
READER = "opsdb_reader"
ACCESS_ADMIN = "opsdb_access_admin"
EVERY_ROLE = (INSTRUMENT, PACKAGER, TRANSFER, ARCHIVE, STAGING, DELETION, OPERATOR, WRITER, READER, ACCESS_ADMIN)

DIGEST_TABLES = (
    "physical_copy",
    "raw_data_file",
    "raw_data_package",
    "data_transfer_package",
    "data_location",
    "state_history",
    "state_transition",
    "operator_action",
    "deletion_file_queue",
    "deletion_claim_verdict",
    "copy_size_hint",
    "copy_space",
    "copy_space_delta",
    "package_copy_count",
    "package_copy_delta",
    "work_cap",
)


async def _digest(conn: Connection) -> dict[str, str]:
    return {
        table: await conn.fetchval(
            f"SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {table} t"
        )
        for table in DIGEST_TABLES
    }


@dataclass(frozen=True)
class Scene:
    world: World
    archived: int  # archived package, verified archive copy at cologne_lta, present copy at ccat_buffer
    built: int  # built (completed, checksum) but still waiting package
    open: int  # a package waiting to be built (pending)
    lta_copy: int
    buffer_copy: int
    file_copies: tuple[int, ...]  # the only copies of two unpackaged files, at ccat_source
    files: tuple[str, ...]
    bundle: int
    empty_location: int  # a buffer that holds no copy
    completed_job: int  # a completed staging job of another archived package, retained for a week
    pending_job: int  # a staging request not yet claimed, of the same package
    transfer: int  # a pending transfer of the bundle, ccat_buffer -> cologne_buffer
    archive_transfer: int  # a pending archive transfer of the built package, ccat_buffer -> cologne_lta

    def args(self) -> dict[str, object]:
        return {
            "archived": self.archived,
            "built": self.built,
            "open": self.open,
            "lta_copy": self.lta_copy,
            "buffer_copy": self.buffer_copy,
            "file_copy": self.file_copies[0],
            "file": self.files[0],
            "bundle": self.bundle,
            "lta": self.world.locations["cologne_lta"],
            "buffer": self.world.locations["ccat_buffer"],
            "source": self.world.locations["ccat_source"],
            "empty": self.empty_location,
            "completed_job": self.completed_job,
            "pending_job": self.pending_job,
            "transfer": self.transfer,
            "archive_transfer": self.archive_transfer,
            "execution": str(self.world.execution_id),
            "module": self.world.module_id,
        }


async def _scene(db: Database) -> Scene:
    world = await build_world(db)
    async with db.connection() as conn:
        (archived,) = await add_packages(conn, world, 1, status="completed", state="archived", name="arch")
        (built,) = await add_packages(conn, world, 1, status="completed", name="built")
        (open_,) = await add_packages(conn, world, 1, name="open")
        (bundled,) = await add_packages(conn, world, 1, status="completed", name="bundled")
        lta_copy = await add_package_copy(conn, archived, world.locations["cologne_lta"], verified=True)
        buffer_copy = await add_package_copy(conn, archived, world.locations["ccat_buffer"])
        files = await add_files(conn, world, 2, prefix="loose")
        file_copies = await conn.fetch(
            "SELECT id FROM physical_copy WHERE raw_data_file_id = ANY($1::uuid[]) ORDER BY id", files
        )
        bundle = await add_bundle(conn, world, [bundled])
        empty = world.locations["us_buffer"]
        (staged,) = await add_packages(conn, world, 1, status="completed", state="archived", name="staged")
        jobs = []
        for status in ("completed", "pending"):
            job = await conn.fetchval(
                "INSERT INTO staging_job (user_account_id, destination_location_id, status, retention_until) "
                "VALUES ($1, $2, $3, now() + interval '7 days') RETURNING id",
                world.user_id,
                world.locations["cologne_processing"],
                status,
            )
            await conn.execute(
                "INSERT INTO staging_job_package (staging_job_id, raw_data_package_id) VALUES ($1, $2)", job, staged
            )
            jobs.append(job)
        route = await add_route(conn, "ccat_cologne", world.sites["ccat"], world.sites["cologne"])
        transfer = await add_transfer(conn, world, bundle, route)
        archive_transfer = await conn.fetchval(
            "INSERT INTO long_term_archive_transfer (raw_data_package_id, origin_location_id, destination_location_id) "
            "VALUES ($1, $2, $3) RETURNING id",
            built,
            world.locations["ccat_buffer"],
            world.locations["cologne_lta"],
        )
        await conn.execute(
            "INSERT INTO operator_action (actor, action, kind, item_id, from_status, to_status, reason) VALUES "
            "('alice', 'reset', 'physical_copy_deletion', $1, 'deletion_failed', 'deletion_scheduled', 'disk ok')",
            buffer_copy,
        )
        await conn.execute("SELECT opsdb_fold_copy_deltas()")
    return Scene(
        world,
        archived,
        built,
        open_,
        lta_copy,
        buffer_copy,
        tuple(r["id"] for r in file_copies),
        tuple(str(f) for f in files),
        bundle,
        empty,
        *jobs,
        transfer,
        archive_transfer,
    )


FILE_INTO = (
    "INSERT INTO raw_data_file (id, instrument_module_id, executed_obs_unit_id, name, relative_path, size_bytes, "
    "checksum, checksum_algorithm, raw_data_package_id) VALUES (gen_random_uuid(), {module}, '{execution}', "
    "'smuggled', 'smuggled.dat', 1, repeat('c', 64), 'sha256', {package})"
)

# what: (roles that try it, statement, SQLSTATEs that count as the refusal)
ATTEMPTS: dict[str, tuple[tuple[str, ...], str, frozenset[str]]] = {
    # -- 0031 (1): files into a package that is built or archived --------------------------------
    "register a file straight into an archived package": (
        (INSTRUMENT, WRITER),
        FILE_INTO.replace("{package}", "{archived}"),
        frozenset({"42501"}),
    ),
    "register a file straight into a built package": (
        (INSTRUMENT, WRITER),
        FILE_INTO.replace("{package}", "{built}"),
        frozenset({"42501"}),
    ),
    "file unpackaged files into an archived package": (
        (PACKAGER, WRITER),
        "UPDATE raw_data_file SET raw_data_package_id = {archived} WHERE raw_data_package_id IS NULL",
        frozenset({"42501"}),
    ),
    "file unpackaged files into a built package": (
        (PACKAGER, WRITER),
        "UPDATE raw_data_file SET raw_data_package_id = {built} WHERE raw_data_package_id IS NULL",
        frozenset({"42501"}),
    ),
    "file one file into an open and one into an archived package in one statement": (
        (PACKAGER,),
        "UPDATE raw_data_file f SET raw_data_package_id = CASE WHEN f.id = '{file}' THEN {open} ELSE {archived} END "
        "WHERE raw_data_package_id IS NULL",
        frozenset({"42501"}),
    ),
    # -- 0031 (2): the counters' rebuild (SHARE lock on physical_copy) -----------------------------
    "rebuild the copy counters (locks every copy write)": (
        EVERY_ROLE,
        "SELECT opsdb_rebuild_copy_counters()",
        frozenset({"42501"}),
    ),
    "lock packages through 0031's filing check": (
        (READER, ACCESS_ADMIN, OPERATOR, DELETION, ARCHIVE, TRANSFER, STAGING),
        "SELECT * FROM opsdb_rules_unopen_package(ARRAY[{archived}, {open}]::bigint[])",
        frozenset({"42501"}),
    ),
    # -- 0031 (3): what a package or bundle is ------------------------------------------------------
    "re-point an archived package at other bytes": (
        (WRITER,),
        "UPDATE raw_data_package SET relative_path = 'elsewhere.tar' WHERE id = {archived}",
        frozenset({"42501"}),
    ),
    "rename an archived package": (
        (WRITER,),
        "UPDATE raw_data_package SET name = 'other' WHERE id = {archived}",
        frozenset({"42501"}),
    ),
    "move an archived package's origin": (
        (WRITER,),
        "UPDATE raw_data_package SET origin_location_id = {buffer} WHERE id = {archived}",
        frozenset({"42501"}),
    ),
    "re-point a bundle": (
        (WRITER,),
        "UPDATE data_transfer_package SET relative_path = 'elsewhere.tar', name = 'x' WHERE id = {bundle}",
        frozenset({"42501"}),
    ),
    "move an unfinished archive transfer's origin (its source copy no longer held)": (
        (WRITER,),
        "UPDATE long_term_archive_transfer SET origin_location_id = {source} WHERE id = {archive_transfer}",
        frozenset({"42501"}),
    ),
    "send an archive transfer to another archive": (
        (WRITER,),
        "UPDATE long_term_archive_transfer SET destination_location_id = {empty} WHERE id = {archive_transfer}",
        frozenset({"42501"}),
    ),
    "re-route a transfer": (
        (WRITER,),
        "UPDATE data_transfer SET destination_location_id = {lta}, origin_location_id = {source} WHERE id = {transfer}",
        frozenset({"42501"}),
    ),
    "move a completed staging job's destination": (
        (WRITER,),
        "UPDATE staging_job SET destination_location_id = {buffer} WHERE id = {completed_job}",
        frozenset({"42501"}),
    ),
    # -- 0031 (4): where a location holding copies is -------------------------------------------------
    "move the archive's root": (
        (OPERATOR, WRITER),
        "UPDATE data_location SET root_path = '/elsewhere' WHERE id = {lta}",
        frozenset({"42501"}),
    ),
    "move the archive to another host": (
        (OPERATOR, WRITER),
        "UPDATE data_location SET host = 'elsewhere' WHERE id = {lta}",
        frozenset({"42501"}),
    ),
    "move a buffer holding copies": (
        (OPERATOR, WRITER),
        "UPDATE data_location SET root_path = '/elsewhere' WHERE id = {buffer}",
        frozenset({"42501"}),
    ),
    # -- 0031 (6): what a staging job stages ---------------------------------------------------------
    "take a package out of a completed staging job": (
        (OPERATOR, WRITER),
        "DELETE FROM staging_job_package WHERE staging_job_id = {completed_job}",
        frozenset({"42501"}),
    ),
    "move a package of a completed staging job to another job": (
        (WRITER,),
        "UPDATE staging_job_package SET staging_job_id = {pending_job} WHERE staging_job_id = {completed_job}",
        frozenset({"42501"}),
    ),
    # -- 0031 (7): the operators' audit trail ---------------------------------------------------------
    "rewrite an operator action": (
        (OPERATOR, WRITER),
        "UPDATE operator_action SET reason = 'nothing happened', actor = 'bob'",
        frozenset({"42501"}),
    ),
    "delete an operator action": (
        (OPERATOR, WRITER),
        "DELETE FROM operator_action",
        frozenset({"42501"}),
    ),
    "rewrite a transfer's log": (
        (WRITER, TRANSFER),
        "UPDATE data_transfer_log SET message = 'all fine'",
        frozenset({"42501"}),
    ),
    # -- held before 0031 (regression) ------------------------------------------------------------------
    "write the copy counters": (
        EVERY_ROLE,
        "UPDATE package_copy_count SET verified = verified + 1",
        frozenset({"42501"}),
    ),
    "append a copy-counter delta": (
        EVERY_ROLE,
        "INSERT INTO package_copy_delta (raw_data_package_id, verified) VALUES ({archived}, 5)",
        frozenset({"42501"}),
    ),
    "lock the backing of every package": (
        (READER, ACCESS_ADMIN, OPERATOR, INSTRUMENT, PACKAGER, TRANSFER, ARCHIVE, STAGING),
        "SELECT opsdb_lock_package_backing(ARRAY[{archived}]::bigint[])",
        frozenset({"42501"}),
    ),
    "queue pairs for deletion": (
        (READER, ACCESS_ADMIN, OPERATOR, INSTRUMENT, PACKAGER, TRANSFER, ARCHIVE, STAGING),
        "SELECT opsdb_queue_file_deletions(ARRAY[{archived}]::bigint[])",
        frozenset({"42501"}),
    ),
    "claim with an infinite lease (a hostage claim)": (
        (DELETION, WRITER),
        "SELECT opsdb_schedule_deletions(NULL, 10); "
        "SELECT * FROM opsdb_claim_deletions('w', 10, NULL, NULL, 'Infinity'::double precision)",
        frozenset({"22008"}),
    ),
    "claim with a NaN lease": (
        (DELETION,),
        "SELECT opsdb_schedule_deletions(NULL, 10); "
        "SELECT * FROM opsdb_claim_deletions('w', 10, NULL, NULL, 'NaN'::double precision)",
        frozenset({"22008"}),
    ),
    "claim without a worker, a limit or a lease": (
        (DELETION,),
        "SELECT opsdb_schedule_deletions(NULL, 10); SELECT * FROM opsdb_claim_deletions(NULL, NULL, NULL, NULL, NULL)",
        frozenset({"22023"}),
    ),
}

CASES = [
    pytest.param(role, what, id=f"{what}-{role.removeprefix('opsdb_')}")
    for what, (roles, _, _) in ATTEMPTS.items()
    for role in roles
]


@pytest.mark.parametrize(("role", "what"), CASES)
async def test_each_attempt_by_hand_is_refused_and_changes_nothing(
    db: Database, login_as: LoginAs, role: str, what: str
) -> None:
    scene = await _scene(db)
    _, statement, sqlstates = ATTEMPTS[what]
    async with db.connection() as conn:
        before = await _digest(conn)
    attacker = await asyncpg.connect(await login_as(role))
    try:
        with pytest.raises(asyncpg.PostgresError) as refused:
            async with attacker.transaction():
                await attacker.execute(statement.format(**scene.args()))
        assert refused.value.sqlstate in sqlstates, refused.value
    finally:
        await attacker.close()
    async with db.connection() as conn:
        assert await _digest(conn) == before


class _Rollback(Exception):
    pass


async def test_a_file_smuggled_into_an_archived_package_would_have_been_deleted(db: Database) -> None:
    """Why (1) matters: as the owner (who passes), the smuggled files' only copies are claimed."""
    scene = await _scene(db)
    async with db.connection() as conn:
        with pytest.raises(_Rollback):
            async with conn.transaction():
                await conn.execute(
                    "UPDATE raw_data_file SET raw_data_package_id = $1 WHERE raw_data_package_id IS NULL",
                    scene.archived,
                )
                await conn.execute("SELECT opsdb_schedule_deletions(NULL, 10)")
                claimed = await conn.fetch("SELECT id FROM opsdb_claim_deletions('w', 10, NULL, NULL, 60)")
                assert set(scene.file_copies) <= {r["id"] for r in claimed}
                raise _Rollback


async def test_the_honest_packager_and_instrument_still_file_into_a_package_waiting_to_be_built(
    db: Database, login_as: LoginAs
) -> None:
    scene = await _scene(db)
    packager = await asyncpg.connect(await login_as(PACKAGER))
    instrument = await asyncpg.connect(await login_as(INSTRUMENT))
    try:
        filed = await packager.fetch(
            "UPDATE raw_data_file SET raw_data_package_id = $1 WHERE raw_data_package_id IS NULL RETURNING id",
            scene.open,
        )
        assert sorted(str(r["id"]) for r in filed) == sorted(scene.files)
        registered = await instrument.fetchval(
            FILE_INTO.format(**{**scene.args(), "package": scene.open}) + " RETURNING raw_data_package_id"
        )
        assert registered == scene.open
    finally:
        await packager.close()
        await instrument.close()


async def test_a_filing_waits_for_a_build_claim_in_flight_and_sees_it(
    db: Database, login_as: LoginAs, database_dsn: str
) -> None:
    """The check locks the package and judges its latest version: a build claimed meanwhile refuses."""
    scene = await _scene(db)
    packager = await asyncpg.connect(await login_as(PACKAGER))
    outcome: list[BaseException | None] = []

    async def file() -> None:
        try:
            await packager.execute(
                "UPDATE raw_data_file SET raw_data_package_id = $1 WHERE raw_data_package_id IS NULL", scene.open
            )
            outcome.append(None)
        except asyncpg.PostgresError as exc:
            outcome.append(exc)

    try:
        owner = await asyncpg.connect(database_dsn)
        try:
            tx = owner.transaction()
            await tx.start()
            await owner.execute(
                "UPDATE raw_data_package SET status = 'in_progress', claimed_by = 'builder', "
                "claim_token = gen_random_uuid(), lease_until = now() + interval '1 hour' WHERE id = $1",
                scene.open,
            )
            async with anyio.create_task_group() as tg:
                tg.start_soon(file)
                await anyio.sleep(0.5)
                assert outcome == []  # waiting for the claim's row lock
                await tx.commit()
        finally:
            await owner.close()
    finally:
        await packager.close()
    (refused,) = outcome
    assert isinstance(refused, asyncpg.InsufficientPrivilegeError), refused
    assert "build in_progress" in str(refused)
    async with db.connection() as conn:
        assert await conn.fetchval("SELECT count(*) FROM raw_data_file WHERE raw_data_package_id = $1", scene.open) == 0


async def test_what_stays_open_to_the_operator(db: Database, login_as: LoginAs) -> None:
    scene = await _scene(db)
    operator = await asyncpg.connect(await login_as(OPERATOR))
    try:
        await operator.execute(
            "UPDATE data_location SET root_path = '/new', host = 'new' WHERE id = $1", scene.empty_location
        )
        # a request not yet claimed may still lose a package
        await operator.execute("DELETE FROM staging_job_package WHERE staging_job_id = $1", scene.pending_job)
        # name, priority and active stay the operator's where copies lie
        await operator.execute(
            "UPDATE data_location SET name = 'archive', priority = 5, active = false WHERE id = $1",
            scene.world.locations["cologne_lta"],
        )
    finally:
        await operator.close()


@pytest.mark.parametrize("role", [ARCHIVE, WRITER])
async def test_a_direct_withdrawal_or_verification_is_in_the_history(
    db: Database, login_as: LoginAs, role: str
) -> None:
    scene = await _scene(db)
    attacker = await asyncpg.connect(await login_as(role))
    history = (
        "SELECT from_state, to_state, db_role FROM state_history WHERE table_name = 'physical_copy' "
        "AND item_id = $1 AND column_name = 'checksum_verified_at' ORDER BY id"
    )
    try:
        login = await attacker.fetchval("SELECT session_user")
        await attacker.execute("UPDATE physical_copy SET checksum_verified_at = NULL WHERE id = $1", scene.lta_copy)
        await attacker.execute("UPDATE physical_copy SET checksum_verified_at = now() WHERE id = $1", scene.lta_copy)
        # a new date on a verified copy is no change of verification
        await attacker.execute(
            "UPDATE physical_copy SET checksum_verified_at = now() + interval '1 second' WHERE id = $1", scene.lta_copy
        )
        # the function records once (the trigger writes its row now)
        await attacker.execute("SELECT opsdb_withdraw_verification($1)", scene.lta_copy)
    finally:
        await attacker.close()
    async with db.connection() as conn:
        rows = [tuple(r) for r in await conn.fetch(history, str(scene.lta_copy))]
    assert rows == [
        ("verified", "unverified", login),
        ("unverified", "verified", login),
        ("verified", "unverified", login),
    ]


@pytest.mark.parametrize("role", [OPERATOR, WRITER])
async def test_an_operator_action_names_the_login_that_sent_it(db: Database, login_as: LoginAs, role: str) -> None:
    scene = await _scene(db)
    operator = await asyncpg.connect(await login_as(role))
    try:
        login = await operator.fetchval("SELECT session_user")
        row = await operator.fetchrow(
            "INSERT INTO operator_action (at, actor, action, kind, item_id, from_status, to_status, reason) "
            "VALUES ('2020-01-01', 'alice', 'cancel', 'physical_copy_deletion', $1, 'deletion_scheduled', 'present', "
            "'back-dated, in alice''s name') RETURNING at > now() - interval '1 hour' AS now_, db_role, session_role",
            scene.buffer_copy,
        )
    finally:
        await operator.close()
    assert tuple(row) == (True, login, login)


async def test_the_archive_daemon_withdraws_only_archive_verifications_through_the_function(
    db: Database, login_as: LoginAs
) -> None:
    """opsdb_withdraw_verification runs as the owner: it must refuse what 0017 refuses the archive
    daemon by direct UPDATE (a buffer copy's verification is the packager's and transfer daemon's)."""
    scene = await _scene(db)
    async with db.connection() as conn:
        await conn.execute("UPDATE physical_copy SET checksum_verified_at = now() WHERE id = $1", scene.buffer_copy)
        before = await _digest(conn)
    archiver = await asyncpg.connect(await login_as(ARCHIVE))
    try:
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="buffer location"):
            await archiver.fetch("SELECT * FROM opsdb_withdraw_verification($1)", scene.buffer_copy)
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="buffer location"):
            await archiver.execute(
                "UPDATE physical_copy SET checksum_verified_at = NULL WHERE id = $1", scene.buffer_copy
            )
    finally:
        await archiver.close()
    async with db.connection() as conn:
        assert await _digest(conn) == before


SHADOWS = {
    "state_transition": (
        "CREATE TEMPORARY TABLE state_transition AS SELECT * FROM public.state_transition; "
        "INSERT INTO state_transition (machine, from_state, to_state) VALUES ('package_state', 'failed', 'archived')"
    ),
    "deletion_claim_verdict": "CREATE TEMPORARY TABLE deletion_claim_verdict (copy_id bigint PRIMARY KEY)",
    "copy_size_hint": "CREATE TEMPORARY TABLE copy_size_hint (copy_id bigint, size_bytes bigint)",
}


async def test_temporary_tables_do_not_shadow_the_guards_tables(db: Database, login_as: LoginAs) -> None:
    """A writer (TEMP, every actor) creates look-alikes of the tables the guards trust, puts pg_temp
    first on its search_path, and tries what those tables would let through: refused, unchanged."""
    scene = await _scene(db)
    async with db.connection() as conn:
        (failed,) = await add_packages(conn, scene.world, 1, status="completed", state="failed", name="failed")
        # the buffer copy scheduled, then its backing withdrawn: a claim must be refused
        await repair(conn, "UPDATE physical_copy SET status = 'deletion_scheduled' WHERE id = $1", scene.buffer_copy)
        await conn.execute("SELECT opsdb_withdraw_verification($1)", scene.lta_copy)
        before = await _digest(conn)
    writer = await asyncpg.connect(await login_as(WRITER))
    try:
        for statement in SHADOWS.values():
            await writer.execute(statement)
        await writer.execute("INSERT INTO pg_temp.deletion_claim_verdict VALUES ($1)", scene.buffer_copy)
        await writer.execute("INSERT INTO pg_temp.copy_size_hint VALUES ($1, -1)", scene.buffer_copy)
        await writer.execute("SET search_path = pg_temp, public")
        for statement, args, sqlstates in (
            ("UPDATE raw_data_package SET state = 'archived' WHERE id = $1", (failed,), {"OPS01"}),
            (
                "UPDATE physical_copy SET status = 'deletion_in_progress', claimed_by = 'me', "
                "claim_token = gen_random_uuid(), lease_until = now() + interval '1 hour' WHERE id = $1",
                (scene.buffer_copy,),
                {"OP001"},
            ),
        ):
            with pytest.raises(asyncpg.PostgresError) as refused:
                await writer.execute(statement, *args)
            assert refused.value.sqlstate in sqlstates, refused.value
    finally:
        await writer.close()
    async with db.connection() as conn:
        assert await _digest(conn) == before


@pytest.mark.parametrize(
    ("statement", "answer"),
    [
        ("SELECT count(*) FROM opsdb_schedule_deletions(NULL, NULL)", 0),
        ("SELECT count(*) FROM opsdb_schedule_deletions('{{}}', -5)", 0),
        ("SELECT count(*) FROM opsdb_schedule_deletions(ARRAY[NULL]::bigint[], 10)", 0),
        ("SELECT count(*) FROM opsdb_confirm_deletions(ARRAY[{buffer_copy}], ARRAY[NULL]::uuid[])", 1),
        ("SELECT count(*) FROM opsdb_confirm_deletions('{{}}', '{{}}')", 0),
        ("SELECT opsdb_confirm_deletion({buffer_copy}, NULL)", "lost"),
    ],
)
async def test_hostile_arguments_to_the_deletion_functions_delete_nothing(
    db: Database, login_as: LoginAs, statement: str, answer: object
) -> None:
    """NULLs, empty arrays and forged (NULL) tokens from the deletion daemon: nothing moves."""
    scene = await _scene(db)
    async with db.connection() as conn:
        await repair(conn, "UPDATE physical_copy SET status = 'deletion_scheduled' WHERE id = $1", scene.buffer_copy)
        before = await _digest(conn)
    deleter = await asyncpg.connect(await login_as(DELETION))
    try:
        assert await deleter.fetchval(statement.format(**scene.args())) == answer
    finally:
        await deleter.close()
    async with db.connection() as conn:
        assert await _digest(conn) == before


READER_MAY_RUN_AS_OWNER = {
    "opsdb_fold_copy_deltas()",
    "opsdb_fold_state_deltas()",
    "opsdb_deletion_scan(bigint[],integer)",
}
"""SECURITY DEFINER functions (not triggers) a reader may call: the folds its reports run first, and
the deletion scan its `deletion_candidates` reads through (STABLE: it only reads the file queue and
copies, which a reader may SELECT anyway; the walk is bounded by the backlog it is asked for)."""


async def test_no_new_owner_function_is_open_to_readers(db: Database) -> None:
    """Default privileges give EXECUTE on every new function to opsdb_reader (every actor is a member):
    a SECURITY DEFINER function closed only to PUBLIC stays open to every login. This lists the
    ones a reader can run as the owner; a new one must revoke from opsdb_reader too, or be added above."""
    async with db.connection() as conn:
        open_ = {
            r["f"]
            for r in await conn.fetch(
                "SELECT p.oid::regprocedure::text AS f FROM pg_proc p "
                "WHERE p.pronamespace = 'public'::regnamespace AND p.prosecdef AND p.prorettype <> 'trigger'::regtype "
                "AND has_function_privilege('opsdb_reader', p.oid, 'EXECUTE')"
            )
        }
    assert open_ == READER_MAY_RUN_AS_OWNER


async def test_what_a_reader_runs_as_the_owner_only_reads(db: Database, login_as: LoginAs) -> None:
    """The owner's functions open to readers are STABLE (PostgreSQL refuses a write inside one), and
    the deletion scan a reader runs as the owner changes nothing."""
    scene = await _scene(db)
    async with db.connection() as conn:
        volatility = {
            r["f"]: r["v"]
            for r in await conn.fetch(
                "SELECT p.oid::regprocedure::text AS f, p.provolatile::text AS v FROM pg_proc p "
                "WHERE p.pronamespace = 'public'::regnamespace AND p.proname = 'opsdb_deletion_scan'"
            )
        }
        before = await _digest(conn)
    assert volatility == {"opsdb_deletion_scan(bigint[],integer)": "s"}
    reader = await asyncpg.connect(await login_as(READER))
    try:
        await reader.fetch("SELECT * FROM opsdb_deletion_scan(NULL, 1000000)")
    finally:
        await reader.close()
    async with db.connection() as conn:
        assert await _digest(conn) == before
    assert scene is not None
