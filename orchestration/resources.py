"""Dagster resources, configured from the environment with local defaults."""

from __future__ import annotations

import shutil
import sys
from datetime import date
from pathlib import Path

from dagster import ConfigurableResource, EnvVar
from dagster_dbt import DbtCliResource

from carteira.exit_codes import CouldNotRun
from carteira.settings import DEFAULT_LANDING, DEFAULT_WAREHOUSE, Settings
from orchestration.dbt_project import carteira_dbt_project


class CarteiraResource(ConfigurableResource):
    """Where the landing zone and warehouse are, and which date the warehouse describes.

    `as_of` empty means "today in the business time zone", resolved at run time so that a
    daily schedule always describes its own day.
    """

    landing_dir: str = str(DEFAULT_LANDING)
    warehouse_path: str = str(DEFAULT_WAREHOUSE)
    as_of: str = ""
    business_timezone: str = "America/Sao_Paulo"
    cancellation_cutoff_hours: int = 2
    duckdb_memory_limit: str = "8GB"
    duckdb_threads: int = 2

    def settings(self) -> Settings:
        return Settings.for_warehouse(
            Path(self.landing_dir),
            Path(self.warehouse_path),
            as_of=date.fromisoformat(self.as_of) if self.as_of else None,
            business_timezone=self.business_timezone,
            cancellation_cutoff_hours=self.cancellation_cutoff_hours,
            duckdb_memory_limit=self.duckdb_memory_limit,
            duckdb_threads=self.duckdb_threads,
        )


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


def _dbt_executable() -> str:
    try:
        return find_dbt()
    except CouldNotRun:
        return "dbt"  # dagster-dbt reports it; `carteira refresh` checks find_dbt() first


def _env(name: str, default: str) -> str | EnvVar:
    import os

    return EnvVar(name) if os.environ.get(name) else default


def resources_from_env() -> dict[str, object]:
    return {
        "carteira": CarteiraResource(
            landing_dir=_env("CARTEIRA_LANDING", str(DEFAULT_LANDING)),
            warehouse_path=_env("CARTEIRA_WAREHOUSE", str(DEFAULT_WAREHOUSE)),
            as_of=_env("CARTEIRA_AS_OF", ""),
            business_timezone=_env("CARTEIRA_TIMEZONE", "America/Sao_Paulo"),
            duckdb_memory_limit=_env("CARTEIRA_DUCKDB_MEMORY_LIMIT", "8GB"),
        ),
        "dbt": DbtCliResource(
            project_dir=carteira_dbt_project,
            profiles_dir=str(carteira_dbt_project.profiles_dir),
            dbt_executable=_dbt_executable(),
        ),
    }
