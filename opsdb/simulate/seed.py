"""The observatory a simulated night runs in (CCAT / FYST, its instruments, sites, routes and plans).

Holds `seed_observatory` and the ids it returns (`Observatory`), written through the
repositories; not the night's files or work, nor the database set-up.
"""

from __future__ import annotations

from dataclasses import dataclass

from opsdb.db import Database
from opsdb.schemas.infrastructure import InstrumentCreate, InstrumentModuleCreate, ObservatoryCreate, TelescopeCreate
from opsdb.schemas.locations import DataTransferRouteCreate, DiskLocationCreate, SiteCreate, TapeLocationCreate
from opsdb.schemas.planning import (
    ConstantElevationSourceCreate,
    FixedSourceCreate,
    ObservingProgramCreate,
    ObsModeCreate,
    ObsUnitCreate,
    SolarSystemSourceCreate,
)


@dataclass(frozen=True)
class Observatory:
    """Ids of what the night needs."""

    modules: dict[str, list[tuple[int, str]]]
    """instrument name -> [(module id, module name)]"""
    source_locations: dict[str, int]
    """instrument name -> its SOURCE location at the telescope"""
    locations: dict[str, int]
    """"site_location" -> location id"""
    obs_units: list[tuple[int, str]]
    """(obs unit id, instrument name)"""


async def seed_observatory(db: Database) -> Observatory:
    """CCAT / FYST, CHAI and Prime-Cam, three sites with their locations and routes, programs, sources, obs units."""
    async with db.transaction() as uow:
        obs = await uow.observatories.create_observatory(ObservatoryCreate(name="CCAT"))
        fyst = await uow.observatories.create_telescope(
            TelescopeCreate(
                observatory_id=obs.id,
                name="FYST",
                description="Fred Young Submillimeter Telescope, Cerro Chajnantor",
                latitude_deg=-22.9856,
                longitude_deg=-67.7405,
                elevation_m=5600,
            )
        )
        layout = {
            "CHAI": [("LFA", 64, 455.0, 495.0), ("HFA", 64, 800.0, 820.0), ("Mini-CHAI", 8, 455.0, 495.0)],
            "Prime-Cam": [
                ("280GHz", 3456, 255.0, 305.0),
                ("350GHz", 3456, 325.0, 375.0),
                ("850GHz", 3456, 820.0, 880.0),
            ],
        }
        modules: dict[str, list[tuple[int, str]]] = {}
        for instrument_name, specs in layout.items():
            instrument = await uow.observatories.create_instrument(
                InstrumentCreate(telescope_id=fyst.id, name=instrument_name)
            )
            modules[instrument_name] = []
            for name, pixels, low, high in specs:
                module = await uow.observatories.create_module(
                    InstrumentModuleCreate(
                        instrument_id=instrument.id,
                        name=name,
                        pixel_count=pixels,
                        frequency_min_ghz=low,
                        frequency_max_ghz=high,
                    )
                )
                modules[instrument_name].append((module.id, name))

        sites = {}
        for short, name, where in (
            ("ccat", "CCAT telescope site", "Cerro Chajnantor, Chile"),
            ("cologne", "University of Cologne (primary archive)", "Cologne, Germany"),
            ("us", "Cornell University", "Ithaca, NY, USA"),
        ):
            sites[short] = (await uow.sites.create_site(SiteCreate(name=name, short_name=short, location=where))).id
        locations: dict[str, int] = {}
        disks = (
            ("ccat", "chai_source", "source", "chai-daq"),
            ("ccat", "primecam_source", "source", "primecam-daq"),
            ("ccat", "buffer", "buffer", "ccat-buffer"),
            ("cologne", "buffer", "buffer", "cologne-buffer"),
            ("cologne", "processing", "processing", "cologne-hpc"),
            ("us", "buffer", "buffer", "cornell-buffer"),
        )
        for site, name, kind, host in disks:
            loc = await uow.sites.create_location(
                DiskLocationCreate(
                    site_id=sites[site], name=name, location_type=kind, host=host, root_path=f"/data/{name}"
                )
            )
            locations[f"{site}_{name}"] = loc.id
        for site, library in (("cologne", "cologne-tape"), ("us", "cornell-tape")):
            loc = await uow.sites.create_location(
                TapeLocationCreate(
                    site_id=sites[site],
                    name="long_term_archive",
                    location_type="long_term_archive",
                    library_name=library,
                )
            )
            locations[f"{site}_long_term_archive"] = loc.id
        for name, destination in (("ccat_to_cologne", "cologne"), ("ccat_to_us", "us")):
            await uow.sites.create_route(
                DataTransferRouteCreate(
                    name=name, origin_site_id=sites["ccat"], destination_site_id=sites[destination], route_type="direct"
                )
            )

        programs = {}
        for short, name in (("GEco", "Galactic Ecology"), ("Cal", "Calibration"), ("ENG", "Engineering")):
            programs[short] = (
                await uow.programs.create_program(ObservingProgramCreate(name=name, short_name=short))
            ).id
        orion = await uow.sources.create_source(FixedSourceCreate(name="Orion-KL", ra_deg=83.8221, dec_deg=-5.3911))
        irc = await uow.sources.create_source(FixedSourceCreate(name="IRC10216", ra_deg=146.9892, dec_deg=13.2787))
        jupiter = await uow.sources.create_source(SolarSystemSourceCreate(name="Jupiter", ephemeris_body="jupiter"))
        field_ = await uow.sources.create_source(
            ConstantElevationSourceCreate(
                name="Deep56-ce",
                ra_min_deg=0.0,
                ra_max_deg=40.0,
                dec_min_deg=-10.0,
                dec_max_deg=5.0,
                elevation_deg=50.0,
            )
        )
        modes = {}
        for name in ("otf_map", "pointing", "ce_scan"):
            modes[name] = (await uow.obs_units.create_obs_mode(ObsModeCreate(name=name))).id
        plan = (
            ("GEco-Orion-CHAI", "GEco", orion.id, "otf_map", "CHAI"),
            ("GEco-IRC10216-CHAI", "GEco", irc.id, "otf_map", "CHAI"),
            ("Cal-Jupiter-PrimeCam", "Cal", jupiter.id, "pointing", "Prime-Cam"),
            ("ENG-Deep56-PrimeCam", "ENG", field_.id, "ce_scan", "Prime-Cam"),
        )
        obs_units = []
        for name, program, source, mode, instrument_name in plan:
            unit = await uow.obs_units.create_obs_unit(
                ObsUnitCreate(
                    name=name, observing_program_id=programs[program], source_id=source, obs_mode_id=modes[mode]
                )
            )
            obs_units.append((unit.id, instrument_name))
    return Observatory(
        modules=modules,
        source_locations={
            "CHAI": locations["ccat_chai_source"],
            "Prime-Cam": locations["ccat_primecam_source"],
        },
        locations=locations,
        obs_units=obs_units,
    )
