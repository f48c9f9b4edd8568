"""A wheel built from the repository carries the migrations and SQL, and applies them
without a checkout."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_contains_migrations_and_sql_and_migrates_from_install(tmp_path: Path, empty_dsn: str) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
    )
    (wheel,) = tmp_path.glob("opsdb-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        zf.extractall(tmp_path / "site")
    migrations = {p.name for p in (ROOT / "migrations").glob("*.sql")}
    sql = {p.name for p in (ROOT / "sql").glob("*.sql")}
    assert {f"opsdb/migrations/{n}" for n in migrations} <= names
    assert {f"opsdb/sql/{n}" for n in sql} <= names
    assert "opsdb/py.typed" in names

    script = (
        "import sys, opsdb, opsdb.migrate as m, opsdb.resources as r;"
        "assert r.migrations_dir().is_relative_to(sys.argv[2]), r.migrations_dir();"
        "print(len(m.apply(sys.argv[1])))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, empty_dsn, str(tmp_path / "site")],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PYTHONPATH": str(tmp_path / "site"), "PATH": "/usr/bin:/bin"},
    )
    assert int(result.stdout.strip()) == len(migrations) // 2
    with psycopg.connect(empty_dsn) as conn:
        assert conn.execute("SELECT to_regclass('public.raw_data_file') IS NOT NULL").fetchone() == (True,)
