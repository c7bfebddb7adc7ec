"""dbt's Jinja context, as much of it as sqlfluff's jinja templater needs to render our SQL.

sqlfluff lints models and macros with its fast jinja templater (no dbt parse, no
database), which knows `ref`, `source`, `var`, `config`, `is_incremental` and `return`
but not `adapter.dispatch`, dbt's cross-database macros or `run_query`. This package
(named by `library_path` in `.sqlfluff`) supplies them: dispatched macros render as a
plain function call of the same name, and the cross-database macros render the DuckDB
SQL dbt-duckdb would produce, so what is linted parses like what dbt runs.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from jinja2 import pass_context
from jinja2.runtime import Context
from jinja2.utils import missing

_PROJECT_VARS: dict[str, Any] = yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "dbt_project.yml").read_text(encoding="utf-8")
).get("vars", {})

# `{% if execute %}` blocks run queries at dbt run time; the linter takes the parse-time
# branch, as `dbt parse` does.
execute = False


def var(name: str, default: Any = None) -> Any:
    """dbt's `var()`: the value declared in dbt_project.yml, else the call's default."""
    if name in _PROJECT_VARS:
        return _PROJECT_VARS[name]
    return default if default is not None else name


class _Config:
    """dbt's `config`: `config(...)` renders nothing, `config.get()` gives the default."""

    def __call__(self, *args: Any, **kwargs: Any) -> str:
        return ""

    def get(self, key: str, default: Any = None) -> Any:
        return default

    def require(self, key: str) -> str:
        return key


config = _Config()


class _Call:
    """Renders `name(arg, ...)`: stands in for a macro the linter cannot run."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, *args: Any, **kwargs: Any) -> str:
        return f"{self.name}({', '.join(str(a) for a in args)})"


class _Column:
    def __init__(self, name: str) -> None:
        self.name = name


class _Adapter:
    @pass_context
    def dispatch(
        self, context: Context, macro_name: str, macro_namespace: str | None = None
    ) -> Any:
        """The DuckDB implementation, as dbt-duckdb picks it: duckdb__, then default__."""
        for prefix in ("duckdb__", "default__"):
            macro = context.resolve_or_missing(prefix + macro_name)
            if macro is not missing:
                return macro
        return _Call(macro_name)

    def get_columns_in_relation(self, relation: Any) -> list[_Column]:
        return [_Column("lint_column_a"), _Column("lint_column_b")]

    def quote(self, identifier: str) -> str:
        return f'"{identifier}"'


adapter = _Adapter()


class _CrossDatabase:
    """dbt.<macro>() as dbt-duckdb renders it."""

    @staticmethod
    def type_string() -> str:
        return "varchar"

    @staticmethod
    def type_bigint() -> str:
        return "bigint"

    @staticmethod
    def type_int() -> str:
        return "integer"

    @staticmethod
    def type_numeric() -> str:
        return "numeric(28, 6)"

    @staticmethod
    def type_float() -> str:
        return "float"

    @staticmethod
    def type_boolean() -> str:
        return "boolean"

    @staticmethod
    def type_timestamp() -> str:
        return "timestamp"

    @staticmethod
    def datediff(first: str, second: str, datepart: str) -> str:
        return f"date_diff('{datepart}', {first}, {second})"

    @staticmethod
    def dateadd(datepart: str, interval: Any, from_date: str) -> str:
        return f"date_add({from_date}, interval ({interval}) {datepart})"

    @staticmethod
    def date_trunc(datepart: str, date: str) -> str:
        return f"date_trunc('{datepart}', {date})"

    @staticmethod
    def hash(field: str) -> str:
        return f"md5(cast({field} as varchar))"

    @staticmethod
    def concat(fields: list[str]) -> str:
        return " || ".join(fields)

    @staticmethod
    def safe_cast(field: str, type: str) -> str:  # noqa: A002 - dbt's argument name
        return f"try_cast({field} as {type})"

    @staticmethod
    def current_timestamp() -> str:
        return "now()"

    @staticmethod
    def string_literal(value: str) -> str:
        return "'" + str(value).replace("'", "''") + "'"

    @staticmethod
    def listagg(measure: str, delimiter_text: str = "','", *args: Any) -> str:
        return f"string_agg({measure}, {delimiter_text})"

    @staticmethod
    def split_part(string_text: str, delimiter_text: str, part_number: int) -> str:
        return f"split_part({string_text}, {delimiter_text}, {part_number})"

    @staticmethod
    def cast_bool_to_text(field: str) -> str:
        return f"cast({field} as varchar)"

    @staticmethod
    def length(expression: str) -> str:
        return f"length({expression})"

    @staticmethod
    def replace(field: str, old: str, new: str) -> str:
        return f"replace({field}, {old}, {new})"

    @staticmethod
    def position(substring: str, string: str) -> str:
        return f"position({substring} in {string})"

    @staticmethod
    def right(string_text: str, length_expression: str) -> str:
        return f"right({string_text}, {length_expression})"

    @staticmethod
    def escape_single_quotes(expression: str) -> str:
        return str(expression).replace("'", "''")

    @staticmethod
    def last_day(date: str, datepart: str) -> str:
        return f"last_day({date})"

    def __getattr__(self, name: str) -> _Call:
        return _Call(name)


dbt = _CrossDatabase()


class _Exceptions:
    @staticmethod
    def raise_compiler_error(message: str) -> None:
        raise RuntimeError(message)

    @staticmethod
    def warn(message: str) -> str:
        return ""


exceptions = _Exceptions()


class _Modules:
    re = re


modules = _Modules()


def run_query(sql: str) -> None:
    return None


def log(message: str, info: bool = False) -> str:
    return ""
