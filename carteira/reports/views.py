"""Saved views of the customer portfolio: what a view is, where it is stored, how it runs.

A view is a small YAML file (name, description, filters, columns) so that a screen the
business uses every day ("contracts signed this month") is one name instead of a set of
flags. Built-in views ship in `carteira/views/`; user views live in the folder named by
`CARTEIRA_VIEWS_DIR` (default `$CARTEIRA_HOME/views`, i.e. `~/.carteira/views`) and shadow
a built-in of the same name.

Views are validated when loaded and when saved: an unknown filter, column, period or
stage is refused with a message naming it, so a typo never silently widens a report.
Relative periods (`this_month`, ...) are stored as words and resolved only when the view
runs, against the warehouse's `as_of` (never the wall clock), so a view gives the same
answer as the warehouse it reads.

The `carteira views` commands live in `carteira.cli.views`, which imports both this
module and the portfolio report (that imports this one): no import cycle.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml

from carteira.contract import TABLES_BY_FQN
from carteira.reports.engine import ReportError, query_columns
from carteira.settings import Settings

BUILTIN_VIEWS_DIR = Path(__file__).resolve().parent.parent / "views"
VIEW_SUFFIX = ".yml"
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")

# Output columns of queries/portfolio.sql, in order: read from the query itself.
PORTFOLIO_COLUMNS: tuple[str, ...] = query_columns("portfolio")

# The stages a contract can be in, as the ERP writes them (carteira.contract).
CONTRACT_STAGES: tuple[str, ...] = TABLES_BY_FQN["erp__contracts"].column("stage").enum or ()
# `none` selects projects without any contract.
STAGE_CHOICES: tuple[str, ...] = ("none", *CONTRACT_STAGES)

PERIODS: tuple[str, ...] = ("today", "this_month", "last_month", "this_year", "last_year")

# filter name -> kind; `<x>_period` fills `<x>_from`/`<x>_to` when the view runs.
FILTERS: dict[str, str] = {
    "created_from": "date",
    "created_to": "date",
    "created_period": "period",
    "signed_from": "date",
    "signed_to": "date",
    "signed_period": "period",
    "responsible": "text",
    "stage": "stages",
}
PERIOD_FIELDS: tuple[str, ...] = ("created", "signed")


@dataclass
class View:
    """One saved view; `source` is `builtin` or `user`, `path` the file it came from."""

    name: str
    description: str = ""
    filters: dict[str, Any] = field(default_factory=dict)
    columns: list[str] = field(default_factory=list)
    report: str = "portfolio"
    source: str = "user"
    path: Path | None = None

    def to_yaml(self) -> str:
        doc: dict[str, Any] = {
            "name": self.name,
            "description": self.description,
            "report": self.report,
            "filters": {k: _yaml_value(v) for k, v in self.filters.items()},
            "columns": list(self.columns),
        }
        return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)


def _yaml_value(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


def user_views_dir() -> Path:
    """Folder of the user's views: `CARTEIRA_VIEWS_DIR`, else `<CARTEIRA_HOME>/views`."""
    return Settings.from_env().user_views_dir


# --------------------------------------------------------------------------- validation


def validate_view(data: Mapping[str, Any], *, where: str) -> View:
    """Build a View from parsed YAML, refusing anything the portfolio does not know."""
    if not isinstance(data, Mapping):
        raise ReportError(
            f"{where}: a view must be a mapping with name, description, filters, columns"
        )
    unknown_keys = set(data) - {"name", "description", "report", "filters", "columns"}
    if unknown_keys:
        raise ReportError(
            f"{where}: unknown key(s) {sorted(unknown_keys)}; a view has name, "
            "description, report, filters, columns"
        )
    name = data.get("name")
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise ReportError(
            f"{where}: invalid view name {name!r} (lower-case letters, digits, '-' and '_')"
        )
    report = data.get("report", "portfolio")
    if report != "portfolio":
        raise ReportError(f"view {name!r}: unknown report {report!r}; views exist for: portfolio")
    description = data.get("description") or ""
    if not isinstance(description, str):
        raise ReportError(f"view {name!r}: description must be text")
    filters = validate_filters(data.get("filters") or {}, view=name)
    columns = validate_columns(data.get("columns") or [], view=name)
    return View(name=name, description=description, filters=filters, columns=columns, report=report)


