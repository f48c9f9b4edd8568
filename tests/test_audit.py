"""The audit trail (state_history): every state change of the guarded tables is recorded with
time, from -> to, role, login, application, worker and claim; nobody but a superuser can
change or remove it; `opsdb.history.item_history` and `opsdb history` read it."""

from __future__ import annotations

import json
import os

import asyncpg
import pytest
from tests_support import run_cli

from opsdb import pipeline, work
from opsdb.db import Connection, Database
from opsdb.errors import InputValidationError, PrivilegeError
from opsdb.history import HistoryEntry, claim_ref, history_check, item_history
from opsdb.registration import register_files
from opsdb.simulate import history_invariant
from opsdb.testing import add_packages, file_records, repair, seed_registration
from opsdb.testing import build_world as _world
from opsdb.work import WorkKind
from tests import roles_support
from tests.roles_support import LoginAs

pytestmark = pytest.mark.anyio
login_as = roles_support.login_as  # the fixture

BUILD = WorkKind.RAW_DATA_PACKAGE_BUILD
DELETION = WorkKind.PHYSICAL_COPY_DELETION
CHECKSUM = {"size_bytes": 10, "checksum": "c" * 64, "checksum_algorithm": "sha256"}


async def _changes(conn: Connection, table: str, item: object) -> list[tuple[str, str | None, str]]:
    return [(e.column_name, e.from_state, e.to_state) for e in await item_history(conn, table, item)]


async def test_claim_completion_failure_and_reset_are_recorded_with_worker_and_claim(db: Database) -> None:
    world = await _world(db)
    async with db.connection() as conn:
        ok, bad = await add_packages(conn, world, 2)
        await conn.execute("UPDATE raw_data_package SET max_attempts = 1 WHERE id = $1", bad)
        claims = {c.item_id: c for c in await work.claim(conn, BUILD, "packer@ccat", limit=2)}
        await work.complete(conn, claims[ok], **CHECKSUM)
        await work.fail(conn, claims[bad], "tar failed")
        await work.reset(conn, BUILD, bad)
        done = await item_history(conn, "raw_data_package", ok)
        failed = await item_history(conn, "package", bad)
    # created rows are owner-loaded in their state; then claim -> complete
    assert [(e.column_name, e.from_state, e.to_state) for e in done] == [
        ("status", None, "pending"),
        ("state", None, "waiting"),
        ("status", "pending", "in_progress"),
        ("status", "in_progress", "completed"),
    ]
    claim, completion = done[2], done[3]
    assert claim.claimed_by == completion.claimed_by == "packer@ccat"
    assert claim.claim_ref == completion.claim_ref == claim_ref(claims[ok].token)
    assert [(e.from_state, e.to_state) for e in failed if e.column_name == "status"] == [
        (None, "pending"),
        ("pending", "in_progress"),
        ("in_progress", "failed"),
        ("failed", "pending"),
    ]
    # the failure keeps the worker and claim that failed (the row's token is cleared)
    assert failed[3].claimed_by == "packer@ccat" and failed[3].claim_ref == claim_ref(claims[bad].token)
    assert failed[4].claim_ref is None  # an operator's reset holds no claim
    assert all(e.changed_at is not None and e.db_role and e.session_role for e in done + failed)


async def test_a_lease_takeover_is_recorded_as_a_change_of_hands(db: Database) -> None:
    world = await _world(db)
    async with db.connection() as conn:
        (package,) = await add_packages(conn, world, 1)
        (first,) = await work.claim(conn, BUILD, "slow")
        await conn.execute(
            "UPDATE raw_data_package SET lease_until = now() - interval '1 s', next_attempt_at = now() - interval '1 s'"
        )
        (second,) = await work.claim(conn, BUILD, "fast")
        history = await item_history(conn, "raw_data_package", package)
    takeover = history[-1]
    assert (takeover.from_state, takeover.to_state, takeover.claimed_by) == ("in_progress", "in_progress", "fast")
    assert takeover.claim_ref == claim_ref(second.token) != claim_ref(first.token)


