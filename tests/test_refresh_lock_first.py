"""A second refresh is refused before it does anything: the lock comes first.

README: "a second refresh exits at once with code 3 naming the holder". At once means
before the heavy imports (Dagster, dbt, great-expectations) and before any progress line:
the refused command prints the one line naming the holder and nothing else.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from carteira.exit_codes import ExitCode
from carteira.settings import ENVIRONMENT

HEAVY = ("dagster", "dbt", "great_expectations", "dagster_dbt")

HOLD = """
import sys, time
from pathlib import Path
from carteira.refresh.lock import acquire_refresh_lock
acquire_refresh_lock(Path(sys.argv[1]))
print("held", flush=True)
time.sleep(120)
"""

REFUSED = """
import json, sys
from carteira.cli.main import main
try:
    main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
heavy = sorted(m for m in sys.modules if m.split(".")[0] in {heavy!r})
print(json.dumps({{"code": code, "heavy": heavy}}))
"""


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ENVIRONMENT and k != "CARTEIRA_DEBUG"}


@pytest.fixture
def held(tmp_path: Path) -> Iterator[tuple[Path, Path, int]]:
    """(landing, warehouse, holder pid) with another process holding the refresh lock."""
    landing = tmp_path / "landing"
    landing.mkdir()
    warehouse = tmp_path / "w" / "warehouse.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(warehouse)],
        stdout=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        yield landing, warehouse, holder.pid
    finally:
        holder.kill()
        holder.wait()


def test_a_second_refresh_prints_one_line_naming_the_holder_and_nothing_else(
    held: tuple[Path, Path, int],
) -> None:
    landing, warehouse, pid = held
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "carteira.cli.main", "refresh", "--landing", str(landing),
         "--warehouse", str(warehouse)],
        env=_env(), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    elapsed = time.monotonic() - started
    assert done.returncode == ExitCode.COULD_NOT_RUN, done.stderr
    assert done.stdout == ""
    (line,) = done.stderr.splitlines()  # no progress line before it
    assert line.startswith(f"carteira: another refresh of {warehouse} is running (pid {pid} ")
    assert "started" in line
    assert elapsed < 10, f"a sanity bound, not a target: {elapsed:.1f}s"
    assert not (warehouse.parent / "warehouse.raw.duckdb").exists()


def test_the_refused_refresh_loads_no_heavy_module(held: tuple[Path, Path, int]) -> None:
    landing, warehouse, _ = held
    done = subprocess.run(
        [sys.executable, "-c", REFUSED.format(heavy=HEAVY), "refresh", "--landing",
         str(landing), "--warehouse", str(warehouse)],
        env=_env(), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result == {"code": int(ExitCode.COULD_NOT_RUN), "heavy": []}, done.stderr
