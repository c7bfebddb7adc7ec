"""The `--warehouse` and `--as-of` options, declared once for every command that takes them.

Each command says what the option means for it (its help); the type, the name of the
environment variable behind the default and the date format are the same everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from carteira.settings import Settings

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def warehouse_option(help: str, *, exists: bool = False, resolved: bool = False) -> Decorator:
    """`--warehouse FILE`; the default is CARTEIRA_WAREHOUSE (see carteira.settings).

    ``resolved`` fills the default in at parse time (the command receives a path); without
    it the command receives None and resolves it with ``Settings.from_env`` itself, together
    with the other settings. ``exists`` makes click refuse a missing file.
    """
    if resolved:
        return click.option(
            "--warehouse",
            type=click.Path(path_type=Path, exists=exists, dir_okay=False),
            default=lambda: str(Settings.from_env().warehouse_path),
            show_default="CARTEIRA_WAREHOUSE",
            help=help,
        )
    return click.option(
        "--warehouse",
        type=click.Path(path_type=Path, exists=exists, dir_okay=False),
        default=None,
        help=f"{help} (default: CARTEIRA_WAREHOUSE).",
    )


def as_of_option(help: str) -> Decorator:
    """`--as-of YYYY-MM-DD`, passed to the command as ``as_of`` (a datetime, or None)."""
    return click.option(
        "--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]), default=None, help=help
    )
