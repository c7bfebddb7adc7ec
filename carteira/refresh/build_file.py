"""The build file, and its copy into place as the published warehouse file.

Readers (BI tools, `carteira report`) open the published file read-only. A refresh never
writes to it: dbt builds in a private build file (so incremental models continue from the
last good state), and only when every error-severity check passed is the build copied
into a new file that replaces the published one with one atomic rename. A reader that
already holds the old file keeps reading the old inode; new readers see the new one.

That copy is the one whole copy a refresh makes, and it is a plain sequential file copy:

- the build file is created at the oldest storage version (STORAGE_VERSIONS[0]) and
  DuckDB keeps writing a file in the version it was created with, so the copy is already
  readable by DuckDB clients older than this one (the drivers embedded in BI tools);
- a rebuild leaves free blocks in the build file, which DuckDB reuses; when they pass
  MAX_FREE_SHARE of the file (or the build is not at the oldest version, e.g. a build
  file from before this scheme), publishing compacts instead: `COPY FROM DATABASE` into a
  new file writes every table once, at the oldest version its types allow. The export
  costs about twenty times a file copy per byte (docs/performance.md), so it is the
  exception, not the daily path.

The build file itself is kept after a copy publish, renamed to the work file, and the
next refresh starts from it (a rename, not a copy) when the published file is still the
one made from it; otherwise (first run, failed refresh, a compacting publish, a published
file replaced by hand, a work file grown past MAX_WORK_GROWTH) the next build starts from
a copy of the published file, as it always could.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import tempfile
from pathlib import Path

import duckdb

from carteira.durability import fsync_path
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

# Share of free blocks in the build file past which publishing compacts (exports) instead
# of copying. A day that rebuilds every table frees about as much as it writes, so a
# steady state sits near one half; 0.6 leaves that on the fast path and compacts a file
# that holds more free space than data.
MAX_FREE_SHARE = 0.6


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def work_path(settings: Settings) -> Path:
    """The last published build, where the next refresh's build starts from."""
    return settings.warehouse_path.with_name(settings.warehouse_path.name + ".work")


def staged_path(settings: Settings) -> Path:
    return settings.warehouse_path.with_name(settings.warehouse_path.name + ".publishing")


def _marker(settings: Settings) -> Path:
    return work_path(settings).with_name(work_path(settings).name + ".published")


def identity(path: Path) -> dict[str, int]:
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
    if recorded != identity(settings.warehouse_path):
        return False
    return work.stat().st_size <= MAX_WORK_GROWTH * settings.warehouse_path.stat().st_size


def _opens(path: Path) -> bool:
    """Whether DuckDB can open the file: a damaged work file is dropped, not built on."""
    try:
        duckdb.connect(str(path), read_only=True).close()
    except duckdb.Error:
        return False
    return True


def _discard_work(settings: Settings) -> None:
    for p in (work_path(settings), _wal(work_path(settings)), _marker(settings)):
        p.unlink(missing_ok=True)


def spill_dir(path: Path) -> Path:
    """DuckDB's temp_directory for a build, unless CARTEIRA_DUCKDB_TEMP_DIRECTORY names one
    (carteira/refresh/dbt_connection.py sets it when dbt connects)."""
    return path.with_name(path.name + ".tmp")


def discard_build(settings: Settings) -> None:
    """Remove a build file (its WAL, spill folder and export) left by a failed refresh.

    Called on every failure path, including a full disk: a partial build left behind
    would keep the disk full for the next run.
    """
    for p in (settings.build_path, _wal(settings.build_path), staged_path(settings)):
        p.unlink(missing_ok=True)
    shutil.rmtree(spill_dir(settings.build_path), ignore_errors=True)


