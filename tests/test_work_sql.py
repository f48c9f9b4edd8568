"""sql/rendered/work/ holds what opsdb.work sends (regenerate: python -m tests.render_work_sql)."""

from __future__ import annotations

import pytest

from opsdb.work import WorkKind
from tests.render_work_sql import RENDERED, render


@pytest.mark.parametrize("kind", list(WorkKind))
def test_rendered_work_sql_matches_the_code(kind: WorkKind) -> None:
    path = RENDERED / f"{kind.value}.sql"
    assert path.exists(), f"{path} missing: python -m tests.render_work_sql"
    assert path.read_text() == render(kind), f"{path} drifted from opsdb.work: python -m tests.render_work_sql"


def test_no_rendered_file_without_a_kind() -> None:
    assert {p.stem for p in RENDERED.glob("*.sql")} == {k.value for k in WorkKind}
