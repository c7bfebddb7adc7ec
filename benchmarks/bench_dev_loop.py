"""The dev loop: `carteira dbt build -s <model>` again and again after `carteira demo`.

A data engineer changing one model runs it many times; what counts is the second run and
every one after it (docs/performance.md). Builds the demo under `--home` when it has none
(`carteira demo`, scale small, 7 days), then runs `uv run carteira dbt build -s <model>`
`--runs` times, each in a fresh process as a person types it, and prints each wall time
and the median of the runs after the first.

    uv run python benchmarks/bench_dev_loop.py --home /tmp/devloop --model dim_date
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import time
from pathlib import Path

import click

from carteira.devtools.dev_dbt import DEV_TARGET_DIR


def _run(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout[-3000:]}\n{done.stderr}")
    return seconds


@click.command()
@click.option("--home", type=click.Path(path_type=Path), required=True)
@click.option("--model", default="dim_date", show_default=True)
@click.option("--runs", type=int, default=5, show_default=True)
def main(home: Path, model: str, runs: int) -> None:
    """Seconds of `carteira dbt build -s MODEL`: the first run, then the median of the rest."""
    env = {**os.environ, "CARTEIRA_HOME": str(home.resolve())}
    for var in ("GX_ANALYTICS_ENABLED", "DBT_SEND_ANONYMOUS_USAGE_STATS"):
        env.setdefault(var, "false")
    env.setdefault("DAGSTER_DISABLE_TELEMETRY", "true")
    if not (home / "demo" / "warehouse.duckdb").exists():
        print(f"demo: {_run(['uv', 'run', 'carteira', 'demo'], env):.1f} s")
    shutil.rmtree(DEV_TARGET_DIR, ignore_errors=True)  # the first run as in a fresh clone
    command = ["uv", "run", "carteira", "dbt", "build", "-s", model]
    times = [_run(command, env) for _ in range(runs)]
    print("runs: " + ", ".join(f"{t:.1f} s" for t in times))
    print(f"first {times[0]:.1f} s, then median {statistics.median(times[1:]):.1f} s ({model})")


if __name__ == "__main__":
    main()