async def test_deletion_is_recorded_step_by_step(db: Database) -> None:
    world = await _world(db)
    async with db.connection() as conn:
        (package,) = await add_packages(conn, world, 1, status="completed", state="archived")
        await conn.execute(
            "INSERT INTO physical_copy (type, raw_data_package_id, data_location_id, checksum_verified_at) "
            "VALUES ('raw_data_package', $1, $2, now())",
            package,
            world.locations["cologne_lta"],
        )
        copy = await conn.fetchval(
            "INSERT INTO physical_copy (type, raw_data_package_id, data_location_id) "
            "VALUES ('raw_data_package', $1, $2) RETURNING id",
            package,
            world.locations["ccat_buffer"],
        )
        assert await pipeline.schedule_deletions(conn) == [copy]
        (c,) = await pipeline.claim_deletions(conn, "deleter@ccat")
        await work.complete(conn, c)
        assert await _changes(conn, "copy", copy) == [
            ("status", None, "present"),
            ("status", "present", "deletion_scheduled"),
            ("status", "deletion_scheduled", "deletion_in_progress"),
            ("status", "deletion_in_progress", "deleted"),
        ]


async def test_registration_records_one_row_per_new_copy(db: Database) -> None:
    async with db.connection() as conn:
        seeded = await seed_registration(conn, modules=2, units=2)
        records = file_records(seeded, 500)
        report = await register_files(conn, seeded.location, records, batch_size=200)
        assert report.new == 500
        # re-sending changes nothing and records nothing
        before = await conn.fetchval("SELECT count(*) FROM state_history")
        await register_files(conn, seeded.location, records, batch_size=200)
        after = await conn.fetchval("SELECT count(*) FROM state_history")
        rows = await conn.fetch(
            "SELECT h.from_state, h.to_state, count(*) AS n FROM state_history h "
            "JOIN physical_copy c ON h.table_name = 'physical_copy' AND h.item_id = c.id::text "
            "WHERE c.type = 'raw_data_file' GROUP BY 1, 2"
        )
        check = await history_check(conn)
    assert [(r["from_state"], r["to_state"], r["n"]) for r in rows] == [(None, "present", 500)]
    assert before == after
    assert check.ok, check


async def test_role_login_and_application_name_are_recorded(db: Database, login_as: LoginAs) -> None:
    world = await _world(db)
    async with db.connection() as conn:
        (package,) = await add_packages(conn, world, 1)
    dsn = await login_as("opsdb_writer")
    login = dsn.split("//")[1].split("@")[0]
    raw = await asyncpg.connect(dsn, server_settings={"application_name": "packer-daemon"})
    try:
        await raw.execute(
            "UPDATE raw_data_package SET status = 'failed', last_error = 'by hand' WHERE id = $1", package
        )
        # SET ROLE: the statement's role is recorded, the login beside it
        await raw.execute("SET ROLE opsdb_writer")
        await raw.execute("UPDATE raw_data_package SET status = 'pending' WHERE id = $1", package)
    finally:
        await raw.close()
    async with db.connection() as conn:
        by_hand, reset = (await item_history(conn, "raw_data_package", package))[-2:]
    assert (by_hand.db_role, by_hand.session_role, by_hand.application_name) == (login, login, "packer-daemon")
    assert (reset.db_role, reset.session_role) == ("opsdb_writer", login)
    assert not by_hand.repair


async def test_history_is_append_only_for_every_role_but_a_superuser(db: Database, login_as: LoginAs) -> None:
    world = await _world(db)
    async with db.connection() as conn:
        await add_packages(conn, world, 1)
        rows = await conn.fetchval("SELECT count(*) FROM state_history")
    for group in ("opsdb_writer", "opsdb_reader", "opsdb_access_admin"):
        raw = await asyncpg.connect(await login_as(group))
        try:
            assert await raw.fetchval("SELECT count(*) FROM state_history") == rows  # readable
            for statement in (
                "UPDATE state_history SET to_state = 'archived'",
                "DELETE FROM state_history",
                "TRUNCATE state_history",
                "INSERT INTO state_history (table_name, item_id, column_name, to_state, db_role, session_role) "
                "VALUES ('raw_data_package', '1', 'state', 'archived', 'x', 'x')",
                "ALTER TABLE state_history DISABLE TRIGGER ALL",
            ):
                with pytest.raises(asyncpg.InsufficientPrivilegeError):
                    await raw.execute(statement)
        finally:
            await raw.close()
    # an owner that is no superuser is refused by the trigger as well
    async with db.connection() as conn:
        owner = f"opsdb_t_owner_{os.getpid()}"
        await conn.execute(f"CREATE ROLE {owner} NOLOGIN")
        await conn.execute(f"GRANT USAGE ON SCHEMA public TO {owner}")  # PUBLIC has none (migration 0017)
        try:
            await conn.execute(f"ALTER TABLE state_history OWNER TO {owner}")
            async with conn.transaction():
                await conn.execute(f"SET LOCAL ROLE {owner}")
                for statement in ("UPDATE state_history SET to_state = 'x'", "DELETE FROM state_history"):
                    with pytest.raises(PrivilegeError, match="append-only"):
                        async with conn.transaction():
                            await conn.execute(statement)
        finally:
            await conn.execute("ALTER TABLE state_history OWNER TO CURRENT_USER")
            await conn.execute(f"REVOKE USAGE ON SCHEMA public FROM {owner}")
            await conn.execute(f"DROP ROLE {owner}")
        assert await conn.fetchval("SELECT count(*) FROM state_history") == rows


