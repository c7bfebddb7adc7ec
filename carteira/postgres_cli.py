"""The `carteira publish-postgres` command (see carteira/postgres_publish.py for the steps)."""

from __future__ import annotations

import sys
import time
from datetime import date
from pathlib import Path

import click
import duckdb

from carteira.settings import DEFAULT_WAREHOUSE, Settings

# The exit statuses every `carteira` command shares: success, nothing published, could not
# run at all (the values of carteira.exit_codes.ExitCode on the refresh-reliability branch).
EXIT_OK = 0
EXIT_NOT_PUBLISHED = 2
EXIT_CANNOT_RUN = 3


def _warehouse_as_of(warehouse: Path) -> date | None:
    """The date the published DuckDB warehouse describes, so both engines serve the same."""
    if not warehouse.exists():
        return None
    from carteira.reports.telesales import warehouse_as_of

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return warehouse_as_of(con)
    finally:
        con.close()


@click.command("publish-postgres")
@click.option(
    "--dsn",
    envvar="CARTEIRA_PG_DSN",
    required=True,
    help="libpq connection string of the serving database, e.g. "
    "'host=db.example port=5432 dbname=carteira user=carteira_publisher' "
    "(default: $CARTEIRA_PG_DSN; a password is best kept in ~/.pgpass or $PGPASSWORD).",
)
@click.option(
    "--warehouse",
    type=click.Path(path_type=Path, dir_okay=False),
    default=DEFAULT_WAREHOUSE,
    show_default=True,
    help="Published DuckDB warehouse; its raw layer (*.raw.duckdb) is what gets copied.",
)
@click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Date the warehouse describes (default: the as_of of the published DuckDB "
    "warehouse, else today in the business time zone).",
)
@click.option(
    "--role-prefix",
    envvar="CARTEIRA_PG_ROLE_PREFIX",
    default="carteira",
    show_default=True,
    help="Prefix of the roles created (<prefix>_reader, <prefix>_staff_<staff_id>).",
)
@click.option(
    "--swap-timeout",
    type=click.FloatRange(min=1),
    default=120.0,
    show_default=True,
    help="Seconds to wait for readers holding the served relations before giving up.",
)
def publish_postgres_command(
    dsn: str, warehouse: Path, as_of: object, role_prefix: str, swap_timeout: float
) -> None:
    """Copy new raw rows to PostgreSQL, build and test there, swap the served schemas in.

    Exit status: 0 published; 2 not published (build, tests or swap failed: the served
    schemas are as they were); 3 could not run (server unreachable, credentials refused,
    no raw layer).
    """
    from carteira.postgres_publish import (
        CannotRun,
        PublishFailed,
        describe_dsn,
        publish_postgres,
    )

    warehouse = warehouse.resolve()
    try:
        day = as_of.date() if as_of else _warehouse_as_of(warehouse)  # type: ignore[attr-defined]
    except duckdb.Error as exc:
        click.echo(f"carteira publish-postgres: cannot read {warehouse}: {exc}", err=True)
        sys.exit(EXIT_CANNOT_RUN)
    # No landing zone is read: the raw layer beside the warehouse is the input.
    settings = Settings.for_warehouse(
        warehouse.parent, warehouse, as_of=day or Settings.from_env().as_of
    )
    started = time.perf_counter()
    try:
        outcome = publish_postgres(
            settings, dsn, role_prefix=role_prefix, swap_timeout_s=swap_timeout
        )
    except CannotRun as exc:
        click.echo(f"carteira publish-postgres: {exc}", err=True)
        sys.exit(EXIT_CANNOT_RUN)
    except PublishFailed as exc:
        click.echo(f"carteira publish-postgres: not published: {exc}", err=True)
        sys.exit(EXIT_NOT_PUBLISHED)
    steps = ", ".join(f"{k} {v:.1f}s" for k, v in outcome.seconds.items())
    click.echo(
        f"published to PostgreSQL {describe_dsn(dsn)} as of {outcome.as_of}: "
        f"{outcome.raw_rows_copied:,} raw rows copied; schemas {', '.join(outcome.served)} "
        f"served to role {role_prefix}_reader; row-level security on "
        f"{len(outcome.owned)} relations ({steps}; total {time.perf_counter() - started:.1f}s)"
    )
    sys.exit(EXIT_OK)
