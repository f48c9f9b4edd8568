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


# an optional filter: "($3::bigint IS NULL OR <condition>)", the condition in balanced parentheses
_OPTIONAL = re.compile(r"\(\$(\d+)::[a-z]+(?:\[\])? IS NULL OR ")


def _specialise(sql: str, present: frozenset[int]) -> str:
    """`sql` with each optional filter on a present parameter reduced to its condition, and each
    on an absent one to its NULL test (the parameter keeps its type; the plan drops the test)."""
    out: list[str] = []
    pos = 0
    for match in _OPTIONAL.finditer(sql):
        if match.start() < pos:
            continue
        depth, end = 1, match.end()
        while depth:
            if end >= len(sql):
                raise ValueError(f"unbalanced optional filter in: {sql[match.start() :]}")
            depth += {"(": 1, ")": -1}.get(sql[end], 0)
            end += 1
        number = int(match.group(1))
        test = sql[match.start() + 1 : match.end() - len(" OR ")]
        condition = sql[match.end() : end - 1]
        out.append(sql[pos : match.start()])
        out.append(f"({condition})" if number in present else f"({test})")
        pos = end
    out.append(sql[pos:])
    return "".join(out)


_SPECIALISED: dict[tuple[str, frozenset[int]], str] = {}


def query_for(name: str, *args: object) -> str:
    """The named query specialised to the arguments it will run with: every optional filter
    `($N::type IS NULL OR condition)` becomes `(condition)` when argument N is given and
    `($N::type IS NULL)` when it is None. Values stay bind parameters; there is one text (one
    prepared statement) per combination of given filters, whose generic plan can use the
    index of each given filter (the combined form can use none)."""
    present = frozenset(i for i, value in enumerate(args, start=1) if value is not None)
    key = (name, present)
    text = _SPECIALISED.get(key)
    if text is None:
        text = _SPECIALISED[key] = _specialise(query(name), present)
    return text
