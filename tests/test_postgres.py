"""The same models on PostgreSQL give the same marts as on DuckDB.

Needs a PostgreSQL server: `CARTEIRA_PG_DSN` (a libpq DSN of a superuser, as
`eval "$(scripts/ci_postgres.sh)"` exports), else the test starts one with that script.
No server is a failure, never a skip.

The tiny landing zone is refreshed on DuckDB (the embedded default), its raw layer is
copied into a fresh PostgreSQL database (`carteira.serving.postgres.sync.sync_raw`), the same
`dbt build` (models, data tests and unit tests) runs there with `--target postgres`,
and every mart table is compared row for row after normalising both sides to Python
values (decimals and floats to 6 places, JSON parsed).
"""

from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from carteira.serving.postgres.sync import connect_pg, dbt_build_postgres, sync_raw
from tests.data.tiny_three_days import tiny_warehouse_settings
from tests.helpers.postgres import fresh_database
from tests.helpers.shared import shared_root


@pytest.fixture(scope="module")
def pg_dsn() -> Any:
    """A fresh database on the server named by CARTEIRA_PG_DSN, dropped afterwards."""
    with fresh_database("carteira_test") as dsn:
        yield dsn


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, pg_dsn: str) -> tuple[Path, str]:
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    settings = tiny_warehouse_settings(shared_root(tmp_path_factory))
    copied = sync_raw(settings.raw_path, pg_dsn)
    assert copied > 0
    assert sync_raw(settings.raw_path, pg_dsn) == 0, "a second sync must copy nothing"
    result = dbt_build_postgres(settings, pg_dsn)
    assert result.success, f"dbt build --target postgres failed:\n{result.message}"
    return settings.warehouse_path, pg_dsn


def _norm(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, Decimal | float):
        return round(float(value), 6)
    if isinstance(value, dict):
        return {k: _norm(v) for k, v in sorted(value.items())}
    if isinstance(value, list | tuple):
        return [_norm(v) for v in value]
    return value


def _norm_json(value: Any) -> Any:
    if isinstance(value, str):
        value = json.loads(value)
    return _norm(value)


def _sorted_rows(rows: list[tuple], json_cols: set[int]) -> list[list[Any]]:
    normalised = [
        [_norm_json(v) if i in json_cols else _norm(v) for i, v in enumerate(row)] for row in rows
    ]
    return sorted(normalised, key=lambda r: json.dumps(r, default=str, sort_keys=True))


def test_raw_layer_copies_every_row_and_type(built: tuple[Path, str]) -> None:
    warehouse, dsn = built
    duck = duckdb.connect(str(warehouse.with_name("warehouse.raw.duckdb")), read_only=True)
    catalog = duck.execute("select current_database()").fetchone()[0]
    pg = connect_pg(dsn)
    with pg.cursor() as cur:
        cur.execute("select phones, _extras from raw.crm__clients where phones is not null limit 1")
        phones, _ = cur.fetchone()
        assert isinstance(phones, list)
        cur.execute(
            "select table_name from information_schema.tables where table_schema = 'raw' order by 1"
        )
        tables = [r[0] for r in cur.fetchall()]
        assert len(tables) == 31
        for table in tables:
            cur.execute(f"select count(*) from raw.{table}")
            pg_count = cur.fetchone()[0]
            duck_count = duck.execute(f'select count(*) from "{catalog}".raw.{table}').fetchone()[0]
            assert pg_count == duck_count, table
    pg.close()


def test_every_mart_is_identical_on_postgres(built: tuple[Path, str]) -> None:
    warehouse, dsn = built
    duck = duckdb.connect(str(warehouse), read_only=True)
    pg = connect_pg(dsn)
    cur = pg.cursor()
    duck_tables = [
        r[0]
        for r in duck.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' "
            "order by 1"
        ).fetchall()
    ]
    # tables and views on both sides (activity_bookings is a view)
    cur.execute(
        "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
    )
    pg_tables = {r[0] for r in cur.fetchall()}
    missing = sorted(set(duck_tables) ^ pg_tables)
    differing = {}
    for table in [t for t in duck_tables if t in pg_tables]:
        columns = duck.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'marts' and table_name = ? order by ordinal_position",
            [table],
        ).fetchall()
        names = [c for c, _ in columns]
        json_cols = {i for i, (_, t) in enumerate(columns) if t.upper() == "JSON"}
        select = ", ".join(f'"{c}"' for c in names)
        duck_rows = _sorted_rows(
            duck.execute(f"select {select} from marts.{table}").fetchall(), json_cols
        )
        cur.execute(f"select {select} from marts.{table}")
        pg_rows = _sorted_rows(cur.fetchall(), json_cols)
        if duck_rows != pg_rows:
            only_duck = [r for r in duck_rows if r not in pg_rows][:3]
            only_pg = [r for r in pg_rows if r not in duck_rows][:3]
            differing[table] = {"duckdb": only_duck, "postgres": only_pg}
    pg.close()
    assert not missing, f"marts built on only one of DuckDB and PostgreSQL: {missing}"
    assert not differing, f"marts differ between DuckDB and PostgreSQL: {differing}"
    assert duck_tables
