"""How late each source is: the newest extract of every table against its declared limits.

The limits are the ones dbt declares in ``models/staging/_sources.yml`` (``freshness``
with ``warn_after`` / ``error_after`` per source, a table may override), read from there
so they are written once. Like dbt's ``loaded_at_field`` there, the age is measured from
the newest *extract date* (the date in the file name), not from the load: re-ingesting
old files or a backfill must not make a source that stopped delivering look fresh. A
file set aside whole (manifest status ``quarantined``) delivered nothing and does not
count.

The age is taken at a reference instant: the wall clock, or, for a refresh of a past
``as_of`` (a backfill), the end of that day, so that a backfill is judged by what had
arrived for its day and not by today's date. Dates are midnight in the business time
zone (dbt compares the same midnight with a UTC clock, a few hours more lenient).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import yaml

from carteira.contract import TABLES, Table
from carteira.ingestion.raw_tables import raw_schema
from carteira.settings import REPO_ROOT

SOURCES_YML = REPO_ROOT / "models" / "staging" / "_sources.yml"
_PERIODS = {"minute": timedelta(minutes=1), "hour": timedelta(hours=1), "day": timedelta(days=1)}


class State(StrEnum):
    """A table's (or a system's) freshness, in increasing order of badness."""

    FRESH = "fresh"
    WARN = "warn"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return list(State).index(self)


@dataclass(frozen=True)
class Limits:
    """Age of the newest extract past which a table is late (warn) or missing (error)."""

    warn_after: timedelta | None
    error_after: timedelta | None


def _window(spec: Mapping[str, Any] | None) -> timedelta | None:
    if not spec or spec.get("count") is None:
        return None
    period = spec.get("period", "hour")
    if period not in _PERIODS:
        raise ValueError(f"{SOURCES_YML}: freshness period {period!r} is not one of {_PERIODS}")
    return int(spec["count"]) * _PERIODS[period]


_UNSET: dict[str, Any] = {}


def _freshness(node: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """A source's or table's ``freshness``, under ``config:`` (dbt 1.10+) or top level.

    ``_UNSET`` when it says nothing (a table then takes its source's); None when it says
    ``freshness: null`` (dbt: never checked).
    """
    config = node.get("config") or {}
    if "freshness" in config:
        return config["freshness"]
    return node.get("freshness", _UNSET)


@cache
def declared_limits(path: Path = SOURCES_YML) -> dict[str, Limits]:
    """Limits per table fqn (``system__table``), as dbt would apply them."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    limits: dict[str, Limits] = {}
    for source in doc.get("sources", []):
        default = _freshness(source) or {}
        for table in source.get("tables", []):
            own = _freshness(table)
            spec = (default if own is _UNSET else own) or {}
            fqn = table.get("identifier") or f"{source['name']}__{table['name']}"
            limits[fqn] = Limits(_window(spec.get("warn_after")), _window(spec.get("error_after")))
    return limits


@dataclass(frozen=True)
class TableFreshness:
    table: Table
    last_extract: date | None  # None: nothing of this table was ever loaded
    age: timedelta | None
    limits: Limits

    @property
    def state(self) -> State:
        if self.age is None:
            return State.ERROR if self.limits.error_after else State.WARN
        if self.limits.error_after is not None and self.age > self.limits.error_after:
            return State.ERROR
        if self.limits.warn_after is not None and self.age > self.limits.warn_after:
            return State.WARN
        return State.FRESH

    def describe(self) -> str:
        """``erp__receivables: last extract 2026-11-20, 48 h old; late: past warn_after ...``"""
        limits = self.limits
        if self.state is State.FRESH:
            verdict = f"fresh (late after {hours_text(limits.warn_after)})"
        elif self.state is State.WARN:
            verdict = (
                f"late: past warn_after {hours_text(limits.warn_after)} "
                f"(error after {hours_text(limits.error_after)})"
            )
        else:
            verdict = f"missing: past error_after {hours_text(limits.error_after)}"
        if self.last_extract is None:
            return f"{self.table.fqn}: no extract ever loaded; {verdict}"
        hours = self.age.total_seconds() / 3600 if self.age is not None else 0
        return (
            f"{self.table.fqn}: last extract {self.last_extract.isoformat()}, "
            f"{hours:.0f} h old; {verdict}"
        )


def hours_text(window: timedelta | None) -> str:
    return "never" if window is None else f"{window.total_seconds() / 3600:.0f} h"


def reference_instant(now: datetime, as_of: date | None, timezone: str) -> datetime:
    """The wall clock, or the end of a past ``as_of`` day (a backfill's own day)."""
    if as_of is None:
        return now
    end_of_day = datetime.combine(as_of + timedelta(days=1), time(), ZoneInfo(timezone))
    return min(now, end_of_day)


def last_extracts(con: duckdb.DuckDBPyConnection) -> dict[str, date]:
    """The newest extract date per table fqn that delivered rows (manifest of the raw layer)."""
    try:
        rows = con.execute(
            f"SELECT system || '__' || table_name, max(extract_date) "
            f"FROM {raw_schema(con)}._manifest "
            "WHERE status <> 'quarantined' AND extract_date IS NOT NULL GROUP BY 1"
        ).fetchall()
    except duckdb.CatalogException:  # a raw file that never ingested anything
        return {}
    return {fqn: day for fqn, day in rows}


def read_last_extracts(raw_path: Path) -> dict[str, date]:
    """``last_extracts`` of a raw file opened read-only (empty when there is none yet)."""
    if not raw_path.exists():
        return {}
    con = duckdb.connect(str(raw_path), read_only=True)
    try:
        return last_extracts(con)
    finally:
        con.close()


def evaluate(
    extracts: Mapping[str, date],
    *,
    now: datetime,
    timezone: str,
    as_of: date | None = None,
    tables: Iterable[Table] = TABLES,
    limits: Mapping[str, Limits] | None = None,
) -> list[TableFreshness]:
    """Freshness of every table in ``tables`` at the reference instant (see module doc)."""
    limits = declared_limits() if limits is None else limits
    ref = reference_instant(now, as_of, timezone)
    zone = ZoneInfo(timezone)
    out = []
    for table in tables:
        day = extracts.get(table.fqn)
        age = None if day is None else ref - datetime.combine(day, time(), zone)
        out.append(TableFreshness(table, day, age, limits.get(table.fqn, Limits(None, None))))
    return out


@dataclass(frozen=True)
class SystemFreshness:
    """A source system: its worst table, and the newest extract of that worst table."""

    system: str
    state: State
    last_extract: date | None
    late_tables: tuple[str, ...]

    def line(self, reference_day: date) -> str:
        """``erp late (error): last extract 2026-12-03, 3 days (receivables, ...)``."""
        if self.last_extract is None:
            when = "no extract ever loaded"
        else:
            days = (reference_day - self.last_extract).days
            when = f"last extract {self.last_extract.isoformat()}, {days} day{'s' * (days != 1)}"
        word = "fresh" if self.state is State.FRESH else f"late ({self.state.value})"
        extra = ""
        if self.state is not State.FRESH and self.late_tables:
            shown = ", ".join(self.late_tables[:5])
            more = len(self.late_tables) - 5
            extra = f" ({shown}{f' and {more} more' if more > 0 else ''})"
        return f"{self.system} {word}: {when}{extra}"


def by_system(results: Iterable[TableFreshness]) -> list[SystemFreshness]:
    """One entry per source system, in contract order."""
    grouped: dict[str, list[TableFreshness]] = {}
    for r in results:
        grouped.setdefault(r.table.system, []).append(r)
    out = []
    for system, rows in grouped.items():
        worst = max(rows, key=lambda r: (r.state.rank, timedelta.max if r.age is None else r.age))
        late = tuple(r.table.name for r in rows if r.state is not State.FRESH)
        dates = [r.last_extract for r in rows if r.last_extract is not None]
        # the oldest newest-extract among the late tables says how far behind the system is
        last = worst.last_extract if worst.state is not State.FRESH else max(dates, default=None)
        out.append(SystemFreshness(system, worst.state, last, late))
    return out


def summary_lines(results: Iterable[TableFreshness], reference_day: date) -> list[str]:
    """The refresh summary's freshness lines: one per late system, none when all are fresh."""
    return [
        "freshness: " + s.line(reference_day)
        for s in by_system(results)
        if s.state is not State.FRESH
    ]


def refresh_freshness(
    raw_path: Path, *, now: datetime, timezone: str, as_of: date | None, reference_day: date
) -> tuple[dict[str, str], list[str]]:
    """What a refresh reports: per system its freshness state, and the summary lines of
    the late ones (``summary_lines``)."""
    results = evaluate(read_last_extracts(raw_path), now=now, timezone=timezone, as_of=as_of)
    return {s.system: s.state.value for s in by_system(results)}, summary_lines(
        results, reference_day
    )


# The environment variable through which a build hands its freshness to dbt's
# `bi.warehouse_status` (models/bi/warehouse_status.sql). The environment, not --vars:
# the value changes with every build, and changed --vars make dbt parse the whole
# project again (see dbt_project/macros/daily_var.sql).
DBT_FRESHNESS_ENV = "CARTEIRA_DBT_SOURCE_FRESHNESS"
# ... and the build's time, for the same reason: models never read the clock
# (tests/test_marts.py), so a rebuild of the same inputs gives the same rows.
DBT_REFRESHED_AT_ENV = "CARTEIRA_DBT_REFRESHED_AT"


def dbt_freshness_env(
    raw_path: Path, *, now: datetime, timezone: str, as_of: date | None
) -> dict[str, str]:
    """Each source system's freshness at this build, as the environment dbt reads.

    Evaluated as the refresh's own checks evaluate it (``evaluate``, against ``as_of``),
    so the dashboards name the late systems the refresh summary names.
    """
    systems = by_system(
        evaluate(read_last_extracts(raw_path), now=now, timezone=timezone, as_of=as_of)
    )
    return {
        DBT_FRESHNESS_ENV: json.dumps(
            [
                {
                    "system": s.system,
                    "state": s.state.value,
                    "last_extract": s.last_extract.isoformat() if s.last_extract else None,
                    "late_tables": ", ".join(s.late_tables),
                }
                for s in systems
            ]
        ),
        DBT_REFRESHED_AT_ENV: now.astimezone(ZoneInfo(timezone))
        .replace(tzinfo=None)
        .isoformat(sep=" ", timespec="seconds"),
    }
