"""Scientific planning: programs, sources (all three types, cone search), obs modes and obs units."""

from __future__ import annotations

import math
from typing import Any

import pytest
from pydantic import ValidationError

from opsdb.db import Database, UnitOfWork
from opsdb.errors import (
    CheckViolationError,
    ConflictError,
    InputValidationError,
    InvalidReferenceError,
    NotFoundError,
)
from opsdb.queries import query
from opsdb.schemas.enums import FrameType, SourceType
from opsdb.schemas.infrastructure import (
    InstrumentCreate,
    InstrumentModuleConfigurationCreate,
    InstrumentModuleCreate,
    ObservationConfigurationCreate,
    ObservatoryCreate,
    TelescopeCreate,
)
from opsdb.schemas.planning import (
    SOURCE_CREATE,
    ConstantElevationSource,
    FixedSource,
    FixedSourceCreate,
    ObservingProgramCreate,
    ObservingProgramUpdate,
    ObsModeCreate,
    ObsModeUpdate,
    ObsUnitCreate,
    ObsUnitUpdate,
    SolarSystemSource,
    SolarSystemSourceCreate,
    SourceUpdate,
    SubObservingProgramCreate,
    SubObservingProgramUpdate,
)

pytestmark = pytest.mark.anyio


def _fixed(name: str, ra: float, dec: float, frame: str = "icrs") -> FixedSourceCreate:
    return FixedSourceCreate(name=name, ra_deg=ra, dec_deg=dec, frame=FrameType(frame))


def _great_circle_deg(ra1: float, dec1: float, ra2: float, dec2: float) -> float:
    r1, d1, r2, d2 = map(math.radians, (ra1, dec1, ra2, dec2))
    cos_d = math.sin(d1) * math.sin(d2) + math.cos(d1) * math.cos(d2) * math.cos(r1 - r2)
    return math.degrees(math.acos(max(-1.0, min(1.0, cos_d))))


async def _planning(uow: UnitOfWork) -> dict[str, int]:
    """A program with a sub-program, a source, a mode and two LFA configurations; returns their ids."""
    observatory = await uow.observatories.create_observatory(ObservatoryCreate(name="CCAT"))
    telescope = await uow.observatories.create_telescope(TelescopeCreate(observatory_id=observatory.id, name="FYST"))
    chai = await uow.observatories.create_instrument(InstrumentCreate(telescope_id=telescope.id, name="CHAI"))
    lfa = await uow.observatories.create_module(InstrumentModuleCreate(instrument_id=chai.id, name="LFA"))
    configs = [
        await uow.observatories.create_module_configuration(
            InstrumentModuleConfigurationCreate(instrument_module_id=lfa.id, name=name)
        )
        for name in ("co43", "ci10")
    ]
    obs_config = await uow.observatories.create_observation_configuration(ObservationConfigurationCreate(name="otf"))
    geco = await uow.programs.create_program(ObservingProgramCreate(name="Galactic Ecology", short_name="GEco"))
    sub = await uow.programs.create_sub_program(
        SubObservingProgramCreate(observing_program_id=geco.id, name="Orion", short_name="orion")
    )
    orion = await uow.sources.create_source(_fixed("Orion-KL", 83.8221, -5.3911))
    mode = await uow.obs_units.create_obs_mode(ObsModeCreate(name="otf_map"))
    return {
        "program": geco.id,
        "sub_program": sub.id,
        "source": orion.id,
        "obs_mode": mode.id,
        "obs_config": obs_config.id,
        "config_a": configs[0].id,
        "config_b": configs[1].id,
    }


# -- programs ----------------------------------------------------------------------------


