"""The raw snapshot: a copy of the raw history that readers may hold open without ever
blocking ingestion (the refresh renames a new copy over it, like the warehouse).

Anyone may hold ``warehouse.raw.snapshot.duckdb`` open read-only for as long as they
like, while a reader of ``warehouse.raw.duckdb`` itself would block the next load
(carteira.refresh.lock). It is published with the warehouse as a pair
(carteira.refresh.publish), so it is never newer than the published warehouse.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from carteira.refresh.build_file import identity
from carteira.settings import Settings


def raw_snapshot_path(settings: Settings) -> Path:
    """``warehouse.raw.snapshot.duckdb``: the raw history as of the last publish."""
    return snapshot_of_raw(settings.raw_path)


def snapshot_of_raw(raw: Path) -> Path:
    """The raw snapshot beside a raw file (named once: readers and restore hints use it)."""
    return raw.with_name(raw.name.removesuffix(".duckdb") + ".snapshot.duckdb")


def publish_raw_snapshot(settings: Settings) -> Path:
    """Copy the raw file and rename the copy over the raw snapshot (atomic, like publish).

    Anyone may hold the snapshot open read-only for as long as they like: the refresh only
    ever renames a new copy over it, so a reader of raw history never blocks ingestion
    (a reader of ``warehouse.raw.duckdb`` itself would, see carteira.refresh.lock). The caller
    holds the refresh lock and no connection to the raw file, so the copy is consistent.

    A raw file that has not changed since the last snapshot (same inode, size and
    modification time, recorded beside the snapshot) is not copied again: a refresh with
    no new extracts costs no copy of the raw history.
    """
    staged = stage_raw_snapshot(settings)
    if staged is not None:
        commit_raw_snapshot(settings, json.dumps(identity(settings.raw_path)))
    return raw_snapshot_path(settings)


def _snapshot_source(settings: Settings) -> Path:
    target = raw_snapshot_path(settings)
    return target.with_name(target.name + ".source")


def staged_snapshot(settings: Settings) -> Path:
    target = raw_snapshot_path(settings)
    return target.with_name(target.name + ".building")


def stage_raw_snapshot(settings: Settings) -> Path | None:
    """A synced copy of the raw file beside the snapshot, or None if the snapshot is
    already a copy of the raw file as it is now."""
    target, marker = raw_snapshot_path(settings), _snapshot_source(settings)
    source = json.dumps(identity(settings.raw_path))
    if target.exists() and marker.exists() and marker.read_text(encoding="utf-8") == source:
        return None
    partial = staged_snapshot(settings)
    try:
        shutil.copyfile(settings.raw_path, partial)
        with open(partial, "rb") as fh:
            os.fsync(fh.fileno())
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return partial


def commit_raw_snapshot(settings: Settings, source: str) -> None:
    """Rename the staged copy over the snapshot and record which raw file it copies."""
    _snapshot_source(settings).unlink(missing_ok=True)
    os.replace(staged_snapshot(settings), raw_snapshot_path(settings))
    _snapshot_source(settings).write_text(source, encoding="utf-8")
