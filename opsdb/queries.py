"""Named runtime queries, loaded once from `sql/*.sql`, and binding their parameters by name.

Holds the loader, `query(name)` (the text), `args(name, **values)` and `ModelBinding` (binds
by parameter name, from keywords or a pydantic model), and the per-filter specialisation of
list queries (`query_for`). Holds no statement text (that is `sql/*.sql`) and runs nothing.

Each file holds blocks that start with a line `-- name --`, then a one-line comment saying
what the statement does, then the statement. A statement binds its values either by number
(`$1`, `$2`: short statements) or by name (`:site_id`, `:name`: every statement with more
than about six values). Named parameters are translated once, at load, into `$1..$n` in order
of first appearance; `params(name)` is that order. The text sent is therefore plain `$n` SQL,
the same on every call: one prepared statement per text, nothing session-bound, so it works
unchanged behind PgBouncer (with or without asyncpg's statement cache). A statement uses one
style, never both; `::type` casts, string literals and comments are never parameters.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import Enum
from pathlib import Path
from typing import get_args

from pydantic import BaseModel

from opsdb.connection import Connection, Record
from opsdb.resources import sql_dir

_HEADER = re.compile(r"^-- ([a-z][a-z0-9_]*) --[ \t]*$", re.MULTILINE)
# a string literal, a quoted identifier or a comment (skipped), or a `:name` parameter (not a `::` cast)
_TOKEN = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*|(?<![:\w]):([a-z][a-z0-9_]*)\b")
_NUMBERED = re.compile(r"\$\d")


def translate_named(sql: str) -> tuple[str, tuple[str, ...]]:
    """`sql` with each `:name` replaced by `$n` (numbered in order of first appearance; a name
    used twice is one parameter), and the names in that order. Text without names is unchanged."""
    names: dict[str, int] = {}

    def number(match: re.Match[str]) -> str:
        name = match.group(1)
        if name is None:
            return match.group(0)
        return f"${names.setdefault(name, len(names) + 1)}"

    text = _TOKEN.sub(number, sql)
    if names and _NUMBERED.search(_TOKEN.sub(lambda m: "" if m.group(1) is None else m.group(0), sql)):
        raise ValueError("a statement binds by $n or by :name, not both")
    return text, tuple(names)


def load_queries(directory: Path) -> dict[str, str]:
    """Parse every `*.sql` file in `directory` into {name: statement as written}; names are unique."""
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


def _translate_all(written: Mapping[str, str]) -> tuple[dict[str, str], dict[str, tuple[str, ...]]]:
    texts: dict[str, str] = {}
    names: dict[str, tuple[str, ...]] = {}
    for name, body in written.items():
        try:
            texts[name], names[name] = translate_named(body)
        except ValueError as exc:
            raise ValueError(f"query {name!r}: {exc}") from None
    return texts, names


QUERIES, PARAMS = _translate_all(load_queries(sql_dir()))
"""{name: text as sent ($n only)} and {name: its named parameters in $n order; () when it binds by number}."""


def query(name: str) -> str:
    """The SQL text of the named query, as sent (named parameters already numbered)."""
    try:
        return QUERIES[name]
    except KeyError:
        raise KeyError(f"no query named {name!r} in sql/*.sql") from None


def params(name: str) -> tuple[str, ...]:
    """The named parameters of a query in bind order (`$1` first); () for a `$n` statement."""
    query(name)
    return PARAMS[name]


def _db_value(value: object) -> object:
    return value.value if isinstance(value, Enum) else value


def ordered(name: str, values: Mapping[str, object]) -> tuple[object, ...]:
    """`values` in the bind order of the named query; ValueError unless they name exactly its parameters."""
    order = params(name)
    if len(values) != len(order) or not all(k in values for k in order):
        missing = sorted(set(order) - set(values))
        unknown = sorted(set(values) - set(order))
        raise ValueError(f"query {name!r}: missing parameters {missing}, unknown parameters {unknown}")
    return tuple(_db_value(values[k]) for k in order)


def args(statement: str, /, **values: object) -> tuple[object, ...]:
    """The bind arguments of a named-parameter query, from keywords: `conn.fetch(query(n), *args(n, a=1, b=2))`."""
    return ordered(statement, values)


class ModelBinding:
    """One named-parameter statement fed from pydantic input models, declared once per statement.

    Each parameter takes the model field of its name; `extra` names the parameters the caller
    passes itself (a key, a computed hash). A parameter no field of the given model carries (the
    other subtypes' columns, when `models` are the members of a union) is NULL; the table's CHECKs
    on each type's columns refuse a row that lacks one its type needs. Declaring checks
    that the statement's parameters are exactly the fields of all `models` plus `extra`, and every
    model's fields are parameters: a renamed, added or dropped field is an error at import, and a
    reordered one changes nothing. The per-model bind order is computed here, not per call.
    `register=False` keeps a declaration out of `BINDINGS` (tests declare throwaway ones).
    """

    def __init__(
        self, statement: str, *models: type[BaseModel], extra: tuple[str, ...] = (), register: bool = True
    ) -> None:
        self.statement = statement
        self.text = query(statement)
        self.params = params(statement)
        self.models = models
        self.extra = frozenset(extra)
        problems = binding_problems(self.params, models, self.extra)
        if problems:
            raise ValueError(f"query {statement!r} and {[m.__name__ for m in models]}: {'; '.join(problems)}")
        # per model, per parameter: (its field or None, whether the field may hold an Enum)
        self._fields = {
            m: tuple(
                (p, _may_hold_enum(m.model_fields[p].annotation)) if p in m.model_fields else (None, False)
                for p in self.params
            )
            for m in models
        }
        if register:
            BINDINGS[statement] = self

    async def fetchrow(self, conn: Connection, data: BaseModel, **extra: object) -> Record | None:
        """Run the statement on `conn` with `data` (and `extra`) bound by name; its one row."""
        return await conn.fetchrow(self.text, *self.args(data, **extra))

    def args(self, data: BaseModel, **extra: object) -> tuple[object, ...]:
        """The bind arguments: `data`'s fields by parameter name, `extra` for the rest."""
        try:
            fields = self._fields[type(data)]
        except KeyError:
            raise TypeError(f"query {self.statement!r} is not declared for {type(data).__name__}") from None
        if extra.keys() != self.extra:
            raise ValueError(f"query {self.statement!r}: give exactly {sorted(self.extra)}, got {sorted(extra)}")
        values = data.__dict__
        return tuple(
            (_db_value(values[field]) if enum else values[field]) if field is not None else extra.get(param)
            for param, (field, enum) in zip(self.params, fields, strict=True)
        )


def _may_hold_enum(annotation: object) -> bool:
    """Whether a field of this annotation may hold an Enum member (an Enum type, or a Literal of members)."""
    if isinstance(annotation, type):
        return issubclass(annotation, Enum)
    if isinstance(annotation, Enum):
        return True
    return any(_may_hold_enum(arg) for arg in get_args(annotation))


def binding_problems(
    names: tuple[str, ...], models: tuple[type[BaseModel], ...], extra: frozenset[str] = frozenset()
) -> list[str]:
    """How the parameters `names` disagree with the fields of `models` plus `extra` (empty: they agree)."""
    if not names:
        return ["the statement has no named parameters"]
    problems = []
    wanted = set(names)
    fields = {f for m in models for f in m.model_fields}
    for model in models:
        stray = sorted(set(model.model_fields) - wanted)
        if stray:
            problems.append(f"fields of {model.__name__} that are no parameter: {stray}")
    unfed = sorted(wanted - fields - extra)
    if unfed:
        problems.append(f"parameters no field or extra feeds: {unfed}")
    clash = sorted(extra & fields)
    if clash:
        problems.append(f"extra parameters that are also fields: {clash}")
    unknown = sorted(extra - wanted)
    if unknown:
        problems.append(f"extra names that are no parameter: {unknown}")
    return problems


BINDINGS: dict[str, ModelBinding] = {}
"""Every ModelBinding declared so far, by statement (tests check them all)."""


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
