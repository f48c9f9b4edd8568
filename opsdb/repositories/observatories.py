"""Observatories, telescopes, instruments, instrument modules and their configurations; observation configurations."""

from __future__ import annotations

from opsdb.repositories.base import Repository


class ObservatoryRepository(Repository):
    """Observatories, telescopes, instruments, instrument modules and their configurations; observation configurations."""
