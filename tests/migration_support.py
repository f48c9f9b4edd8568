"""What a migration replaced: a function's earlier definition, read from the migration's rollback."""

from __future__ import annotations

import re
from pathlib import Path


def replaced_definition(rollback: Path, name: str) -> str:
    """The `CREATE OR REPLACE FUNCTION name(...)` statement in `rollback` (the definition its
    migration replaced), schema-qualified or not, up to its closing `$$;` or `$_$;`."""
    text = rollback.read_text(encoding="utf-8")
    match = re.search(rf"CREATE OR REPLACE FUNCTION (?:public\.)?{name}\(.*?\n\$(_?)\$;", text, re.S)
    assert match, name
    return match.group(0)