async def test_programs_and_sub_programs_round_trip(db: Database) -> None:
    async with db.transaction() as uow:
        geco = await uow.programs.create_program(
            ObservingProgramCreate(
                name="Galactic Ecology", short_name="GEco", pi_name="A. Astronomer", contact_email="pi@example.org"
            )
        )
        cal = await uow.programs.create_program(ObservingProgramCreate(name="Calibration", short_name="Cal"))
        assert await uow.programs.get_program(geco.id) == geco
        assert await uow.programs.get_program_by_short_name("Cal") == cal
        updated = await uow.programs.update_program(cal.id, ObservingProgramUpdate(description="pointing, focus"))
        assert updated.description == "pointing, focus" and updated.short_name == "Cal"
        assert [p.short_name for p in await uow.programs.list_programs()] == ["GEco", "Cal"]
        assert [p.short_name for p in await uow.programs.list_programs(after_id=geco.id)] == ["Cal"]

        orion = await uow.programs.create_sub_program(
            SubObservingProgramCreate(observing_program_id=geco.id, name="Orion", short_name="orion")
        )
        focus = await uow.programs.create_sub_program(
            SubObservingProgramCreate(observing_program_id=cal.id, name="Focus", short_name="focus")
        )
        assert await uow.programs.get_sub_program(orion.id) == orion
        assert await uow.programs.get_sub_program_by_short_name(geco.id, "orion") == orion
        renamed = await uow.programs.update_sub_program(focus.id, SubObservingProgramUpdate(name="Focus runs"))
        assert renamed.name == "Focus runs"
        assert await uow.programs.list_sub_programs(program_id=geco.id) == [orion]
        assert [s.id for s in await uow.programs.list_sub_programs()] == [orion.id, focus.id]
        assert await uow.programs.list_sub_programs(after_id=orion.id) == [renamed]
        with pytest.raises(NotFoundError, match="sub_observing_program not found"):
            await uow.programs.get_sub_program_by_short_name(cal.id, "orion")
        with pytest.raises(NotFoundError, match="observing_program not found: ENG"):
            await uow.programs.get_program_by_short_name("ENG")


async def test_program_duplicates_and_missing_parent(db: Database) -> None:
    async with db.transaction() as uow:
        geco = await uow.programs.create_program(ObservingProgramCreate(name="Galactic Ecology", short_name="GEco"))
        await uow.programs.create_sub_program(
            SubObservingProgramCreate(observing_program_id=geco.id, name="Orion", short_name="orion")
        )
    with pytest.raises(ConflictError) as conflict:
        async with db.transaction() as uow:
            await uow.programs.create_program(ObservingProgramCreate(name="Other", short_name="GEco"))
    assert conflict.value.constraint == "observing_program_short_name_key"
    with pytest.raises(ConflictError) as conflict:
        async with db.transaction() as uow:
            await uow.programs.create_sub_program(
                SubObservingProgramCreate(observing_program_id=geco.id, name="Again", short_name="orion")
            )
    assert conflict.value.constraint == "sub_observing_program_program_short_name_key"
    with pytest.raises(InvalidReferenceError) as invalid:
        async with db.transaction() as uow:
            await uow.programs.create_sub_program(
                SubObservingProgramCreate(observing_program_id=999, name="Lost", short_name="lost")
            )
    assert invalid.value.constraint == "sub_observing_program_observing_program_id_fkey"


# -- sources -----------------------------------------------------------------------------


