"""sql/schema.sql builds the same catalogue as the migrations: the readable schema cannot drift."""

from __future__ import annotations

import difflib

import psycopg

from opsdb.config import with_database
from tests.schema_snapshot import SCHEMA_FILE, catalogue


def test_schema_file_builds_the_migrated_catalogue(server_dsn: str, template_db: str, empty_dsn: str) -> None:
    # the template itself: a copy made with CREATE DATABASE ... TEMPLATE does not keep database-level grants
    with psycopg.connect(empty_dsn, autocommit=True) as built:
        built.execute(SCHEMA_FILE.read_text())  # type: ignore[arg-type]
        from_file = catalogue(built)
    with psycopg.connect(with_database(server_dsn, template_db), autocommit=True) as migrated:
        from_migrations = catalogue(migrated)
    diffs = [
        f"{part}:\n" + "\n".join(difflib.unified_diff(expected, from_file[part], "migrated", "file", lineterm=""))
        for part, expected in from_migrations.items()
        if expected != from_file[part]
    ]
    hint = "sql/schema.sql differs from the migrations (regenerate: python -m tests.schema_snapshot):\n"
    assert not diffs, hint + "\n".join(diffs)
