"""Per-role session defaults of the database roles (`opsdb_apply_actor_grants` in sql/schema.sql, docs/security.md)."""

from __future__ import annotations

from typing import Literal

from opsdb.schemas.base import RecordModel


class RoleDefault(RecordModel):
    """One default of an opsdb group role, written onto its logins by opsdb_apply_login_defaults."""

    __table__ = "opsdb_role_default"
    group_role: str
    setting: Literal["statement_timeout", "idle_in_transaction_session_timeout", "lock_timeout", "connection_limit"]
    value: str