async def test_every_source_type_round_trips_as_its_subtype(db: Database) -> None:
    async with db.transaction() as uow:
        orion = await uow.sources.create_source(
            SOURCE_CREATE.validate_python({"type": "fixed", "name": "Orion-KL", "ra_deg": 83.8221, "dec_deg": -5.3911})
        )
        jupiter = await uow.sources.create_source(
            SOURCE_CREATE.validate_python({"type": "solar_system", "name": "Jupiter", "ephemeris_body": "jupiter"})
        )
        survey = await uow.sources.create_source(
            SOURCE_CREATE.validate_python(
                {
                    "type": "constant_elevation",
                    "name": "wide_field",
                    "description": "wraps through RA 0",
                    "ra_min_deg": 350,
                    "ra_max_deg": 10,
                    "dec_min_deg": -40,
                    "dec_max_deg": -30,
                    "elevation_deg": 45,
                }
            )
        )
        assert isinstance(orion, FixedSource) and orion.frame is FrameType.ICRS
        assert isinstance(jupiter, SolarSystemSource) and jupiter.ephemeris_body == "jupiter"
        assert isinstance(survey, ConstantElevationSource) and (survey.ra_min_deg, survey.ra_max_deg) == (350, 10)
        assert await uow.sources.get_source(jupiter.id) == jupiter
        assert await uow.sources.get_source_by_name("wide_field") == survey
        assert await uow.sources.get_source_by_name("Orion-KL") == orion
        assert await uow.sources.list_sources() == [orion, jupiter, survey]
        assert await uow.sources.list_sources(source_type=SourceType.SOLAR_SYSTEM) == [jupiter]
        assert await uow.sources.list_sources(after_id=orion.id, limit=1) == [jupiter]

        moved = await uow.sources.update_source(orion.id, SourceUpdate(ra_deg=83.82, frame=FrameType.FK5))
        assert isinstance(moved, FixedSource) and (moved.ra_deg, moved.dec_deg, moved.frame) == (83.82, -5.3911, "fk5")
        described = await uow.sources.update_source(jupiter.id, SourceUpdate(description="gas giant"))
        assert isinstance(described, SolarSystemSource) and described.description == "gas giant"
        with pytest.raises(NotFoundError, match="source not found: Saturn"):
            await uow.sources.get_source_by_name("Saturn")


async def test_update_cannot_give_a_source_another_types_columns(db: Database) -> None:
    async with db.transaction() as uow:
        jupiter = await uow.sources.create_source(SolarSystemSourceCreate(name="Jupiter", ephemeris_body="jupiter"))
    with pytest.raises(CheckViolationError) as err:
        async with db.transaction() as uow:
            await uow.sources.update_source(jupiter.id, SourceUpdate(ra_deg=10, dec_deg=10, frame=FrameType.ICRS))
    assert err.value.constraint == "source_fixed_columns"


async def test_duplicate_source_name_is_a_conflict(db: Database) -> None:
    async with db.transaction() as uow:
        await uow.sources.create_source(_fixed("IRC10216", 146.9892, 13.2786))
    with pytest.raises(ConflictError) as err:
        async with db.transaction() as uow:
            await uow.sources.create_source(SolarSystemSourceCreate(name="IRC10216", ephemeris_body="x"))
    assert err.value.constraint == "source_name_key"


async def test_cone_search_returns_nearest_first_with_distance(db: Database) -> None:
    async with db.transaction() as uow:
        near = await uow.sources.create_source(_fixed("near", 10.2, 20.0))
        nearer = await uow.sources.create_source(_fixed("nearer", 10.0, 20.1))
        await uow.sources.create_source(_fixed("outside", 11.5, 20.0))  # 1.41 deg away
        await uow.sources.create_source(_fixed("far", 190.0, -20.0))
        await uow.sources.create_source(SolarSystemSourceCreate(name="Mars", ephemeris_body="mars"))
        hits = await uow.sources.cone_search(10.0, 20.0, 1.0)
        assert [h.source.id for h in hits] == [nearer.id, near.id]
        assert hits[0].distance_deg == pytest.approx(0.1, abs=1e-9)
        assert hits[1].distance_deg == pytest.approx(_great_circle_deg(10.0, 20.0, 10.2, 20.0), abs=1e-9)
        assert hits[0].source == nearer
        assert [h.source.id for h in await uow.sources.cone_search(10.0, 20.0, 1.0, limit=1)] == [nearer.id]
        assert await uow.sources.cone_search(100.0, 20.0, 1.0) == []


async def test_cone_search_wraps_around_ra_zero(db: Database) -> None:
    async with db.transaction() as uow:
        east = await uow.sources.create_source(_fixed("east_of_zero", 0.05, 0.0))
        west = await uow.sources.create_source(_fixed("west_of_zero", 359.8, 0.0))
        await uow.sources.create_source(_fixed("too_far_east", 0.5, 0.0))
        south = await uow.sources.create_source(_fixed("south", 359.95, -30.0))

        hits = await uow.sources.cone_search(359.9, 0.0, 0.3)
        assert [(h.source.id, round(h.distance_deg, 6)) for h in hits] == [(west.id, 0.1), (east.id, 0.15)]
        from_the_other_side = await uow.sources.cone_search(0.1, 0.0, 0.35)
        assert [h.source.id for h in from_the_other_side] == [east.id, west.id]
        at_minus_30 = await uow.sources.cone_search(0.1, -30.0, 0.2)
        assert [h.source.id for h in at_minus_30] == [south.id]
        assert at_minus_30[0].distance_deg == pytest.approx(_great_circle_deg(0.1, -30, 359.95, -30), abs=1e-9)


