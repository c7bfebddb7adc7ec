"""Options the report commands share, so each declares them the same way, and `emit`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click
import duckdb

from carteira.cli.options import warehouse_option
from carteira.reports.engine import ReportError, ReportResult, connect


def common_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--warehouse and --format, with the warehouse defaulting to CARTEIRA_WAREHOUSE."""
    func = click.option(
        "--format",
        "fmt",
        type=click.Choice(["table", "csv", "json"]),
        default="table",
        show_default=True,
    )(func)
    func = warehouse_option("Published warehouse file.", resolved=True)(func)
    return func


def emit(
    warehouse: Path,
    fmt: str,
    build: Callable[[duckdb.DuckDBPyConnection], ReportResult],
    *,
    newline: bool = True,
) -> None:
    """Open the warehouse read-only, build the report and print it; errors exit non-zero.

    Every `carteira report` command goes through here, so each report is a function of an
    open connection and the CLI alone knows about warehouse paths.
    """
    try:
        con = connect(warehouse)
        try:
            result = build(con)
        finally:
            con.close()
    except ReportError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(result.render(fmt), nl=newline)


DATE = click.DateTime(["%Y-%m-%d"])


def as_date(value: datetime) -> date:
    """click.DateTime gives datetimes; report periods are local calendar dates."""
    return value.date()


def as_optional_date(value: datetime | None) -> date | None:
    """as_date for an optional bound (None = open)."""
    return value.date() if value is not None else None


def viewer_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """--viewer STAFF_ID, shared by the activity and telesales reports."""
    return click.option(
        "--viewer",
        metavar="STAFF_ID",
        default=None,
        help="Answer as this staff member sees it (unknown: error; inactive: nothing).",
    )(func)


def period_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--from/--to: the session-date period, inclusive."""
    func = click.option(
        "--to",
        "to_date",
        type=DATE,
        required=True,
        help="Last session date (inclusive, YYYY-MM-DD).",
    )(func)
    func = click.option(
        "--from",
        "from_date",
        type=DATE,
        required=True,
        help="First session date (inclusive, YYYY-MM-DD).",
    )(func)
    return func
