"""Sites, data locations (disk / s3 / tape) and transfer routes.

Rows and look-ups only; copies held at a location are repositories/copies.py, transfers along a
route repositories/transfers.py.
"""

from __future__ import annotations

from opsdb.queries import ModelBinding, query
from opsdb.repositories.base import Repository, page_limit
from opsdb.schemas.base import subtype_from_row
from opsdb.schemas.enums import LocationType
from opsdb.schemas.locations import (
    DATA_LOCATION_MODELS,
    DataLocation,
    DataLocationCreate,
    DataLocationUpdate,
    DataTransferRoute,
    DataTransferRouteCreate,
    DataTransferRouteUpdate,
    DiskLocationCreate,
    S3LocationCreate,
    Site,
    SiteCreate,
    SiteUpdate,
    TapeLocationCreate,
)

_INSERT_LOCATION = ModelBinding("insert_data_location", DiskLocationCreate, S3LocationCreate, TapeLocationCreate)
_INSERT_ROUTE = ModelBinding("insert_route", DataTransferRouteCreate)


class SiteRepository(Repository):
    """Sites, their storage locations and the routes between them."""

    # -- sites --
    async def create_site(self, data: SiteCreate) -> Site:
        row = await self.conn.fetchrow(query("insert_site"), data.name, data.short_name, data.location)
        return Site.from_row(row)

    async def get_site(self, site_id: int) -> Site:
        return Site.from_row(await self._fetch_one("get_site", site_id, entity="site", key=site_id))

    async def get_site_by_short_name(self, short_name: str) -> Site:
        row = await self._fetch_one("get_site_by_short_name", short_name, entity="site", key=short_name)
        return Site.from_row(row)

    async def update_site(self, site_id: int, changes: SiteUpdate) -> Site:
        return Site.from_row(await self._update("site", site_id, changes, entity="site"))

    async def list_sites(self, *, after_id: int = 0, limit: int = 100) -> list[Site]:
        rows = await self.conn.fetch(query("list_sites"), after_id, page_limit(limit))
        return [Site.from_row(r) for r in rows]

    # -- data locations --
    async def create_location(self, data: DataLocationCreate) -> DataLocation:
        """Create a location of any type (the other types' columns are NULL)."""
        row = await _INSERT_LOCATION.fetchrow(self.conn, data)
        return subtype_from_row(DATA_LOCATION_MODELS, row)  # type: ignore[no-any-return]

    async def get_location(self, location_id: int) -> DataLocation:
        row = await self._fetch_one("get_data_location", location_id, entity="data_location", key=location_id)
        return subtype_from_row(DATA_LOCATION_MODELS, row)  # type: ignore[no-any-return]

    async def get_location_by_name(self, site_short_name: str, name: str) -> DataLocation:
        row = await self._fetch_one(
            "get_data_location_by_name",
            site_short_name,
            name,
            entity="data_location",
            key=f"{site_short_name}/{name}",
        )
        return subtype_from_row(DATA_LOCATION_MODELS, row)  # type: ignore[no-any-return]

    async def update_location(self, location_id: int, changes: DataLocationUpdate) -> DataLocation:
        row = await self._update("data_location", location_id, changes, entity="data_location")
        return subtype_from_row(DATA_LOCATION_MODELS, row)  # type: ignore[no-any-return]

    async def list_locations(
        self,
        *,
        site_id: int | None = None,
        location_type: LocationType | None = None,
        active: bool | None = None,
        after_id: int = 0,
        limit: int = 100,
    ) -> list[DataLocation]:
        rows = await self.conn.fetch(
            query("list_data_locations"),
            site_id,
            location_type.value if location_type else None,
            active,
            after_id,
            page_limit(limit),
        )
        return [subtype_from_row(DATA_LOCATION_MODELS, r) for r in rows]

    # -- routes --
    async def create_route(self, data: DataTransferRouteCreate) -> DataTransferRoute:
        row = await _INSERT_ROUTE.fetchrow(self.conn, data)
        return DataTransferRoute.from_row(row)

    async def get_route(self, route_id: int) -> DataTransferRoute:
        row = await self._fetch_one("get_route", route_id, entity="data_transfer_route", key=route_id)
        return DataTransferRoute.from_row(row)

    async def get_route_by_name(self, name: str) -> DataTransferRoute:
        row = await self._fetch_one("get_route_by_name", name, entity="data_transfer_route", key=name)
        return DataTransferRoute.from_row(row)

    async def update_route(self, route_id: int, changes: DataTransferRouteUpdate) -> DataTransferRoute:
        row = await self._update("data_transfer_route", route_id, changes, entity="data_transfer_route")
        return DataTransferRoute.from_row(row)

    async def list_routes(
        self, *, origin_site_id: int | None = None, active: bool | None = None, limit: int = 100
    ) -> list[DataTransferRoute]:
        rows = await self.conn.fetch(query("list_routes"), origin_site_id, active, page_limit(limit))
        return [DataTransferRoute.from_row(r) for r in rows]
