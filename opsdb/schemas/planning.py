"""Scientific planning: observing programs and sub-programs, sources (fixed / solar_system /
constant_elevation as a discriminated union on `type`), observing modes and obs units with
their instrument module configuration links.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator, model_validator

from opsdb.schemas.base import Email, InputModel, Name, RecordModel, ShortName, Text
from opsdb.schemas.enums import FrameType
from opsdb.schemas.infrastructure import UpdateModel

RightAscension = Annotated[float, Field(ge=0, lt=360, allow_inf_nan=False)]
"""Degrees in [0, 360)."""
RightAscensionBound = Annotated[float, Field(ge=0, le=360, allow_inf_nan=False)]
"""Upper RA bound of a region: 360 closes a region that ends at RA 0."""
Declination = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
SourceElevation = Annotated[float, Field(gt=0, le=90, allow_inf_nan=False)]
ElevationLimit = Annotated[float, Field(ge=0, le=90, allow_inf_nan=False)]
Seconds = Annotated[float, Field(gt=0, allow_inf_nan=False)]


def _check_order(low_name: str, low: float | None, high_name: str, high: float | None) -> None:
    if low is not None and high is not None and high < low:
        raise ValueError(f"{high_name}: must not be below {low_name}")


# -- observing programs ------------------------------------------------------------------


class ObservingProgramCreate(InputModel):
    name: Name
    short_name: ShortName
    description: Text | None = None
    pi_name: Text | None = None
    contact_email: Email | None = None


class ObservingProgramUpdate(UpdateModel):
    """What may change on a program (its short name is its stable natural key)."""

    __not_null__ = frozenset({"name"})
    name: Name | None = None
    description: Text | None = None
    pi_name: Text | None = None
    contact_email: Email | None = None


class ObservingProgram(RecordModel):
    __table__ = "observing_program"
    id: int
    name: str
    short_name: str
    description: str | None
    pi_name: str | None
    contact_email: str | None
    created_at: datetime
    updated_at: datetime


class SubObservingProgramCreate(InputModel):
    observing_program_id: int
    name: Name
    short_name: ShortName


class SubObservingProgramUpdate(UpdateModel):
    __not_null__ = frozenset({"name"})
    name: Name | None = None


class SubObservingProgram(RecordModel):
    __table__ = "sub_observing_program"
    id: int
    observing_program_id: int
    name: str
    short_name: str
    created_at: datetime
    updated_at: datetime


# -- sources -----------------------------------------------------------------------------


class _SourceCreate(InputModel):
    name: Name
    description: Text | None = None


class FixedSourceCreate(_SourceCreate):
    """A sidereal target: coordinates in `frame` (for galactic, ra/dec hold l/b)."""

    type: Literal["fixed"] = "fixed"
    ra_deg: RightAscension
    dec_deg: Declination
    frame: FrameType = FrameType.ICRS


class SolarSystemSourceCreate(_SourceCreate):
    type: Literal["solar_system"] = "solar_system"
    ephemeris_body: Name


class ConstantElevationSourceCreate(_SourceCreate):
    """A survey region scanned at constant elevation; ra_min > ra_max wraps through RA 0."""

    type: Literal["constant_elevation"] = "constant_elevation"
    ra_min_deg: RightAscension
    ra_max_deg: RightAscensionBound
    dec_min_deg: Declination
    dec_max_deg: Declination
    elevation_deg: SourceElevation

    @model_validator(mode="after")
    def _dec_order(self) -> Self:
        _check_order("dec_min_deg", self.dec_min_deg, "dec_max_deg", self.dec_max_deg)
        return self


SourceCreate = Annotated[
    FixedSourceCreate | SolarSystemSourceCreate | ConstantElevationSourceCreate, Field(discriminator="type")
]
SOURCE_CREATE: TypeAdapter[FixedSourceCreate | SolarSystemSourceCreate | ConstantElevationSourceCreate] = TypeAdapter(
    SourceCreate
)


class SourceUpdate(UpdateModel):
    """A partial update of any source; a source keeps its type.

    Setting another type's columns is refused by the table's CHECKs (source_*_columns).
    """

    __not_null__ = frozenset(
        {
            "name",
            "ra_deg",
            "dec_deg",
            "frame",
            "ephemeris_body",
            "ra_min_deg",
            "ra_max_deg",
            "dec_min_deg",
            "dec_max_deg",
            "elevation_deg",
        }
    )
    name: Name | None = None
    description: Text | None = None
    ra_deg: RightAscension | None = None
    dec_deg: Declination | None = None
    frame: FrameType | None = None
    ephemeris_body: Name | None = None
    ra_min_deg: RightAscension | None = None
    ra_max_deg: RightAscensionBound | None = None
    dec_min_deg: Declination | None = None
    dec_max_deg: Declination | None = None
    elevation_deg: SourceElevation | None = None

    @model_validator(mode="after")
    def _dec_order(self) -> Self:
        _check_order("dec_min_deg", self.dec_min_deg, "dec_max_deg", self.dec_max_deg)
        return self


class _Source(RecordModel):
    __table__ = "source"
    id: int
    name: str
    description: str | None
    created_at: datetime
    updated_at: datetime


class FixedSource(_Source):
    type: Literal["fixed"]
    ra_deg: float
    dec_deg: float
    frame: FrameType


class SolarSystemSource(_Source):
    type: Literal["solar_system"]
    ephemeris_body: str


class ConstantElevationSource(_Source):
    type: Literal["constant_elevation"]
    ra_min_deg: float
    ra_max_deg: float
    dec_min_deg: float
    dec_max_deg: float
    elevation_deg: float


Source = Annotated[FixedSource | SolarSystemSource | ConstantElevationSource, Field(discriminator="type")]
SOURCE_MODELS: dict[str, type[RecordModel]] = {
    "fixed": FixedSource,
    "solar_system": SolarSystemSource,
    "constant_elevation": ConstantElevationSource,
}


class ConeSearchHit(BaseModel):
    """A fixed source found by a cone search, with its great-circle distance from the centre."""

    model_config = ConfigDict(frozen=True)
    source: FixedSource
    distance_deg: float


# -- observing modes ---------------------------------------------------------------------


class ObsModeCreate(InputModel):
    name: Name
    description: Text | None = None


class ObsModeUpdate(UpdateModel):
    __not_null__ = frozenset({"name"})
    name: Name | None = None
    description: Text | None = None


class ObsMode(RecordModel):
    __table__ = "obs_mode"
    id: int
    name: str
    description: str | None
    created_at: datetime
    updated_at: datetime


# -- obs units ---------------------------------------------------------------------------


class ObsUnitCreate(InputModel):
    """A schedulable observation; `instrument_module_configuration_ids` are linked with it."""

    name: Name
    observing_program_id: int
    sub_observing_program_id: int | None = None
    source_id: int
    obs_mode_id: int
    observation_configuration_id: int | None = None
    priority: int = Field(default=0, ge=-(2**31), le=2**31 - 1)
    requested_duration_s: Seconds | None = None
    min_elevation_deg: ElevationLimit | None = None
    max_elevation_deg: ElevationLimit | None = None
    active: bool = True
    instrument_module_configuration_ids: list[int] = Field(default_factory=list)

    @field_validator("instrument_module_configuration_ids")
    @classmethod
    def _distinct(cls, value: list[int]) -> list[int]:
        if len(set(value)) != len(value):
            raise ValueError("must not repeat a configuration")
        return value

    @model_validator(mode="after")
    def _elevation_order(self) -> Self:
        _check_order("min_elevation_deg", self.min_elevation_deg, "max_elevation_deg", self.max_elevation_deg)
        return self


class ObsUnitUpdate(UpdateModel):
    """A partial update; links to configurations change through link/unlink."""

    __not_null__ = frozenset({"name", "observing_program_id", "source_id", "obs_mode_id", "priority", "active"})
    name: Name | None = None
    observing_program_id: int | None = None
    sub_observing_program_id: int | None = None
    source_id: int | None = None
    obs_mode_id: int | None = None
    observation_configuration_id: int | None = None
    priority: int | None = Field(default=None, ge=-(2**31), le=2**31 - 1)
    requested_duration_s: Seconds | None = None
    min_elevation_deg: ElevationLimit | None = None
    max_elevation_deg: ElevationLimit | None = None
    active: bool | None = None

    @model_validator(mode="after")
    def _elevation_order(self) -> Self:
        _check_order("min_elevation_deg", self.min_elevation_deg, "max_elevation_deg", self.max_elevation_deg)
        return self


class ObsUnit(RecordModel):
    __table__ = "obs_unit"
    id: int
    name: str
    observing_program_id: int
    sub_observing_program_id: int | None
    source_id: int
    obs_mode_id: int
    observation_configuration_id: int | None
    priority: int
    requested_duration_s: float | None
    min_elevation_deg: float | None
    max_elevation_deg: float | None
    active: bool
    created_at: datetime
    updated_at: datetime


class ObsUnitInstrumentModuleConfiguration(RecordModel):
    """One link between an obs unit and an instrument module configuration."""

    __table__ = "obs_unit_instrument_module_configuration"
    obs_unit_id: int
    instrument_module_configuration_id: int
    created_at: datetime