async def test_cone_search_near_the_pole_crosses_it_and_needs_no_ra_box(db: Database) -> None:
    async with db.transaction() as uow:
        over_the_pole = await uow.sources.create_source(_fixed("over_the_pole", 180.0, 89.8))
        quarter = await uow.sources.create_source(_fixed("quarter", 90.0, 89.8))
        await uow.sources.create_source(_fixed("below", 0.0, 89.0))
        # at dec 60 an RA offset of 1.9 deg is only ~0.95 deg of sky
        wide_ra = await uow.sources.create_source(_fixed("wide_ra", 11.9, 60.0))

        hits = await uow.sources.cone_search(0.0, 89.8, 0.5)
        assert [h.source.id for h in hits] == [quarter.id, over_the_pole.id]
        assert hits[1].distance_deg == pytest.approx(0.4, abs=1e-9)
        assert hits[0].distance_deg == pytest.approx(_great_circle_deg(0, 89.8, 90, 89.8), abs=1e-9)
        assert [h.source.id for h in await uow.sources.cone_search(10.0, 60.0, 1.0)] == [wide_ra.id]
        south_pole = await uow.sources.create_source(_fixed("south_pole", 0.0, -90.0))
        assert [h.source.id for h in await uow.sources.cone_search(123.0, -89.9, 0.2)] == [south_pole.id]


async def test_cone_search_keeps_equatorial_and_galactic_frames_apart(db: Database) -> None:
    async with db.transaction() as uow:
        icrs = await uow.sources.create_source(_fixed("icrs", 50.0, 10.0))
        fk5 = await uow.sources.create_source(_fixed("fk5", 50.0, 10.05, "fk5"))
        galactic = await uow.sources.create_source(_fixed("galactic", 50.0, 10.02, "galactic"))
        assert [h.source.id for h in await uow.sources.cone_search(50.0, 10.0, 0.1)] == [icrs.id, fk5.id]
        galactic_hits = await uow.sources.cone_search(50.0, 10.0, 0.1, frame=FrameType.GALACTIC)
        assert [h.source.id for h in galactic_hits] == [galactic.id]


async def test_cone_search_rejects_bad_arguments_naming_them(db: Database) -> None:
    async with db.transaction() as uow:
        with pytest.raises(InputValidationError) as err:
            await uow.sources.cone_search(360.0, 91.0, 0.0)
    assert [p.field for p in err.value.problems] == ["ra_deg", "dec_deg", "radius_deg"]


async def test_cone_search_narrows_by_the_declination_index(db: Database) -> None:
    async with db.connection() as conn:
        await conn.execute("SET enable_seqscan = off")
        plan = await conn.fetch("EXPLAIN " + query("cone_search_fixed_sources"), 10.0, 20.0, 1.0, ["icrs"], 10)
    assert "source_fixed_dec_idx" in "\n".join(r["QUERY PLAN"] for r in plan)


# -- obs modes and obs units ---------------------------------------------------------------


async def test_obs_modes_round_trip(db: Database) -> None:
    async with db.transaction() as uow:
        otf = await uow.obs_units.create_obs_mode(ObsModeCreate(name="otf_map", description="on-the-fly map"))
        pointed = await uow.obs_units.create_obs_mode(ObsModeCreate(name="pointed"))
        assert await uow.obs_units.get_obs_mode(otf.id) == otf
        assert await uow.obs_units.get_obs_mode_by_name("pointed") == pointed
        changed = await uow.obs_units.update_obs_mode(pointed.id, ObsModeUpdate(description="position switch"))
        assert changed.description == "position switch"
        assert await uow.obs_units.list_obs_modes() == [otf, changed]
        assert await uow.obs_units.list_obs_modes(after_id=otf.id) == [changed]
    with pytest.raises(ConflictError) as err:
        async with db.transaction() as uow:
            await uow.obs_units.create_obs_mode(ObsModeCreate(name="otf_map"))
    assert err.value.constraint == "obs_mode_name_key"


