"""Observing modes and obs units (with their instrument module configurations)."""

from __future__ import annotations

from opsdb.repositories.base import Repository


class ObsUnitRepository(Repository):
    """Observing modes and obs units (with their instrument module configurations)."""
