"""`opsdb seed` as an operator drives it: the CCAT example, idempotence, errors naming file, entry and field."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest
from cli_flows import EXAMPLE, manifest_rows, seed_ccat, start_execution, write_jsonl
from tests_support import run_cli

from opsdb.db import Database
from opsdb.simulate import seed_observatory

pytestmark = pytest.mark.anyio

_NAMES = """
SELECT 'observatory', name FROM observatory UNION ALL SELECT 'telescope', name FROM telescope
UNION ALL SELECT 'instrument', name FROM instrument
UNION ALL SELECT 'module', i.name || '/' || m.name FROM instrument_module m JOIN instrument i ON i.id = m.instrument_id
UNION ALL SELECT 'site', short_name FROM site
UNION ALL SELECT 'location', s.short_name || '/' || l.name || '/' || l.type || '/' || l.location_type
          FROM data_location l JOIN site s ON s.id = l.site_id
UNION ALL SELECT 'route', name FROM data_transfer_route UNION ALL SELECT 'program', short_name FROM observing_program
UNION ALL SELECT 'source', name || '/' || type FROM source UNION ALL SELECT 'obs_mode', name FROM obs_mode
UNION ALL SELECT 'obs_unit', name FROM obs_unit
"""


def _names(dsn: str) -> set[tuple[str, str]]:
    with psycopg.connect(dsn) as conn:
        return {(str(a), str(b)) for a, b in conn.execute(_NAMES).fetchall()}


async def test_the_ccat_example_is_what_the_simulation_seeds(database_dsn: str, empty_dsn: str) -> None:
    from opsdb import migrate

    assert run_cli("seed", str(EXAMPLE), env={"OPSDB_DSN": database_dsn}).returncode == 0
    migrate.apply(empty_dsn)
    async with await Database.connect(empty_dsn, max_size=1) as db:
        await seed_observatory(db)
    assert _names(database_dsn) == _names(empty_dsn)


def test_seeding_twice_changes_nothing_and_register_works_on_it(database_dsn: str, tmp_path: Path) -> None:
    env = {"OPSDB_DSN": database_dsn}
    seed_ccat(env)
    again = run_cli("seed", str(EXAMPLE), "--json", env=env)
    assert again.returncode == 0, again.stderr
    report = json.loads(again.stdout)
    assert report["created"] == {} and report["unchanged"]["location"] == 8
    execution = start_execution(env)
    manifest = write_jsonl(tmp_path / "night.jsonl", manifest_rows(execution, 20))
    registered = run_cli("register", str(manifest), "--location", "ccat/chai_source", env=env)
    assert registered.returncode == 0, registered.stderr
    assert "20" in registered.stdout
    with psycopg.connect(database_dsn) as conn:
        assert conn.execute("SELECT count(*) FROM raw_data_file").fetchone() == (20,)


def test_a_bad_entry_is_named_with_file_entry_and_field_and_nothing_is_written(
    database_dsn: str, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[[site]]\nshort_name = "atacama"\nname = "A"\n\n  [[site.storage]]\n  name = "buf"\n'
        '  location_type = "buffer"\n  type = "disk"\n  host = "h"\n  root_path = "relative/path"\n\n'
        '[[telescope]]\nobservatory = "Nowhere"\nname = "T"\n'
    )
    result = run_cli("seed", str(bad), env={"OPSDB_DSN": database_dsn})
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert str(bad) in result.stderr
    assert "site #1 (atacama) storage #1 (buf): root_path" in result.stderr
    assert "telescope #1 (T): observatory: no observatory named 'Nowhere'" in result.stderr
    with psycopg.connect(database_dsn) as conn:
        assert conn.execute("SELECT count(*) FROM site").fetchone() == (0,)


def test_a_changed_entry_is_a_conflict_not_an_update(database_dsn: str, tmp_path: Path) -> None:
    env = {"OPSDB_DSN": database_dsn}
    seed_ccat(env)
    changed = tmp_path / "changed.toml"
    changed.write_text(EXAMPLE.read_text().replace('host = "chai-daq"', 'host = "new-daq"'))
    result = run_cli("seed", str(changed), env=env)
    assert result.returncode == 2
    assert "chai_source" in result.stderr and "host: already stored with 'chai-daq'" in result.stderr


@pytest.mark.parametrize(
    ("text", "expected"),
    [("[[site]\n", "invalid TOML"), ("[[planet]]\nname = 'x'\n", "planet: unknown section")],
)
def test_unreadable_or_unknown_files_are_one_clear_error(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "x.toml"
    path.write_text(text)
    result = run_cli("seed", str(path), env={"OPSDB_DSN": "postgresql://nobody@127.0.0.1:1/none"})
    assert result.returncode == 2 and expected in result.stderr and "Traceback" not in result.stderr
