"""`carteira report ...` and `carteira views ...`: every report is a subcommand.

Each report module exposes `COMMANDS` (a list of click commands); this group collects
them so the main CLI needs to know nothing about individual reports.
"""

from __future__ import annotations

import click


@click.group()
def report() -> None:
    """Answer one of the business's report screens from the published warehouse."""


def _register() -> None:
    from importlib import import_module

    for module in REPORT_MODULES:
        for command in import_module(module).COMMANDS:
            report.add_command(command)


# Report modules, each owning its subcommands and the queries under queries/.
REPORT_MODULES: list[str] = [
    "carteira.reports.activity",
    "carteira.reports.telesales",
    "carteira.reports.customer",
    "carteira.reports.portfolio",
]

_register()
