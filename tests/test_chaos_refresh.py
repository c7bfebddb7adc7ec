"""Chaos: refreshes killed with SIGKILL at random moments never corrupt anything.

On a tiny landing zone, a reference warehouse is built once. Then a `carteira refresh`
process is started and killed with SIGKILL (its whole process group, as a supervisor or
systemd does, so the dbt child dies too) at a random moment of its run, KILLS times;
after every kill a clean refresh must publish, its marts must equal the reference's mart
by mart, raw history must hold every file row once, and no build file may be left
behind. Kills alternate between a new warehouse (the killed run ingests everything, so
kills land in ingestion too) and the same one again (a published warehouse and a
complete raw history exist: kills land in build and publish). The moments come from a
seeded generator: a failure reproduces with the same seed (CARTEIRA_CHAOS_SEED).

Kept lean for CI: one extract day, clean refreshes in-process (no interpreter start-up),
kill moments drawn over the measured length of a refresh after it took its lock.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from carteira.exit_codes import ExitCode
from carteira.generator import generate
from carteira.refresh.lock import lock_path
from carteira.settings import Settings
from orchestration.run import run_refresh
from tests.helpers.marts import mart_differences, raw_duplicates

DAY = date(2026, 6, 1)
# issue 9 asks for at least 10; each costs one clean refresh (a whole dbt build)
KILLS = int(os.environ.get("CARTEIRA_CHAOS_KILLS", "10"))
SEED = int(os.environ.get("CARTEIRA_CHAOS_SEED", "20261129"))


def _started(proc: subprocess.Popen[bytes], lock: Path, timeout: float = 120) -> bool:
    """Wait until the child holds the refresh lock (its run has begun); False if it ended."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            if json.loads(lock.read_text()).get("pid") == proc.pid:
                return True
        except (OSError, ValueError):
            pass
        time.sleep(0.05)
    raise AssertionError("the refresh never took its lock")


def test_refreshes_killed_at_random_moments_leave_everything_consistent(
    tmp_path: Path,
) -> None:
    rng = random.Random(SEED)
    landing = tmp_path / "landing"
    generate(landing, DAY, 1, "tiny", 5)
    reference = Settings.for_warehouse(landing, tmp_path / "ref" / "warehouse.duckdb", as_of=DAY)
    started = time.monotonic()
    assert run_refresh(reference).exit_code == ExitCode.PUBLISHED
    run_seconds = time.monotonic() - started

    kills, moments = 0, []
    for _ in range(KILLS * 3):
        if kills == KILLS:
            break
        chaos = Settings.for_warehouse(
            landing, tmp_path / f"chaos{kills // 2}" / "warehouse.duckdb", as_of=DAY
        )
        command = [
            sys.executable, "-m", "carteira.cli.main", "refresh", "--landing", str(landing),
            "--warehouse", str(chaos.warehouse_path), "--as-of", DAY.isoformat(),
        ]  # fmt: skip
        proc = subprocess.Popen(
            command, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            if _started(proc, lock_path(chaos.warehouse_path)):
                moment = rng.uniform(0, run_seconds)
                try:
                    proc.wait(timeout=moment)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    kills += 1
                    moments.append(round(moment, 1))
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        clean = run_refresh(chaos)
        context = f"seed {SEED}, kills at {moments}: " + "\n".join(clean.summary_lines())
        assert clean.exit_code == ExitCode.PUBLISHED, context
        assert mart_differences(chaos.warehouse_path, reference.warehouse_path) == {}, context
        assert raw_duplicates(chaos.raw_path) == {}, context
        assert not chaos.build_path.exists(), context
    assert kills == KILLS, f"only {kills} refreshes could be killed mid-run ({moments})"
