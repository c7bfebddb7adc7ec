"""`carteira views list|show|save|delete|run`: the saved views of the customer portfolio.

Kept apart from `carteira.reports.views` (what a view is and where it is stored) because
`run` needs the portfolio report, which itself needs the view schema: with the commands
here, neither of those two modules imports the other back.
"""

from __future__ import annotations

from pathlib import Path

import click

from carteira.cli.report_options import common_options, emit
from carteira.reports.engine import ReportError
from carteira.reports.portfolio import portfolio_report, portfolio_request
from carteira.reports.views import (
    FILTERS,
    PORTFOLIO_COLUMNS,
    View,
    delete_view,
    list_views,
    load_view,
    save_view,
    validate_columns,
)


def _fail(exc: ReportError) -> click.ClickException:
    return click.ClickException(str(exc))


@click.group("views")
def views() -> None:
    """List, show, save, delete and run saved views of the customer portfolio."""


@views.command("list")
def list_command() -> None:
    """Every view: name, where it comes from, description."""
    problems: list[str] = []
    found = list_views(problems)
    for problem in problems:
        click.echo(f"skipped invalid view file {problem}", err=True)
    width = max([len(v.name) for v in found] + [4])
    click.echo(f"{'name'.ljust(width)}  source   description")
    for v in found:
        click.echo(f"{v.name.ljust(width)}  {v.source.ljust(7)}  {v.description}")


@views.command("show")
@click.argument("name")
def show_command(name: str) -> None:
    """Print a view as YAML."""
    try:
        view = load_view(name)
    except ReportError as exc:
        raise _fail(exc) from None
    click.echo(f"# {view.source}: {view.path}")
    click.echo(view.to_yaml(), nl=False)


def _parse_filter(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise click.BadParameter(f"{text!r}: expected FILTER=VALUE", param_hint="--filter")
    return key.strip(), value.strip()


@views.command("save")
@click.argument("name")
@click.option("--description", default=None, help="What the view shows.")
@click.option(
    "--filter",
    "filters",
    multiple=True,
    metavar="FILTER=VALUE",
    help=f"Repeatable. Filters: {', '.join(FILTERS)}; stage takes a comma list.",
)
@click.option("--columns", default=None, help="Comma-separated columns, in order.")
@click.option(
    "--from-view",
    "base",
    default=None,
    help="Start from this view's filters, columns and description.",
)
@click.option("--force", is_flag=True, help="Replace an existing view of the same name.")
def save_command(
    name: str,
    description: str | None,
    filters: tuple[str, ...],
    columns: str | None,
    base: str | None,
    force: bool,
) -> None:
    """Save (or with --force change) a user view."""
    try:
        start = load_view(base) if base else None
        merged = dict(start.filters) if start else {}
        for text in filters:
            key, value = _parse_filter(text)
            merged[key] = value or None
        view = View(
            name=name,
            description=description
            if description is not None
            else (start.description if start else ""),
            filters={k: v for k, v in merged.items() if v is not None},
            columns=validate_columns(columns, view=name)
            if columns
            else (list(start.columns) if start else list(PORTFOLIO_COLUMNS)),
        )
        path = save_view(view, force=force)
    except ReportError as exc:
        raise _fail(exc) from None
    click.echo(f"saved view {name!r} to {path}")


@views.command("delete")
@click.argument("name")
def delete_command(name: str) -> None:
    """Delete a user view."""
    try:
        path = delete_view(name)
    except ReportError as exc:
        raise _fail(exc) from None
    click.echo(f"deleted view {name!r} ({path})")


@views.command("run")
@click.argument("name")
@common_options
def run_command(name: str, warehouse: Path, fmt: str) -> None:
    """Run a view: the same as `carteira report portfolio --view NAME`."""
    try:
        portfolio_request(name)
    except ReportError as exc:
        raise _fail(exc) from None
    emit(warehouse, fmt, lambda con: portfolio_report(con, view_name=name))


VIEWS_GROUP = views
