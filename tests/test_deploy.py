"""The production deployment (issue 24): deploy/dagster.yaml makes a working instance,
SQLite by default, PostgreSQL when CARTEIRA_PG_DSN is set; the systemd units start what
exists."""

from __future__ import annotations

import configparser
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from dagster import DagsterInstance

from carteira.operations.dagster_home import prepare_dagster_home, write_dagster_home
from carteira.settings import REPO_ROOT

DEPLOY = REPO_ROOT / "deploy"


def _exercise(home: Path) -> DagsterInstance:
    instance = DagsterInstance.from_config(str(home))
    from dagster import job, op

    @op
    def hello() -> int:
        return 1

    @job
    def tiny():  # noqa: ANN202
        hello()

    result = tiny.execute_in_process(instance=instance)
    assert result.success
    assert instance.get_run_by_id(result.run_id) is not None
    return instance


def test_sqlite_instance_under_dagster_home(tmp_path: Path) -> None:
    home = tmp_path / "dagster"
    write_dagster_home(home, {})
    instance = _exercise(home)
    try:
        assert type(instance.run_storage).__name__ == "SqliteRunStorage"
        assert (home / "storage").is_dir()
        assert instance.run_coordinator.__class__.__name__ == "QueuedRunCoordinator"
        assert instance.get_settings("telemetry")["enabled"] is False
    finally:
        instance.dispose()


@pytest.mark.skipif(not os.environ.get("CARTEIRA_PG_DSN"), reason="needs CARTEIRA_PG_DSN")
def test_postgres_instance_when_the_dsn_is_set(tmp_path: Path) -> None:
    home = tmp_path / "dagster"
    prepare_dagster_home(home, {"CARTEIRA_PG_DSN": os.environ["CARTEIRA_PG_DSN"]})
    text = (home / "dagster.yaml").read_text()
    assert "postgres_db" in text and "sqlite" not in text
    instance = _exercise(home)
    try:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
    finally:
        instance.dispose()


def test_the_units_started_together_prepare_one_storage_before_either_service_opens_it(
    tmp_path: Path,
) -> None:
    """Both systemd units run the module before their service starts, at the same moment
    on boot; each must leave a storage at the installed schema, so that neither service
    creates one (two processes creating it race the schema migration: one dies)."""
    home = tmp_path / "dagster"
    env = {**os.environ, "DAGSTER_HOME": str(home)}
    env.pop("CARTEIRA_PG_DSN", None)
    argv = [sys.executable, "-m", "carteira.operations.dagster_home"]
    units = [
        subprocess.Popen(
            argv,
            env=env,
            cwd=REPO_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [unit.communicate(timeout=300)[0] for unit in units]
    assert [unit.returncode for unit in units] == [0, 0], outputs
    assert (home / "storage" / "history" / "runs.db").is_file()
    assert (home / "storage" / "schedules" / "schedules.db").is_file()
    prepare_dagster_home(home, {})  # again, on an existing storage: a restart
    _exercise(home).dispose()


def test_a_password_in_the_dsn_is_never_written(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="PGPASSWORD"):
        write_dagster_home(tmp_path, {"CARTEIRA_PG_DSN": "host=h user=u password=hunter2"})
    assert not (tmp_path / "dagster.yaml").exists()


@pytest.mark.parametrize("unit", sorted(p.name for p in (DEPLOY / "systemd").glob("*.service")))
def test_systemd_units_run_what_the_project_installs(unit: str) -> None:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.read(DEPLOY / "systemd" / unit)
    service = parser["Service"]
    for key in ("ExecStart", "ExecStartPre"):
        argv = shlex.split(service[key])
        program = Path(argv[0]).name
        assert (Path(os.sys.executable).parent / program).exists(), f"{unit}: {program}"
        for arg in argv:
            if arg.startswith("/opt/carteira/") and not arg.startswith("/opt/carteira/.venv"):
                assert (REPO_ROOT / arg.removeprefix("/opt/carteira/")).exists(), arg
    assert service["EnvironmentFile"] == "/etc/carteira/carteira.env"
    assert service["Restart"] == "on-failure"
