"""`carteira dbt`: the dev copy, the vars and the command line (no dbt run here).

tests/test_extending_walkthrough.py runs dbt through it end to end.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb
import pytest

from carteira.devtools.dev_dbt import DevPaths, dev_dbt_invocation, prepare_dev_copy
from carteira.settings import DBT_PROJECT_DIR, Settings


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("CARTEIRA_WAREHOUSE", str(tmp_path / "w.duckdb"))
    monkeypatch.setenv("CARTEIRA_AS_OF", "2026-01-02")
    return Settings.from_env()


def test_dev_copy_is_made_from_the_published_file_and_follows_it(settings: Settings) -> None:
    paths = DevPaths.from_settings(settings)
    assert paths.dev.name == "w.dev.duckdb" and paths.raw.name == "w.raw.duckdb"
    with duckdb.connect(str(paths.published)) as con:
        con.execute("create table t as select 1 as v")
    published_bytes = paths.published.read_bytes()

    assert "copied from" in (prepare_dev_copy(paths) or "")
    assert prepare_dev_copy(paths) is None  # up to date: the dev work is kept
    with duckdb.connect(str(paths.dev)) as con:
        con.execute("insert into t values (2)")
    assert prepare_dev_copy(paths) is None

    later = paths.dev.stat().st_mtime + 10
    os.utime(paths.published, (later, later))  # a new demo / refresh published
    assert "copied from" in (prepare_dev_copy(paths) or "")
    with duckdb.connect(str(paths.dev), read_only=True) as con:
        assert con.execute("select count(*) from t").fetchall() == [(1,)]
    assert paths.published.read_bytes() == published_bytes


def test_without_a_published_file_the_dev_copy_starts_empty(settings: Settings) -> None:
    paths = DevPaths.from_settings(settings)
    assert "starts empty" in (prepare_dev_copy(paths) or "")
    assert not paths.dev.exists() and not paths.published.exists()


def test_command_sets_project_profiles_and_merges_user_vars(settings: Settings) -> None:
    paths = DevPaths.from_settings(settings)
    args = ["build", "-s", "m", "--vars", "{as_of: '2026-02-01', extra: 1}"]
    command, env = dev_dbt_invocation(settings, paths, args)
    assert command[1:4] == ["build", "-s", "m"]
    assert command[command.index("--project-dir") + 1] == str(DBT_PROJECT_DIR)
    assert command[command.index("--profiles-dir") + 1] == str(DBT_PROJECT_DIR)
    assert command.count("--vars") == 1
    dbt_vars = json.loads(command[command.index("--vars") + 1])
    assert dbt_vars["as_of"] == "2026-02-01" and dbt_vars["extra"] == 1
    # the extracts are read through the day asked for, as a refresh of that day reads them
    assert dbt_vars["extracts_through"] == "2026-02-01"
    assert dbt_vars["business_timezone"] == settings.business_timezone
    assert env["CARTEIRA_BUILD_PATH"] == str(paths.dev)
    # the same arguments give the same command: partial parsing keeps working
    assert command == dev_dbt_invocation(settings, paths, args)[0]


def test_the_day_is_the_published_warehouses_without_as_of(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CARTEIRA_WAREHOUSE", str(tmp_path / "w.duckdb"))
    monkeypatch.delenv("CARTEIRA_AS_OF", raising=False)
    settings = Settings.from_env()
    paths = DevPaths.from_settings(settings)
    with duckdb.connect(str(paths.dev)) as con:
        con.execute("create schema marts")
        con.execute(
            "create table marts.dim_date as select d::date as date_day, "
            "d <= date '2026-01-05' as is_on_or_before_as_of "
            "from range(date '2026-01-01', date '2026-01-10', interval 1 day) as t(d)"
        )
    command, _ = dev_dbt_invocation(settings, paths, ["build", "-s", "m"])
    dbt_vars = json.loads(command[command.index("--vars") + 1])
    assert dbt_vars["as_of"] == dbt_vars["extracts_through"] == "2026-01-05"


def test_help_and_version_pass_through_untouched(settings: Settings) -> None:
    paths = DevPaths.from_settings(settings)
    assert dev_dbt_invocation(settings, paths, ["--version"])[0][1:] == ["--version"]
    assert dev_dbt_invocation(settings, paths, [])[0][1:] == []
