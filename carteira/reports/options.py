"""Options every report shares, so each report declares them the same way."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from carteira.settings import Settings


def common_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--warehouse and --format, with the warehouse defaulting to CARTEIRA_WAREHOUSE."""
    func = click.option(
        "--format",
        "fmt",
        type=click.Choice(["table", "csv", "json"]),
        default="table",
        show_default=True,
    )(func)
    func = click.option(
        "--warehouse",
        type=click.Path(path_type=Path, dir_okay=False),
        default=lambda: str(Settings.from_env().warehouse_path),
        show_default="CARTEIRA_WAREHOUSE",
        help="Published warehouse file.",
    )(func)
    return func
