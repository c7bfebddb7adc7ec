"""The one place where Carteira's Dagster definitions are assembled."""

from __future__ import annotations

import os

from dagster import (
    AssetSelection,
    DefaultScheduleStatus,
    Definitions,
    ScheduleDefinition,
    define_asset_job,
    in_process_executor,
)

from orchestration.assets.raw import raw_assets
from orchestration.assets.warehouse import published_warehouse, warehouse_models
from orchestration.resources import resources_from_env

# One job refreshes everything. The in-process executor runs steps one after another in a
# single process: DuckDB allows one writer, and it is much faster on one machine.
refresh_job = define_asset_job(
    "refresh",
    selection=AssetSelection.all(),
    executor_def=in_process_executor,
    description="Ingest new extracts, build and test the warehouse, publish it.",
)

daily_refresh = ScheduleDefinition(
    name="daily_refresh",
    job=refresh_job,
    cron_schedule=os.environ.get("CARTEIRA_SCHEDULE_CRON", "0 6 * * *"),
    execution_timezone=os.environ.get("CARTEIRA_SCHEDULE_TIMEZONE", "America/Sao_Paulo"),
    default_status=DefaultScheduleStatus.RUNNING,
)


def build_definitions(resources: dict[str, object] | None = None) -> Definitions:
    """Definitions with the given resources (the CLI passes explicit paths and `as_of`)."""
    return Definitions(
        assets=[*raw_assets, warehouse_models, published_warehouse],
        jobs=[refresh_job],
        schedules=[daily_refresh],
        resources=resources or resources_from_env(),
        executor=in_process_executor,
    )


defs = build_definitions()
