"""Whether a build may continue from the published state, for reproducible `--as-of`.

The incremental staging models continue from the warehouse they are copied from, reading
only raw rows loaded since (`stg_incremental_lower_bound`) and dated up to as_of
(`stg_extracted_through`). That is exact for the daily run, whose as_of only moves
forward over extracts loaded in order. It is not when the published state was built
with a different view of the raw history:

- the state holds versions from extracts later than the new as_of (an earlier `--as-of`
  after a later one): continuing would keep those later versions;
- the state was built while the raw history already held extracts later than its as_of:
  those rows were skipped by the date filter but may be older than the next run's
  `_loaded_at` bound, so a later as_of would never read them.

In both cases the refresh rebuilds the incremental models in full (`dbt build
--full-refresh`). The second case is recorded in the build itself (table
``main._carteira_build``), so the decision travels with the published file.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from carteira.ingestion import raw_schema

STATE_TABLE = "main._carteira_build"


def raw_extracts_after(raw_path: Path, as_of: date) -> bool:
    """Whether the raw history holds any file dated after ``as_of``."""
    if not raw_path.exists():
        return False
    con = duckdb.connect(str(raw_path), read_only=True)
    try:
        (later,) = con.execute(
            f"select count(*) from {raw_schema(con)}._manifest where extract_date > ?", [as_of]
        ).fetchone()
        return bool(later)
    except duckdb.CatalogException:
        return False
    finally:
        con.close()


def built_past(build_path: Path, as_of: date) -> bool:
    """Whether the state in ``build_path`` must not be continued by a build for ``as_of``."""
    if not build_path.exists():
        return False
    con = duckdb.connect(str(build_path), read_only=True)
    try:
        recorded = con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'main' and table_name = '_carteira_build'"
        ).fetchone()[0]
        if recorded:
            row = con.execute(f"select as_of, raw_extracts_after from {STATE_TABLE}").fetchone()
            if row is not None and row[1] and row[0] != as_of:
                return True
        tables = con.execute(
            "select table_name from information_schema.columns "
            "where table_schema = 'staging' and column_name = '_extract_date'"
        ).fetchall()
        for (table,) in tables:
            (later,) = con.execute(
                f'select count(*) from staging."{table}" where _extract_date > ?', [as_of]
            ).fetchone()
            if later:
                return True
        return False
    finally:
        con.close()


def record_build(build_path: Path, as_of: date, raw_later: bool) -> None:
    """Write what the next build needs to know about this one into the build file."""
    con = duckdb.connect(str(build_path))
    try:
        con.execute(
            f"create or replace table {STATE_TABLE} as select ?::date as as_of, "
            "?::boolean as raw_extracts_after, current_timestamp::timestamp as built_at",
            [as_of, raw_later],
        )
    finally:
        con.close()
