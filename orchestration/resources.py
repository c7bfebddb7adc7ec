"""Dagster resources, configured from one `Settings` (see `carteira.settings`)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from importlib.metadata import version as installed_version
from pathlib import Path

from dagster import ConfigurableResource
from dagster_dbt import DbtCliResource
from packaging.version import Version

from carteira.exit_codes import CouldNotRun
from carteira.refresh.dbt_executable import find_dbt
from carteira.settings import Settings, read_setting
from orchestration.dbt_project import carteira_dbt_project


class CarteiraResource(ConfigurableResource):
    """Every setting a refresh needs, as plain config so the Dagster UI shows it.

    Built by `from_settings` and turned back by `settings()` field for field: nothing is
    re-derived or defaulted here, so the environment means the same under `dagster dev`,
    the schedule and `carteira refresh`. `as_of` empty means "today in the business time
    zone", resolved at run time so that a daily schedule always describes its own day.
    """

    landing_dir: str
    warehouse_path: str
    raw_path: str
    quarantine_dir: str
    as_of: str
    business_timezone: str
    cancellation_cutoff_hours: int
    duckdb_memory_limit: str
    duckdb_threads: int
    dbt_threads: int
    raw_lock_wait_seconds: float
    full_refresh: bool = False
    lake_dir: str = ""  # empty: no lake

    @classmethod
    def from_settings(cls, settings: Settings) -> CarteiraResource:
        return cls(
            landing_dir=str(settings.landing_dir),
            warehouse_path=str(settings.warehouse_path),
            raw_path=str(settings.raw_path),
            quarantine_dir=str(settings.quarantine_dir),
            as_of=settings.as_of.isoformat() if settings.as_of else "",
            business_timezone=settings.business_timezone,
            cancellation_cutoff_hours=settings.cancellation_cutoff_hours,
            duckdb_memory_limit=settings.duckdb_memory_limit,
            duckdb_threads=settings.duckdb_threads,
            dbt_threads=settings.dbt_threads,
            raw_lock_wait_seconds=settings.raw_lock_wait_seconds,
            full_refresh=settings.full_refresh,
            lake_dir=str(settings.lake_dir) if settings.lake_dir else "",
        )

    def settings(self) -> Settings:
        """The settings of this run; a value edited in the launchpad is checked like any
        other (carteira.setting_values), so a bad one stops the run before it starts."""
        return Settings(
            landing_dir=Path(self.landing_dir),
            warehouse_path=Path(self.warehouse_path),
            raw_path=Path(self.raw_path),
            quarantine_dir=Path(self.quarantine_dir),
            as_of=read_setting("as_of", self.as_of) if self.as_of else None,
            business_timezone=self.business_timezone,
            cancellation_cutoff_hours=self.cancellation_cutoff_hours,
            duckdb_memory_limit=self.duckdb_memory_limit,
            duckdb_threads=self.duckdb_threads,
            dbt_threads=self.dbt_threads,
            raw_lock_wait_seconds=self.raw_lock_wait_seconds,
            full_refresh=self.full_refresh,
            lake_dir=Path(self.lake_dir) if self.lake_dir else None,
        )


class CarteiraDbtCliResource(DbtCliResource):
    """dagster-dbt's dbt resource without the work it does before every dbt run that a
    refresh never uses: 3.6 s of each refresh's dbt step at medium, about a fifth of
    an incremental day (cProfile of `run_refresh`, docs/performance.md).

    Before it starts dbt, `DbtCliResource.cli` runs `dbt --version` in a subprocess
    (1.4 s: a Python start importing dbt) to tell dbt-core from the Fusion engine, then
    builds a dbt adapter in this process, loading every dbt macro (2.2 s), for
    `fetch_row_counts()` and `fetch_column_metadata()`. Carteira calls neither, and its
    dbt is the dbt-core installed beside this code (pinned in pyproject.toml), so the
    version comes from the package metadata and no adapter is built.
    """

    @cached_property
    def _cli_version(self) -> Version:
        """The installed dbt-core's version, read from its package metadata."""
        return Version(installed_version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:  # type: ignore[override]
        """No in-process adapter: the invocation then runs without one (dagster-dbt's
        metadata fetchers are the only readers, and they are not called)."""
        return None


def _dbt_executable() -> str:
    try:
        return find_dbt()
    except CouldNotRun:
        return "dbt"  # dagster-dbt reports it; `carteira refresh` checks find_dbt() first


def resources_from_env(settings: Settings | None = None) -> dict[str, object]:
    """The resources for `settings` (default: built from the environment)."""
    return {
        "carteira": CarteiraResource.from_settings(settings or Settings.from_env()),
        "dbt": CarteiraDbtCliResource(
            project_dir=carteira_dbt_project,
            profiles_dir=str(carteira_dbt_project.profiles_dir),
            dbt_executable=_dbt_executable(),
        ),
    }