async def test_obs_unit_is_created_with_its_configurations_and_found_by_name(db: Database) -> None:
    async with db.transaction() as uow:
        ids = await _planning(uow)
        unit = await uow.obs_units.create_obs_unit(
            ObsUnitCreate(
                name="geco_orion_1",
                observing_program_id=ids["program"],
                sub_observing_program_id=ids["sub_program"],
                source_id=ids["source"],
                obs_mode_id=ids["obs_mode"],
                observation_configuration_id=ids["obs_config"],
                priority=5,
                requested_duration_s=3600,
                min_elevation_deg=30,
                max_elevation_deg=80,
                instrument_module_configuration_ids=[ids["config_b"], ids["config_a"]],
            )
        )
        assert (unit.priority, unit.requested_duration_s, unit.active) == (5, 3600, True)
        assert await uow.obs_units.get_obs_unit(unit.id) == unit
        assert await uow.obs_units.get_obs_unit_by_name("geco_orion_1") == unit
        linked = await uow.obs_units.list_configurations(unit.id)
        assert [c.id for c in linked] == [ids["config_a"], ids["config_b"]]


async def test_configuration_links_are_idempotent_and_removable(db: Database) -> None:
    async with db.transaction() as uow:
        ids = await _planning(uow)
        unit = await uow.obs_units.create_obs_unit(
            ObsUnitCreate(
                name="u", observing_program_id=ids["program"], source_id=ids["source"], obs_mode_id=ids["obs_mode"]
            )
        )
        assert await uow.obs_units.list_configurations(unit.id) == []
        assert await uow.obs_units.link_configuration(unit.id, ids["config_a"]) is True
        assert await uow.obs_units.link_configuration(unit.id, ids["config_a"]) is False
        assert await uow.obs_units.link_configuration(unit.id, ids["config_b"]) is True
        assert [c.id for c in await uow.obs_units.list_configurations(unit.id)] == [ids["config_a"], ids["config_b"]]
        assert await uow.obs_units.unlink_configuration(unit.id, ids["config_a"]) is True
        assert await uow.obs_units.unlink_configuration(unit.id, ids["config_a"]) is False
        assert [c.id for c in await uow.obs_units.list_configurations(unit.id)] == [ids["config_b"]]
    with pytest.raises(InvalidReferenceError) as err:
        async with db.transaction() as uow:
            await uow.obs_units.link_configuration(unit.id, 999_999)
    # PostgreSQL's own (shortened) name for the link table's configuration foreign key
    assert err.value.constraint == "obs_unit_instrument_module_co_instrument_module_configurat_fkey"
    with pytest.raises(InvalidReferenceError):
        async with db.transaction() as uow:
            await uow.obs_units.link_configuration(999_999, ids["config_a"])


async def test_obs_unit_with_a_missing_configuration_is_not_written_at_all(db: Database) -> None:
    async with db.transaction() as uow:
        ids = await _planning(uow)
    with pytest.raises(InvalidReferenceError):
        async with db.transaction() as uow:
            await uow.obs_units.create_obs_unit(
                ObsUnitCreate(
                    name="u",
                    observing_program_id=ids["program"],
                    source_id=ids["source"],
                    obs_mode_id=ids["obs_mode"],
                    instrument_module_configuration_ids=[ids["config_a"], 999_999],
                )
            )
    async with db.transaction() as uow:
        assert await uow.obs_units.list_obs_units() == []


