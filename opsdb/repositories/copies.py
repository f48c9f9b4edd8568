"""Physical copies of files, packages and bundles at data locations."""

from __future__ import annotations

from opsdb.repositories.base import Repository


class PhysicalCopyRepository(Repository):
    """Physical copies of files, packages and bundles at data locations."""
