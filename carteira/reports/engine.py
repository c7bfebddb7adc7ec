"""Run a named, parameterised report query against the published warehouse.

The SQL of every report lives in `queries/<name>.sql` at the repository root: the exact
text a BI user would paste, with DuckDB named parameters (`$from_date`, ...). This module
only binds parameters, applies viewer visibility and renders the result; it never adds
business logic, so the CLI and a BI tool give the same numbers.
"""

from __future__ import annotations

import csv
import inspect
import io
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from carteira.read_only import connect_read_only
from carteira.settings import REPO_ROOT

QUERIES_DIR = REPO_ROOT / "queries"


class ReportError(Exception):
    """A report cannot be answered as asked (unknown viewer, client, view...)."""


def query_text(name: str) -> str:
    path = QUERIES_DIR / f"{name}.sql"
    if not path.exists():
        raise ReportError(f"no query named {name!r} in {QUERIES_DIR}")
    return path.read_text(encoding="utf-8")


def connect(warehouse: Path) -> duckdb.DuckDBPyConnection:
    """Open a published warehouse read-only; anything else is a ReportError, not a crash.

    Reports bind a person's values (viewer, client, dates, saved views) into their
    queries; the connection reaches no file but the warehouse whatever they hold
    (carteira.read_only).
    """
    if not Path(warehouse).exists():
        raise ReportError(f"warehouse {warehouse} does not exist: run `carteira refresh` first")
    try:
        con = connect_read_only(warehouse)
    except duckdb.Error as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ReportError(f"{warehouse} is not a Carteira warehouse: {first}") from None
    (marts,) = con.execute(
        "select count(*) from information_schema.schemata where schema_name = 'marts'"
    ).fetchone()
    if not marts:
        con.close()
        raise ReportError(f"{warehouse} is not a Carteira warehouse: it has no `marts` schema")
    return con


def query_columns(name: str) -> tuple[str, ...]:
    """The result columns of `queries/<name>.sql`, read from its select list.

    Lets a report validate column names (saved views) without opening a warehouse, with
    the query as the one place the columns are written. Only a plain list of column
    names is accepted, so an expression that would need an alias fails loudly here.
    """
    sql = re.sub(r"--[^\n]*", "", query_text(name))
    found = re.search(r"^\s*select\s+(.*?)\s+from\s", sql, re.DOTALL | re.IGNORECASE)
    if found is None:
        raise ReportError(f"queries/{name}.sql: no `select ... from` to read columns from")
    columns = tuple(c.strip() for c in found.group(1).split(","))
    bad = [c for c in columns if not re.fullmatch(r"[a-z_][a-z0-9_]*", c)]
    if bad:
        raise ReportError(f"queries/{name}.sql: select list items are not plain columns: {bad}")
    return columns


def warehouse_as_of(con: duckdb.DuckDBPyConnection) -> date:
    """The date the warehouse describes (`queries/warehouse_as_of.sql`), never the wall clock.

    The one reader of a warehouse's as_of: reports show it, saved views resolve relative
    periods against it, `publish-postgres` and `carteira dev` publish and build for it.
    """
    rows = run_query(con, "warehouse_as_of", {})
    if not rows or rows[0]["as_of"] is None:
        raise ReportError("the warehouse has no as_of (marts.dim_date is empty): refresh it")
    return rows[0]["as_of"]


