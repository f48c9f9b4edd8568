"""Reading the audit trail (state_history): every state change of the guarded tables; writing it is the database's.

Rows are written by the database's state-machine triggers (migration 0015), never by Python;
this module reads them. `item_history` pages through one item's history (index-backed,
keyset-paged by id); `history_check` compares the trail with the current states
(`opsdb simulate`'s invariant). Design and figures: docs/schema.md, docs/performance.md.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from opsdb.db import Connection, Record
from opsdb.errors import FieldProblem, InputValidationError
from opsdb.queries import query
from opsdb.repositories.base import page_limit
from opsdb.states import MACHINE_COLUMNS

TABLES: frozenset[str] = frozenset(table for table, _ in MACHINE_COLUMNS)
"""The tables whose state columns the database guards and records."""

KINDS: dict[str, str] = {
    "copy": "physical_copy",
    "package": "raw_data_package",
    "bundle": "data_transfer_package",
    "transfer": "data_transfer",
    "archive_transfer": "long_term_archive_transfer",
    "staging": "staging_job",
    "execution": "executed_obs_unit",
    # work kinds (opsdb.work.WorkKind values)
    "raw_data_package_build": "raw_data_package",
    "data_transfer_package_build": "data_transfer_package",
    "data_transfer_unpack": "data_transfer",
    "physical_copy_deletion": "physical_copy",
}
"""Short names and work kinds accepted for a table."""

_UUID_KEYED = frozenset({"executed_obs_unit"})


@dataclass(frozen=True)
class HistoryEntry:
    """One recorded state change (or a row created in a state: `from_state` None)."""

    id: int
    changed_at: datetime
    table_name: str
    item_id: str
    column_name: str
    from_state: str | None
    to_state: str
    db_role: str
    """The role the statement ran as (SET ROLE's role, else the login)."""
    session_role: str
    """The login (session_user)."""
    application_name: str | None
    claimed_by: str | None
    """The worker holding (or, on completion or failure, last holding) the claim."""
    claim_ref: UUID | None
    """`claim_ref(token)` of the claim token: matches a token, never reveals it."""
    repair: bool
    """An owner's explicit repair outside the state machine (`opsdb.repair`)."""

    @classmethod
    def from_row(cls, row: Record) -> HistoryEntry:
        return cls(**dict(row))


def claim_ref(token: UUID) -> UUID:
    """The fingerprint history records for a claim token (md5 of its text, as a uuid)."""
    return UUID(hashlib.md5(str(token).encode(), usedforsecurity=False).hexdigest())


def resolve_table(table_or_kind: str) -> str:
    """The guarded table named by a table name, short name or work kind; InputValidationError if none."""
    name = table_or_kind.strip().lower().replace("-", "_")
    table = KINDS.get(name, name)
    if table not in TABLES:
        choices = ", ".join(sorted(TABLES | set(KINDS)))
        raise InputValidationError(
            [FieldProblem(0, "table", f"unknown table or kind {table_or_kind!r}; one of {choices}")]
        )
    return table


def item_key(table: str, item_id: object) -> str:
    """An item id as history stores it (canonical text); InputValidationError if malformed."""
    text = str(item_id).strip()
    try:
        if table in _UUID_KEYED:
            return str(UUID(text))
        number = int(text)
    except ValueError:
        kind = "a UUID" if table in _UUID_KEYED else "a whole number"
        raise InputValidationError([FieldProblem(0, "item_id", f"{table} ids are {kind}, got {text!r}")]) from None
    if not 0 < number < 2**63:
        raise InputValidationError([FieldProblem(0, "item_id", f"{table} ids are positive 64-bit numbers")])
    return str(number)


async def item_history(
    conn: Connection, table_or_kind: str, item_id: object, *, after_id: int = 0, limit: int = 100
) -> list[HistoryEntry]:
    """One item's recorded state changes, oldest first, after history id `after_id` (keyset paging).

    An item never recorded (or unknown) has an empty history.
    """
    table = resolve_table(table_or_kind)
    rows = await conn.fetch(query("history_of_item"), table, item_key(table, item_id), after_id, page_limit(limit))
    return [HistoryEntry.from_row(r) for r in rows]


@dataclass(frozen=True)
class HistoryCheck:
    """History against current states: items whose trail is missing, disagrees or has a gap."""

    items: int
    missing: int
    """Items with no history row for a state column."""
    disagreeing: int
    """Items whose last recorded to-state differs from the current state."""
    gaps: int
    """History rows whose from-state is not the previous row's to-state (a change not recorded)."""
    example: str | None

    @property
    def ok(self) -> bool:
        return not (self.missing or self.disagreeing or self.gaps)


# static SQL per guarded column (table and column names come from MACHINE_COLUMNS, never input)
_AGREEMENT = """
SELECT count(*) AS items,
       count(*) FILTER (WHERE h.to_state IS NULL) AS missing,
       count(*) FILTER (WHERE h.to_state IS DISTINCT FROM t.{column}) - count(*) FILTER (WHERE h.to_state IS NULL)
           AS disagreeing,
       min(t.id::text) FILTER (WHERE h.to_state IS DISTINCT FROM t.{column}) AS example
FROM {table} t
LEFT JOIN LATERAL (
    SELECT s.to_state FROM state_history s
    WHERE s.table_name = '{table}' AND s.item_id = t.id::text AND s.column_name = '{column}'
    ORDER BY s.id DESC LIMIT 1
) h ON true
"""


async def history_check(conn: Connection) -> HistoryCheck:
    """Compare every guarded item's current states with its history (whole tables: for checks
    such as `opsdb simulate`, not for a production database's hot path)."""
    items = missing = disagreeing = 0
    example: str | None = None
    for table, column in MACHINE_COLUMNS:
        row = await conn.fetchrow(_AGREEMENT.format(table=table, column=column))
        assert row is not None
        items += row["items"]
        missing += row["missing"]
        disagreeing += row["disagreeing"]
        if example is None and row["example"] is not None:
            example = f"{table} {row['example']} ({column})"
    gap = await conn.fetchrow(query("history_gaps"))
    assert gap is not None
    if example is None and gap["example"] is not None:
        example = gap["example"]
    return HistoryCheck(items, missing, disagreeing, gap["gaps"], example)
