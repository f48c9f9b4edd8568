"""Listing, showing, executions, users and roles from the shell (subprocesses, outputs and exit codes)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_flows import manifest_rows, seed_ccat, start_execution, write_jsonl
from tests_support import run_cli


@pytest.fixture
def env(database_dsn: str) -> dict[str, str]:
    env = {"OPSDB_DSN": database_dsn}
    seed_ccat(env)
    return env


def test_executions_start_finish_list_show(env: dict[str, str]) -> None:
    first = start_execution(env, "GEco-Orion-CHAI")
    start_execution(env, "Cal-Jupiter-PrimeCam")
    finished = run_cli("executions", "finish", first, "--status", "completed", "--notes", "clear sky", env=env)
    assert finished.returncode == 0, finished.stderr
    running = json.loads(run_cli("executions", "list", "--status", "running", "--json", env=env).stdout)
    assert [r["obs_unit"] for r in running] == ["Cal-Jupiter-PrimeCam"]
    shown = json.loads(run_cli("executions", "show", first, "--json", env=env).stdout)
    assert shown["status"] == "completed" and "clear sky" in shown["notes"]
    table = run_cli("executions", "list", "--obs-unit", "GEco-Orion-CHAI", env=env)
    assert first in table.stdout and "completed" in table.stdout
    twice = run_cli("executions", "finish", first, "--status", "failed", env=env)
    assert twice.returncode == 1 and "Traceback" not in twice.stderr
    unknown = run_cli("executions", "start", "--obs-unit", "nope", env=env)
    assert unknown.returncode == 2 and "obs unit not found: nope" in unknown.stderr
    bad_time = run_cli("executions", "list", "--since", "yesterday", env=env)
    assert bad_time.returncode == 2 and "ISO 8601" in bad_time.stderr


def test_files_packages_copies_and_locations(env: dict[str, str], tmp_path: Path) -> None:
    execution = start_execution(env)
    manifest = write_jsonl(tmp_path / "m.jsonl", manifest_rows(execution, 3))
    assert run_cli("register", str(manifest), "--location", "ccat/chai_source", env=env).returncode == 0
    files = json.loads(
        run_cli("files", "list", "--execution", execution, "--module", "CHAI/LFA", "--json", env=env).stdout
    )
    assert len(files) == 3 and {f["module"] for f in files} == {"CHAI/LFA"}
    page = json.loads(run_cli("files", "list", "--after", files[0]["id"], "--limit", "1", "--json", env=env).stdout)
    assert [f["id"] for f in page] == [files[1]["id"]]
    shown = json.loads(run_cli("files", "show", files[0]["id"], "--json", env=env).stdout)
    assert shown["id"] == files[0]["id"] and shown["relative_path"].startswith("2026/11/23/scan_")
    copies = json.loads(run_cli("copies", "file", files[0]["id"], "--json", env=env).stdout)
    assert [(c["site"], c["location"], c["status"]) for c in copies] == [("ccat", "chai_source", "present")]
    assert json.loads(run_cli("packages", "list", "--json", env=env).stdout) == []
    locations = json.loads(run_cli("locations", "--site", "cologne", "--json", env=env).stdout)
    assert {(r["name"], r["type"]) for r in locations} == {
        ("buffer", "disk"), ("processing", "disk"), ("long_term_archive", "tape")
    }  # fmt: skip
    bad_module = run_cli("files", "list", "--module", "CHAI/XXL", env=env)
    assert bad_module.returncode == 2 and "unknown module" in bad_module.stderr
    bad_id = run_cli("copies", "package", "abc", env=env)
    assert bad_id.returncode == 2 and "not a package id" in bad_id.stderr


def test_users_and_roles(env: dict[str, str]) -> None:
    created = run_cli("users", "create", "alice", "--email", "alice@example.org", "--role", "viewer", env=env)
    assert created.returncode == 0 and "created user alice" in created.stdout
    assert run_cli("roles", "create", "night_shift", env=env).returncode == 0
    assert "now has" in run_cli("roles", "permit", "night_shift", "claim:work", env=env).stdout
    assert "now has role night_shift" in run_cli("users", "grant", "alice", "night_shift", env=env).stdout
    shown = json.loads(run_cli("users", "show", "alice", "--json", env=env).stdout)
    assert shown["roles"] == ["night_shift", "viewer"] and "claim:work" in shown["permissions"]
    assert "inactive" in run_cli("users", "deactivate", "alice", env=env).stdout
    inactive = json.loads(run_cli("users", "list", "--inactive", "--json", env=env).stdout)
    assert [u["username"] for u in inactive] == ["alice"]
    roles = json.loads(run_cli("roles", "list", "--json", env=env).stdout)
    assert next(r for r in roles if r["name"] == "night_shift")["users"] == 1
    duplicate = run_cli("users", "create", "alice", env=env)
    assert duplicate.returncode == 1 and "already exists" in duplicate.stderr
    bad = run_cli("users", "create", "Bad Name", env=env)
    assert bad.returncode == 2 and "username" in bad.stderr
    missing = run_cli("users", "grant", "bob", "viewer", env=env)
    assert missing.returncode == 2 and "user not found: bob" in missing.stderr