async def test_obs_unit_sub_program_must_belong_to_its_program(db: Database) -> None:
    async with db.transaction() as uow:
        ids = await _planning(uow)
        cal = await uow.programs.create_program(ObservingProgramCreate(name="Calibration", short_name="Cal"))
    with pytest.raises(InvalidReferenceError) as err:
        async with db.transaction() as uow:
            await uow.obs_units.create_obs_unit(
                ObsUnitCreate(
                    name="u",
                    observing_program_id=cal.id,
                    sub_observing_program_id=ids["sub_program"],
                    source_id=ids["source"],
                    obs_mode_id=ids["obs_mode"],
                )
            )
    assert err.value.constraint == "obs_unit_sub_observing_program_fkey"
    with pytest.raises(InvalidReferenceError) as err:
        async with db.transaction() as uow:
            await uow.obs_units.create_obs_unit(
                ObsUnitCreate(name="u", observing_program_id=ids["program"], source_id=999, obs_mode_id=ids["obs_mode"])
            )
    assert err.value.constraint == "obs_unit_source_id_fkey"


async def test_obs_units_list_by_program_sub_program_source_and_active(db: Database) -> None:
    async with db.transaction() as uow:
        ids = await _planning(uow)
        cal = await uow.programs.create_program(ObservingProgramCreate(name="Calibration", short_name="Cal"))
        jupiter = await uow.sources.create_source(SolarSystemSourceCreate(name="Jupiter", ephemeris_body="jupiter"))
        common = {"obs_mode_id": ids["obs_mode"]}
        a = await uow.obs_units.create_obs_unit(
            ObsUnitCreate(
                name="a",
                observing_program_id=ids["program"],
                sub_observing_program_id=ids["sub_program"],
                source_id=ids["source"],
                **common,
            )
        )
        b = await uow.obs_units.create_obs_unit(
            ObsUnitCreate(name="b", observing_program_id=ids["program"], source_id=ids["source"], **common)
        )
        c = await uow.obs_units.create_obs_unit(
            ObsUnitCreate(name="c", observing_program_id=cal.id, source_id=jupiter.id, active=False, **common)
        )
        b = await uow.obs_units.update_obs_unit(b.id, ObsUnitUpdate(active=False, priority=-1))
        assert (b.active, b.priority, b.name) == (False, -1, "b")

        assert await uow.obs_units.list_obs_units(program_id=ids["program"]) == [a, b]
        assert await uow.obs_units.list_obs_units(sub_program_id=ids["sub_program"]) == [a]
        assert await uow.obs_units.list_obs_units(source_id=jupiter.id) == [c]
        assert await uow.obs_units.list_obs_units(active=True) == [a]
        assert await uow.obs_units.list_obs_units(program_id=ids["program"], active=False) == [b]
        assert await uow.obs_units.list_obs_units(after_id=a.id, limit=1) == [b]
        assert await uow.obs_units.update_obs_unit(c.id, ObsUnitUpdate()) == c
    with pytest.raises(ConflictError) as err:
        async with db.transaction() as uow:
            await uow.obs_units.update_obs_unit(c.id, ObsUnitUpdate(name="a"))
    assert err.value.constraint == "obs_unit_name_key"
    with pytest.raises(NotFoundError, match="obs_unit not found: nothing"):
        async with db.transaction() as uow:
            await uow.obs_units.get_obs_unit_by_name("nothing")


# -- CHECK constraints (raw SQL: the pydantic layer would stop these rows first) -----------

