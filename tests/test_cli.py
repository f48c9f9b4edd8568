"""The command line as a user drives it: exit codes, outputs, an unreachable database."""

from __future__ import annotations

import psycopg
import pytest
from tests_support import local_env, run_cli, stop_local

from opsdb import migrate


def test_migrate_list_shows_every_migration_applied(database_dsn: str) -> None:
    result = run_cli("migrate", "list", env={"OPSDB_DSN": database_dsn})
    assert result.returncode == 0, result.stderr
    for state in migrate.status(database_dsn):
        assert state.id in result.stdout
    assert " no " not in result.stdout


def test_migrate_rollback_then_apply_round_trip(empty_dsn: str) -> None:
    env = {"OPSDB_DSN": empty_dsn}
    assert run_cli("migrate", "apply", env=env).returncode == 0
    last = migrate.status(empty_dsn)[-1].id
    rolled = run_cli("migrate", "rollback", "--yes", env=env)
    assert rolled.returncode == 0 and last in rolled.stdout
    assert migrate.status(empty_dsn)[-1].applied is False
    again = run_cli("migrate", "apply", env=env)
    assert again.returncode == 0 and last in again.stdout


@pytest.mark.parametrize("count", ["0", "-1", "x"])
def test_a_rollback_count_below_one_is_refused_before_touching_the_database(database_dsn: str, count: str) -> None:
    before = migrate.status(database_dsn)
    result = run_cli("migrate", "rollback", "--count", count, env={"OPSDB_DSN": database_dsn})
    assert result.returncode == 2 and "--count" in result.stderr
    assert migrate.status(database_dsn) == before


def test_unreachable_database_is_a_clear_error_without_the_password() -> None:
    result = run_cli("migrate", "list", env={"OPSDB_DSN": "postgresql://ops:hunter2@127.0.0.1:1/opsdb"})
    assert result.returncode == 3
    assert "cannot connect" in result.stderr
    assert "hunter2" not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


def test_usage_error_exits_2() -> None:
    result = run_cli("migrate", "sideways")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr


def test_local_database_up_dsn_down() -> None:
    env, folder = local_env()
    try:
        up = run_cli("db", "up", env=env)
        assert up.returncode == 0, up.stderr
        dsn = run_cli("db", "dsn", env=env).stdout.strip()
        with psycopg.connect(dsn) as conn:
            assert conn.execute("SELECT to_regclass('public.raw_data_file') IS NOT NULL").fetchone() == (True,)
        assert "stopped" in run_cli("db", "down", env=env).stdout
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(dsn, connect_timeout=2).close()
    finally:
        stop_local(env, folder)


def test_token_create_shows_plaintext_once_and_list_never_does(database_dsn: str) -> None:
    env = {"OPSDB_DSN": database_dsn}
    created = run_cli(
        "token", "create", "--user", "alice", "--name", "laptop", "--scope", "read:*", "--create-user", env=env
    )
    assert created.returncode == 0, created.stderr
    plaintext = created.stdout.strip()
    assert plaintext.startswith("ops_api_token_") and len(plaintext) > 40
    with psycopg.connect(database_dsn) as conn:
        stored = conn.execute("SELECT token_hash, prefix FROM api_token").fetchall()
    assert len(stored) == 1 and plaintext not in str(stored)

    listed = run_cli("token", "list", "--user", "alice", env=env)
    assert listed.returncode == 0 and "laptop" in listed.stdout
    assert plaintext not in listed.stdout and stored[0][0] not in listed.stdout

    token_id = str(_single_token_id(database_dsn))
    assert run_cli("token", "revoke", token_id, env=env).returncode == 0
    again = run_cli("token", "revoke", token_id, env=env)
    assert again.returncode == 1 and "not allowed" in again.stderr


def test_token_for_unknown_user_is_refused_without_create_user(database_dsn: str) -> None:
    result = run_cli(
        "token", "create", "--user", "bob", "--name", "x", "--scope", "read:*", env={"OPSDB_DSN": database_dsn}
    )
    assert result.returncode == 2  # unknown names are bad input
    assert "user not found: bob" in result.stderr and "user_account" not in result.stderr


def test_token_bad_scope_names_the_field(database_dsn: str) -> None:
    result = run_cli(
        "token", "create", "--user", "carol", "--name", "x", "--scope", "DROP TABLE", "--create-user",
        env={"OPSDB_DSN": database_dsn},
    )  # fmt: skip
    assert result.returncode == 2
    assert "--scope" in result.stderr and "DROP TABLE" in result.stderr


def _single_token_id(dsn: str) -> int:
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT id FROM api_token").fetchone()
    assert row is not None
    return int(row[0])


@pytest.mark.parametrize("days", ["nan", "-1", "0", "1e9", "soon"])
def test_a_token_expiry_that_is_no_sensible_number_of_days_is_a_usage_error(database_dsn: str, days: str) -> None:
    result = run_cli(
        "token", "create", "--user", "dave", "--name", "x", "--scope", "read:*", "--create-user",
        "--expires-in-days", days, env={"OPSDB_DSN": database_dsn},
    )  # fmt: skip
    assert result.returncode == 2 and "--expires-in-days" in result.stderr and "Traceback" not in result.stderr
