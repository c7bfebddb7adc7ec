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

The same row records what an incremental day needs to build only what it can change
(carteira.refresh.plan): a fingerprint of the dbt project that built the state, of the vars
other than the date, the checksum of every seed, and how far into the raw manifest the
state has read (``raw_loaded_through``: rows loaded later are the day's news).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb

from carteira.ingestion import raw_schema
from carteira.settings import DAILY_DBT_VARS

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


@dataclass(frozen=True)
class BuildState:
    """What a build recorded about itself (``main._carteira_build``)."""

    as_of: date
    raw_extracts_after: bool
    project_fingerprint: str | None = None
    vars_fingerprint: str | None = None
    seed_checksums: dict[str, str] = field(default_factory=dict)
    raw_loaded_through: datetime | None = None


def _digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# The parts of a manifest node that decide what it builds and tests (not created_at,
# paths or other bookkeeping that changes without the SQL changing).
_NODE_FIELDS = (
    "resource_type",
    "name",
    "checksum",
    "raw_code",
    "config",
    "depends_on",
    "test_metadata",
    "columns",
    "description",
)
_SOURCE_FIELDS = ("database", "schema", "identifier", "columns", "description")


def project_fingerprint(manifest: Mapping[str, Any], project_file: Path) -> str:
    """One hash of everything in the dbt project that can change what a build writes.

    Models, tests and sources by their checksum, code, config, columns and descriptions
    (descriptions become database comments); every macro's SQL (business rules live in
    macros, which no node checksum covers); the dbt version and ``dbt_project.yml``
    itself (var defaults, folder configs). Seeds count by config only: a changed seed
    file rebuilds what reads it (``seed_checksums``), not the whole project.
    """
    nodes = {}
    for uid, node in manifest["nodes"].items():
        fields = {k: node.get(k) for k in _NODE_FIELDS}
        if node["resource_type"] == "seed":
            fields.pop("checksum")
        nodes[uid] = fields
    return _digest(
        {
            "dbt_version": manifest["metadata"].get("dbt_version"),
            "project_file": project_file.read_text(encoding="utf-8"),
            "nodes": nodes,
            "sources": {
                uid: {k: src.get(k) for k in _SOURCE_FIELDS}
                for uid, src in manifest["sources"].items()
            },
            "macros": {uid: m.get("macro_sql") for uid, m in manifest["macros"].items()},
        }
    )


def seed_checksums(manifest: Mapping[str, Any]) -> dict[str, str]:
    """{seed unique id: checksum of its file}."""
    return {
        uid: node["checksum"]["checksum"]
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] == "seed"
    }


def vars_fingerprint(dbt_vars: Mapping[str, Any]) -> str:
    """Hash of the vars a build ran with, leaving out the date (DAILY_DBT_VARS): a change
    of those alone is an ordinary new day (the as_of-tagged models and what the new
    extracts touch are rebuilt)."""
    return _digest({k: v for k, v in dbt_vars.items() if k not in DAILY_DBT_VARS})


_STATE_COLUMNS = (
    "as_of",
    "raw_extracts_after",
    "project_fingerprint",
    "vars_fingerprint",
    "seed_checksums",
    "raw_loaded_through",
)


def read_state(build_path: Path) -> BuildState | None:
    """The state recorded in ``build_path``; None when there is none (or an older one
    without the fields an incremental day needs, which then builds everything)."""
    if not build_path.exists():
        return None
    con = duckdb.connect(str(build_path), read_only=True)
    try:
        columns = {
            r[0]
            for r in con.execute(
                "select column_name from information_schema.columns "
                "where table_schema = 'main' and table_name = '_carteira_build'"
            ).fetchall()
        }
        if not set(_STATE_COLUMNS) <= columns:
            return None
        row = con.execute(f"select {', '.join(_STATE_COLUMNS)} from {STATE_TABLE}").fetchone()
    finally:
        con.close()
    if row is None:
        return None
    as_of, later, project, dbt_vars, seeds, loaded = row
    return BuildState(as_of, bool(later), project, dbt_vars, json.loads(seeds or "{}"), loaded)


def record_build(build_path: Path, state: BuildState) -> None:
    """Write what the next build needs to know about this one into the build file."""
    con = duckdb.connect(str(build_path))
    try:
        con.execute(
            f"create or replace table {STATE_TABLE} as select ?::date as as_of, "
            "?::boolean as raw_extracts_after, ?::varchar as project_fingerprint, "
            "?::varchar as vars_fingerprint, ?::varchar as seed_checksums, "
            "?::timestamp as raw_loaded_through, current_timestamp::timestamp as built_at",
            [
                state.as_of,
                state.raw_extracts_after,
                state.project_fingerprint,
                state.vars_fingerprint,
                json.dumps(state.seed_checksums, sort_keys=True),
                state.raw_loaded_through,
            ],
        )
    finally:
        con.close()
