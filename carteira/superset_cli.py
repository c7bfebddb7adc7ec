"""`carteira superset up|stop|status`: the dashboards in Apache Superset (docs/superset.md)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from carteira.settings import DEFAULT_WAREHOUSE

_WAREHOUSE = click.option(
    "--warehouse",
    type=click.Path(path_type=Path, dir_okay=False),
    default=DEFAULT_WAREHOUSE,
    show_default=True,
    help="Published warehouse the dashboards read; Superset's state is kept beside it.",
)
_PORT = click.option("--port", type=click.IntRange(1, 65535), default=8088, show_default=True)


@click.group()
def superset() -> None:
    """Apache Superset with Carteira's dashboards, on 127.0.0.1."""


@superset.command()
@_WAREHOUSE
@_PORT
@click.option(
    "--postgres",
    "postgres_dsn",
    metavar="DSN",
    default=None,
    help="Serving PostgreSQL database (libpq DSN) the dashboards read, as published by "
    "`carteira publish-postgres`; without it they read the DuckDB file read-only.",
)
def up(warehouse: Path, port: int, postgres_dsn: str | None) -> None:
    """Set up Superset (admin, staff users, dashboards) and start it; safe to run again.

    Exit status: 0 up; 2 setup or start failed; 3 could not run (no warehouse, serving
    database unreachable or empty, port taken).
    """
    from carteira import superset_service as service_module

    service = service_module.Service(warehouse.resolve(), port, postgres_dsn)
    try:
        service_module.up(service, echo=click.echo)
    except service_module.CannotRun as refusal:
        click.echo(f"carteira superset up: {refusal}", err=True)
        sys.exit(service_module.EXIT_CANNOT_RUN)
    except Exception as error:  # noqa: BLE001 - one line to the user, details in the log
        click.echo(f"carteira superset up: {error}", err=True)
        sys.exit(service_module.EXIT_FAILED)


@superset.command()
@_WAREHOUSE
def stop(warehouse: Path) -> None:
    """Stop the Superset server started for this warehouse."""
    from carteira import superset_service as service_module

    service = service_module.Service(warehouse.resolve())
    if service_module.stop(service):
        click.echo("Superset stopped")
    else:
        click.echo("Superset was not running")