def start_build(settings: Settings) -> Path:
    """Start the next build from the last published build (or a copy of the published file).

    The caller has made the last publish whole (carteira.refresh.publish.prepare_build)."""
    discard_build(settings)
    settings.build_path.parent.mkdir(parents=True, exist_ok=True)
    if _work_matches_published(settings) and _opens(work_path(settings)):
        os.replace(work_path(settings), settings.build_path)
        if _wal(work_path(settings)).exists():
            os.replace(_wal(work_path(settings)), _wal(settings.build_path))
        _marker(settings).unlink(missing_ok=True)
        return settings.build_path
    _discard_work(settings)
    try:
        if settings.warehouse_path.exists():
            shutil.copyfile(settings.warehouse_path, settings.build_path)
        else:
            create_database(settings.build_path)
    except BaseException:
        discard_build(settings)
        raise
    return settings.build_path


def create_database(path: Path, version: str = STORAGE_VERSIONS[0]) -> None:
    """An empty DuckDB file at storage ``version``; DuckDB keeps writing it in that version."""
    con = duckdb.connect(":memory:")
    try:
        quoted = str(path).replace("'", "''")
        con.execute(f"ATTACH '{quoted}' AS carteira_new (STORAGE_VERSION '{version}')")
        con.execute("DETACH carteira_new")
    finally:
        con.close()


@functools.cache
def _oldest_storage_tag() -> str:
    """How DuckDB names the storage of a file created at STORAGE_VERSIONS[0]."""
    with tempfile.TemporaryDirectory(prefix="carteira-storage-") as tmp:
        probe = Path(tmp) / "probe.duckdb"
        create_database(probe)
        con = duckdb.connect(str(probe), read_only=True)
        try:
            return _storage_tag(con)
        finally:
            con.close()


def _storage_tag(con: duckdb.DuckDBPyConnection) -> str:
    row = con.execute(
        "select tags['storage_version'] from duckdb_databases() "
        "where database_name = current_database()"
    ).fetchone()
    return str(row[0]) if row else ""


def _checkpoint(build: Path, settings: Settings) -> tuple[str, float]:
    """Fold the WAL into the build file; return its storage tag and share of free blocks."""
    con = duckdb.connect(
        str(build),
        config={"memory_limit": settings.duckdb_memory_limit, "threads": settings.duckdb_threads},
    )
    try:
        con.execute("CHECKPOINT")
        total, free = con.execute(
            "select total_blocks, free_blocks from pragma_database_size() "
            "where database_name = current_database()"
        ).fetchone()
        return _storage_tag(con), (free / total if total else 0.0)
    finally:
        con.close()


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


def needs_compaction(build: Path, settings: Settings) -> bool:
    """Whether publishing ``build`` must export it rather than copy it (see module doc)."""
    tag, free_share = _checkpoint(build, settings)
    return tag != _oldest_storage_tag() or free_share > MAX_FREE_SHARE


def publish(settings: Settings) -> Path:
    """Copy the build (or export it compactly) and rename that over the warehouse."""
    return commit_publish(settings, stage_publish(settings))


def stage_publish(settings: Settings) -> bool:
    """Write the file to publish beside the warehouse, complete and synced; True if it
    was compacted (exported) rather than copied."""
    build = settings.build_path
    if not build.exists():
        raise FileNotFoundError(f"nothing to publish: {build} does not exist")
    exported = staged_path(settings)
    try:
        compact = needs_compaction(build, settings)
        if compact:
            _export(build, exported, settings)
        else:
            shutil.copyfile(build, exported)
        _wal(exported).unlink(missing_ok=True)
        fsync_path(exported)
    except BaseException:
        discard_build(settings)
        raise
    return compact


def commit_publish(settings: Settings, compact: bool) -> Path:
    """Rename the staged file over the warehouse (the commit point), then keep the build."""
    build = settings.build_path
    os.replace(staged_path(settings), settings.warehouse_path)
    shutil.rmtree(spill_dir(build), ignore_errors=True)
    fsync_path(settings.warehouse_path.parent)
    _discard_work(settings)
    if compact:  # the next build starts from a copy of the compact published file
        discard_build(settings)
        return settings.warehouse_path
    # Keep the build as the start of the next refresh, tied to the file just published.
    _wal(build).unlink(missing_ok=True)
    os.replace(build, work_path(settings))
    _marker(settings).write_text(json.dumps(identity(settings.warehouse_path)), encoding="utf-8")
    return settings.warehouse_path
