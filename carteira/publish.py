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


def discard_build(settings: Settings) -> None:
    """Remove a build file left by a failed or interrupted refresh."""
    for p in (settings.build_path, _wal(settings.build_path)):
        p.unlink(missing_ok=True)


def prepare_build(settings: Settings) -> Path:
    """Start the next build from a copy of the published warehouse (or from nothing)."""
    discard_build(settings)
    settings.build_path.parent.mkdir(parents=True, exist_ok=True)
    if settings.warehouse_path.exists():
        shutil.copyfile(settings.warehouse_path, settings.build_path)
    return settings.build_path


def publish(settings: Settings) -> Path:
    """Checkpoint the build file and atomically rename it over the published warehouse."""
    build = settings.build_path
    if not build.exists():
        raise FileNotFoundError(f"nothing to publish: {build} does not exist")
    # Fold the WAL into the file: a published file must be complete on its own.
    con = duckdb.connect(str(build))
    try:
        con.execute("CHECKPOINT")
    finally:
        con.close()
    _wal(build).unlink(missing_ok=True)
    with open(build, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(build, settings.warehouse_path)
    dir_fd = os.open(settings.warehouse_path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return settings.warehouse_path