_PROGRAM = "(SELECT id FROM observing_program WHERE short_name = 'GEco')"
_SOURCE = "(SELECT id FROM source WHERE name = 'Orion-KL')"
_MODE = "(SELECT id FROM obs_mode WHERE name = 'otf_map')"
_FIXED = "INSERT INTO source (type, name, ra_deg, dec_deg, frame) VALUES ('fixed', $1, $2, $3, $4)"
_REGION = (
    "INSERT INTO source (type, name, ra_min_deg, ra_max_deg, dec_min_deg, dec_max_deg, elevation_deg)"
    " VALUES ('constant_elevation', 'region', $1, $2, $3, $4, $5)"
)
_UNIT = (
    "INSERT INTO obs_unit (name, observing_program_id, source_id, obs_mode_id, requested_duration_s,"
    f" min_elevation_deg, max_elevation_deg) VALUES ($1, {_PROGRAM}, {_SOURCE}, {_MODE}, $2, $3, $4)"
)
CHECKS: list[tuple[str, str, tuple[Any, ...], tuple[Any, ...]]] = [
    (
        "observing_program_name_nonempty",
        "INSERT INTO observing_program (name, short_name) VALUES ($1, 'ENG')",
        ("",),
        ("Engineering",),
    ),
    (
        "observing_program_short_name_identifier",
        "INSERT INTO observing_program (name, short_name) VALUES ('Engineering', $1)",
        ("1eng",),
        ("ENG",),
    ),
    (
        "observing_program_contact_email_format",
        "INSERT INTO observing_program (name, short_name, contact_email) VALUES ('Engineering', 'ENG', $1)",
        ("no at sign",),
        ("eng@example.org",),
    ),
    (
        "sub_observing_program_name_nonempty",
        f"INSERT INTO sub_observing_program (observing_program_id, name, short_name) VALUES ({_PROGRAM}, $1, 's')",
        ("",),
        ("S",),
    ),
    (
        "sub_observing_program_short_name_identifier",
        f"INSERT INTO sub_observing_program (observing_program_id, name, short_name) VALUES ({_PROGRAM}, 'S', $1)",
        ("has space",),
        ("has_underscore",),
    ),
    (
        "source_type_valid",
        "INSERT INTO source (type, name, ephemeris_body) VALUES ($1, 'x', $2)",
        ("comet", None),
        ("solar_system", "io"),
    ),
    ("source_name_nonempty", _FIXED, ("", 1.0, 1.0, "icrs"), ("x", 1.0, 1.0, "icrs")),
    ("source_ra_range", _FIXED, ("x", 360.0, 1.0, "icrs"), ("x", 359.999, 1.0, "icrs")),
    ("source_dec_range", _FIXED, ("x", 1.0, -90.5, "icrs"), ("x", 1.0, -90.0, "icrs")),
    ("source_frame_valid", _FIXED, ("x", 1.0, 1.0, "fk4"), ("x", 1.0, 1.0, "galactic")),
    ("source_fixed_columns", _FIXED, ("x", 1.0, 1.0, None), ("x", 1.0, 1.0, "icrs")),
    (
        "source_ephemeris_body_nonempty",
        "INSERT INTO source (type, name, ephemeris_body) VALUES ('solar_system', 'x', $1)",
        ("",),
        ("saturn",),
    ),
    (
        "source_solar_system_columns",
        "INSERT INTO source (type, name, ra_deg, dec_deg, frame, ephemeris_body)"
        " VALUES ('fixed', 'x', 1, 1, 'icrs', $1)",
        ("saturn",),
        (None,),
    ),
    ("source_ra_min_range", _REGION, (360.0, 10.0, 0.0, 1.0, 45.0), (0.0, 10.0, 0.0, 1.0, 45.0)),
    ("source_ra_max_range", _REGION, (0.0, 360.5, 0.0, 1.0, 45.0), (0.0, 360.0, 0.0, 1.0, 45.0)),
    ("source_dec_min_range", _REGION, (0.0, 10.0, -91.0, 1.0, 45.0), (0.0, 10.0, -90.0, 1.0, 45.0)),
    ("source_dec_max_range", _REGION, (0.0, 10.0, 0.0, 91.0, 45.0), (0.0, 10.0, 0.0, 90.0, 45.0)),
    ("source_elevation_range", _REGION, (0.0, 10.0, 0.0, 1.0, 0.0), (0.0, 10.0, 0.0, 1.0, 90.0)),
    ("source_constant_elevation_columns", _REGION, (0.0, 10.0, 2.0, 1.0, 45.0), (0.0, 10.0, 1.0, 1.0, 45.0)),
    ("obs_mode_name_nonempty", "INSERT INTO obs_mode (name) VALUES ($1)", ("",), ("pointed",)),
    ("obs_unit_name_nonempty", _UNIT, ("", None, None, None), ("u", None, None, None)),
    ("obs_unit_requested_duration_positive", _UNIT, ("u", 0.0, None, None), ("u", 0.001, None, None)),
    ("obs_unit_min_elevation_range", _UNIT, ("u", None, -1.0, None), ("u", None, 0.0, None)),
    ("obs_unit_max_elevation_range", _UNIT, ("u", None, None, 90.5), ("u", None, None, 90.0)),
    ("obs_unit_elevation_order", _UNIT, ("u", None, 40.0, 30.0), ("u", None, 40.0, 40.0)),
]


