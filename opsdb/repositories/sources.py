"""Sources (fixed / solar_system / constant_elevation) and cone search.

Rows, look-ups and the cone search; which obs units observe a source is repositories/obs_units.py.
"""

from __future__ import annotations

import math

from opsdb.errors import FieldProblem, InputValidationError
from opsdb.queries import ModelBinding, query
from opsdb.repositories.base import Repository, page_limit
from opsdb.schemas.base import subtype_from_row
from opsdb.schemas.enums import FrameType, SourceType
from opsdb.schemas.planning import (
    SOURCE_MODELS,
    ConeSearchHit,
    ConstantElevationSourceCreate,
    FixedSourceCreate,
    SolarSystemSourceCreate,
    Source,
    SourceCreate,
    SourceUpdate,
)

_INSERT_SOURCE = ModelBinding(
    "insert_source", FixedSourceCreate, SolarSystemSourceCreate, ConstantElevationSourceCreate
)

# ICRS and FK5 (J2000) agree to well under 0.1 arcsec: one cone search covers both.
_EQUATORIAL = [FrameType.ICRS.value, FrameType.FK5.value]


def _search_frames(frame: FrameType) -> list[str]:
    return [FrameType.GALACTIC.value] if frame is FrameType.GALACTIC else _EQUATORIAL


def _cone_problems(ra_deg: float, dec_deg: float, radius_deg: float) -> list[FieldProblem]:
    problems = []
    if not (math.isfinite(ra_deg) and 0 <= ra_deg < 360):
        problems.append(FieldProblem(0, "ra_deg", "must be in [0, 360)"))
    if not (math.isfinite(dec_deg) and -90 <= dec_deg <= 90):
        problems.append(FieldProblem(0, "dec_deg", "must be in [-90, 90]"))
    if not (math.isfinite(radius_deg) and 0 < radius_deg <= 180):
        problems.append(FieldProblem(0, "radius_deg", "must be in (0, 180]"))
    return problems


class SourceRepository(Repository):
    """Sources (fixed / solar_system / constant_elevation) and cone search."""

    async def create_source(self, data: SourceCreate) -> Source:
        """Create a source of any type (the other types' columns are NULL)."""
        row = await _INSERT_SOURCE.fetchrow(self.conn, data)
        return subtype_from_row(SOURCE_MODELS, row)  # type: ignore[no-any-return]

    async def get_source(self, source_id: int) -> Source:
        row = await self._fetch_one("get_source", source_id, entity="source", key=source_id)
        return subtype_from_row(SOURCE_MODELS, row)  # type: ignore[no-any-return]

    async def get_source_by_name(self, name: str) -> Source:
        row = await self._fetch_one("get_source_by_name", name, entity="source", key=name)
        return subtype_from_row(SOURCE_MODELS, row)  # type: ignore[no-any-return]

    async def update_source(self, source_id: int, changes: SourceUpdate) -> Source:
        """Change the fields set on `changes`; another type's columns raise CheckViolationError."""
        row = await self._update("source", source_id, changes, entity="source")
        return subtype_from_row(SOURCE_MODELS, row)  # type: ignore[no-any-return]

    async def list_sources(
        self, *, source_type: SourceType | None = None, after_id: int = 0, limit: int = 100
    ) -> list[Source]:
        rows = await self.conn.fetch(
            query("list_sources"), source_type.value if source_type else None, after_id, page_limit(limit)
        )
        return [subtype_from_row(SOURCE_MODELS, r) for r in rows]

    async def cone_search(
        self,
        ra_deg: float,
        dec_deg: float,
        radius_deg: float,
        limit: int = 100,
        *,
        frame: FrameType = FrameType.ICRS,
    ) -> list[ConeSearchHit]:
        """Fixed sources within `radius_deg` (great circle) of (ra_deg, dec_deg), nearest first.

        Equatorial searches (icrs, fk5) cover sources of both frames; a galactic search takes
        (l, b) and covers galactic sources only.
        """
        problems = _cone_problems(ra_deg, dec_deg, radius_deg)
        if problems:
            raise InputValidationError(problems)
        rows = await self.conn.fetch(
            query("cone_search_fixed_sources"),
            ra_deg,
            dec_deg,
            radius_deg,
            _search_frames(frame),
            page_limit(limit),
        )
        hits = []
        for row in rows:
            data = dict(row)
            distance = data.pop("distance_deg")
            hits.append(ConeSearchHit(source=subtype_from_row(SOURCE_MODELS, data), distance_deg=distance))
        return hits
