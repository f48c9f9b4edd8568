"""Statements with many values bind them by name: a model's fields and a statement's parameters agree,
and reordering a model's fields cannot move a value into another column."""

from __future__ import annotations

import re
from typing import Any

import pytest
from pydantic import create_model

import opsdb.operations
import opsdb.repositories.copies
import opsdb.repositories.executions
import opsdb.repositories.files
import opsdb.repositories.obs_units
import opsdb.repositories.observatories
import opsdb.repositories.packages
import opsdb.repositories.sites
import opsdb.repositories.sources
import opsdb.repositories.tokens
import opsdb.repositories.transfers  # noqa: F401  (every module that declares a ModelBinding)
from opsdb.db import Database
from opsdb.queries import BINDINGS, PARAMS, QUERIES, ModelBinding, args, binding_problems, query, translate_named
from opsdb.repositories.observatories import ObservatoryRepository
from opsdb.schemas.infrastructure import ObservatoryCreate, TelescopeCreate

MAX_NUMBERED = 6
"""A statement binding more values than this names them (`:name`), never numbers them."""

MODEL_STATEMENTS = {
    "insert_physical_copy",
    "insert_raw_data_file",
    "insert_obs_unit",
    "insert_telescope",
    "insert_instrument_module",
    "insert_raw_data_package",
    "upsert_raw_data_package_metadata",
    "insert_data_transfer_package",
    "insert_data_location",
    "insert_route",
    "insert_source",
    "insert_data_transfer",
}


def test_no_statement_numbers_more_than_six_values() -> None:
    wide = {}
    for name, text in QUERIES.items():
        numbers = [int(n) for n in re.findall(r"\$(\d+)", text)]
        if not PARAMS[name] and numbers and max(numbers) > MAX_NUMBERED:
            wide[name] = max(numbers)
    assert wide == {}, f"bind these by name (:column) in sql/*.sql: {wide}"


def test_every_model_fed_statement_agrees_with_its_models() -> None:
    assert set(BINDINGS) >= MODEL_STATEMENTS
    for name, binding in BINDINGS.items():
        assert binding.params == PARAMS[name]
        assert binding_problems(binding.params, binding.models, binding.extra) == [], name


def test_each_insert_names_its_values_after_its_columns() -> None:
    """`INSERT INTO t (a, b) VALUES (:b, :a)` would bind by name and still swap: refuse it."""
    checked = 0
    for name, names in PARAMS.items():
        found = re.search(r"INSERT INTO \w+ \(([^)]*)\)\s*VALUES \(([^)]*)\)", QUERIES[name])
        if not names or found is None:
            continue
        columns = [c.strip() for c in found.group(1).split(",")]
        values = [v.strip() for v in found.group(2).split(",")]
        assert values == [f"${names.index(c) + 1}" for c in columns], name
        checked += 1
    assert checked >= len(MODEL_STATEMENTS) - 1  # insert_obs_unit's links come from an unnest


def test_a_renamed_dropped_or_added_field_is_refused_when_declared() -> None:
    fields: dict[str, Any] = {name: (info.annotation, info) for name, info in TelescopeCreate.model_fields.items()}
    renamed = {("lat_deg" if k == "latitude_deg" else k): v for k, v in fields.items()}
    dropped = {k: v for k, v in fields.items() if k != "elevation_m"}
    added = {**fields, "azimuth_deg": (float, None)}
    for variant in (renamed, dropped, added):
        model = create_model("TelescopeVariant", **variant)
        with pytest.raises(ValueError, match="insert_telescope"):
            ModelBinding("insert_telescope", model, register=False)


def test_named_parameters_skip_casts_literals_and_comments() -> None:
    text, names = translate_named("SELECT :a::int, ':b', \"c:d\", x[1:n], :a -- :e\nFROM t WHERE f = :f")
    assert names == ("a", "f")
    assert text == "SELECT $1::int, ':b', \"c:d\", x[1:n], $1 -- :e\nFROM t WHERE f = $2"
    with pytest.raises(ValueError, match="not both"):
        translate_named("SELECT :a, $2")
    assert translate_named("SELECT $1::text") == ("SELECT $1::text", ())


def test_args_refuse_a_missing_or_unknown_name() -> None:
    values = dict.fromkeys(PARAMS["insert_api_token"])
    assert len(args("insert_api_token", **values)) == len(values)
    with pytest.raises(ValueError, match="missing parameters \\['token_hash'\\]"):
        args("insert_api_token", **{k: v for k, v in values.items() if k != "token_hash"})
    with pytest.raises(ValueError, match="unknown parameters \\['hash'\\]"):
        args("insert_api_token", **values, hash="x")


@pytest.mark.anyio
async def test_swapping_two_fields_of_a_model_swaps_no_data(db: Database) -> None:
    """The hazard of positional binding, shown, and gone: a model whose latitude and longitude
    are declared in the other order stores each in its own column by name."""
    fields = dict(TelescopeCreate.model_fields)
    order = list(fields)
    i, j = order.index("latitude_deg"), order.index("longitude_deg")
    order[i], order[j] = order[j], order[i]
    swapped_model = create_model("SwappedTelescopeCreate", **{k: (fields[k].annotation, fields[k]) for k in order})  # type: ignore[call-overload]
    async with db.connection() as conn:
        observatory = await ObservatoryRepository(conn).create_observatory(ObservatoryCreate(name="CCAT"))
        data = {"observatory_id": observatory.id, "latitude_deg": -22.9, "longitude_deg": -67.7}
        by_name = ModelBinding("insert_telescope", swapped_model, register=False)
        await by_name.fetchrow(conn, swapped_model(name="by name", **data))
        # what positional binding did: the model's field order decides the column
        positional = swapped_model(name="by position", **data).model_dump().values()
        await conn.fetchrow(query("insert_telescope"), *positional)
        stored = {
            r["name"]: (r["latitude_deg"], r["longitude_deg"])
            for r in await conn.fetch("SELECT name, latitude_deg, longitude_deg FROM telescope")
        }
    assert stored["by name"] == (-22.9, -67.7)
    assert stored["by position"] == (-67.7, -22.9)  # silently swapped: why statements bind by name
