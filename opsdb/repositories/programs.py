"""Observing programs and sub-programs."""

from __future__ import annotations

from opsdb.repositories.base import Repository


class ProgramRepository(Repository):
    """Observing programs and sub-programs."""
