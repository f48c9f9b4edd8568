"""Data transfers (with their unpack step) and logs, long-term-archive transfers, staging jobs.

Claiming and finishing these jobs is the work protocol's business; these are the rows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from opsdb.schemas.base import InputModel, RecordModel, Text, Timestamp, WorkRecord
from opsdb.schemas.data import MaxAttempts
from opsdb.schemas.enums import LogLevel, Status

TransferMethod = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9_+-]+$")]


def _destination_differs(value: int, info: ValidationInfo) -> int:
    if value == info.data.get("origin_location_id"):
        raise ValueError("must differ from origin_location_id")
    return value


# -- data transfers ------------------------------------------------------------------------


class DataTransferCreate(InputModel):
    """One transfer of a data transfer package to one destination (unpacked there afterwards)."""

    data_transfer_package_id: int
    data_transfer_route_id: int | None = None
    origin_location_id: int
    destination_location_id: int
    method: TransferMethod = "bbcp"
    max_attempts: MaxAttempts = 4
    unpack_max_attempts: MaxAttempts = 4

    _destination = field_validator("destination_location_id")(_destination_differs)


class DataTransfer(WorkRecord):
    __table__ = "data_transfer"
    id: int
    data_transfer_package_id: int
    data_transfer_route_id: int | None
    origin_location_id: int
    destination_location_id: int
    method: str
    started_at: datetime | None
    completed_at: datetime | None
    unpack_status: Status
    unpack_attempts: int
    unpack_max_attempts: int
    unpack_last_error: str | None
    unpack_next_attempt_at: datetime
    unpack_claimed_by: str | None
    unpack_claim_token: UUID | None
    unpack_lease_until: datetime | None
    unpack_priority: int
    unpack_external_job: dict[str, Any] | None
    unpacked_at: datetime | None
    created_at: datetime
    updated_at: datetime


class DataTransferLogCreate(InputModel):
    """A short log line; the full log stays on disk at `log_path`."""

    data_transfer_id: int
    level: LogLevel = LogLevel.INFO
    message: Annotated[Text, Field(max_length=1000)]
    log_path: Text | None = None


class DataTransferLog(RecordModel):
    __table__ = "data_transfer_log"
    id: int
    data_transfer_id: int
    level: LogLevel
    message: str
    log_path: str | None
    created_at: datetime


# -- long-term-archive transfers -----------------------------------------------------------


class LongTermArchiveTransferCreate(InputModel):
    """Copy one raw data package from a buffer into a long-term archive location."""

    raw_data_package_id: int
    origin_location_id: int
    destination_location_id: int
    max_attempts: MaxAttempts = 4

    _destination = field_validator("destination_location_id")(_destination_differs)


class LongTermArchiveTransfer(WorkRecord):
    __table__ = "long_term_archive_transfer"
    id: int
    raw_data_package_id: int
    origin_location_id: int
    destination_location_id: int
    completed_at: datetime | None
    created_at: datetime
    updated_at: datetime


# -- staging -------------------------------------------------------------------------------


class StagingJobCreate(InputModel):
    """A user's request to stage packages to a processing location (created with its packages)."""

    user_account_id: int
    destination_location_id: int
    raw_data_package_ids: Annotated[list[int], Field(min_length=1, max_length=100_000)]
    retention_until: Timestamp | None = None
    max_attempts: MaxAttempts = 4

    @field_validator("raw_data_package_ids")
    @classmethod
    def _unique(cls, value: list[int]) -> list[int]:
        if len(set(value)) != len(value):
            raise ValueError("must not repeat a package")
        return value


class StagingJob(WorkRecord):
    __table__ = "staging_job"
    id: int
    user_account_id: int
    destination_location_id: int
    retention_until: datetime | None
    completed_at: datetime | None
    created_at: datetime
    updated_at: datetime


class StagingJobWithPackages(BaseModel):
    """A staging job and the ids of the packages it stages (in id order); not a table row."""

    model_config = ConfigDict(frozen=True)
    job: StagingJob
    raw_data_package_ids: list[int]
