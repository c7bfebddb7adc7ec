"""CPU of a dbt build by the format of dbt's file log: JSON (what DBT_LOG_FORMAT=json, set
by dagster-dbt for the stdout it reads, gives the file too) against text (dbt's default,
what `carteira.settings.dbt_file_log_env` asks for).

dbt turns every event, debug ones included, into a line for each of its logs before the
log's level filter drops it; a JSON line costs a protobuf-to-dict conversion and a
json.dumps. Runs the refresh's own `dbt build --full-refresh` on a published warehouse's
work copy, the stdout as dagster-dbt reads it (JSON), alternating the file format, and
prints the dbt process's CPU seconds (user + system) per run and the medians::

    uv run carteira generate --landing /tmp/lf/landing --start 2026-03-02 --days 3 --scale tiny
    uv run carteira refresh --landing /tmp/lf/landing --warehouse /tmp/lf/wh/warehouse.duckdb
    uv run python benchmarks/dbt_log_format.py --warehouse /tmp/lf/wh/warehouse.duckdb --runs 3

The first run of each format is left out of the medians (it may parse the project).
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import statistics
import subprocess
import tempfile
from pathlib import Path

import click

from carteira.read_only import connect_read_only
from carteira.refresh.dbt_executable import find_dbt
from carteira.reports.engine import warehouse_as_of
from carteira.settings import DBT_PROJECT_DIR, Settings
from orchestration.assets.warehouse import DBT_BUILD_ARGS

FORMATS = ("json", "text")


def _cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@click.command()
@click.option("--warehouse", type=click.Path(exists=True, path_type=Path), required=True)
@click.option("--runs", type=int, default=3, show_default=True, help="measured runs per format")
def main(warehouse: Path, runs: int) -> None:
    """CPU seconds of a full dbt build with a JSON and with a text file log."""
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "warehouse.duckdb"
        with connect_read_only(warehouse) as con:
            as_of = warehouse_as_of(con)
        settings = Settings.for_warehouse(warehouse.parent / "landing", copy, as_of=as_of)
        shutil.copyfile(warehouse, settings.build_path)
        published = Settings.for_warehouse(settings.landing_dir, warehouse)
        shutil.copyfile(published.raw_path, settings.raw_path)
        target = Path(scratch) / "target"
        dbt_vars, daily_env = settings.refresh_dbt_vars()  # as the refresh's dbt step
        env = {
            **os.environ,
            **settings.dbt_env(),
            **daily_env,
            "DBT_LOG_FORMAT": "json",
            "DBT_TARGET_PATH": str(target),
            "DBT_LOG_PATH": str(target),
        }
        command = [
            find_dbt(),
            *DBT_BUILD_ARGS,
            "--full-refresh",
            "--vars",
            json.dumps(dbt_vars, sort_keys=True),
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
        ]
        seconds: dict[str, list[float]] = {fmt: [] for fmt in FORMATS}
        for _ in range(runs + 1):
            for fmt in FORMATS:
                before = _cpu_of_children()
                done = subprocess.run(
                    command,
                    env={**env, "DBT_LOG_FORMAT_FILE": fmt},
                    cwd=DBT_PROJECT_DIR,
                    stdout=subprocess.DEVNULL,
                    check=False,
                )
                if done.returncode != 0:
                    raise SystemExit(f"dbt build failed ({fmt}); its log: {target / 'dbt.log'}")
                seconds[fmt].append(_cpu_of_children() - before)
                print(f"{fmt}: {seconds[fmt][-1]:.1f} CPU s", flush=True)
    medians = {fmt: statistics.median(values[1:]) for fmt, values in seconds.items()}
    print(
        f"median of {runs}: json {medians['json']:.1f} CPU s, text {medians['text']:.1f} CPU s, "
        f"text/json {medians['text'] / medians['json']:.2f}"
    )


if __name__ == "__main__":
    main()
