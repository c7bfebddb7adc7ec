"""A damaged raw file or work file: the refresh names the file and how to restore it.

The raw file is history that cannot be rebuilt from the published warehouse: a refresh
that cannot open it exits 3 (nothing attempted) naming it and the command that restores
it from the raw snapshot of the last publish. The work file is only where the next build
starts from: a damaged one is dropped and the build starts from a copy of the published
warehouse, as after a failed refresh.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
from click.testing import CliRunner

from carteira.cli.main import main
from carteira.exit_codes import ExitCode
from carteira.refresh.build_file import publish, work_path
from carteira.refresh.publish import prepare_build
from carteira.refresh.snapshot import raw_snapshot_path
from carteira.settings import Settings


def _garbage(path: Path, size: int = 300_000) -> None:
    path.write_bytes(os.urandom(size))


def _refresh(landing: Path, warehouse: Path) -> object:
    return CliRunner().invoke(
        main, ["refresh", "--landing", str(landing), "--warehouse", str(warehouse), "--raw-only"]
    )


def test_a_damaged_raw_file_is_named_with_the_restore_command(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    landing.mkdir()
    settings = Settings.for_warehouse(landing, tmp_path / "warehouse.duckdb")
    snapshot = raw_snapshot_path(settings)
    duckdb.connect(str(snapshot)).close()
    _garbage(settings.raw_path)
    result = _refresh(landing, settings.warehouse_path)
    assert result.exit_code == ExitCode.COULD_NOT_RUN, result.output
    (line,) = result.output.strip().splitlines()
    assert f"raw history {settings.raw_path} is damaged" in line
    assert f"cp {snapshot} {settings.raw_path}" in line
    assert "Traceback" not in result.output and "unexpected error" not in result.output


def test_without_a_snapshot_the_message_says_so(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    landing.mkdir()
    settings = Settings.for_warehouse(landing, tmp_path / "warehouse.duckdb")
    _garbage(settings.raw_path)
    result = _refresh(landing, settings.warehouse_path)
    assert result.exit_code == ExitCode.COULD_NOT_RUN, result.output
    assert f"no raw snapshot {raw_snapshot_path(settings)}" in result.output


def test_a_damaged_work_file_is_dropped_for_a_copy_of_the_published_file(
    tmp_path: Path,
) -> None:
    settings = Settings.for_warehouse(tmp_path / "landing", tmp_path / "warehouse.duckdb")
    build = prepare_build(settings)
    con = duckdb.connect(str(build))
    con.execute("create table t as select 1 as version")
    con.close()
    publish(settings)
    work = work_path(settings)
    assert work.exists()
    _garbage(work, work.stat().st_size)
    build = prepare_build(settings)
    con = duckdb.connect(str(build), read_only=True)
    try:
        assert con.execute("select version from t").fetchall() == [(1,)]
    finally:
        con.close()
    assert not work.exists()
