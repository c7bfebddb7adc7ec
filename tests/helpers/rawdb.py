"""Build hand-written raw layers and run dbt against them, for tests.

The raw layer (docs/architecture.md, "Raw layer") is normally written by the
ingestion. Tests of the dbt layers must not depend on it being finished or on
landing files, so this module creates the same schema straight from
`carteira.contract` and inserts rows given as dicts, filling the metadata
columns (`_file_name`, `_extract_date`, ...) with defaults that follow the
ingestion's conventions. The schema itself is the ingestion's
(`carteira.ingestion.ensure_raw_schema`), never a copy.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import duckdb

from carteira.contract import TABLES_BY_FQN, Table
from carteira.ingestion import LINEAGE_COLUMNS, ensure_raw_schema
from carteira.settings import DBT_PROJECT_DIR, build_catalog, dbt_file_env, dbt_file_log_env

# Metadata columns of every raw table, in order, after the contract's columns: the
# ingestion's own definition, so tests build exactly the schema production writes.
RAW_METADATA_COLUMNS = LINEAGE_COLUMNS

DEFAULT_EXTRACT_DATE = dt.date(2026, 1, 1)

# dbt selectors of what the customer and portfolio reports read: their marts and the bi
# relations behind them (one list for both report test modules).
CUSTOMER_REPORT_MODELS = [
    "+marts.customer",
    "+marts.portfolio",
    "+dim_staff",
    # the bi relations the reports read
    "+bi.customer_history_titles",
    "+bi.customer_history_sales",
    "+bi.customer_history_negotiations",
    "+bi.customer_history_schedule",
    "+bi.client_card_financial",
    "+bi.client_card_yearly",
    "+bi.client_card_notes",
    "+bi.client_card_agenda",
    "+bi.client_card_service_orders",
    "+bi.client_card_returns",
    "+bi.client_card_pending_orders",
    "+bi.client_card_open_quotes",
    "+bi.client_card_alerts",
    "+bi.portfolio_project_contracts",
]


def _current_catalog(con: duckdb.DuckDBPyConnection) -> str:
    row = con.execute("SELECT current_database()").fetchone()
    assert row is not None
    return str(row[0])


def create_raw_db(path: Path) -> Path:
    """Create (or complete) a raw DuckDB file with the full raw-layer schema."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as con:
        ensure_raw_schema(con)
    return path


def default_file_name(table: Table, extract_date: dt.date, delivery_seq: int) -> str:
    """Landing-relative file name the ingestion would record for a delivery."""
    suffix = "" if delivery_seq == 1 else f"_{delivery_seq}"
    return (
        f"{table.system}/{table.name}/{table.name}_{extract_date:%Y%m%d}{suffix}."
        f"{table.format.extension}"
    )


def insert_rows(
    raw_path: Path,
    fqn: str,
    rows: Iterable[Mapping[str, Any]],
    *,
    extract_date: dt.date = DEFAULT_EXTRACT_DATE,
    delivery_seq: int = 1,
    loaded_at: dt.datetime | None = None,
    load_id: str = "test-load",
) -> int:
    """Append rows (contract column -> value) to `raw.<fqn>` as one delivered file.

    Missing contract columns are NULL. Metadata defaults describe a single file
    `<table>_<extract_date>[_<seq>]`: `_row_number` counts 1.. in the given
    order, `_loaded_at` defaults to the extract date at 06:00 (UTC) plus the
    delivery sequence in minutes, so later deliveries load later. A row may
    override any metadata column by carrying it as a key (e.g. `_row_number`),
    and unknown keys land in `_extras` as strings, as the ingestion does.
    Returns the number of rows inserted.
    """
    table = TABLES_BY_FQN[fqn]
    meta_names = [name for name, _ in RAW_METADATA_COLUMNS]
    all_cols = table.column_names + meta_names
    if loaded_at is None:
        loaded_at = dt.datetime.combine(extract_date, dt.time(6, 0)) + dt.timedelta(
            minutes=delivery_seq
        )
    file_name = default_file_name(table, extract_date, delivery_seq)
    records: list[list[Any]] = []
    for i, row in enumerate(rows, start=1):
        extras = {k: str(v) for k, v in row.items() if k not in all_cols}
        defaults: dict[str, Any] = {
            "_extras": json.dumps(extras) if extras else None,
            "_file_name": file_name,
            "_file_hash": f"hash-{file_name}",
            "_extract_date": extract_date,
            "_delivery_seq": delivery_seq,
            "_row_number": i,
            "_loaded_at": loaded_at,
            "_load_id": load_id,
        }
        records.append(
            [row.get(c) for c in table.column_names] + [row.get(m, defaults[m]) for m in meta_names]
        )
    if not records:
        return 0
    placeholders = ", ".join("?" for _ in all_cols)
    column_list = ", ".join(f'"{c}"' for c in all_cols)
    with duckdb.connect(str(raw_path)) as con:
        ensure_raw_schema(con)
        catalog = _current_catalog(con)
        con.executemany(
            f'INSERT INTO "{catalog}".raw.{fqn} ({column_list}) VALUES ({placeholders})',
            records,
        )
    return len(records)


