"""Publishing a refresh: the warehouse and the raw snapshot as one pair, safe to kill.

The build file and its copy into place are carteira.refresh.build_file; the raw snapshot
is carteira.refresh.snapshot. This module ties them into the refresh's two end points:
`prepare_build` (start the next build, after finishing or undoing a publish that was
killed half-way) and `publish_with_raw_snapshot` (the commit, through an intent file).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from carteira.refresh.build_file import (
    commit_publish,
    identity,
    stage_publish,
    staged_path,
    start_build,
)
from carteira.refresh.snapshot import (
    commit_raw_snapshot,
    publish_raw_snapshot,
    raw_snapshot_path,
    stage_raw_snapshot,
    staged_snapshot,
)
from carteira.settings import Settings


def prepare_build(settings: Settings) -> Path:
    """Start the next build (carteira.refresh.build_file.start_build) once the last
    publish is whole: a pair killed between its two renames is finished or undone first."""
    recover_interrupted_publish(settings)
    return start_build(settings)


def _pair_intent(settings: Settings) -> Path:
    """Written before the warehouse is renamed into place, removed once the snapshot is."""
    return settings.warehouse_path.with_name(settings.warehouse_path.name + ".publishing.json")


def nothing_built(settings: Settings) -> bool:
    """Whether the dbt step of this run built nothing (carteira.refresh.plan: same date,
    no new rows, nothing changed) and so prepared no build file beside a published one."""
    return not settings.build_path.exists() and settings.warehouse_path.exists()


def keep_published(settings: Settings) -> tuple[Path, Path]:
    """Publish a run that built nothing: the warehouse stays as it is, byte for byte (same
    file, so readers are not disturbed and nothing is copied); the raw snapshot follows the
    raw file only if the ingestion wrote to it (quarantine or manifest rows)."""
    recover_interrupted_publish(settings)
    return settings.warehouse_path, publish_raw_snapshot(settings)


def publish_with_raw_snapshot(settings: Settings) -> tuple[Path, Path]:
    """Publish the build and the raw snapshot as a pair that stays consistent if killed.

    Both files are staged complete first; then an intent file records the identity of
    both staged files, the warehouse is renamed into place (the commit point) and only
    then the snapshot. So the snapshot is never newer than the published warehouse: a
    kill before the warehouse rename leaves the old pair, a kill after it leaves the new
    warehouse with its snapshot staged, which `recover_interrupted_publish` (run by the
    next build) renames into place.
    """
    recover_interrupted_publish(settings)
    staged = stage_raw_snapshot(settings)
    try:
        compact = stage_publish(settings)
    except BaseException:
        staged_snapshot(settings).unlink(missing_ok=True)
        raise
    intent = {
        "warehouse": identity(staged_path(settings)),
        "snapshot": identity(staged) if staged is not None else None,
        "source": json.dumps(identity(settings.raw_path)),
    }
    partial = _pair_intent(settings).with_name(_pair_intent(settings).name + ".tmp")
    partial.write_text(json.dumps(intent), encoding="utf-8")
    os.replace(partial, _pair_intent(settings))
    path = commit_publish(settings, compact)
    if staged is not None:
        commit_raw_snapshot(settings, intent["source"])
    _pair_intent(settings).unlink(missing_ok=True)
    return path, raw_snapshot_path(settings)


def recover_interrupted_publish(settings: Settings) -> None:
    """Finish or undo a `publish_with_raw_snapshot` that was killed between its renames.

    Called with the refresh lock held, before a build starts and before a publish. The
    published warehouse tells which side of the commit point the kill fell on.
    """
    intent_path = _pair_intent(settings)
    if not intent_path.exists():
        return
    try:
        intent = json.loads(intent_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        intent = {}
    staged = staged_snapshot(settings)
    committed = settings.warehouse_path.exists() and intent.get("warehouse") == identity(
        settings.warehouse_path
    )
    snapshot = intent.get("snapshot")
    if committed and snapshot and staged.exists() and identity(staged) == snapshot:
        commit_raw_snapshot(settings, intent["source"])
    staged.unlink(missing_ok=True)
    staged_path(settings).unlink(missing_ok=True)
    intent_path.unlink()
