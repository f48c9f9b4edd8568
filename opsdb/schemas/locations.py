"""Sites, storage locations (disk / s3 / tape as a discriminated union) and transfer routes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, TypeAdapter, model_validator

from opsdb.schemas.base import Identifier, InputModel, Name, RecordModel, Text
from opsdb.schemas.enums import LocationType, RouteType

# -- sites -------------------------------------------------------------------------------


class SiteCreate(InputModel):
    name: Name
    short_name: Identifier
    location: Text | None = None


class SiteUpdate(InputModel):
    name: Name | None = None
    location: Text | None = None


class Site(RecordModel):
    __table__ = "site"
    id: int
    name: str
    short_name: str
    location: str | None
    created_at: datetime
    updated_at: datetime


# -- data locations ----------------------------------------------------------------------


class _LocationCreate(InputModel):
    site_id: int
    name: Identifier
    location_type: LocationType
    priority: int = 0
    active: bool = True


class DiskLocationCreate(_LocationCreate):
    type: Literal["disk"] = "disk"
    host: Name
    root_path: Annotated[str, Field(pattern=r"^/[^\x00]*$", max_length=4096)]


class S3LocationCreate(_LocationCreate):
    type: Literal["s3"] = "s3"
    endpoint_url: Annotated[str, Field(pattern=r"^https?://[^\s\x00]+$", max_length=2048)]
    bucket: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]$")]
    prefix: Text | None = None
    region: Text | None = None


class TapeLocationCreate(_LocationCreate):
    type: Literal["tape"] = "tape"
    library_name: Name
    media_pool: Text | None = None


DataLocationCreate = Annotated[DiskLocationCreate | S3LocationCreate | TapeLocationCreate, Field(discriminator="type")]
DATA_LOCATION_CREATE: TypeAdapter[DiskLocationCreate | S3LocationCreate | TapeLocationCreate] = TypeAdapter(
    DataLocationCreate
)


class DataLocationUpdate(InputModel):
    """What may change on a location in service (not its storage type or site)."""

    location_type: LocationType | None = None
    priority: int | None = None
    active: bool | None = None


class _Location(RecordModel):
    __table__ = "data_location"
    id: int
    site_id: int
    name: str
    location_type: LocationType
    priority: int
    active: bool
    created_at: datetime
    updated_at: datetime


class DiskLocation(_Location):
    type: Literal["disk"]
    host: str
    root_path: str


class S3Location(_Location):
    type: Literal["s3"]
    endpoint_url: str
    bucket: str
    prefix: str | None
    region: str | None


class TapeLocation(_Location):
    type: Literal["tape"]
    library_name: str
    media_pool: str | None


DataLocation = Annotated[DiskLocation | S3Location | TapeLocation, Field(discriminator="type")]
DATA_LOCATION_MODELS: dict[str, type[RecordModel]] = {
    "disk": DiskLocation,
    "s3": S3Location,
    "tape": TapeLocation,
}

# -- routes ------------------------------------------------------------------------------


class DataTransferRouteCreate(InputModel):
    name: Identifier
    origin_site_id: int
    destination_site_id: int
    route_type: RouteType
    method: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9_+-]+$")] = "bbcp"
    relay_site_id: int | None = None
    origin_location_id: int | None = None
    destination_location_id: int | None = None
    priority: int = 0
    active: bool = True

    @model_validator(mode="after")
    def _route_columns(self) -> DataTransferRouteCreate:
        if self.origin_site_id == self.destination_site_id:
            raise ValueError("destination_site_id: must differ from origin_site_id")
        if (self.route_type is RouteType.RELAY) != (self.relay_site_id is not None):
            raise ValueError("relay_site_id: required for relay routes and only for them")
        overrides = self.origin_location_id is not None or self.destination_location_id is not None
        if self.route_type is RouteType.CUSTOM and not overrides:
            raise ValueError("origin_location_id: a custom route needs an origin or destination location")
        if self.route_type is not RouteType.CUSTOM and overrides:
            raise ValueError("origin_location_id: location overrides belong to custom routes only")
        return self


class DataTransferRouteUpdate(InputModel):
    method: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9_+-]+$")] | None = None
    priority: int | None = None
    active: bool | None = None


class DataTransferRoute(RecordModel):
    __table__ = "data_transfer_route"
    id: int
    name: str
    origin_site_id: int
    destination_site_id: int
    route_type: RouteType
    method: str
    relay_site_id: int | None
    origin_location_id: int | None
    destination_location_id: int | None
    priority: int
    active: bool
    created_at: datetime
    updated_at: datetime
