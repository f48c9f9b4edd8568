"""Raw data files one at a time (bulk registration lives in registration.py)."""

from __future__ import annotations

from opsdb.repositories.base import Repository


class FileRepository(Repository):
    """Raw data files one at a time (bulk registration lives in registration.py)."""
