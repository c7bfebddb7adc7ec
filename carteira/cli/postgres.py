"""The `carteira publish-postgres` command (carteira/serving/postgres/publish.py has the steps)."""

from __future__ import annotations

import sys
import time
from datetime import date
from pathlib import Path

import click
import duckdb

from carteira.cli.options import as_of_option, warehouse_option
from carteira.exit_codes import CarteiraError, CouldNotRun, ExitCode
from carteira.reports.engine import ReportError, warehouse_as_of
from carteira.settings import Settings


def _warehouse_as_of(warehouse: Path) -> date | None:
    """The date the published DuckDB warehouse describes, so both engines serve the same."""
    if not warehouse.exists():
        return None
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return warehouse_as_of(con)
    finally:
        con.close()


@click.command("publish-postgres")
@click.option(
    "--dsn",
    envvar="CARTEIRA_PG_DSN",
    default=None,
    help="libpq connection string of the serving database, e.g. "
    "'host=db.example port=5432 dbname=carteira user=carteira_publisher' "
    "(default: $CARTEIRA_PG_DSN; a password is best kept in ~/.pgpass or $PGPASSWORD).",
)
@warehouse_option("Published DuckDB warehouse; its raw layer (*.raw.duckdb) is what gets copied")
@as_of_option(
    "Date the warehouse describes (default: the as_of of the published DuckDB "
    "warehouse, else today in the business time zone)."
)
@click.option(
    "--role-prefix",
    envvar="CARTEIRA_PG_ROLE_PREFIX",
    default="carteira",
    show_default=True,
    help="Prefix of the roles created (<prefix>_reader, <prefix>_analyst, "
    "<prefix>_staff_<staff_id>).",
)
@click.option(
    "--swap-timeout",
    type=click.FloatRange(min=1),
    default=120.0,
    show_default=True,
    help="Seconds to wait for readers holding the served relations before giving up.",
)
def publish_postgres_command(
    dsn: str | None,
    warehouse: Path | None,
    as_of: object,
    role_prefix: str,
    swap_timeout: float,
) -> None:
    """Copy new raw rows to PostgreSQL, build and test there, swap the served schemas in.

    Exit status: 0 published; 2 not published (build, tests or swap failed: the served
    schemas are as they were); 3 could not run (server unreachable, credentials refused,
    no raw layer).
    """
    from carteira.serving.postgres.publish import (
        CannotRun,
        PublishFailed,
        describe_dsn,
        publish_postgres,
    )

    if not dsn:
        raise CouldNotRun("publish-postgres: no --dsn given and CARTEIRA_PG_DSN is not set")
    # No landing zone is read: the raw layer beside the published warehouse is the input.
    settings = Settings.from_env(warehouse_path=warehouse)
    try:
        day = as_of.date() if as_of else _warehouse_as_of(settings.warehouse_path)  # type: ignore[attr-defined]
    except (duckdb.Error, ReportError) as exc:
        raise CouldNotRun(
            f"publish-postgres: cannot read {settings.warehouse_path}: {exc}"
        ) from exc
    settings = Settings.from_env(warehouse_path=warehouse, as_of=day)
    started = time.perf_counter()
    try:
        outcome = publish_postgres(
            settings, dsn, role_prefix=role_prefix, swap_timeout_s=swap_timeout
        )
    except CannotRun as exc:
        raise CouldNotRun(f"publish-postgres: {exc}") from exc
    except PublishFailed as exc:
        raise CarteiraError(f"publish-postgres: not published: {exc}") from exc
    steps = ", ".join(f"{k} {v:.1f}s" for k, v in outcome.seconds.items())
    click.echo(
        f"published to PostgreSQL {describe_dsn(dsn)} as of {outcome.as_of}: "
        f"{outcome.raw_rows_copied:,} raw rows copied; schemas {', '.join(outcome.served)} "
        f"served to role {role_prefix}_reader; row-level security on "
        f"{len(outcome.owned)} relations ({steps}; total {time.perf_counter() - started:.1f}s)"
    )
    sys.exit(int(ExitCode.PUBLISHED))
