"""Options every report shares, so each report declares them the same way."""

from __future__ import annotations

from collections.abc import Callable
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