async def test_an_owners_repair_is_flagged_and_a_writer_cannot_repair(db: Database, login_as: LoginAs) -> None:
    world = await _world(db)
    async with db.connection() as conn:
        (package,) = await add_packages(conn, world, 1, status="completed", state="archived")
        await repair(conn, "UPDATE raw_data_package SET state = 'waiting' WHERE id = $1", package)
        (entry,) = [e for e in await item_history(conn, "raw_data_package", package) if e.from_state == "archived"]
    assert entry.repair and entry.to_state == "waiting"
    raw = await asyncpg.connect(await login_as("opsdb_writer"))
    try:
        async with raw.transaction():
            await raw.execute("SELECT set_config('opsdb.repair', 'on', true)")
            await raw.execute("UPDATE raw_data_package SET state = 'archived' WHERE id = $1", package)
            with pytest.raises(asyncpg.PostgresError, match="archived -> failed is not an allowed transition"):
                await raw.execute("UPDATE raw_data_package SET state = 'failed' WHERE id = $1", package)
    finally:
        await raw.close()


async def test_item_history_pages_by_id_and_refuses_bad_input(db: Database) -> None:
    world = await _world(db)
    async with db.connection() as conn:
        (package,) = await add_packages(conn, world, 1)
        await work.claim(conn, BUILD, "w")
        first = await item_history(conn, "raw_data_package_build", package, limit=2)
        rest = await item_history(conn, "raw_data_package", package, after_id=first[-1].id)
        plan = "\n".join(
            r[0]
            for r in await conn.fetch(
                "EXPLAIN SELECT * FROM state_history WHERE table_name = 'raw_data_package' AND item_id = '1' "
                "AND id > 0 ORDER BY id LIMIT 100"
            )
        )
        with pytest.raises(InputValidationError, match="unknown table"):
            await item_history(conn, "raw_data_file", package)
        with pytest.raises(InputValidationError, match="whole number"):
            await item_history(conn, "raw_data_package", "1; DROP TABLE x")
        assert await item_history(conn, "execution", world.execution_id) != []
    assert len(first) == 2 and [e.to_state for e in rest] == ["in_progress"]
    assert "state_history_item_idx" in plan


async def test_cli_shows_an_items_history(db: Database, database_dsn: str) -> None:
    world = await _world(db)
    async with db.connection() as conn:
        (package,) = await add_packages(conn, world, 1)
    env = {"OPSDB_DSN": database_dsn}
    shown = run_cli("history", "package", str(package), "--json", env=env)
    assert shown.returncode == 0, shown.stderr
    assert [e["to_state"] for e in json.loads(shown.stdout)] == ["pending", "waiting"]
    table = run_cli("history", "raw_data_package", str(package), env=env)
    assert table.returncode == 0 and "waiting" in table.stdout
    bad = run_cli("history", "nonsense", "1", env=env)
    assert bad.returncode == 2 and "unknown table" in bad.stderr and "Traceback" not in bad.stderr


async def test_simulation_invariant_finds_changes_history_missed(db: Database) -> None:
    world = await _world(db)
    async with db.connection() as conn:
        (package,) = await add_packages(conn, world, 1)
        assert (await history_invariant(conn)).ok
        # only a superuser can change a state without the guards (and their history)
        async with conn.transaction():
            await conn.execute("SET LOCAL session_replication_role = replica")
            await conn.execute("UPDATE raw_data_package SET state = 'failed' WHERE id = $1", package)
        result = await history_invariant(conn)
    assert not result.ok
    assert "1 disagreeing" in result.detail and f"raw_data_package {package} (state)" in result.detail


async def test_history_entry_fields_are_the_tables_columns(db: Database) -> None:
    async with db.connection() as conn:
        rows = await conn.fetch("SELECT column_name FROM information_schema.columns WHERE table_name = 'state_history'")
    assert {r["column_name"] for r in rows} == set(HistoryEntry.__dataclass_fields__)
