"""Executed obs units: what the telescope sends at start and at finish, and the stored row."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import Field

from opsdb.ids import uuid7
from opsdb.schemas.base import InputModel, JsonObject, RecordModel, Text, Timestamp
from opsdb.schemas.enums import ExecutionStatus


class ExecutedObsUnitStart(InputModel):
    """The telescope starts an obs unit; the id is made on the client so a retry maps to the same row."""

    id: UUID = Field(default_factory=uuid7)
    obs_unit_id: int
    start_time: Timestamp
    conditions: JsonObject = Field(default_factory=dict)
    notes: Text | None = None


class ExecutedObsUnitFinish(InputModel):
    """The outcome of a running execution.

    `conditions` are merged into the stored ones (new keys win); `notes` are appended on a
    new line. `end_time` must not precede the stored start_time (checked on finish).
    """

    status: Literal[ExecutionStatus.COMPLETED, ExecutionStatus.FAILED, ExecutionStatus.ABORTED]
    end_time: Timestamp
    conditions: JsonObject = Field(default_factory=dict)
    notes: Text | None = None


class ExecutedObsUnit(RecordModel):
    __table__ = "executed_obs_unit"
    id: UUID
    obs_unit_id: int
    status: ExecutionStatus
    start_time: datetime
    end_time: datetime | None
    conditions: JsonObject
    notes: str | None
    created_at: datetime
    updated_at: datetime
