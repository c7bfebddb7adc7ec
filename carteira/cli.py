"""The `carteira` command."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import click

from carteira import progress
from carteira.settings import DEFAULT_WAREHOUSE, DEMO_DIR, Settings

SCALES = ("tiny", "small", "medium", "large")


def _quiet_third_parties() -> None:
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "true")


@click.group()
@click.version_option(package_name="carteira")
def main() -> None:
    """Carteira: one warehouse for every system your clients live in."""
    _quiet_third_parties()
    progress.to_stderr()


@main.command()
@click.option(
    "--landing",
    type=click.Path(path_type=Path),
    required=True,
    help="Landing-zone folder to write.",
)
@click.option(
    "--start",
    type=click.DateTime(["%Y-%m-%d"]),
    required=True,
    help="Extraction date of day 1 (the full export).",
)
@click.option("--days", type=click.IntRange(min=1), default=7, show_default=True)
@click.option("--scale", type=click.Choice(SCALES), default="small", show_default=True)
@click.option("--seed", type=int, default=42, show_default=True)
def generate(landing: Path, start: object, days: int, scale: str, seed: int) -> None:
    """Write a synthetic landing zone that follows the source contract exactly."""
    from carteira.generator import generate as run_generate

    stats = run_generate(
        landing,
        start.date(),
        days,
        scale,
        seed,  # type: ignore[attr-defined]
        progress=progress.emit,
    )
    click.echo(
        f"wrote {stats.files_written} files, {stats.total_rows:,} rows to {landing} "
        f"in {stats.seconds:.1f}s"
    )


def _refresh(settings: Settings, raw_only: bool) -> int:
    from orchestration.run import run_refresh

    started = time.perf_counter()
    outcome = run_refresh(settings, raw_only=raw_only)
    for line in outcome.summary_lines():
        click.echo(line, err=outcome.exit_code != 0)
    click.echo(f"total {time.perf_counter() - started:.1f}s", err=outcome.exit_code != 0)
    return outcome.exit_code


@main.command()
@click.option(
    "--landing",
    type=click.Path(path_type=Path, exists=True, file_okay=False),
    required=True,
    help="Landing zone with <system>/<table>/<table>_<YYYYMMDD>.<ext>.",
)
@click.option(
    "--warehouse",
    type=click.Path(path_type=Path),
    required=True,
    help="Published warehouse file; the raw layer is kept beside it (*.raw.duckdb).",
)
@click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Date the warehouse describes, and the last extract date read "
    "(default: today in the business time zone).",
)
@click.option("--raw-only", is_flag=True, help="Only ingest into the raw layer; skip dbt.")
def refresh(landing: Path, warehouse: Path, as_of: object, raw_only: bool) -> None:
    """Ingest what is new, build and test the warehouse, publish it.

    Exit status: 0 published cleanly; 1 published, but some input was quarantined;
    2 not published (a step or an error-severity check failed).
    """
    settings = Settings.for_warehouse(
        landing,
        warehouse,
        as_of=as_of.date() if as_of else None,  # type: ignore[attr-defined]
    )
    sys.exit(_refresh(settings, raw_only))


@main.command()
@click.option(
    "--home",
    type=click.Path(path_type=Path),
    default=DEMO_DIR,
    show_default=True,
    help="Folder for the demo landing zone and warehouse.",
)
@click.option("--scale", type=click.Choice(SCALES), default="small", show_default=True)
@click.option("--days", type=click.IntRange(min=1), default=7, show_default=True)
@click.option("--seed", type=int, default=42, show_default=True)
def demo(home: Path, scale: str, days: int, seed: int) -> None:
    """Generate a demo landing zone and build the warehouse from it."""
    import shutil
    from datetime import timedelta

    from carteira.generator import generate as run_generate

    as_of = Settings.from_env().effective_as_of()
    start = as_of - timedelta(days=days - 1)
    landing = home / "landing"
    if home.exists():
        shutil.rmtree(home)
    click.echo(f"generating a {scale} landing zone ({days} days up to {as_of}) in {landing}")
    stats = run_generate(landing, start, days, scale, seed, progress=progress.emit)
    click.echo(
        f"wrote {stats.files_written} files, {stats.total_rows:,} rows in {stats.seconds:.1f}s"
    )
    settings = Settings.for_warehouse(landing, home / "warehouse.duckdb", as_of=as_of)
    code = _refresh(settings, raw_only=False)
    click.echo(
        "\nThe warehouse is " + str(settings.warehouse_path) + "\nLook at it with:\n"
        f"  carteira sql --warehouse {settings.warehouse_path} "
        '"select * from marts.dim_client limit 10"\n'
        "  or any DuckDB client / BI tool opening that file read-only "
        "(schemas: staging, intermediate, marts).\n"
        f"Raw history: {settings.raw_path}  Quarantine: {settings.quarantine_dir}"
    )
    sys.exit(code)


@main.command()
@click.option(
    "--warehouse",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    default=DEFAULT_WAREHOUSE,
    show_default=True,
)
@click.argument("query")
def sql(warehouse: Path, query: str) -> None:
    """Run a read-only SQL query against a published warehouse and print the result."""
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        con.sql(query).show(max_rows=200)
    finally:
        con.close()


def _add_report_commands() -> None:
    from carteira.postgres_cli import publish_postgres_command
    from carteira.reports.cli import report
    from carteira.reports.views import VIEWS_GROUP
    from carteira.superset_cli import superset

    main.add_command(report)
    main.add_command(VIEWS_GROUP)
    main.add_command(superset)
    main.add_command(publish_postgres_command)


_add_report_commands()

if __name__ == "__main__":
    main()
