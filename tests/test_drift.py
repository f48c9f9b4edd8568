"""Drift check: the pydantic record models and the tables' columns agree, table by table."""

from __future__ import annotations

import importlib
import pkgutil
from collections import defaultdict

import pytest

import opsdb.schemas
from opsdb.db import Database
from opsdb.schemas.base import RecordModel

pytestmark = pytest.mark.anyio

# Pure link tables are read through their parents' repositories and need no record model.
LINK_TABLES = {
    "obs_unit_instrument_module_configuration",
    "user_role",
    "role_permission",
    "staging_job_package",
}
YOYO_TABLES = {"_yoyo_log", "_yoyo_migration", "_yoyo_version", "yoyo_lock"}
# The state machines' rule tables and the audit trail (opsdb.history.HistoryEntry) are no records.
STATE_TABLES = {"state_transition", "state_column", "state_history"}
# Bookkeeping written only by the database's own functions, never read as records.
BOOKKEEPING_TABLES = {
    "deletion_file_queue",  # the deletion rule's own, never read as records
    "deletion_claim_verdict",
    "copy_size_hint",  # sizes a deletion function hands to the copy counters (0028), empty at every commit
    "state_count",  # the state counters of `opsdb status` (0023), read by sql/status.sql alone
    "state_count_delta",
}


def _record_fields_by_table() -> dict[str, set[str]]:
    for module in pkgutil.iter_modules(opsdb.schemas.__path__):
        importlib.import_module(f"opsdb.schemas.{module.name}")
    fields: dict[str, set[str]] = defaultdict(set)
    pending: list[type[RecordModel]] = list(RecordModel.__subclasses__())
    while pending:
        model = pending.pop()
        pending.extend(model.__subclasses__())
        if model.__table__:
            fields[model.__table__] |= set(model.model_fields)
    return dict(fields)


async def test_record_models_match_table_columns(db: Database) -> None:
    async with db.connection() as conn:
        rows = await conn.fetch(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'"
        )
    columns: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        columns[row["table_name"]].add(row["column_name"])
    for table in YOYO_TABLES | STATE_TABLES | BOOKKEEPING_TABLES:
        columns.pop(table, None)
    records = _record_fields_by_table()

    assert set(records) <= set(columns), "record models name existing tables"
    assert set(columns) - LINK_TABLES <= set(records), "every table but pure link tables has record models"
    mismatched = {
        table: {"only_in_table": sorted(columns[table] - fields), "only_in_models": sorted(fields - columns[table])}
        for table, fields in records.items()
        if fields != columns[table]
    }
    assert mismatched == {}
