"""A refresh with nothing new: same as_of, no new files (docs/performance.md).

Generates a landing zone, runs one refresh (the build), then `--runs` more with the same
`--as-of`, each `carteira refresh` in a fresh process as a daily run starts. Prints each
no-op run's wall time, their median, the models it built (from its summary) and whether
the published file kept its bytes.

    uv run python benchmarks/bench_noop_refresh.py --scale small --workdir /tmp/cn
"""

from __future__ import annotations

import hashlib
import os
import re
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import click

from carteira.generator import generate


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _refresh(landing: Path, warehouse: Path, as_of: date) -> tuple[float, str]:
    command = [
        *(sys.executable, "-m", "carteira.cli.main", "refresh"),
        *("--landing", str(landing), "--warehouse", str(warehouse), "--as-of", str(as_of)),
    ]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"refresh failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return seconds, done.stdout + done.stderr


@click.command()
@click.option("--scale", default="small", show_default=True)
@click.option("--days", type=int, default=7, show_default=True)
@click.option("--runs", type=int, default=3, show_default=True)
@click.option("--workdir", type=click.Path(path_type=Path), required=True)
def main(scale: str, days: int, runs: int, workdir: Path) -> None:
    """Seconds of a no-op refresh after a full one, median of ``runs``."""
    for var in ("GX_ANALYTICS_ENABLED", "DBT_SEND_ANONYMOUS_USAGE_STATS"):
        os.environ.setdefault(var, "false")
    os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "true")
    start = date(2026, 11, 14)
    as_of = start + timedelta(days=days - 1)
    landing, warehouse = workdir / scale / "landing", workdir / scale / "warehouse.duckdb"
    if not landing.exists():
        generate(landing, start, days, scale, 42)
    first, _ = _refresh(landing, warehouse, as_of)
    print(f"first refresh (the build): {first:.1f} s")
    before = _digest(warehouse)
    times = []
    for run in range(runs):
        seconds, text = _refresh(landing, warehouse, as_of)
        times.append(seconds)
        built = re.search(r"built (\d+) of (\d+) models", text)
        print(
            f"no-op run {run + 1}: {seconds:.1f} s, "
            + (f"built {built.group(1)} of {built.group(2)} models" if built else "summary:")
            + f", file unchanged: {_digest(warehouse) == before}"
        )
        if not built:
            print(text)
    print(f"median no-op refresh: {statistics.median(times):.1f} s ({scale}, {days} days)")


if __name__ == "__main__":
    main()
