"""Build-then-swap publishing: readers never block a refresh nor see a partial state."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from carteira.publish import discard_build, prepare_build, publish
from carteira.settings import Settings


def _settings(tmp_path: Path) -> Settings:
    return Settings.for_warehouse(tmp_path / "landing", tmp_path / "warehouse.duckdb")


def _write(path: Path, version: int, rows: int = 1000) -> None:
    con = duckdb.connect(str(path))
    con.execute(
        "create or replace table t as select ? as version, range as i from range(?)",
        [version, rows],
    )
    con.close()


def test_first_build_starts_empty_and_publish_creates_the_file(tmp_path: Path) -> None:
    s = _settings(tmp_path)
    build = prepare_build(s)
    assert not build.exists()
    _write(build, 1)
    publish(s)
    assert not build.exists()
    con = duckdb.connect(str(s.warehouse_path), read_only=True)
    assert con.execute("select distinct version from t").fetchall() == [(1,)]
    con.close()


def test_build_continues_from_published_state(tmp_path: Path) -> None:
    s = _settings(tmp_path)
    _write(s.warehouse_path, 1)
    build = prepare_build(s)
    con = duckdb.connect(str(build))
    assert con.execute("select count(*) from t").fetchone() == (1000,)
    con.close()


def test_discarded_build_leaves_published_untouched(tmp_path: Path) -> None:
    s = _settings(tmp_path)
    _write(s.warehouse_path, 1)
    before = s.warehouse_path.read_bytes()
    build = prepare_build(s)
    _write(build, 2)
    discard_build(s)
    assert not build.exists()
    assert s.warehouse_path.read_bytes() == before


def test_publish_without_build_fails(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        publish(_settings(tmp_path))


READER = textwrap.dedent(
    """
    import sys, time, duckdb
    con = duckdb.connect(sys.argv[1], read_only=True)
    print("ready", flush=True)
    sys.stdin.readline()  # wait until the writer has published
    rows = con.execute("select version, count(*) from t group by version").fetchall()
    print(rows, flush=True)
    """
)


def test_reader_holding_published_file_neither_blocks_nor_sees_partial_state(
    tmp_path: Path,
) -> None:
    s = _settings(tmp_path)
    _write(s.warehouse_path, 1)
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(s.warehouse_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout is not None and reader.stdin is not None
        assert reader.stdout.readline().strip() == "ready"
        # The refresh runs while the reader holds the file open.
        build = prepare_build(s)
        _write(build, 2, rows=500)
        publish(s)
        reader.stdin.write("go\n")
        reader.stdin.flush()
        seen = reader.stdout.readline().strip()
        reader.wait(timeout=30)
    finally:
        reader.kill()
    # The reader's connection still reads the complete old warehouse ...
    assert seen == "[(1, 1000)]"
    # ... while a new reader sees the complete new one.
    con = duckdb.connect(str(s.warehouse_path), read_only=True)
    assert con.execute("select version, count(*) from t group by version").fetchall() == [(2, 500)]
    con.close()
