"""The published warehouse and the raw snapshot stay a consistent pair through a kill.

A refresh publishes two files: the warehouse and `warehouse.raw.snapshot.duckdb`, the raw
history it was built from. The `published_warehouse` step is run in a process of its own
that kills itself (SIGKILL) just before or just after one of the two renames that put
them in place. Right after the kill the snapshot must never be newer than the published
warehouse; once the next build has started (it recovers an interrupted publish) the two
must be of the same refresh again.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from carteira.refresh.build_file import create_database
from carteira.refresh.publish import prepare_build
from carteira.refresh.snapshot import raw_snapshot_path
from carteira.settings import Settings

STEP = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path

    from dagster import build_asset_context

    from carteira.refresh.snapshot import raw_snapshot_path
    from carteira.settings import Settings
    from orchestration.assets.warehouse import published_warehouse
    from orchestration.resources import CarteiraResource

    landing, warehouse, when, nth = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    settings = Settings.for_warehouse(Path(landing), Path(warehouse))
    finals = {str(settings.warehouse_path), str(raw_snapshot_path(settings))}
    real_replace, seen = os.replace, []

    def replace(src, dst):
        if str(dst) in finals:
            seen.append(dst)
            if when == "before" and len(seen) == nth:
                os.kill(os.getpid(), signal.SIGKILL)
        real_replace(src, dst)
        if str(dst) in finals and when == "after" and len(seen) == nth:
            os.kill(os.getpid(), signal.SIGKILL)

    os.replace = replace
    published_warehouse(build_asset_context(), carteira=CarteiraResource.from_settings(settings))
    """
)


def _write(path: Path, version: int) -> None:
    if not path.exists():
        create_database(path)
    con = duckdb.connect(str(path))
    con.execute("create or replace table t as select ? as version", [version])
    con.close()


def _version(path: Path) -> int:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute("select version from t").fetchone()[0]
    finally:
        con.close()


def _publish_step(settings: Settings, when: str, nth: int) -> int:
    done = subprocess.run(
        [sys.executable, "-c", STEP, str(settings.landing_dir), str(settings.warehouse_path),
         when, str(nth)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    return done.returncode


@pytest.mark.parametrize(("when", "nth"), [("before", 1), ("after", 1), ("before", 2)])
def test_a_kill_between_the_two_renames_never_leaves_a_newer_snapshot(
    tmp_path: Path, when: str, nth: int
) -> None:
    settings = Settings.for_warehouse(tmp_path / "landing", tmp_path / "warehouse.duckdb")
    snapshot = raw_snapshot_path(settings)
    # day 1, published cleanly: warehouse and snapshot of version 1
    _write(settings.raw_path, 1)
    _write(settings.build_path, 1)
    assert _publish_step(settings, "never", 0) == 0
    assert (_version(settings.warehouse_path), _version(snapshot)) == (1, 1)
    # day 2: new raw rows, a new build; the publish is killed at a rename
    _write(settings.raw_path, 2)
    _write(settings.build_path, 2)
    assert _publish_step(settings, when, nth) == -9
    published, snapshotted = _version(settings.warehouse_path), _version(snapshot)
    assert snapshotted <= published, "the snapshot is newer than the published warehouse"
    # the next refresh's build recovers the interrupted publish first
    prepare_build(settings)
    assert _version(snapshot) == _version(settings.warehouse_path)
    assert not list(tmp_path.glob("*.publishing*")), list(tmp_path.iterdir())
    assert not list(tmp_path.glob("*.snapshot.duckdb.building"))
