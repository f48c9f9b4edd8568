"""Executed obs units: start, finish, look up, list."""

from __future__ import annotations

from opsdb.repositories.base import Repository


class ExecutionRepository(Repository):
    """Executed obs units: start, finish, look up, list."""
