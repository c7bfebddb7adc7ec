"""Chaos: refreshes killed with SIGKILL at random moments never corrupt anything.

On a tiny landing zone, a reference warehouse is built once. Then a `carteira refresh`
process is started and killed with SIGKILL (its whole process group, as a supervisor or
systemd does, so the dbt child dies too) at a random moment of its run, KILLS times;
after every kill a clean refresh must publish, its marts must equal the reference's mart
by mart, raw history must hold every file row once, and no build file may be left
behind. Two kills go to a new warehouse (the killed run ingests everything): the first no
later than the reference's ingestion lasted, so one kill always lands in the run's start
or its ingestion, the second anywhere in the run. The others go to the same one again with
`--full-refresh` (a published warehouse and a complete raw history exist, and the run
rebuilds every model: kills land in build and publish; the clean refresh after it then has
nothing new to do, and the published warehouse must still be whole). The moments come
from a seeded generator: a failure reproduces with the same seed (CARTEIRA_CHAOS_SEED).

Every chaos run uses the same warehouse path (a new warehouse is that folder emptied),
so dbt's partial parse, kept per warehouse path, is paid once. Clean refreshes run
in-process (no interpreter start-up); kill moments are drawn over the length of a run
of the same kind after it took its lock (the reference's, until a run of that kind
finished before its moment).
"""

from __future__ import annotations

import json
import os
import random
import shutil
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
# Kills (by number) that go to an emptied warehouse, each recovered by a whole build: the
# first no later than the reference's ingestion lasted, the second anywhere in the run.
NEW_WAREHOUSE_KILLS = (0, 5)


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
    built = run_refresh(reference)
    assert built.exit_code == ExitCode.PUBLISHED
    # how long a killed run of each kind may last, once it holds its lock
    lengths = dict.fromkeys(("new", "again"), time.monotonic() - started)
    ingestion = built.seconds["ingest"]  # the first new warehouse's kill lands in it

    chaos = Settings.for_warehouse(landing, tmp_path / "chaos" / "warehouse.duckdb", as_of=DAY)
    kills, moments = 0, []
    for _ in range(KILLS * 3):
        if kills == KILLS:
            break
        kind = "new" if kills in NEW_WAREHOUSE_KILLS else "again"
        command = [
            sys.executable, "-m", "carteira.cli.main", "refresh", "--landing", str(landing),
            "--warehouse", str(chaos.warehouse_path), "--as-of", DAY.isoformat(),
        ]  # fmt: skip
        if kind == "new":
            shutil.rmtree(chaos.warehouse_path.parent, ignore_errors=True)
        else:
            command.append("--full-refresh")
        proc = subprocess.Popen(
            command, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            if _started(proc, lock_path(chaos.warehouse_path)):
                locked = time.monotonic()
                longest = ingestion if kills == NEW_WAREHOUSE_KILLS[0] else lengths[kind]
                moment = rng.uniform(0, longest)
                try:
                    proc.wait(timeout=moment)
                    lengths[kind] = time.monotonic() - locked  # ended first: draw shorter
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    kills += 1
                    moments.append((kind, round(moment, 1)))
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
