"""Sources (fixed / solar_system / constant_elevation) and cone search."""

from __future__ import annotations

from opsdb.repositories.base import Repository


class SourceRepository(Repository):
    """Sources (fixed / solar_system / constant_elevation) and cone search."""