def run_query(
    con: duckdb.DuckDBPyConnection, name: str, params: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """Execute `queries/<name>.sql`, binding only the parameters the query names."""
    sql = query_text(name)
    bound = {k: v for k, v in params.items() if f"${k}" in sql}
    cur = con.execute(sql, bound)
    columns = [d[0] for d in cur.description]
    return [dict(zip(columns, row, strict=True)) for row in cur.fetchall()]


def visible_staff(con: duckdb.DuckDBPyConnection, viewer: str | None) -> list[str] | None:
    """Staff ids a viewer may see; None means no viewer restriction was asked for.

    An unknown viewer is an error (never "sees everything"); an inactive one sees nothing.
    """
    if viewer is None:
        return None
    found = con.execute(
        "select active from marts.dim_staff where staff_id = $viewer", {"viewer": viewer}
    ).fetchone()
    if found is None:
        raise ReportError(f"unknown viewer {viewer!r}: no such staff_id in marts.dim_staff")
    rows = con.execute(
        "select visible_staff_id from marts.staff_visibility where viewer_staff_id = $viewer "
        "order by 1",
        {"viewer": viewer},
    ).fetchall()
    return [r[0] for r in rows]


@dataclass
class ReportResult:
    report: str
    params: dict[str, Any]
    summary: dict[str, Any]
    rows: list[dict[str, Any]]
    columns: Sequence[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "report": self.report,
            "params": self.params,
            "summary": self.summary,
            "rows": self.rows,
        }

    def render(self, fmt: str) -> str:
        if fmt == "json":
            return json.dumps(self.as_dict(), default=_json_default, ensure_ascii=False, indent=2)
        if fmt == "csv":
            return _csv(self.rows, self._columns())
        if fmt == "table":
            return _table(self)
        raise ReportError(f"unknown format {fmt!r}")

    def _columns(self) -> list[str]:
        if self.columns:
            return list(self.columns)
        return list(self.rows[0]) if self.rows else []


@dataclass
class SectionedResult(ReportResult):
    """A report whose rows are named sections; JSON keeps the four top-level keys."""

    sections: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.rows = self.sections  # type: ignore[assignment]

    def render(self, fmt: str) -> str:
        if fmt == "json":
            return super().render("json")
        if fmt not in ("table", "csv"):
            raise ReportError(f"unknown format {fmt!r}")
        parts: list[str] = []
        if fmt == "table":
            head = ReportResult(
                report=self.report, params=self.params, summary=self.summary, rows=[], columns=[]
            )
            parts.append(head.render("table").rsplit("\n", 1)[0])
        for name, rows in self.sections.items():
            section = ReportResult(report=f"[{name}]", params={}, summary={}, rows=rows)
            if fmt == "csv":
                parts.append(f"# {name}\n" + section.render("csv").rstrip("\n"))
            else:
                parts.append("\n" + section.render("table"))
        return "\n".join(parts) + ("\n" if fmt == "csv" else "")


FORMATS: tuple[str, ...] = ("table", "csv", "json")


@dataclass(frozen=True)
class Report:
    """The shape every report shares, declared next to its code in `REPORTS`.

    `build(con, **parameters)` answers it from an open read-only warehouse connection
    (`connect`) and its `parameters`, running only the `queries/<name>.sql` listed in
    `queries`; `sections` names the parts of a sectioned result (empty: one table of rows);
    `formats` are what `carteira report <name> --format` accepts. Tests check each
    declaration against its command, the queries folder and the result, so it cannot
    drift from what runs.
    """

    name: str
    build: Callable[..., Any]
    queries: tuple[str, ...]
    sections: tuple[str, ...] = ()
    formats: tuple[str, ...] = FORMATS

    @property
    def parameters(self) -> tuple[str, ...]:
        """The report's parameters: the arguments of `build` after the connection."""
        return tuple(inspect.signature(self.build).parameters)[1:]


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        # Money is decimal with two places: int or the shortest float that prints the same digits.
        return int(value) if value == value.to_integral() else float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    return str(value)


def _csv(rows: list[dict[str, Any]], columns: list[str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in columns])
    return out.getvalue()


def _table(result: ReportResult) -> str:
    lines = [
        f"{result.report}  "
        + "  ".join(f"{k}={v}" for k, v in result.params.items() if v not in (None, [], ()))
    ]
    if result.summary:
        lines.append("  ".join(f"{k}: {_cell(v)}" for k, v in result.summary.items()))
    columns = result._columns()
    if columns:
        cells = [[_cell(r.get(c)) for c in columns] for r in result.rows]
        widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(columns)]
        lines.append("")
        lines.append("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)))
        lines.append("  ".join("-" * w for w in widths))
        for row in cells:
            lines.append("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)))
    lines.append(f"({len(result.rows)} rows)")
    return "\n".join(lines)
