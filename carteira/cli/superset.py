"""`carteira superset up|stop`: the dashboards in Apache Superset (docs/superset.md)."""

from __future__ import annotations

from pathlib import Path

import click

from carteira.cli.options import warehouse_option
from carteira.exit_codes import CarteiraError
from carteira.settings import Settings

_WAREHOUSE = warehouse_option(
    "Published warehouse the dashboards read; Superset's state is kept beside it"
)


def _warehouse(given: Path | None) -> Path:
    return Settings.from_env(warehouse_path=given).warehouse_path


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
@click.option(
    "--locale",
    type=click.Choice(["pt_BR", "en"]),
    default=None,
    help="Language and number/date formats of the dashboards and of Superset "
    "[default: CARTEIRA_LOCALE, else pt_BR]. A running server keeps its interface "
    "language until `stop` and `up`.",
)
def up(warehouse: Path | None, port: int, postgres_dsn: str | None, locale: str | None) -> None:
    """Set up Superset (admin, staff logins, dashboards) and start it; safe to run again.

    Prints which database the dashboards read, and the file (mode 0600) holding the user
    names and initial passwords of the logins it created; existing passwords are kept.

    Exit status: 0 up; 2 setup or start failed; 3 could not run (no warehouse, serving
    database unreachable or empty, port taken, unknown locale).
    """
    from carteira.serving import superset as service_module

    settings = Settings.from_env(warehouse_path=warehouse, locale=locale)
    service = service_module.Service(settings.warehouse_path, port, postgres_dsn, settings.locale)
    try:
        service_module.up(service, echo=click.echo)
    except CarteiraError:
        raise  # CannotRun: exit 3 and its one line
    except Exception as error:  # noqa: BLE001 - one line to the user, details in the log
        raise CarteiraError(f"superset up: {error}") from error


@superset.command()
@_WAREHOUSE
def stop(warehouse: Path | None) -> None:
    """Stop the Superset server started for this warehouse."""
    from carteira.serving import superset as service_module

    service = service_module.Service(_warehouse(warehouse))
    if service_module.stop(service):
        click.echo("Superset stopped")
    else:
        click.echo("Superset was not running")
