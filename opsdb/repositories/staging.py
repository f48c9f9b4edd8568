"""Staging jobs and the packages they stage."""

from __future__ import annotations

from opsdb.repositories.base import Repository


class StagingRepository(Repository):
    """Staging jobs and the packages they stage."""
