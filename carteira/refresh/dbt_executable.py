"""Which dbt executable a refresh starts (dagster-dbt runs dbt as a process of its own)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from carteira.exit_codes import CouldNotRun


def find_dbt() -> str:
    """The dbt executable: on PATH, else next to the running interpreter.

    `.venv/bin/carteira` or `.venv/bin/python` run without the venv activated have no dbt
    on PATH, but the venv that runs them has one beside its interpreter (not resolved
    through symlinks: the venv's bin directory is the one that holds dbt).
    """
    on_path = shutil.which("dbt")
    if on_path:
        return on_path
    beside = Path(sys.executable).parent / "dbt"
    if beside.is_file() and shutil.which(str(beside)):
        return str(beside)
    raise CouldNotRun(
        f"dbt executable not found: not on PATH and not beside {sys.executable}. "
        "Install the project (uv sync) or put dbt on PATH."
    )
