"""The `carteira status` command (carteira.operations.status does the reading)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from carteira.cli.options import warehouse_option
from carteira.settings import Settings


@click.command("status")
@warehouse_option("Published warehouse to report on; its raw layer and run record sit beside it")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json: one object for a monitoring system.",
)
def status_command(warehouse: Path | None, fmt: str) -> None:
    """Last refresh, published as_of, late sources, quarantined files, next run.

    Exit status: 0 healthy; 1 warnings (a source late, quarantined files awaiting action,
    no refresh recorded); 2 errors (the last refresh failed, a source is missing a day or
    more, nothing published).
    """
    from carteira.operations.status import collect

    status = collect(Settings.from_env(warehouse_path=warehouse))
    if fmt == "json":
        click.echo(json.dumps(status.to_json(), indent=2))
    else:
        for line in status.lines():
            click.echo(line)
    sys.exit(status.exit_code)