def validate_columns(columns: Any, *, view: str) -> list[str]:
    if isinstance(columns, str):
        columns = [c.strip() for c in columns.split(",") if c.strip()]
    if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
        raise ReportError(f"view {view!r}: columns must be a list of column names")
    unknown = [c for c in columns if c not in PORTFOLIO_COLUMNS]
    if unknown:
        raise ReportError(
            f"view {view!r}: unknown column(s) {', '.join(unknown)}; known "
            f"columns: {', '.join(PORTFOLIO_COLUMNS)}"
        )
    if len(set(columns)) != len(columns):
        raise ReportError(f"view {view!r}: a column is listed twice")
    return list(columns)


def validate_filters(filters: Any, *, view: str) -> dict[str, Any]:
    """Check every filter name and value; dates become `date`, stages a list."""
    if not isinstance(filters, Mapping):
        raise ReportError(f"view {view!r}: filters must be a mapping of filter: value")
    out: dict[str, Any] = {}
    for key, value in filters.items():
        kind = FILTERS.get(key)
        if kind is None:
            raise ReportError(
                f"view {view!r}: unknown filter {key!r}; known filters: {', '.join(FILTERS)}"
            )
        if value is None:
            continue
        out[key] = _filter_value(key, kind, value, view)
    for prefix in PERIOD_FIELDS:
        if f"{prefix}_period" in out and ({f"{prefix}_from", f"{prefix}_to"} & set(out)):
            raise ReportError(
                f"view {view!r}: {prefix}_period cannot be combined with {prefix}_from/{prefix}_to"
            )
    return out


def _filter_value(key: str, kind: str, value: Any, view: str) -> Any:
    if kind == "date":
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            raise ReportError(
                f"view {view!r}: filter {key} must be a date YYYY-MM-DD, not {value!r}"
            ) from None
    if kind == "period":
        if value not in PERIODS:
            raise ReportError(
                f"view {view!r}: filter {key}: unknown period {value!r}; known "
                f"periods: {', '.join(PERIODS)}"
            )
        return value
    if kind == "stages":
        stages = [s.strip() for s in value.split(",")] if isinstance(value, str) else value
        if not isinstance(stages, list) or not stages:
            raise ReportError(f"view {view!r}: filter stage must be a list of stages")
        unknown = [s for s in stages if s not in STAGE_CHOICES]
        if unknown:
            raise ReportError(
                f"view {view!r}: unknown stage(s) {', '.join(map(str, unknown))}; "
                f"known stages: {', '.join(STAGE_CHOICES)}"
            )
        return list(stages)
    if not isinstance(value, str | int):
        raise ReportError(f"view {view!r}: filter {key} must be text")
    return str(value)


# --------------------------------------------------------------------------- periods


def period_bounds(period: str, as_of: date) -> tuple[date, date]:
    """Inclusive (first, last) day of a relative period, relative to `as_of`."""
    if period == "today":
        return as_of, as_of
    if period == "this_month":
        return as_of.replace(day=1), as_of.replace(
            day=calendar.monthrange(as_of.year, as_of.month)[1]
        )
    if period == "last_month":
        last = as_of.replace(day=1) - timedelta(days=1)
        return last.replace(day=1), last
    if period == "this_year":
        return date(as_of.year, 1, 1), date(as_of.year, 12, 31)
    if period == "last_year":
        return date(as_of.year - 1, 1, 1), date(as_of.year - 1, 12, 31)
    raise ReportError(f"unknown period {period!r}; known periods: {', '.join(PERIODS)}")


