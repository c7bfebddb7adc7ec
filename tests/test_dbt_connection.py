"""How dbt opens a build: the files the plugin attaches, named only by the environment.

The profile names no path (dbt_project/profiles.yml), so dbt's parse of the project serves
every warehouse; carteira/refresh/dbt_connection.py attaches the build and the raw layer
when dbt connects. What it must never do: open a file the environment did not name, open
it under another catalog than the one the models were parsed for, or run without them.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
import yaml

from carteira.refresh.dbt_connection import RAW_CATALOG, attach_statements
from carteira.settings import DBT_PROJECT_DIR, build_catalog, dbt_file_env


@pytest.mark.parametrize(
    ("name", "catalog"),
    [
        ("warehouse.duckdb.building", "warehouse"),
        ("acme.duckdb", "acme"),
        (".hidden.duckdb", "hidden"),
        ("dev", "dev"),
    ],
)
def test_the_catalog_is_the_one_duckdb_names_the_file(
    tmp_path: Path, name: str, catalog: str
) -> None:
    assert build_catalog(tmp_path / name) == catalog
    with duckdb.connect(str(tmp_path / name)) as con:  # DuckDB's own name for that file
        assert con.execute("select current_database()").fetchone() == (catalog,)


def _attached(environ: dict[str, str], database: str) -> dict[str, str]:
    with duckdb.connect() as con:
        for statement in attach_statements(environ, database):
            con.execute(statement)
        rows = con.execute(
            "select database_name, path from duckdb_databases() where not internal"
        ).fetchall()
        current = con.execute("select current_setting('temp_directory')").fetchone()[0]
    return {name: path for name, path in rows} | {"temp_directory": current}


def test_it_attaches_the_files_the_environment_names_even_with_quotes(tmp_path: Path) -> None:
    folder = tmp_path / "it's here"
    folder.mkdir()
    raw = folder / "warehouse.raw.duckdb"
    duckdb.connect(str(raw)).close()
    build = folder / "warehouse.duckdb.building"
    attached = _attached(dbt_file_env(build, raw), "warehouse")
    assert attached["warehouse"] == str(build) and attached[RAW_CATALOG] == str(raw)
    assert attached["temp_directory"] == str(build) + ".tmp"
    assert build.exists()
    assert sorted(p.name for p in folder.iterdir()) == sorted([build.name, raw.name])


def test_the_raw_layer_is_attached_read_only(tmp_path: Path) -> None:
    raw = tmp_path / "warehouse.raw.duckdb"
    duckdb.connect(str(raw)).close()
    env = dbt_file_env(tmp_path / "warehouse.duckdb.building", raw)
    with duckdb.connect() as con:
        for statement in attach_statements(env, "warehouse"):
            con.execute(statement)
        with pytest.raises(duckdb.Error, match="read-only"):
            con.execute(f"create table {RAW_CATALOG}.main.intruder (x int)")


@pytest.mark.parametrize("missing", ["CARTEIRA_BUILD_PATH", "CARTEIRA_RAW_PATH"])
def test_without_a_file_in_the_environment_dbt_does_not_connect(
    tmp_path: Path, missing: str
) -> None:
    env = dbt_file_env(tmp_path / "warehouse.duckdb.building", tmp_path / "raw.duckdb")
    del env[missing]
    with pytest.raises(RuntimeError, match=missing):
        attach_statements(env, "warehouse")


def test_a_build_file_of_another_catalog_is_refused(tmp_path: Path) -> None:
    """The models were parsed for the profile's catalog: a file DuckDB would name otherwise
    (a warehouse renamed, CARTEIRA_BUILD_CATALOG left from another run) is not opened."""
    env = dbt_file_env(tmp_path / "acme.duckdb.building", tmp_path / "raw.duckdb")
    with pytest.raises(RuntimeError, match="'acme'.*'warehouse'"):
        attach_statements(env, "warehouse")
    assert not (tmp_path / "acme.duckdb.building").exists()


def test_the_profile_names_no_file_and_its_placeholders_cannot_be_opened() -> None:
    """Every value dbt hashes to decide whether its parse still holds is the same for every
    warehouse (only the catalog comes from the environment); the placeholders dbt attaches
    after the plugin lie in a folder that does not exist, so without the plugin the run
    fails instead of creating a file beside the project."""
    profile = yaml.safe_load((DBT_PROJECT_DIR / "profiles.yml").read_text(encoding="utf-8"))
    duck = profile["carteira"]["outputs"]["duckdb"]
    assert duck["path"] == ":memory:"
    assert [p["module"] for p in duck["plugins"]] == ["carteira.refresh.dbt_connection"]
    text = yaml.safe_dump(duck)
    for name in ("CARTEIRA_BUILD_PATH", "CARTEIRA_RAW_PATH", "TEMP_DIRECTORY", "temp_directory"):
        assert name not in text, name
    for placeholder in duck["attach"]:
        assert not Path(placeholder["path"]).parent.exists()
        with duckdb.connect() as con, pytest.raises(duckdb.Error):
            con.execute(f"ATTACH IF NOT EXISTS '{placeholder['path']}' AS placeholder")
