"""Run a named, parameterised report query against the published warehouse.

The SQL of every report lives in `queries/<name>.sql` at the repository root: the exact
text a BI user would paste, with DuckDB named parameters (`$from_date`, ...). This module
only binds parameters, applies viewer visibility and renders the result; it never adds
business logic, so the CLI and a BI tool give the same numbers.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

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
    """Open a published warehouse read-only; anything else is a ReportError, not a crash."""
    if not Path(warehouse).exists():
        raise ReportError(f"warehouse {warehouse} does not exist: run `carteira refresh` first")
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
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
