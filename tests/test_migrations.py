"""Migrations: plain `yoyo apply` builds the whole schema, rollback removes it, apply again
works; opsdb's programmatic apply is safe when two deploys race."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import psycopg
import pytest

from opsdb import migrate
from opsdb.config import yoyo_url
from opsdb.resources import migrations_dir

# Every table of the domain reference (shared/domain.md), by the names chosen in docs/schema.md.
DOMAIN_TABLES = {
    "observatory", "telescope", "instrument", "instrument_module", "instrument_module_configuration",
    "observation_configuration", "observing_program", "sub_observing_program", "source", "obs_mode",
    "obs_unit", "obs_unit_instrument_module_configuration", "executed_obs_unit", "raw_data_file",
    "raw_data_package", "raw_data_package_metadata", "data_transfer_package", "physical_copy", "site",
    "data_location", "data_transfer_route", "data_transfer", "data_transfer_log",
    "long_term_archive_transfer", "staging_job", "staging_job_package", "user_account", "role",
    "permission", "user_role", "role_permission", "api_token",
}  # fmt: skip
YOYO_TABLES = {"_yoyo_log", "_yoyo_migration", "_yoyo_version", "yoyo_lock"}


def _tables(dsn: str) -> set[str]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
        return {r[0] for r in rows}


def _functions(dsn: str) -> set[str]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'"
        )
        return {r[0] for r in rows}


def _yoyo(*args: str, dsn: str) -> None:
    yoyo = Path(sys.executable).with_name("yoyo")
    subprocess.run(
        [str(yoyo), *args, "--batch", "--database", yoyo_url(dsn), str(migrations_dir())],
        check=True,
        capture_output=True,
        text=True,
    )


def test_plain_yoyo_apply_rollback_apply_cycle(empty_dsn: str) -> None:
    _yoyo("apply", dsn=empty_dsn)
    assert _tables(empty_dsn) >= DOMAIN_TABLES

    _yoyo("rollback", "--all", dsn=empty_dsn)
    assert _tables(empty_dsn) <= YOYO_TABLES
    assert not any(name.startswith("opsdb_") for name in _functions(empty_dsn))

    _yoyo("apply", dsn=empty_dsn)
    assert _tables(empty_dsn) >= DOMAIN_TABLES


def test_every_migration_has_a_rollback() -> None:
    forward = [p for p in migrations_dir().glob("*.sql") if not p.name.endswith(".rollback.sql")]
    assert forward
    missing = [p.name for p in forward if not p.with_name(p.stem + ".rollback.sql").exists()]
    assert missing == []


def test_programmatic_apply_reports_and_is_idempotent(empty_dsn: str) -> None:
    applied = migrate.apply(empty_dsn)
    assert applied == [m.id for m in migrate.status(empty_dsn)]
    assert all(m.applied for m in migrate.status(empty_dsn))
    assert migrate.apply(empty_dsn) == []


def test_rollback_one_undoes_only_the_last_migration(empty_dsn: str) -> None:
    migrate.apply(empty_dsn)
    states = migrate.status(empty_dsn)
    assert migrate.rollback(empty_dsn, count=1) == [states[-1].id]
    after = migrate.status(empty_dsn)
    assert [m.applied for m in after] == [True] * (len(states) - 1) + [False]
    assert migrate.apply(empty_dsn) == [states[-1].id]


def test_two_racing_deploys_apply_each_migration_once(empty_dsn: str) -> None:
    results: list[list[str]] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def deploy() -> None:
        try:
            barrier.wait()
            results.append(migrate.apply(empty_dsn))
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=deploy) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    all_ids = [m.id for m in migrate.status(empty_dsn)]
    assert sorted(results, key=len) == [[], all_ids]
    with psycopg.connect(empty_dsn) as conn:
        logged = conn.execute("SELECT count(*) FROM _yoyo_migration").fetchone()
    assert logged == (len(all_ids),)
    assert _tables(empty_dsn) >= DOMAIN_TABLES


@pytest.mark.parametrize("bad", ["mysql://x/y", "sqlite:///tmp/x"])
def test_non_postgres_url_is_refused_without_leaking_it(bad: str) -> None:
    with pytest.raises(ValueError, match="not a PostgreSQL URL"):
        yoyo_url(bad)
