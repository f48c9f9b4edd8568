"""User accounts, roles and permissions."""

from __future__ import annotations

from opsdb.repositories.base import Repository


class UserRepository(Repository):
    """User accounts, roles and permissions."""