def resolve_filters(filters: Mapping[str, Any], as_of: date) -> dict[str, Any]:
    """Turn view filters into the parameters of queries/portfolio.sql."""
    params: dict[str, Any] = {
        "created_from": None,
        "created_to": None,
        "signed_from": None,
        "signed_to": None,
        "responsible": filters.get("responsible"),
        "stages": list(filters["stage"]) if filters.get("stage") else None,
    }
    for prefix in PERIOD_FIELDS:
        period = filters.get(f"{prefix}_period")
        if period:
            params[f"{prefix}_from"], params[f"{prefix}_to"] = period_bounds(period, as_of)
        for bound in ("from", "to"):
            if filters.get(f"{prefix}_{bound}") is not None:
                params[f"{prefix}_{bound}"] = filters[f"{prefix}_{bound}"]
    return params


def merge_filters(base: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Filters of a view with command-line overrides: an explicit bound replaces a period."""
    merged = dict(base)
    for key, value in overrides.items():
        if value is None or value == []:
            continue
        for prefix in PERIOD_FIELDS:
            if key in (f"{prefix}_from", f"{prefix}_to"):
                merged.pop(f"{prefix}_period", None)
            if key == f"{prefix}_period":
                merged.pop(f"{prefix}_from", None)
                merged.pop(f"{prefix}_to", None)
        merged[key] = value
    return merged


# --------------------------------------------------------------------------- storage


def _read_view(path: Path, source: str) -> View:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ReportError(f"{path}: not valid YAML: {exc}") from None
    view = validate_view(data, where=str(path))
    if view.name != path.stem:
        raise ReportError(f"{path}: view name {view.name!r} does not match the file name")
    view.source, view.path = source, path
    return view


def _view_files(folder: Path) -> list[Path]:
    return sorted(folder.glob(f"*{VIEW_SUFFIX}")) if folder.is_dir() else []


def list_views(problems: list[str] | None = None) -> list[View]:
    """Every valid view by name; a user view shadows the built-in of the same name.

    A file that is not a valid view is left out and its error appended to ``problems``:
    one broken file must not hide every other view.
    """
    views: dict[str, View] = {}
    for folder, source in ((BUILTIN_VIEWS_DIR, "builtin"), (user_views_dir(), "user")):
        for path in _view_files(folder):
            try:
                views[path.stem] = _read_view(path, source)
            except ReportError as exc:
                if problems is not None:
                    problems.append(str(exc))
    return [views[name] for name in sorted(views)]


def load_view(name: str) -> View:
    for folder, source in ((user_views_dir(), "user"), (BUILTIN_VIEWS_DIR, "builtin")):
        path = folder / f"{name}{VIEW_SUFFIX}"
        if NAME_PATTERN.match(name) and path.is_file():
            return _read_view(path, source)
    known = ", ".join(v.name for v in list_views()) or "none"
    raise ReportError(f"no view named {name!r}; known views: {known}")


def save_view(view: View, *, force: bool = False) -> Path:
    """Write a user view; replacing a user view or shadowing a built-in needs `force`."""
    checked = validate_view(
        {
            "name": view.name,
            "description": view.description,
            "report": view.report,
            "filters": view.filters,
            "columns": view.columns,
        },
        where=f"view {view.name!r}",
    )
    folder = user_views_dir()
    path = folder / f"{checked.name}{VIEW_SUFFIX}"
    if not force:
        if path.exists():
            raise ReportError(
                f"view {checked.name!r} already exists in {folder}; use --force to replace it"
            )
        if (BUILTIN_VIEWS_DIR / path.name).exists():
            raise ReportError(
                f"{checked.name!r} is a built-in view; use --force to save your own version over it"
            )
    folder.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(checked.to_yaml(), encoding="utf-8")
    tmp.replace(path)
    return path


def delete_view(name: str) -> Path:
    """Delete a user view; built-ins cannot be deleted (a user copy can)."""
    path = user_views_dir() / f"{name}{VIEW_SUFFIX}"
    if NAME_PATTERN.match(name) and path.is_file():
        path.unlink()
        return path
    if (BUILTIN_VIEWS_DIR / f"{name}{VIEW_SUFFIX}").is_file():
        raise ReportError(f"{name!r} is a built-in view and cannot be deleted")
    raise ReportError(f"no user view named {name!r} in {user_views_dir()}")