@pytest.mark.parametrize(("constraint", "sql", "bad", "good"), CHECKS, ids=[c[0] for c in CHECKS])
async def test_check_constraint_refuses_bad_row_and_accepts_good_one(
    db: Database, constraint: str, sql: str, bad: tuple[Any, ...], good: tuple[Any, ...]
) -> None:
    async with db.transaction() as uow:
        await _planning(uow)
    async with db.connection() as conn:
        with pytest.raises(CheckViolationError) as err:
            await conn.execute(sql, *bad)
        assert err.value.constraint == constraint
        await conn.execute(sql, *good)


# -- pydantic ------------------------------------------------------------------------------


def _messages(exc: ValidationError) -> str:
    return " | ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())


def test_validation_errors_name_the_field() -> None:
    with pytest.raises(ValidationError) as err:
        SOURCE_CREATE.validate_python({"type": "fixed", "name": "x", "ra_deg": 360, "dec_deg": 0})
    assert err.value.errors()[0]["loc"] == ("fixed", "ra_deg")
    with pytest.raises(ValidationError) as err:
        SOURCE_CREATE.validate_python({"type": "comet", "name": "x"})
    assert err.value.errors()[0]["type"] == "union_tag_invalid"
    with pytest.raises(ValidationError) as err:
        SOURCE_CREATE.validate_python({"type": "solar_system", "name": "x", "ra_deg": 1.0, "ephemeris_body": "io"})
    assert err.value.errors()[0]["loc"] == ("solar_system", "ra_deg")
    with pytest.raises(ValidationError) as err:
        SOURCE_CREATE.validate_python(
            {
                "type": "constant_elevation",
                "name": "x",
                "ra_min_deg": 0,
                "ra_max_deg": 10,
                "dec_min_deg": 5,
                "dec_max_deg": 1,
                "elevation_deg": 45,
            }
        )
    assert "dec_max_deg: must not be below dec_min_deg" in _messages(err.value)
    with pytest.raises(ValidationError) as err:
        SourceUpdate(ra_deg=None)
    assert "ra_deg: may not be null" in _messages(err.value)
    with pytest.raises(ValidationError) as err:
        ObservingProgramCreate(name="x", short_name="has space")
    assert err.value.errors()[0]["loc"] == ("short_name",)
    with pytest.raises(ValidationError) as err:
        ObservingProgramCreate(name="x", short_name="x", contact_email="nobody")
    assert err.value.errors()[0]["loc"] == ("contact_email",)
    with pytest.raises(ValidationError) as err:
        ObsUnitCreate(
            name="u", observing_program_id=1, source_id=1, obs_mode_id=1, min_elevation_deg=50, max_elevation_deg=40
        )
    assert "max_elevation_deg: must not be below min_elevation_deg" in _messages(err.value)
    with pytest.raises(ValidationError) as err:
        ObsUnitCreate(name="u", observing_program_id=1, source_id=1, obs_mode_id=1, requested_duration_s=0)
    assert err.value.errors()[0]["loc"] == ("requested_duration_s",)
    with pytest.raises(ValidationError) as err:
        ObsUnitCreate(
            name="u", observing_program_id=1, source_id=1, obs_mode_id=1, instrument_module_configuration_ids=[1, 1]
        )
    assert err.value.errors()[0]["loc"] == ("instrument_module_configuration_ids",)
    with pytest.raises(ValidationError) as err:
        ObsUnitUpdate(source_id=None)
    assert "source_id: may not be null" in _messages(err.value)
