"""Ingestion alone, on the landing zone `bench.py` generated: hash, raw layer, raw step.

Times, on a fresh raw file each: sha256 of every file of days 1-7 (one thread), then
`ingest_all` of days 1-7 and of day 8 (the function), then the same two loads through the
Dagster refresh job with `--raw-only` (`run_refresh`, its `ingest` split: what
`carteira refresh --raw-only` costs). Run it from two checkouts to compare them.

    uv run python benchmarks/bench.py --scale medium --workdir /tmp/cb   # makes the landing
    uv run python benchmarks/bench_ingest.py --landing /tmp/cb/medium/landing --workdir /tmp/ci
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import click

from carteira.contract import TABLES
from carteira.ingestion import discover_files, ingest_all, sha256_file
from carteira.settings import Settings


@click.command()
@click.option("--landing", type=click.Path(path_type=Path, exists=True), required=True)
@click.option("--workdir", type=click.Path(path_type=Path), required=True)
@click.option("--start", type=click.DateTime(["%Y-%m-%d"]), default="2026-11-14", show_default=True)
@click.option("--days", type=int, default=8, show_default=True)
def main(landing: Path, workdir: Path, start: object, days: int) -> None:
    """Seconds of each ingestion phase, full window (days 1..n-1) then the last day."""
    from orchestration.run import run_refresh

    for var in ("GX_ANALYTICS_ENABLED", "DBT_SEND_ANONYMOUS_USAGE_STATS"):
        os.environ.setdefault(var, "false")
    os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "true")
    first = start.date()  # type: ignore[attr-defined]
    full_as_of, last = first + timedelta(days=days - 2), first + timedelta(days=days - 1)
    files = [lf.path for t in TABLES for lf in discover_files(landing, t, full_as_of)]
    started = time.perf_counter()
    size = sum(p.stat().st_size for p in files)
    for path in files:
        sha256_file(path)
    click.echo(
        f"sha256, {len(files)} files, {size / 1e6:.1f} MB, one thread: "
        f"{time.perf_counter() - started:.2f}s"
    )
    shutil.rmtree(workdir, ignore_errors=True)
    for as_of in (full_as_of, last):
        started = time.perf_counter()
        result = ingest_all(workdir / "fn" / "raw.duckdb", landing, as_of=as_of)
        click.echo(
            f"ingest_all as_of {as_of}: {time.perf_counter() - started:.2f}s "
            f"({result.summary_lines()[0]})"
        )
    settings = Settings.for_warehouse(landing, workdir / "job" / "warehouse.duckdb")
    for as_of in (full_as_of, last):
        outcome = run_refresh(replace(settings, as_of=as_of), raw_only=True)
        click.echo(
            f"refresh --raw-only as_of {as_of}: ingest {outcome.seconds['ingest']:.2f}s "
            f"(exit {int(outcome.exit_code)})"
        )


if __name__ == "__main__":
    main()
