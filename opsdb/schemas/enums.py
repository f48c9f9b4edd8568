"""Every enumeration of the domain; values match the CHECK constraints (sql/schema.sql)."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """A job's progress (package builds, transfers, staging)."""

    PENDING = "pending"
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    FAILED = "failed"


class PackageState(StrEnum):
    """Where a raw data package is on its journey."""

    WAITING = "waiting"
    TRANSFERRING = "transferring"
    ARCHIVED = "archived"
    FAILED = "failed"


class PhysicalCopyStatus(StrEnum):
    """A physical copy's life; `lost` and `corrupt` record evidence going away."""

    PRESENT = "present"
    STAGED = "staged"
    DELETION_SCHEDULED = "deletion_scheduled"
    DELETION_IN_PROGRESS = "deletion_in_progress"
    DELETION_POSSIBLE = "deletion_possible"
    DELETED = "deleted"
    DELETION_FAILED = "deletion_failed"
    LOST = "lost"
    CORRUPT = "corrupt"


class LocationType(StrEnum):
    SOURCE = "source"
    BUFFER = "buffer"
    LONG_TERM_ARCHIVE = "long_term_archive"
    PROCESSING = "processing"


class StorageType(StrEnum):
    DISK = "disk"
    S3 = "s3"
    TAPE = "tape"


class RouteType(StrEnum):
    DIRECT = "direct"
    RELAY = "relay"
    CUSTOM = "custom"


class ExecutionStatus(StrEnum):
    """An executed obs unit's status: started running, finished once."""

    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    ABORTED = "aborted"


class SourceType(StrEnum):
    FIXED = "fixed"
    SOLAR_SYSTEM = "solar_system"
    CONSTANT_ELEVATION = "constant_elevation"


class CopyType(StrEnum):
    RAW_DATA_FILE = "raw_data_file"
    RAW_DATA_PACKAGE = "raw_data_package"
    DATA_TRANSFER_PACKAGE = "data_transfer_package"


class ChecksumAlgorithm(StrEnum):
    MD5 = "md5"
    SHA1 = "sha1"
    SHA256 = "sha256"
    SHA512 = "sha512"
    XXH64 = "xxh64"
    CRC32C = "crc32c"


CHECKSUM_HEX_LENGTH: dict[ChecksumAlgorithm, int] = {
    ChecksumAlgorithm.MD5: 32,
    ChecksumAlgorithm.SHA1: 40,
    ChecksumAlgorithm.SHA256: 64,
    ChecksumAlgorithm.SHA512: 128,
    ChecksumAlgorithm.XXH64: 16,
    ChecksumAlgorithm.CRC32C: 8,
}


class FrameType(StrEnum):
    ICRS = "icrs"
    FK5 = "fk5"
    GALACTIC = "galactic"


class LogLevel(StrEnum):
    DEBUG = "debug"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"
