"""Sites, data locations (all three storage types) and routes against the real schema."""

from __future__ import annotations

import pytest

from opsdb.db import Database
from opsdb.errors import CheckViolationError, ConflictError, InvalidReferenceError, NotFoundError
from opsdb.schemas.enums import LocationType, RouteType
from opsdb.schemas.locations import (
    DATA_LOCATION_CREATE,
    DataLocationUpdate,
    DataTransferRouteCreate,
    DiskLocation,
    S3Location,
    SiteCreate,
    SiteUpdate,
    TapeLocation,
)

pytestmark = pytest.mark.anyio


async def test_site_round_trip_and_natural_key(db: Database) -> None:
    async with db.transaction() as uow:
        site = await uow.sites.create_site(SiteCreate(name="CCAT", short_name="ccat", location="Chile"))
        assert (await uow.sites.get_site(site.id)) == site
        assert (await uow.sites.get_site_by_short_name("ccat")).id == site.id
        updated = await uow.sites.update_site(site.id, SiteUpdate(location="Cerro Chajnantor"))
        assert updated.location == "Cerro Chajnantor" and updated.updated_at >= site.updated_at


async def test_duplicate_short_name_is_a_conflict_naming_the_key(db: Database) -> None:
    async with db.transaction() as uow:
        await uow.sites.create_site(SiteCreate(name="CCAT", short_name="ccat"))
    with pytest.raises(ConflictError) as err:
        async with db.transaction() as uow:
            await uow.sites.create_site(SiteCreate(name="Other", short_name="ccat"))
    assert err.value.constraint == "site_short_name_key"
    assert "ccat" in str(err.value)


async def test_missing_site_is_not_found(db: Database) -> None:
    async with db.transaction() as uow:
        with pytest.raises(NotFoundError, match="site not found: nowhere"):
            await uow.sites.get_site_by_short_name("nowhere")


async def test_every_location_type_round_trips_as_its_subtype(db: Database) -> None:
    async with db.transaction() as uow:
        site = await uow.sites.create_site(SiteCreate(name="Cologne", short_name="cologne"))
        disk = await uow.sites.create_location(
            DATA_LOCATION_CREATE.validate_python(
                {
                    "type": "disk",
                    "site_id": site.id,
                    "name": "buffer",
                    "location_type": "buffer",
                    "host": "buf1",
                    "root_path": "/data/buffer",
                }
            )
        )
        s3 = await uow.sites.create_location(
            DATA_LOCATION_CREATE.validate_python(
                {
                    "type": "s3",
                    "site_id": site.id,
                    "name": "lta_s3",
                    "location_type": "long_term_archive",
                    "endpoint_url": "https://s3.example.org",
                    "bucket": "ccat-raw",
                    "region": "eu",
                }
            )
        )
        tape = await uow.sites.create_location(
            DATA_LOCATION_CREATE.validate_python(
                {
                    "type": "tape",
                    "site_id": site.id,
                    "name": "tape",
                    "location_type": "long_term_archive",
                    "library_name": "TS4500",
                }
            )
        )
        assert isinstance(disk, DiskLocation) and isinstance(s3, S3Location) and isinstance(tape, TapeLocation)
        assert await uow.sites.get_location(s3.id) == s3
        assert await uow.sites.get_location_by_name("cologne", "tape") == tape
        archives = await uow.sites.list_locations(location_type=LocationType.LONG_TERM_ARCHIVE)
        assert {loc.id for loc in archives} == {s3.id, tape.id}
        off = await uow.sites.update_location(disk.id, DataLocationUpdate(active=False))
        assert isinstance(off, DiskLocation) and off.active is False
        assert [loc.id for loc in await uow.sites.list_locations(active=True)] == [s3.id, tape.id]


async def test_location_check_forbids_foreign_subtype_columns(db: Database) -> None:
    async with db.transaction() as uow:
        site = await uow.sites.create_site(SiteCreate(name="CCAT", short_name="ccat"))
    async with db.connection() as conn:
        with pytest.raises(CheckViolationError) as err:
            await conn.execute(
                "INSERT INTO data_location (type, site_id, name, location_type, host, root_path, bucket)"
                " VALUES ('disk', $1, 'x', 'source', 'h', '/r', 'b')",
                site.id,
            )
    assert err.value.constraint == "data_location_disk_columns"


async def test_custom_route_override_must_lie_at_its_own_site(db: Database) -> None:
    async with db.transaction() as uow:
        ccat = await uow.sites.create_site(SiteCreate(name="CCAT", short_name="ccat"))
        cologne = await uow.sites.create_site(SiteCreate(name="Cologne", short_name="cologne"))
        cologne_buffer = await uow.sites.create_location(
            DATA_LOCATION_CREATE.validate_python(
                {
                    "type": "disk",
                    "site_id": cologne.id,
                    "name": "buffer",
                    "location_type": "buffer",
                    "host": "b",
                    "root_path": "/b",
                }
            )
        )
    with pytest.raises(InvalidReferenceError) as err:
        async with db.transaction() as uow:
            await uow.sites.create_route(
                DataTransferRouteCreate(
                    name="bad",
                    origin_site_id=ccat.id,
                    destination_site_id=cologne.id,
                    route_type=RouteType.CUSTOM,
                    origin_location_id=cologne_buffer.id,
                )
            )
    assert err.value.constraint == "data_transfer_route_origin_location_fkey"
    async with db.transaction() as uow:
        route = await uow.sites.create_route(
            DataTransferRouteCreate(
                name="ccat_to_cologne",
                origin_site_id=ccat.id,
                destination_site_id=cologne.id,
                route_type=RouteType.CUSTOM,
                destination_location_id=cologne_buffer.id,
            )
        )
        assert (await uow.sites.get_route_by_name("ccat_to_cologne")) == route
        assert [r.id for r in await uow.sites.list_routes(origin_site_id=ccat.id)] == [route.id]


async def test_deleting_a_site_that_still_has_locations_is_an_invalid_reference(db: Database) -> None:
    async with db.transaction() as uow:
        site = await uow.sites.create_site(SiteCreate(name="US", short_name="us"))
        await uow.sites.create_location(
            DATA_LOCATION_CREATE.validate_python(
                {"type": "disk", "site_id": site.id, "name": "buffer", "location_type": "buffer",
                 "host": "b", "root_path": "/b"}
            )
        )  # fmt: skip
    async with db.connection() as conn:
        # PostgreSQL 18 reports restrict_violation, 15 foreign_key_violation: both map here
        with pytest.raises(InvalidReferenceError) as err:
            await conn.execute("DELETE FROM site WHERE id = $1", site.id)
    assert err.value.constraint == "data_location_site_id_fkey"