def run_dbt(
    args: list[str],
    build_path: Path,
    raw_path: Path,
    vars: dict[str, Any] | None = None,  # noqa: A002 - the name dbt users know
) -> None:
    """Run one dbt command against `build_path`, with `raw_path` attached as raw_db.

    Runs the `dbt` executable of this interpreter's environment in a
    subprocess: dbtRunner keeps adapter and manifest state in the process
    between invocations, and tests switch warehouse files between calls.
    dbt's target and log directories go next to `build_path` (not the shared
    `dbt_project/target`), so parallel runs never overwrite each other's
    manifests. Raises RuntimeError carrying dbt's output when the command fails.
    """
    work_dir = build_path.parent
    seeded = _seed_parse(work_dir / "dbt_target", build_path, vars)
    cmd = [
        str(Path(sys.executable).with_name("dbt")),
        *args,
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--project-dir",
        str(DBT_PROJECT_DIR),
    ]
    if vars:
        cmd += ["--vars", json.dumps(vars, default=str)]
    env = {
        **os.environ,
        **dbt_file_env(build_path, raw_path),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        **dbt_file_log_env(),  # as the refresh runs dbt
        "DBT_TARGET_PATH": str(work_dir / "dbt_target"),
        "DBT_LOG_PATH": str(work_dir / "dbt_logs"),
    }
    proc = subprocess.run(
        cmd, cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True, check=False
    )
    if seeded is not None:
        _keep_parse(work_dir / "dbt_target", seeded)
    if proc.returncode != 0:
        raise RuntimeError(
            f"dbt {' '.join(args)} failed (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
        )


# dbt's parse of the project, kept per (vars, catalog) for the tests' dbt runs: each runs in
# a target folder of its own, and dbt reuses a parse only for the same --vars and profile.
# dagster-dbt seeds a new target with the project's parse the same way; dbt itself
# re-parses whatever file changed since, so a kept parse is never stale.
PARSE_CACHE = DBT_PROJECT_DIR / "target" / "test-parses"
PARTIAL_PARSE = "partial_parse.msgpack"


def _seed_parse(target: Path, build_path: Path, dbt_vars: Mapping[str, Any] | None) -> Path | None:
    """Put a kept parse for these vars in a new target folder; the cache file it belongs to."""
    if (target / PARTIAL_PARSE).exists():
        return None
    key = json.dumps([dbt_vars or {}, build_catalog(build_path)], default=str, sort_keys=True)
    kept = PARSE_CACHE / f"{hashlib.sha256(key.encode()).hexdigest()[:16]}.msgpack"
    if kept.exists():
        source = kept
    elif not dbt_vars:  # the parse `dbt parse` wrote for the project, with no --vars
        source = DBT_PROJECT_DIR / "target" / PARTIAL_PARSE
    else:
        return kept
    if source.exists():
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target / PARTIAL_PARSE)
    return kept


def _keep_parse(target: Path, kept: Path) -> None:
    """Keep the parse a run wrote for the next run with the same vars (atomic: two xdist
    workers may write the same one)."""
    written = target / PARTIAL_PARSE
    if kept.exists() or not written.exists():
        return
    kept.parent.mkdir(parents=True, exist_ok=True)
    partial = kept.with_name(f"{kept.name}.{os.getpid()}")
    shutil.copyfile(written, partial)
    partial.replace(kept)
