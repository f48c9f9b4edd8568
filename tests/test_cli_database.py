"""One database for every command, said aloud; the local server without surprises (subprocesses)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from tests_support import local_env, run_cli, stop_local

from opsdb import migrate


@pytest.fixture
def local() -> object:
    env, folder = local_env()
    yield env
    stop_local(env, folder)


@pytest.mark.slow
def test_after_simulate_status_listings_and_reports_show_the_night(local: dict[str, str]) -> None:
    sim = run_cli("simulate", "--executions", "2", "--files-per-execution", "30", "--no-live", env=local)
    assert sim.returncode == 0, sim.stdout + sim.stderr
    assert "simulating in database opsdb" in sim.stderr
    status = run_cli("status", "--json", env=local)
    assert status.returncode == 0, status.stderr
    assert "database: opsdb on the local server" in status.stderr
    states = json.loads(status.stdout)["states"]
    assert {"item": "executed_obs_unit", "field": "status", "value": "completed", "n": 2} in states
    executions = run_cli("executions", "list", "--json", env=local)
    assert executions.returncode == 0 and len(json.loads(executions.stdout)) == 2
    risk = run_cli("report", "at-risk", env=local)
    assert risk.returncode == 0 and "nothing at risk" in risk.stdout
    space = json.loads(run_cli("report", "space", "--json", env=local).stdout)
    archived = [r for r in space["rows"] if r["location"] == "long_term_archive" and r["status"] == "present"]
    assert archived and all(r["copies"] > 0 and r["bytes"] > 0 for r in archived)
    # a second night replaces the first (the database is the simulation's own)
    again = run_cli("simulate", "--executions", "1", "--files-per-execution", "10", "--no-live", env=local)
    assert again.returncode == 0, again.stderr
    assert len(json.loads(run_cli("executions", "list", "--json", env=local).stdout)) == 1


def test_simulate_refuses_a_database_holding_other_data(database_dsn: str) -> None:
    env = {"OPSDB_DSN": database_dsn}
    assert run_cli("users", "create", "alice", env=env).returncode == 0
    result = run_cli("simulate", "--executions", "1", "--no-live", env=env)
    assert result.returncode == 2
    assert "holds data not made by `opsdb simulate`" in result.stderr and "--database" in result.stderr
    with psycopg.connect(database_dsn) as conn:
        assert conn.execute("SELECT count(*) FROM user_account").fetchone() == (1,)


def test_simulate_refuses_a_password_on_the_command_line(server_dsn: str) -> None:
    result = run_cli("simulate", "--dsn", "postgresql://ops:s3cret@127.0.0.1:1/x", "--no-live")
    assert result.returncode == 2
    assert "s3cret" not in result.stderr + result.stdout
    assert "PGPASSWORD" in result.stderr


def test_a_database_not_yet_migrated_is_one_line_and_exit_3(empty_dsn: str) -> None:
    for command in (["status"], ["executions", "list"], ["report", "queues"], ["work", "list"]):
        result = run_cli(*command, env={"OPSDB_DSN": empty_dsn})
        assert result.returncode == 3, (command, result.stderr)
        assert "not migrated" in result.stderr and "opsdb migrate apply" in result.stderr
        assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 2


def test_rollback_names_the_database_and_asks(database_dsn: str) -> None:
    before = migrate.status(database_dsn)
    result = run_cli("migrate", "rollback", "--all", env={"OPSDB_DSN": database_dsn})
    assert result.returncode == 2
    name = urlsplit(database_dsn).path.lstrip("/")
    assert name in result.stderr and "--yes" in result.stderr and "drops every table" in result.stderr
    assert migrate.status(database_dsn) == before


def test_db_reset_asks_first(local: dict[str, str]) -> None:
    assert run_cli("users", "create", "alice", env=local).returncode == 0
    refused = run_cli("db", "reset", env=local)
    assert refused.returncode == 2 and "--yes" in refused.stderr and local["OPSDB_DATA_DIR"] in refused.stderr
    assert "alice" in run_cli("users", "list", env=local).stdout
    assert run_cli("db", "reset", "--yes", env=local).returncode == 0
    assert "alice" not in run_cli("users", "list", env=local).stdout


def test_an_unwritable_data_folder_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = run_cli("status", env={"OPSDB_DATA_DIR": str(blocker / "sub")})
    assert result.returncode == 3, result.stderr
    assert "not writable" in result.stderr and "OPSDB_DATA_DIR" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_data_folder_too_long_for_a_socket_is_refused_not_moved_to_tmp() -> None:
    env, folder = local_env("x" * 120)
    try:
        result = run_cli("db", "up", env=env)
        assert result.returncode == 3 and "too long for a Unix socket" in result.stderr
    finally:
        stop_local(env, folder)


@pytest.mark.skipif(os.geteuid() != 0, reason="the wheel's side effects happen only as root")
def test_as_root_a_private_parent_is_refused_and_left_private() -> None:
    private = Path(tempfile.mkdtemp(prefix="opsdb-private-"))
    try:
        private.chmod(0o700)
        result = run_cli("db", "up", env={"OPSDB_DATA_DIR": str(private / "local")})
        assert result.returncode == 3
        assert "changes no permissions" in result.stderr and str(private) in result.stderr
        assert private.stat().st_mode & 0o777 == 0o700
    finally:
        subprocess.run(["rm", "-rf", str(private)], check=False)


def test_a_stale_lock_naming_a_reused_pid_is_not_a_running_server(local: dict[str, str]) -> None:
    assert run_cli("db", "up", env=local).returncode == 0
    assert "stopped" in run_cli("db", "down", env=local).stdout
    pgdata = Path(local["OPSDB_DATA_DIR"]) / "pgdata"
    impostor = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (pgdata / "postmaster.pid").write_text(f"{impostor.pid}\n{pgdata}\n")
        down = run_cli("db", "down", env=local)
        assert down.returncode == 0 and "was not running" in down.stdout
        up = run_cli("db", "up", env=local)
        assert up.returncode == 0, up.stderr
        assert impostor.poll() is None  # never signalled
    finally:
        impostor.kill()


def test_two_first_time_commands_at_once_both_work() -> None:
    env, folder = local_env()
    try:
        base = {k: v for k, v in os.environ.items() if not k.startswith("OPSDB_")} | env | {"COLUMNS": "200"}
        procs = [
            subprocess.Popen([sys.executable, "-m", "opsdb.cli", *args], env=base, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
            for args in (["status"], ["users", "list"])
        ]  # fmt: skip
        for proc in procs:
            _out, err = proc.communicate(timeout=300)
            assert proc.returncode == 0, err
            assert "Traceback" not in err
    finally:
        stop_local(env, folder)
