"""Named runtime queries, loaded once from `sql/*.sql`.

Each file holds blocks that start with a line `-- name --`, then a one-line comment saying
what the statement does, then the statement. `query("name")` returns its text.
"""

from __future__ import annotations

import re
from pathlib import Path

from opsdb.resources import sql_dir

_HEADER = re.compile(r"^-- ([a-z][a-z0-9_]*) --[ \t]*$", re.MULTILINE)


def load_queries(directory: Path) -> dict[str, str]:
    """Parse every `*.sql` file in `directory` into {name: statement}; names are unique."""
    found: dict[str, str] = {}
    for path in sorted(directory.glob("*.sql")):
        text = path.read_text(encoding="utf-8")
        headers = list(_HEADER.finditer(text))
        for i, match in enumerate(headers):
            end = headers[i + 1].start() if i + 1 < len(headers) else len(text)
            body = text[match.end() : end].strip()
            name = match.group(1)
            if name in found:
                raise ValueError(f"duplicate query name {name!r} in {path.name}")
            if not body:
                raise ValueError(f"empty query {name!r} in {path.name}")
            found[name] = body
    return found


QUERIES: dict[str, str] = load_queries(sql_dir())


def query(name: str) -> str:
    """The SQL text of the named query."""
    try:
        return QUERIES[name]
    except KeyError:
        raise KeyError(f"no query named {name!r} in sql/*.sql") from None
