"""Build-then-swap publishing of the warehouse file.

Readers (BI tools, `carteira report`) open the published file read-only. A refresh never
writes to it: dbt builds in a private build file (so incremental models continue from the
last good state), and only when every error-severity check passed is the build exported
into a new file that replaces the published one with one atomic rename. A reader that
already holds the old file keeps reading the old inode; new readers see the new one.

The export is the one whole copy a refresh makes (`COPY FROM DATABASE`). It does two
things a plain file copy cannot:

- it writes the oldest storage version the warehouse's types allow (STORAGE_VERSIONS),
  so DuckDB clients older than this one (the drivers embedded in BI tools) open it;
- it writes every table once, compactly: a rebuild leaves free blocks behind in the
  build file, none of which reach the published file, so its size follows the data.

The build file itself is kept after a publish, renamed to the work file, and the next
refresh starts from it (a rename, not a copy) when the published file is still the one
exported from it; otherwise (first run, failed refresh, a published file replaced by
hand, a work file grown past MAX_WORK_GROWTH) the next build starts from a copy of the
published file, as it always could.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import duckdb

from carteira.settings import Settings

# Oldest first. v0.10.0 is the oldest storage version DuckDB can write; it holds every
# type the warehouse uses. The oldest client that reads the published file is DuckDB
# 1.1: older ones cannot read the NOT NULL / PRIMARY KEY constraints that dbt's
# enforced contracts create, whatever the storage version (docs/bi-datasets.md).
STORAGE_VERSIONS = ("v0.10.0", "v1.1.0", "v1.2.0", "v1.3.0", "v1.4.0")

# A work file rebuilt in place keeps free blocks; past this multiple of the published
# file's size the next build starts from a copy of the published file instead (one extra
# copy, now and then, bounds the disk the work file takes).
MAX_WORK_GROWTH = 3


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def work_path(settings: Settings) -> Path:
    """The last published build, where the next refresh's build starts from."""
    return settings.warehouse_path.with_name(settings.warehouse_path.name + ".work")


def _export_path(settings: Settings) -> Path:
    return settings.warehouse_path.with_name(settings.warehouse_path.name + ".publishing")


def _marker(settings: Settings) -> Path:
    return work_path(settings).with_name(work_path(settings).name + ".published")


def _identity(path: Path) -> dict[str, int]:
    st = path.stat()
    return {"inode": st.st_ino, "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def _work_matches_published(settings: Settings) -> bool:
    work, marker = work_path(settings), _marker(settings)
    if not (work.exists() and marker.exists() and settings.warehouse_path.exists()):
        return False
    try:
        recorded = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if recorded != _identity(settings.warehouse_path):
        return False
    return work.stat().st_size <= MAX_WORK_GROWTH * settings.warehouse_path.stat().st_size


def _discard_work(settings: Settings) -> None:
    for p in (work_path(settings), _wal(work_path(settings)), _marker(settings)):
        p.unlink(missing_ok=True)


def discard_build(settings: Settings) -> None:
    """Remove a build file left by a failed or interrupted refresh."""
    for p in (settings.build_path, _wal(settings.build_path), _export_path(settings)):
        p.unlink(missing_ok=True)


def prepare_build(settings: Settings) -> Path:
    """Start the next build from the last published build (or a copy of the published file)."""
    discard_build(settings)
    settings.build_path.parent.mkdir(parents=True, exist_ok=True)
    if _work_matches_published(settings):
        os.replace(work_path(settings), settings.build_path)
        if _wal(work_path(settings)).exists():
            os.replace(_wal(work_path(settings)), _wal(settings.build_path))
        _marker(settings).unlink(missing_ok=True)
        return settings.build_path
    _discard_work(settings)
    if settings.warehouse_path.exists():
        shutil.copyfile(settings.warehouse_path, settings.build_path)
    return settings.build_path


def _export(build: Path, target: Path, settings: Settings) -> str:
    """Write `build` into a new file `target` at the oldest storage version that takes it."""
    con = duckdb.connect(
        str(build),
        config={
            "memory_limit": settings.duckdb_memory_limit,
            "threads": settings.duckdb_threads,
        },
    )
    try:
        # Fold the WAL into the build file: the work file must be complete on its own.
        con.execute("CHECKPOINT")
        source = con.execute("select current_database()").fetchone()[0]
        last_error: duckdb.Error | None = None
        for version in STORAGE_VERSIONS:
            target.unlink(missing_ok=True)
            try:
                quoted = str(target).replace("'", "''")
                con.execute(
                    f"ATTACH '{quoted}' AS carteira_published (STORAGE_VERSION '{version}')"
                )
                try:
                    con.execute(f'COPY FROM DATABASE "{source}" TO carteira_published')
                finally:
                    con.execute("DETACH carteira_published")
                return version
            except duckdb.Error as exc:  # a type newer than this storage version: try the next
                last_error = exc
        raise RuntimeError(f"cannot export {build} at any of {STORAGE_VERSIONS}: {last_error}")
    finally:
        con.close()


def publish(settings: Settings) -> Path:
    """Export the build compactly at an old storage version and rename it over the warehouse."""
    build = settings.build_path
    if not build.exists():
        raise FileNotFoundError(f"nothing to publish: {build} does not exist")
    exported = _export_path(settings)
    _export(build, exported, settings)
    _wal(exported).unlink(missing_ok=True)
    with open(exported, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(exported, settings.warehouse_path)
    dir_fd = os.open(settings.warehouse_path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    # Keep the build as the start of the next refresh, tied to the file just published.
    _discard_work(settings)
    _wal(build).unlink(missing_ok=True)
    os.replace(build, work_path(settings))
    _marker(settings).write_text(json.dumps(_identity(settings.warehouse_path)), encoding="utf-8")
    return settings.warehouse_path
