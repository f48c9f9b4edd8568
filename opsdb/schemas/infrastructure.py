"""The observatory hierarchy: observatory -> telescope -> instrument -> instrument module,
module configurations, and observation configurations (create / update / record models).

Also `UpdateModel`, the base of partial updates that refuses an explicit null for a NOT NULL
column (planning and execution updates use it too).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, ClassVar, Self

from pydantic import Field, model_validator

from opsdb.schemas.base import InputModel, JsonObject, Name, RecordModel, Text

Latitude = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
Longitude = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]
SiteElevation = Annotated[float, Field(ge=-500, le=9000, allow_inf_nan=False)]
"""Metres above sea level of a telescope site."""
PixelCount = Annotated[int, Field(gt=0, le=2**31 - 1)]
FrequencyGHz = Annotated[float, Field(gt=0, allow_inf_nan=False)]


class UpdateModel(InputModel):
    """A partial update: only the fields the caller sets are written.

    Fields named in `__not_null__` back NOT NULL columns: leaving them out keeps the stored
    value, but setting them to None is refused here, naming the field.
    """

    __not_null__: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _no_null_for_required_columns(self) -> Self:
        for name in sorted(self.model_fields_set & self.__not_null__):
            if getattr(self, name) is None:
                raise ValueError(f"{name}: may not be null (leave it out to keep the stored value)")
        return self


def _check_frequency_order(low: float | None, high: float | None) -> None:
    if low is not None and high is not None and high < low:
        raise ValueError("frequency_max_ghz: must not be below frequency_min_ghz")


# -- observatory -------------------------------------------------------------------------


class ObservatoryCreate(InputModel):
    name: Name
    description: Text | None = None


class ObservatoryUpdate(UpdateModel):
    __not_null__ = frozenset({"name"})
    name: Name | None = None
    description: Text | None = None


class Observatory(RecordModel):
    __table__ = "observatory"
    id: int
    name: str
    description: str | None
    created_at: datetime
    updated_at: datetime


# -- telescope ---------------------------------------------------------------------------


class TelescopeCreate(InputModel):
    observatory_id: int
    name: Name
    description: Text | None = None
    latitude_deg: Latitude | None = None
    longitude_deg: Longitude | None = None
    elevation_m: SiteElevation | None = None


class TelescopeUpdate(UpdateModel):
    __not_null__ = frozenset({"name"})
    name: Name | None = None
    description: Text | None = None
    latitude_deg: Latitude | None = None
    longitude_deg: Longitude | None = None
    elevation_m: SiteElevation | None = None


class Telescope(RecordModel):
    __table__ = "telescope"
    id: int
    observatory_id: int
    name: str
    description: str | None
    latitude_deg: float | None
    longitude_deg: float | None
    elevation_m: float | None
    created_at: datetime
    updated_at: datetime


# -- instrument --------------------------------------------------------------------------


class InstrumentCreate(InputModel):
    telescope_id: int
    name: Name
    description: Text | None = None
    available: bool = True


class InstrumentUpdate(UpdateModel):
    __not_null__ = frozenset({"name", "available"})
    name: Name | None = None
    description: Text | None = None
    available: bool | None = None


class Instrument(RecordModel):
    __table__ = "instrument"
    id: int
    telescope_id: int
    name: str
    description: str | None
    available: bool
    created_at: datetime
    updated_at: datetime


# -- instrument module -------------------------------------------------------------------


class InstrumentModuleCreate(InputModel):
    instrument_id: int
    name: Name
    description: Text | None = None
    pixel_count: PixelCount | None = None
    frequency_min_ghz: FrequencyGHz | None = None
    frequency_max_ghz: FrequencyGHz | None = None
    available: bool = True

    @model_validator(mode="after")
    def _frequency_order(self) -> Self:
        _check_frequency_order(self.frequency_min_ghz, self.frequency_max_ghz)
        return self


class InstrumentModuleUpdate(UpdateModel):
    """What may change on a module (not the instrument it belongs to)."""

    __not_null__ = frozenset({"name", "available"})
    name: Name | None = None
    description: Text | None = None
    pixel_count: PixelCount | None = None
    frequency_min_ghz: FrequencyGHz | None = None
    frequency_max_ghz: FrequencyGHz | None = None
    available: bool | None = None

    @model_validator(mode="after")
    def _frequency_order(self) -> Self:
        _check_frequency_order(self.frequency_min_ghz, self.frequency_max_ghz)
        return self


class InstrumentModule(RecordModel):
    __table__ = "instrument_module"
    id: int
    instrument_id: int
    name: str
    description: str | None
    pixel_count: int | None
    frequency_min_ghz: float | None
    frequency_max_ghz: float | None
    available: bool
    created_at: datetime
    updated_at: datetime


# -- configurations ----------------------------------------------------------------------


class InstrumentModuleConfigurationCreate(InputModel):
    instrument_module_id: int
    name: Name
    parameters: JsonObject = Field(default_factory=dict)


class InstrumentModuleConfigurationUpdate(UpdateModel):
    __not_null__ = frozenset({"name", "parameters"})
    name: Name | None = None
    parameters: JsonObject | None = None


class InstrumentModuleConfiguration(RecordModel):
    __table__ = "instrument_module_configuration"
    id: int
    instrument_module_id: int
    name: str
    parameters: JsonObject
    created_at: datetime
    updated_at: datetime


class ObservationConfigurationCreate(InputModel):
    name: Name
    parameters: JsonObject = Field(default_factory=dict)


class ObservationConfigurationUpdate(UpdateModel):
    __not_null__ = frozenset({"name", "parameters"})
    name: Name | None = None
    parameters: JsonObject | None = None


class ObservationConfiguration(RecordModel):
    __table__ = "observation_configuration"
    id: int
    name: str
    parameters: JsonObject
    created_at: datetime
    updated_at: datetime
