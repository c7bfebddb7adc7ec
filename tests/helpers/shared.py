"""Warehouses built once per test session and shared by every xdist worker.

The standard pytest-xdist pattern: every worker of one session shares the parent of its
own basetemp (`.../pytest-N/popen-gwK` -> `.../pytest-N`), so the first worker that needs
a warehouse builds it there under an exclusive file lock and the others wait for it and
reuse it. Without xdist the session's own basetemp is used.

A shared warehouse is read by many modules at once: a test that writes (Superset's
state, a refresh, MetricFlow's read-write connection) works on a copy. `fingerprint`
lets the session fixtures check at teardown that nobody wrote to the original.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest


def shared_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder every worker of this test session sees (the session's basetemp without xdist)."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return base.parent
    return base


def build_once(root: Path, name: str, build: Callable[[Path], Path]) -> Path:
    """`build(root / name)` once per session, whichever worker asks first; its result path.

    The lock is held for the whole build, so a second worker blocks until the first is done
    and then reads the recorded result; a build that raised leaves no record and the next
    caller tries again (and fails with the same error, in its own test).
    """
    work = root / name
    done = root / f"{name}.built"
    with (root / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if done.exists():
                return Path(done.read_text().split("\n")[0])
            result = build(work)
            done.write_text(f"{result}\n{fingerprint(result)}")
            return result
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def written_to(root: Path) -> list[str]:
    """The shared warehouses under `root` whose bytes changed since they were built."""
    changed = []
    for done in sorted(root.glob("*.built")):
        path, digest = done.read_text().split("\n")
        if fingerprint(Path(path)) != digest:
            changed.append(path)
    return changed


def fingerprint(path: Path) -> str:
    """sha256 of a file's bytes: equal before and after the session when nobody wrote to it."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def build_generated(work: Path, start: date, days: int, scale: str, seed: int) -> Path:
    """Generate `days` extract days under `work/landing`, refresh and publish the last one
    into `work/warehouse.duckdb` (`run_refresh`, as `carteira refresh` does); the path.

    The build of the session's generated warehouses; raises if nothing was published.
    """
    from carteira.generator import generate
    from carteira.settings import Settings
    from orchestration.run import run_refresh

    landing = work / "landing"
    generate(landing, start, days, scale, seed)
    as_of = start + timedelta(days=days - 1)
    settings = Settings.for_warehouse(landing, work / "warehouse.duckdb", as_of=as_of)
    outcome = run_refresh(settings)
    if not outcome.published:
        raise RuntimeError(
            "refresh of the generated landing zone was not published:\n"
            + "\n".join(outcome.summary_lines())
        )
    return settings.warehouse_path
