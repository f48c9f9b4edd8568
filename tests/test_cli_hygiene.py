"""No tracebacks, no surprises: the command line's small promises, each driven as a user would."""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from cli_flows import manifest_rows, seed_ccat, start_execution, write_jsonl
from tests_support import run_cli

from opsdb.cli import build_parser


def test_version() -> None:
    result = run_cli("--version")
    assert result.returncode == 0 and re.fullmatch(r"opsdb \d+\.\d+\.\d+\s*", result.stdout)


def _parsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    found = [parser]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in dict.fromkeys(action.choices.values()):
                found += _parsers(sub)
    return found


def test_every_help_has_examples_and_help_is_fast() -> None:
    for parser in _parsers(build_parser()):
        assert parser.epilog and "examples:" in parser.epilog, parser.prog
    started = time.perf_counter()
    result = run_cli("--help")
    elapsed = time.perf_counter() - started
    assert result.returncode == 0 and "examples:" in result.stdout and "exit codes" in result.stdout
    assert elapsed < 1.5, f"--help took {elapsed:.2f} s"
    probe = subprocess.run(
        [sys.executable, "-c", "import sys, opsdb.cli; opsdb.cli.build_parser(); print(sorted(sys.modules))"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    for heavy in ("asyncpg", "pydantic", "rich", "psycopg", "yoyo"):
        assert f"'{heavy}'" not in probe.stdout, f"--help imports {heavy}"


def test_shell_completion_offers_commands(tmp_path: Path) -> None:
    out = tmp_path / "completions"
    line = "opsdb rep"
    result = run_cli(
        env={
            "_ARGCOMPLETE": "1",
            "COMP_LINE": line,
            "COMP_POINT": str(len(line)),
            "_ARGCOMPLETE_STDOUT_FILENAME": str(out),
        }
    )
    assert result.returncode == 0, result.stderr
    assert "report" in out.read_text()


def test_a_scope_outside_the_permissions_is_refused(database_dsn: str) -> None:
    result = run_cli(
        "token", "create", "--user", "ann", "--name", "x", "--scope", "fly:plane", "--create-user",
        env={"OPSDB_DSN": database_dsn},
    )  # fmt: skip
    assert result.returncode == 2 and "fly:plane" in result.stderr and "covers no permission" in result.stderr
    with psycopg.connect(database_dsn) as conn:
        assert conn.execute("SELECT count(*) FROM api_token").fetchone() == (0,)


@pytest.fixture
def ccat(database_dsn: str) -> tuple[dict[str, str], str]:
    env = {"OPSDB_DSN": database_dsn}
    seed_ccat(env)
    return env, start_execution(env)


def test_markup_in_user_data_is_printed_as_is_and_the_conflict_report_survives(
    ccat: tuple[dict[str, str], str], tmp_path: Path
) -> None:
    env, execution = ccat
    rows = manifest_rows(execution, 2, prefix="[/x][bold]odd")
    manifest = write_jsonl(tmp_path / "m.jsonl", rows)
    assert run_cli("register", str(manifest), "--location", "ccat/chai_source", env=env).returncode == 0
    rows[1]["size_bytes"] += 1
    changed = write_jsonl(tmp_path / "changed.jsonl", rows)
    result = run_cli("register", str(changed), "--location", "ccat/chai_source", env=env)
    assert result.returncode == 1, result.stderr
    assert "[/x][bold]odd_1.fits" in result.stdout and "Traceback" not in result.stderr
    listed = run_cli("files", "list", "--execution", execution, env=env)
    assert "[/x][bold]odd_0.fits" in listed.stdout


def test_a_bad_line_does_not_hide_an_earlier_conflict(ccat: tuple[dict[str, str], str], tmp_path: Path) -> None:
    env, execution = ccat
    rows = manifest_rows(execution, 4)
    write_jsonl(tmp_path / "first.jsonl", rows[:1])
    assert run_cli("register", str(tmp_path / "first.jsonl"), "--location", "ccat/chai_source", env=env).returncode == 0
    rows[0]["checksum"] = "f" * 64
    lines = [*rows[:3], "{not json"]
    manifest = write_jsonl(tmp_path / "m.jsonl", lines)
    result = run_cli("register", str(manifest), "--location", "ccat/chai_source", "--batch-size", "3", env=env)
    assert result.returncode == 2
    assert "Conflicts" in result.stdout and "scan_0.fits" in result.stdout
    assert "line 4" in result.stderr and "invalid JSON" in result.stderr


def test_check_validates_everything_and_writes_nothing(ccat: tuple[dict[str, str], str], tmp_path: Path) -> None:
    env, execution = ccat
    rows = manifest_rows(execution, 3)
    write_jsonl(tmp_path / "first.jsonl", rows[:1])
    assert run_cli("register", str(tmp_path / "first.jsonl"), "--location", "ccat/chai_source", env=env).returncode == 0
    rows[0]["size_bytes"] = 1
    manifest = write_jsonl(tmp_path / "m.jsonl", rows)
    result = run_cli("register", str(manifest), "--location", "ccat/chai_source", "--check", env=env)
    assert result.returncode == 1 and "checked only: nothing was written" in result.stderr
    assert "scan_0.fits" in result.stdout
    with psycopg.connect(env["OPSDB_DSN"]) as conn:
        assert conn.execute("SELECT count(*) FROM raw_data_file").fetchone() == (1,)
        assert conn.execute("SELECT count(*) FROM physical_copy").fetchone() == (1,)


def test_metadata_nested_1000_deep_is_one_line(ccat: tuple[dict[str, str], str], tmp_path: Path) -> None:
    env, execution = ccat
    row = manifest_rows(execution, 1)[0]
    deep = json.dumps(row)[:-1] + ', "metadata": ' + '{"a": ' * 1000 + "1" + "}" * 1000 + "}"
    manifest = write_jsonl(tmp_path / "deep.jsonl", [deep])
    result = run_cli("register", str(manifest), "--location", "ccat/chai_source", env=env)
    assert result.returncode == 2 and "line 1" in result.stderr and "nested deeper" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_csv_field_over_128_kib_is_a_line_error_not_a_traceback(
    ccat: tuple[dict[str, str], str], tmp_path: Path
) -> None:
    env, execution = ccat
    row = manifest_rows(execution, 1)[0]
    row["name"] = "x" * 200_000
    path = tmp_path / "big.csv"
    header = list(row)
    path.write_text(",".join(header) + "\n" + ",".join(str(row[k]) for k in header) + "\n")
    result = run_cli("register", str(path), "--location", "ccat/chai_source", env=env)
    assert result.returncode == 2 and "line 2" in result.stderr and "name" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_unknown_location_is_bad_input_in_human_words(ccat: tuple[dict[str, str], str], tmp_path: Path) -> None:
    env, execution = ccat
    manifest = write_jsonl(tmp_path / "m.jsonl", manifest_rows(execution, 1))
    result = run_cli("register", str(manifest), "--location", "ccat/nowhere", env=env)
    assert result.returncode == 2 and "location not found: ccat/nowhere" in result.stderr
    assert "data_location" not in result.stderr


def test_tables_are_not_cut_at_80_columns(ccat: tuple[dict[str, str], str]) -> None:
    env, _execution = ccat
    base = {k: v for k, v in os.environ.items() if not k.startswith("OPSDB_") and k != "COLUMNS"} | env
    result = subprocess.run(
        [sys.executable, "-m", "opsdb.cli", "locations"], capture_output=True, text=True, env=base, check=False
    )
    assert result.returncode == 0
    assert "primecam-daq:/data/primecam_source" in result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) > 80


def test_log_json_emits_structured_lines(ccat: tuple[dict[str, str], str], tmp_path: Path) -> None:
    env, execution = ccat
    manifest = write_jsonl(tmp_path / "m.jsonl", manifest_rows(execution, 5))
    result = run_cli(
        "register", str(manifest), "--location", "ccat/chai_source", "--no-progress", "--log-json", env=env
    )
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    batch = [r for r in records if r["logger"] == "opsdb.registration"]
    assert batch and batch[0]["batch"] == 0 and batch[0]["count"] == 5 and batch[0]["location"] == "ccat/chai_source"


def test_ctrl_c_says_what_committed(ccat: tuple[dict[str, str], str], tmp_path: Path) -> None:
    env, execution = ccat
    manifest = write_jsonl(tmp_path / "big.jsonl", manifest_rows(execution, 60_000))
    base = {k: v for k, v in os.environ.items() if not k.startswith("OPSDB_")} | env
    proc = subprocess.Popen(
        [sys.executable, "-m", "opsdb.cli", "register", str(manifest), "--location", "ccat/chai_source",
         "--batch-size", "500", "--connections", "1", "--no-progress"],
        env=base, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    # prepare_threshold=None: no server-side prepared statements (the pooled CI run goes through PgBouncer)
    with psycopg.connect(env["OPSDB_DSN"], autocommit=True, prepare_threshold=None) as conn:
        deadline = time.monotonic() + 60
        while conn.execute("SELECT count(*) FROM raw_data_file").fetchone() == (0,) and time.monotonic() < deadline:
            time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "Warning" not in err
    said = re.search(r"interrupted: (\d+) records in committed batches are registered", err)
    assert said, err
    with psycopg.connect(env["OPSDB_DSN"], prepare_threshold=None) as conn:
        stored = conn.execute("SELECT count(*) FROM raw_data_file").fetchone()
    assert stored is not None and stored[0] >= int(said.group(1)) > 0
