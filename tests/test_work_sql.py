"""sql/rendered/work/ holds what opsdb.work sends (regenerate: python -m tests.render_work_sql)."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest

from opsdb import work
from opsdb.queries import load_queries
from opsdb.resources import sql_dir
from opsdb.work import WorkKind
from tests.render_work_sql import RENDERED, render


@pytest.mark.parametrize("kind", list(WorkKind))
def test_rendered_work_sql_matches_the_code(kind: WorkKind) -> None:
    path = RENDERED / f"{kind.value}.sql"
    assert path.exists(), f"{path} missing: python -m tests.render_work_sql"
    assert path.read_text() == render(kind), f"{path} drifted from opsdb.work: python -m tests.render_work_sql"


def test_no_rendered_file_without_a_kind() -> None:
    assert {p.stem for p in RENDERED.glob("*.sql")} == {k.value for k in WorkKind}


def test_work_sql_names_its_parameters_and_the_code_numbers_them() -> None:
    """No `$1` written by hand in sql/work.sql: `$name`s, numbered by opsdb.work as it binds them."""
    blocks = load_queries_of(sql_dir() / "work.sql")
    assert blocks and not [name for name, text in blocks.items() if re.search(r"\$\d", text)]
    statement = work.kind_statement("work_fail_many", WorkKind.STAGING_JOB)
    assert statement.params == ("ids", "tokens", "errors", "backoff_seconds", "max_backoff_seconds", "permanent")
    assert "$6::boolean" in statement.sql and "$permanent" not in statement.sql
    with pytest.raises(ValueError, match="expected"):
        statement.args({"ids": [1]})


def test_a_placeholder_not_declared_is_refused() -> None:
    with pytest.raises(ValueError, match="do not match"):
        work.number_params("-- params: id\nSELECT $id, $other")
    with pytest.raises(ValueError, match="do not match"):
        work.number_params("-- params: id, unused\nSELECT $id")


def load_queries_of(path: Path) -> dict[str, str]:
    """The named blocks of one SQL file."""
    with tempfile.TemporaryDirectory() as directory:
        (Path(directory) / path.name).write_text(path.read_text())
        return load_queries(Path(directory))


@pytest.mark.parametrize("kind", list(WorkKind))
def test_a_claim_plans_only_the_steps_its_kind_has(kind: WorkKind) -> None:
    """A kind without a claim rule has no `deferred` UPDATE (it would never write, yet cost a result
    relation to plan and open per claim), and a kind without a size reads no size per item."""
    spec = work.KINDS[kind]
    for statement in (
        work.kind_statement("work_claim", kind),
        work.completion_statement(kind, spec.results, claim_next=True),
    ):
        assert ("deferred AS (" in statement.sql) == (spec.judge != "true"), kind
        assert ("COALESCE((SELECT" in statement.sql) == (spec.size != "0"), kind
        assert "{" not in statement.sql.replace("'{}'", "")  # every placeholder filled
