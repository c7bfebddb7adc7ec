"""Copy the raw layer from its DuckDB file into PostgreSQL, and build the warehouse there.

The warehouse models are portable: the same `dbt build` runs on DuckDB (the embedded
default) and on PostgreSQL (`--target postgres`). PostgreSQL cannot attach a DuckDB file,
so the raw layer is copied into schema `raw` of the target database, table for table and
column for column:

- contract columns typed from `carteira.contract` (`PG_TYPES`: `dec` -> numeric(18,2),
  `ts` -> timestamp without time zone, `str[]` -> text[], ...);
- the lineage columns (`_file_name`, `_extract_date`, `_loaded_at`, ...) as in DuckDB,
  `_extras` as jsonb.

Rows travel as CSV: DuckDB writes the query result (arrays rendered as PostgreSQL array
literals) and psycopg2 streams it through `COPY ... FROM STDIN`. The raw layer is
append-only history keyed by load, so a sync only copies the loads (`_load_id`) that the
PostgreSQL table does not hold yet; a table whose columns changed is copied again whole.

The one text DuckDB holds and PostgreSQL cannot is the NUL character (in text, text[],
and as the escape `\u0000` in jsonb). Ingestion quarantines such rows, but a raw layer
loaded before it did may hold some, and the raw layer is append-only: refusing them
would block every publish for good. They are copied with the NULs removed, and a warning
names the relation, the column and how many values were changed (`NUL_WARNING`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from carteira.contract import TABLES, Table
from carteira.operations.freshness import dbt_freshness_env
from carteira.settings import DBT_PROJECT_DIR, Settings, dbt_file_log_env

PG_TYPES: dict[str, str] = {
    "str": "text",
    "int": "bigint",
    "dec": "numeric(18,2)",
    "date": "date",
    "ts": "timestamp without time zone",
    "bool": "boolean",
    "str[]": "text[]",
}

LINEAGE_PG_TYPES: tuple[tuple[str, str], ...] = (
    ("_extras", "jsonb"),
    ("_file_name", "text"),
    ("_file_hash", "text"),
    ("_extract_date", "date"),
    ("_delivery_seq", "integer"),
    ("_row_number", "bigint"),
    ("_loaded_at", "timestamp without time zone"),
    ("_load_id", "text"),
)

SCHEMA = "raw"

log = logging.getLogger(__name__)

NUL_WARNING = (
    "raw.{table}.{column}: {count} value(s) held a NUL character, which PostgreSQL cannot "
    "store; copied to PostgreSQL with the NULs removed (the DuckDB raw layer keeps them)"
)
# jsonb refuses the escape \u0000. Matching an escaped backslash first keeps `\\u0000`
# (a backslash, then the text u0000) as it is: regexp_replace keeps group 1, which is
# empty when the match was the escape.
_JSON_NUL_PATTERN = r"(\\\\)|\\u0000"
_JSON_HAS_NUL = r"(^|[^\\])(\\\\)*\\u0000"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def pg_columns(table: Table) -> list[tuple[str, str]]:
    """(name, PostgreSQL type) of the raw table: contract columns, then lineage columns."""
    return [(c.name, PG_TYPES[c.type]) for c in table.columns] + list(LINEAGE_PG_TYPES)


def _pg_array_literal(expr: str) -> str:
    """DuckDB SQL rendering a VARCHAR[] as a PostgreSQL array literal ('{"a","b"}'),
    its elements without NULs (see the module docstring)."""
    element = (
        "case when x is null then 'NULL' else "
        "'\"' || replace(replace(replace(x, chr(0), ''), '\\', '\\\\'), '\"', '\\\"') "
        "|| '\"' end"
    )
    return (
        f"case when {expr} is null then null else "
        f"'{{' || array_to_string(list_transform({expr}, lambda x: {element}), ',') || '}}' end"
    )


def _select_list(table: Table) -> str:
    parts = []
    for c in table.columns:
        col = _ident(c.name)
        if c.type == "str[]":
            parts.append(_pg_array_literal(col))
        elif c.type == "str":
            parts.append(f"replace({col}, chr(0), '')")
        else:
            parts.append(col)
    extras = "cast(_extras as varchar)"
    parts += [
        f"case when contains({extras}, '\\u0000') "
        f"then regexp_replace({extras}, '{_JSON_NUL_PATTERN}', '\\1', 'g') else {extras} end",
        *(_ident(n) for n, _ in LINEAGE_PG_TYPES[1:]),
    ]
    return ", ".join(parts)


def _nul_checks(table: Table) -> list[tuple[str, str]]:
    """(column, DuckDB condition: its value holds a NUL) for every column that may."""
    checks = []
    for c in table.columns:
        col = _ident(c.name)
        if c.type == "str":
            checks.append((c.name, f"contains({col}, chr(0))"))
        elif c.type == "str[]":
            checks.append((c.name, f"contains(array_to_string({col}, ','), chr(0))"))
    checks.append(("_extras", f"regexp_matches(cast(_extras as varchar), '{_JSON_HAS_NUL}')"))
    return checks


def _warn_nuls(duck, source: str, where: str, table: Table) -> None:  # noqa: ANN001
    """Log ``NUL_WARNING`` for each column of the rows to copy that holds NULs."""
    checks = _nul_checks(table)
    counts = duck.execute(
        "select "
        + ", ".join(f"count(*) filter (where {cond})" for _, cond in checks)
        + f" from {source} {where}"
    ).fetchone()
    for (column, _), count in zip(checks, counts, strict=True):
        if count:
            log.warning(NUL_WARNING.format(table=table.fqn, column=column, count=count))


def connect_pg(dsn: str):  # noqa: ANN201 - psycopg2 connection
    import psycopg2

    return psycopg2.connect(dsn)


def _existing_columns(cur, table: Table) -> list[tuple[str, str]]:  # noqa: ANN001
    cur.execute(
        "select column_name, format_type(a.atttypid, a.atttypmod) "
        "from information_schema.columns c "
        "join pg_attribute a on a.attrelid = (quote_ident(c.table_schema) || '.' || "
        "quote_ident(c.table_name))::regclass and a.attname = c.column_name "
        "where c.table_schema = %s and c.table_name = %s order by c.ordinal_position",
        (SCHEMA, table.fqn),
    )
    return [(r[0], r[1]) for r in cur.fetchall()]


def _ensure_table(cur, table: Table) -> bool:  # noqa: ANN001
    """Create the raw table when missing or of another shape; True when it was (re)created."""
    wanted = pg_columns(table)
    if _existing_columns(cur, table) == wanted:
        return False
    body = ", ".join(f"{_ident(n)} {t}" for n, t in wanted)
    qualified = f"{SCHEMA}.{_ident(table.fqn)}"
    cur.execute(f"drop table if exists {qualified} cascade")
    cur.execute(f"create table {qualified} ({body})")
    return True


def sync_raw(raw_path: Path, dsn: str, tables: tuple[Table, ...] = TABLES) -> int:
    """Copy the loads missing from PostgreSQL schema `raw`; returns the rows copied."""
    copied = 0
    duck = duckdb.connect(str(raw_path), read_only=True)
    pg = connect_pg(dsn)
    try:
        (catalog,) = duck.execute("select current_database()").fetchone()
        with pg, pg.cursor() as cur:
            cur.execute(f"create schema if not exists {SCHEMA}")
        with tempfile.TemporaryDirectory(prefix="carteira-pg-") as tmp:
            for table in tables:
                copied += _sync_table(duck, pg, catalog, table, Path(tmp))
    finally:
        duck.close()
        pg.close()
    return copied


def _sync_table(duck, pg, catalog: str, table: Table, tmp: Path) -> int:  # noqa: ANN001
    source = f"{_ident(catalog)}.raw.{_ident(table.fqn)}"
    qualified = f"{SCHEMA}.{_ident(table.fqn)}"
    with pg, pg.cursor() as cur:
        recreated = _ensure_table(cur, table)
        present: list[str] = []
        if not recreated:
            cur.execute(f"select distinct _load_id from {qualified} where _load_id is not null")
            present = [r[0] for r in cur.fetchall()]
    duck.execute("create or replace temp table _present_loads (load_id varchar)")
    if present:
        duck.executemany("insert into _present_loads values (?)", [[p] for p in present])
    where = "where _load_id is null or _load_id not in (select load_id from _present_loads)"
    _warn_nuls(duck, source, where, table)
    query = f"select {_select_list(table)} from {source} {where}"
    csv_path = tmp / f"{table.fqn}.csv"
    # DuckDB's CSV: NULL is an empty field, the empty string is "" (PostgreSQL reads both
    # back the same way); quotes are doubled; timestamps ISO; decimals with a dot.
    path_literal = str(csv_path).replace("'", "''")
    (rows,) = duck.execute(
        f"copy ({query}) to '{path_literal}' (format csv, header false)"
    ).fetchone()
    columns = ", ".join(_ident(n) for n, _ in pg_columns(table))
    # newline="": a CR inside a value reaches PostgreSQL as a CR (universal newlines
    # turned it, and every CRLF, into LF)
    with pg, pg.cursor() as cur, csv_path.open("r", encoding="utf-8", newline="") as fh:
        cur.copy_expert(
            f"copy {qualified} ({columns}) from stdin with (format csv, header false)", fh
        )
        cur.execute(f"analyze {qualified}")
    csv_path.unlink()
    return int(rows)


# ----------------------------------------------------------------------------- dbt


def dsn_parts(dsn: str) -> dict[str, str]:
    from psycopg2.extensions import parse_dsn

    return parse_dsn(dsn)


def dbt_env_for(dsn: str) -> dict[str, str]:
    """Environment `dbt_project/profiles.yml`'s `postgres` output reads."""
    parts = dsn_parts(dsn)
    return {
        "CARTEIRA_PG_HOST": parts.get("host", "127.0.0.1"),
        "CARTEIRA_PG_PORT": parts.get("port", "5432"),
        "CARTEIRA_PG_USER": parts.get("user", "postgres"),
        "CARTEIRA_PG_PASSWORD": parts.get("password", ""),
        "CARTEIRA_PG_DBNAME": parts.get("dbname", "carteira"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        **dbt_file_log_env(),
    }


def postgres_target_path(dsn: str) -> Path:
    """dbt's target folder for builds into one PostgreSQL database: one per database, kept.

    Keeping it keeps `partial_parse.msgpack`, which dbt reuses while the profile (server,
    database) and --vars stay the same: the next publish parses only what changed. One
    build at a time writes it: publish-postgres holds the database's publish lock.
    """
    parts = dsn_parts(dsn)
    server = "\0".join(parts.get(key, "") for key in ("host", "port", "dbname"))
    key = hashlib.sha256(server.encode()).hexdigest()[:12]
    return DBT_PROJECT_DIR / "target" / f"postgres-{key}"


@dataclass
class DbtResult:
    success: bool
    message: str
    target_path: Path


def dbt_build_postgres(
    settings: Settings,
    dsn: str,
    *,
    extra_args: tuple[str, ...] = (),
    extra_vars: dict[str, str] | None = None,
) -> DbtResult:
    """`dbt build --target postgres` with the settings' vars, raw_database = the DSN's db.

    Runs in a subprocess with the database's own target folder (`postgres_target_path`),
    so it never races a DuckDB build's artefacts and the next build of the same day into
    the same database reuses dbt's partial parse. Returns success and the tail of dbt's
    output on failure.
    """
    env = {**os.environ, **dbt_env_for(dsn)}
    # bi.warehouse_status: the freshness as the DuckDB refresh of the same as_of saw it
    env |= dbt_freshness_env(
        settings.raw_path,
        now=datetime.now(UTC),
        timezone=settings.business_timezone,
        as_of=settings.effective_as_of(),
    )
    # The day stays in --vars (not in the environment as a refresh passes it): this build
    # runs the unit tests too, whose `overrides: vars:` the environment would shadow.
    dbt_vars = {
        **settings.dbt_vars(),
        "raw_database": env["CARTEIRA_PG_DBNAME"],
        **(extra_vars or {}),
    }
    target = postgres_target_path(dsn)
    dbt = Path(sys.executable).with_name("dbt")
    cmd = [
        str(dbt) if dbt.exists() else "dbt",
        "build",
        "--target",
        "postgres",
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(target),
        "--vars",
        json.dumps(dbt_vars, sort_keys=True),
        *extra_args,
    ]
    env["DBT_LOG_PATH"] = str(target)
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-60:])
    return DbtResult(proc.returncode == 0, tail, target)
