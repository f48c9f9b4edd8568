"""Raw data files, raw data packages (+ IVOA ObsCore metadata) and data transfer packages.

Physical copies live in copies.py, transfers in transfers.py.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import AfterValidator, Field, StringConstraints, ValidationInfo, field_validator

from opsdb.ids import file_id
from opsdb.schemas.base import (
    InputModel,
    JsonObject,
    Name,
    RecordModel,
    RelativePath,
    RowId,
    SizeBytes,
    Text,
    Timestamp,
    WorkRecord,
    checksum_for_algorithm,
    storable,
)
from opsdb.schemas.enums import ChecksumAlgorithm, PackageState

MaxAttempts = Annotated[int, Field(ge=1, le=1000)]
"""How often a claimable job may be tried before it stays failed."""

# -- raw data files ------------------------------------------------------------------------

FILE_TYPE_MAX_LENGTH = 100
FileType = Annotated[str, StringConstraints(min_length=1, max_length=FILE_TYPE_MAX_LENGTH), AfterValidator(storable)]
"""A raw file's format ("fits", "hdf5", ...)."""


class RawDataFileCreate(InputModel):
    """One raw file as an instrument registers it (also the record of bulk registration).

    `id` may be omitted: it is then derived with `opsdb.ids.file_id(instrument_module_id,
    relative_path, file_created_at)`, so a retried registration maps to the same key; that
    needs `file_created_at`. After validation `id` is always set. (`id` is declared last so
    its validator sees the fields it is derived from: one cheap step per record.)
    """

    instrument_module_id: RowId
    executed_obs_unit_id: UUID
    name: Name
    relative_path: RelativePath
    size_bytes: SizeBytes
    checksum_algorithm: ChecksumAlgorithm
    checksum: str
    file_type: FileType | None = None
    file_created_at: Timestamp | None = None
    metadata: JsonObject = Field(default_factory=dict)
    id: UUID | None = Field(default=None, validate_default=True)

    _checksum = field_validator("checksum")(checksum_for_algorithm)

    @field_validator("id")
    @classmethod
    def _derive_id(cls, value: UUID | None, info: ValidationInfo) -> UUID | None:
        if value is not None:
            return value
        data = info.data
        created_at = data.get("file_created_at")
        if created_at is not None:
            if "instrument_module_id" in data and "relative_path" in data:
                return file_id(data["instrument_module_id"], data["relative_path"], created_at)
            return None  # the module or path is invalid and reported on its own field
        if "file_created_at" in data:
            raise ValueError("required unless file_created_at is given (the id is derived from it)")
        return None  # file_created_at is invalid and reported on its own field


class RawDataFile(RecordModel):
    __table__ = "raw_data_file"
    id: UUID
    instrument_module_id: int
    executed_obs_unit_id: UUID
    raw_data_package_id: int | None
    name: str
    relative_path: str
    size_bytes: int
    checksum: str
    checksum_algorithm: ChecksumAlgorithm
    file_type: str | None
    file_created_at: datetime | None
    metadata: JsonObject
    created_at: datetime
    updated_at: datetime


# -- checksummed artefacts (packages, bundles) ---------------------------------------------


class PackageChecksum(InputModel):
    """Size and checksum of a finished archive (the input of finalize_package)."""

    size_bytes: SizeBytes
    checksum_algorithm: ChecksumAlgorithm
    checksum: str

    _checksum = field_validator("checksum")(checksum_for_algorithm)


class _ArchiveCreate(InputModel):
    name: Name
    relative_path: RelativePath
    origin_location_id: int
    size_bytes: SizeBytes | None = None
    checksum_algorithm: ChecksumAlgorithm | None = None
    checksum: str | None = Field(default=None, validate_default=True)
    max_attempts: MaxAttempts = 4

    _checksum = field_validator("checksum")(checksum_for_algorithm)


# -- raw data packages ---------------------------------------------------------------------


class RawDataPackageCreate(_ArchiveCreate):
    """A package (tar) of the files of one (executed obs unit, instrument module); build pending."""

    executed_obs_unit_id: UUID
    instrument_module_id: int


class RawDataPackage(WorkRecord):
    __table__ = "raw_data_package"
    id: int
    name: str
    relative_path: str
    executed_obs_unit_id: UUID
    instrument_module_id: int
    origin_location_id: int
    size_bytes: int | None
    checksum: str | None
    checksum_algorithm: ChecksumAlgorithm | None
    state: PackageState
    data_transfer_package_id: int | None
    created_at: datetime
    updated_at: datetime


class RawDataPackageMetadataUpsert(InputModel):
    """IVOA ObsCore fields of one package (the whole row is replaced on upsert); the rest goes in `extra`."""

    obs_id: Text | None = None
    obs_collection: Text | None = None
    obs_publisher_did: Text | None = None
    dataproduct_type: Annotated[str, Field(pattern=r"^[a-z][a-z_-]{0,31}$")] | None = None
    calib_level: Annotated[int, Field(ge=0, le=4)] | None = None
    target_name: Text | None = None
    s_ra: Annotated[float, Field(ge=0, lt=360)] | None = None
    s_dec: Annotated[float, Field(ge=-90, le=90)] | None = None
    s_fov: Annotated[float, Field(ge=0)] | None = None
    t_min: float | None = None
    t_max: float | None = None
    t_exptime: Annotated[float, Field(ge=0)] | None = None
    em_min: Annotated[float, Field(gt=0)] | None = None
    em_max: float | None = None
    em_res_power: float | None = None
    pol_states: Text | None = None
    o_ucd: Text | None = None
    facility_name: Text | None = None
    instrument_name: Text | None = None
    extra: JsonObject = Field(default_factory=dict)

    @field_validator("t_max")
    @classmethod
    def _t_order(cls, value: float | None, info: ValidationInfo) -> float | None:
        low = info.data.get("t_min")
        if value is not None and low is not None and value < low:
            raise ValueError("must not be before t_min")
        return value

    @field_validator("em_max")
    @classmethod
    def _em_order(cls, value: float | None, info: ValidationInfo) -> float | None:
        low = info.data.get("em_min")
        if value is not None and low is not None and value < low:
            raise ValueError("must not be below em_min")
        return value


class RawDataPackageMetadata(RecordModel):
    __table__ = "raw_data_package_metadata"
    raw_data_package_id: int
    obs_id: str | None
    obs_collection: str | None
    obs_publisher_did: str | None
    dataproduct_type: str | None
    calib_level: int | None
    target_name: str | None
    s_ra: float | None
    s_dec: float | None
    s_fov: float | None
    t_min: float | None
    t_max: float | None
    t_exptime: float | None
    em_min: float | None
    em_max: float | None
    em_res_power: float | None
    pol_states: str | None
    o_ucd: str | None
    facility_name: str | None
    instrument_name: str | None
    extra: JsonObject
    created_at: datetime
    updated_at: datetime


# -- data transfer packages ----------------------------------------------------------------


class DataTransferPackageCreate(_ArchiveCreate):
    """A bundle of raw data packages for long-distance transfer; build pending."""


class DataTransferPackage(WorkRecord):
    __table__ = "data_transfer_package"
    id: int
    name: str
    relative_path: str
    origin_location_id: int
    size_bytes: int | None
    checksum: str | None
    checksum_algorithm: ChecksumAlgorithm | None
    created_at: datetime
    updated_at: datetime
