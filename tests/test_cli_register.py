"""`opsdb register` as an instrument engineer drives it: manifests, reports, exit codes."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from tests_support import run_cli

from opsdb.db import Database
from opsdb.testing import Seeded, file_records, seed_registration

pytestmark = pytest.mark.anyio


@pytest.fixture
async def seeded(db: Database) -> Seeded:
    async with db.connection() as conn:
        return await seed_registration(conn, modules=2, units=2)


def _manifest_rows(seeded: Seeded, count: int) -> list[dict[str, Any]]:
    rows = []
    for record in file_records(seeded, count):
        record = dict(record)
        record["module"] = f"CHAI/{['LFA', 'HFA'][seeded.modules.index(record.pop('instrument_module_id'))]}"
        record["executed_obs_unit_id"] = str(record["executed_obs_unit_id"])
        record["file_created_at"] = record["file_created_at"].isoformat()  # type: ignore[union-attr]
        rows.append(record)
    return rows


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


async def _files(db: Database) -> int:
    async with db.connection() as conn:
        return int(await conn.fetchval("SELECT count(*) FROM raw_data_file"))


async def test_register_then_register_again_reports_new_then_present(
    db: Database, database_dsn: str, seeded: Seeded, tmp_path: Path
) -> None:
    manifest = _write_jsonl(tmp_path / "night.jsonl", _manifest_rows(seeded, 250))
    env = {"OPSDB_DSN": database_dsn}
    first = run_cli("register", str(manifest), "--location", "ccat/source", "--batch-size", "100", env=env)
    assert first.returncode == 0, first.stderr
    assert "250" in first.stdout
    assert await _files(db) == 250
    again = run_cli("register", str(manifest), "--location", "ccat/source", env=env)
    assert again.returncode == 0, again.stderr
    assert await _files(db) == 250
    row = next(line for line in again.stdout.splitlines() if "250" in line)
    assert row.split("│")[1].strip() == "0"  # new
    assert row.split("│")[2].strip() == "250"  # already present


async def test_a_conflicting_line_is_reported_by_line_number_and_exits_1(
    db: Database, database_dsn: str, seeded: Seeded, tmp_path: Path
) -> None:
    rows = _manifest_rows(seeded, 5)
    env = {"OPSDB_DSN": database_dsn}
    assert (
        run_cli(
            "register", str(_write_jsonl(tmp_path / "a.jsonl", rows)), "--location", "ccat/source", env=env
        ).returncode
        == 0
    )
    rows[3]["checksum"] = "f" * 16
    result = run_cli("register", str(_write_jsonl(tmp_path / "b.jsonl", rows)), "--location", "ccat/source", env=env)
    assert result.returncode == 1
    assert "Conflicts" in result.stdout and "checksum" in result.stdout
    conflict_row = next(line for line in result.stdout.splitlines() if "checksum" in line and "│" in line)
    assert conflict_row.split("│")[1].strip() == "4"  # the fourth line of the manifest


@pytest.mark.parametrize(
    ("line", "change", "field"),
    [
        (3, {"size_bytes": -1}, "size_bytes"),
        (2, {"checksum": "XYZ"}, "checksum"),
        (4, {"relative_path": "../escape.fits"}, "relative_path"),
        (1, {"module": "CHAI/nope"}, "module"),
    ],
)
async def test_a_bad_line_is_named_and_nothing_of_its_batch_is_written(
    db: Database, database_dsn: str, seeded: Seeded, tmp_path: Path, line: int, change: dict[str, Any], field: str
) -> None:
    rows = _manifest_rows(seeded, 5)
    rows[line - 1].update(change)
    result = run_cli(
        "register", str(_write_jsonl(tmp_path / "bad.jsonl", rows)), "--location", "ccat/source",
        env={"OPSDB_DSN": database_dsn},
    )  # fmt: skip
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"line {line}" in result.stderr and field in result.stderr
    assert await _files(db) == 0


async def test_invalid_json_names_the_line(db: Database, database_dsn: str, seeded: Seeded, tmp_path: Path) -> None:
    manifest = tmp_path / "broken.jsonl"
    manifest.write_text(json.dumps(_manifest_rows(seeded, 1)[0]) + "\n{not json\n")
    result = run_cli("register", str(manifest), "--location", "ccat/source", env={"OPSDB_DSN": database_dsn})
    assert result.returncode == 2
    assert "line 2" in result.stderr and "invalid JSON" in result.stderr


@pytest.mark.parametrize("bad", ["{not json\n", '{"size_bytes": -1}\n', "\udcff"], ids=["json", "field", "utf8"])
async def test_a_bad_line_mid_file_keeps_every_earlier_batch_and_says_so(
    db: Database, database_dsn: str, seeded: Seeded, tmp_path: Path, bad: str
) -> None:
    rows = _manifest_rows(seeded, 40)
    manifest = tmp_path / "mid.jsonl"
    text = "".join(json.dumps(r) + "\n" for r in rows[:30])
    if bad == "\udcff":
        manifest.write_bytes(text.encode() + b'{"name": "\xff"}\n')  # not UTF-8
    elif "size_bytes" in bad:
        manifest.write_text(text + json.dumps(dict(rows[30], size_bytes=-1)) + "\n")
    else:
        manifest.write_text(text + bad)
    result = run_cli(
        "register", str(manifest), "--location", "ccat/source", "--batch-size", "5", "--no-progress",
        env={"OPSDB_DSN": database_dsn},
    )  # fmt: skip
    assert result.returncode == 2, result.stdout + result.stderr
    assert "line 31" in result.stderr and "Traceback" not in result.stderr
    assert await _files(db) == 30  # every batch before the bad line, whatever kind of error
    assert "30 records of the batches before it are registered" in result.stderr


@pytest.mark.parametrize("option", [["--batch-size", "0"], ["--connections", "0"]])
async def test_nonsense_numbers_are_usage_errors(
    database_dsn: str, seeded: Seeded, tmp_path: Path, option: list[str]
) -> None:
    manifest = _write_jsonl(tmp_path / "ok.jsonl", _manifest_rows(seeded, 1))
    result = run_cli("register", str(manifest), "--location", "ccat/source", *option, env={"OPSDB_DSN": database_dsn})
    assert result.returncode == 2 and "must be at least 1" in result.stderr and "Traceback" not in result.stderr


async def test_a_csv_manifest_registers_like_json_lines(
    db: Database, database_dsn: str, seeded: Seeded, tmp_path: Path
) -> None:
    rows = _manifest_rows(seeded, 20)
    rows[0]["metadata"] = json.dumps({"scan": 1})
    manifest = tmp_path / "night.csv"
    with manifest.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=sorted({k for r in rows for k in r}))
        writer.writeheader()
        writer.writerows(rows)
    result = run_cli("register", str(manifest), "--location", "ccat/source", env={"OPSDB_DSN": database_dsn})
    assert result.returncode == 0, result.stderr
    assert await _files(db) == 20
    async with db.connection() as conn:
        assert await conn.fetchval("SELECT metadata FROM raw_data_file WHERE name = $1", rows[0]["name"]) == {"scan": 1}


async def test_an_unknown_location_exits_2_naming_it(database_dsn: str, seeded: Seeded, tmp_path: Path) -> None:
    manifest = _write_jsonl(tmp_path / "x.jsonl", _manifest_rows(seeded, 1))
    result = run_cli("register", str(manifest), "--location", "ccat/nowhere", env={"OPSDB_DSN": database_dsn})
    assert result.returncode == 2
    assert "location not found: ccat/nowhere" in result.stderr


async def test_status_counts_registered_copies_per_location(database_dsn: str, seeded: Seeded, tmp_path: Path) -> None:
    env = {"OPSDB_DSN": database_dsn}
    manifest = _write_jsonl(tmp_path / "n.jsonl", _manifest_rows(seeded, 30))
    assert run_cli("register", str(manifest), "--location", "ccat/source", env=env).returncode == 0
    result = run_cli("status", "--json", env=env)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    copies = [(c["site"], c["location"], c["type"], c["status"], c["n"]) for c in summary["copies"]]
    assert copies == [("ccat", "source", "raw_data_file", "present", 30)]
    backlog = {b["stage"]: b["n"] for b in summary["backlog"]}
    assert backlog["files not yet packaged"] == 30
    assert summary["failed"] == []
    table = run_cli("status", env=env)
    assert table.returncode == 0 and "Pipeline backlog" in table.stdout and "no failed items" in table.stdout
