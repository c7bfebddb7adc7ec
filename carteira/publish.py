"""Build-then-swap publishing of the warehouse file.

Readers (BI tools, `carteira report`) open the published file read-only. A refresh never
writes to it: it copies the published file to a private build file (so incremental models
continue from the last good state), lets dbt build there, and only when every
error-severity check passed replaces the published file with one atomic rename. A reader
that already holds the old file keeps reading the old inode; new readers see the new one.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb

from carteira.settings import Settings


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def _spill_dir(path: Path) -> Path:
    """DuckDB's temp_directory for a build (dbt_project/profiles.yml: `<build>.tmp`)."""
    return path.with_name(path.name + ".tmp")


def discard_build(settings: Settings) -> None:
    """Remove a build file (and its WAL and spill folder) left by a failed refresh.

    Called on every failure path, including a full disk: a partial build left behind
    would keep the disk full for the next run.
    """
    for p in (settings.build_path, _wal(settings.build_path)):
        p.unlink(missing_ok=True)
    shutil.rmtree(_spill_dir(settings.build_path), ignore_errors=True)


def prepare_build(settings: Settings) -> Path:
    """Start the next build from a copy of the published warehouse (or from nothing)."""
    discard_build(settings)
    settings.build_path.parent.mkdir(parents=True, exist_ok=True)
    if settings.warehouse_path.exists():
        try:
            shutil.copyfile(settings.warehouse_path, settings.build_path)
        except BaseException:
            discard_build(settings)
            raise
    return settings.build_path


def publish(settings: Settings) -> Path:
    """Checkpoint the build file and atomically rename it over the published warehouse."""
    build = settings.build_path
    if not build.exists():
        raise FileNotFoundError(f"nothing to publish: {build} does not exist")
    try:
        # Fold the WAL into the file: a published file must be complete on its own.
        con = duckdb.connect(str(build))
        try:
            con.execute("CHECKPOINT")
        finally:
            con.close()
        _wal(build).unlink(missing_ok=True)
        with open(build, "rb") as fh:
            os.fsync(fh.fileno())
    except BaseException:
        discard_build(settings)
        raise
    os.replace(build, settings.warehouse_path)
    shutil.rmtree(_spill_dir(build), ignore_errors=True)
    dir_fd = os.open(settings.warehouse_path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return settings.warehouse_path


def raw_snapshot_path(settings: Settings) -> Path:
    """``warehouse.raw.snapshot.duckdb``: the raw history as of the last publish."""
    raw = settings.raw_path
    return raw.with_name(raw.name.removesuffix(".duckdb") + ".snapshot.duckdb")


def publish_raw_snapshot(settings: Settings) -> Path:
    """Copy the raw file and rename the copy over the raw snapshot (atomic, like publish).

    Anyone may hold the snapshot open read-only for as long as they like: the refresh only
    ever renames a new copy over it, so a reader of raw history never blocks ingestion
    (a reader of ``warehouse.raw.duckdb`` itself would, see carteira.locking). The caller
    holds the refresh lock and no connection to the raw file, so the copy is consistent.
    """
    target = raw_snapshot_path(settings)
    partial = target.with_name(target.name + ".building")
    try:
        shutil.copyfile(settings.raw_path, partial)
        with open(partial, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target
