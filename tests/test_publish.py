"""Build-then-swap publishing: readers never block a refresh nor see a partial state."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from carteira.refresh.build_file import MAX_FREE_SHARE, discard_build, publish, work_path
from carteira.refresh.publish import prepare_build
from carteira.refresh.snapshot import publish_raw_snapshot
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
    con = duckdb.connect(str(build), read_only=True)  # an empty database
    assert con.execute("select count(*) from duckdb_tables()").fetchone() == (0,)
    con.close()
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


def _storage_version(path: Path) -> str:
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH '{path}' AS published (READ_ONLY)")
        return con.execute(
            "select tags['storage_version'] from duckdb_databases() "
            "where database_name = 'published'"
        ).fetchone()[0]
    finally:
        con.close()


def test_published_file_has_the_oldest_storage_version(tmp_path: Path) -> None:
    s = _settings(tmp_path)
    build = prepare_build(s)
    _write(build, 1)
    # Storage number 64: what DuckDB 0.10 to 1.1 write (docs/bi-datasets.md). The build is
    # created at it, and DuckDB keeps writing a file at the version it was created with.
    assert _storage_version(build) == "v1.0.0+"
    publish(s)
    assert _storage_version(s.warehouse_path) == "v1.0.0+"


def test_a_build_at_a_newer_storage_version_is_exported_at_the_oldest(tmp_path: Path) -> None:
    """A build file from before builds were created old (or one made by hand) is compacted."""
    s = _settings(tmp_path)
    _write(s.build_path, 1)  # this DuckDB writes a newer version by default
    assert _storage_version(s.build_path) != "v1.0.0+"
    publish(s)
    assert _storage_version(s.warehouse_path) == "v1.0.0+"
    assert not work_path(s).exists()  # the next build starts from the published file
    build = prepare_build(s)
    assert _storage_version(build) == "v1.0.0+"


def test_next_build_starts_from_the_last_build_without_a_copy(tmp_path: Path) -> None:
    s = _settings(tmp_path)
    build = prepare_build(s)
    _write(build, 1)
    publish(s)
    kept = work_path(s)
    inode = kept.stat().st_ino
    build = prepare_build(s)
    assert build.stat().st_ino == inode and not kept.exists()
    con = duckdb.connect(str(build))
    assert con.execute("select count(*) from t").fetchone() == (1000,)
    con.close()


def test_after_a_failed_build_the_next_starts_from_the_published_file(tmp_path: Path) -> None:
    s = _settings(tmp_path)
    build = prepare_build(s)
    _write(build, 1)
    publish(s)
    build = prepare_build(s)
    _write(build, 2)  # a build that fails its checks ...
    discard_build(s)  # ... is thrown away
    build = prepare_build(s)
    con = duckdb.connect(str(build))
    assert con.execute("select distinct version from t").fetchall() == [(1,)]
    con.close()


def test_published_file_stays_bounded_and_is_compacted_after_rebuilds(tmp_path: Path) -> None:
    """Rebuilds leave free blocks; publishing copies them until they pass MAX_FREE_SHARE,
    then exports a compact file, so the published size follows the data."""
    s = _settings(tmp_path)
    build = prepare_build(s)
    _write(build, 1, rows=2_000_000)
    publish(s)
    first = s.warehouse_path.stat().st_size
    sizes: list[int] = []
    for version in range(2, 9):
        build = prepare_build(s)
        _write(build, version, rows=2_000_000)
        publish(s)
        sizes.append(s.warehouse_path.stat().st_size)
        con = duckdb.connect(str(s.warehouse_path), read_only=True)
        assert con.execute("select distinct version from t").fetchall() == [(version,)]
        con.close()
    bound = first / (1 - MAX_FREE_SHARE) * 1.05
    assert max(sizes) <= bound, (first, sizes)
    assert max(sizes) > 1.05 * first, sizes  # the rebuilds did leave free blocks ...
    assert min(sizes[1:]) <= 1.05 * first, sizes  # ... and a publish compacted them away


def test_a_grown_work_file_is_replaced_by_a_copy_of_the_published_file(tmp_path: Path) -> None:
    s = _settings(tmp_path)
    build = prepare_build(s)
    _write(build, 1)
    publish(s)
    with open(work_path(s), "ab") as fh:  # free blocks piling up in the work file
        fh.truncate(4 * s.warehouse_path.stat().st_size)
    build = prepare_build(s)
    assert not work_path(s).exists()
    assert build.stat().st_size == s.warehouse_path.stat().st_size


def test_the_raw_snapshot_is_copied_only_when_the_raw_file_changed(tmp_path: Path) -> None:
    s = _settings(tmp_path)
    _write(s.raw_path, 1)
    snapshot = publish_raw_snapshot(s)
    first = snapshot.stat().st_ino
    assert publish_raw_snapshot(s).stat().st_ino == first  # unchanged raw: no new copy
    _write(s.raw_path, 2)  # a refresh loaded rows
    snapshot = publish_raw_snapshot(s)
    assert snapshot.stat().st_ino != first
    con = duckdb.connect(str(snapshot), read_only=True)
    assert con.execute("select distinct version from t").fetchall() == [(2,)]
    con.close()
