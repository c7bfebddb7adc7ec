"""The one place where Carteira's Dagster definitions are assembled."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from dagster import (
    AssetSelection,
    DagsterRunStatus,
    DefaultScheduleStatus,
    Definitions,
    RunRequest,
    RunsFilter,
    ScheduleDefinition,
    ScheduleEvaluationContext,
    SkipReason,
    define_asset_job,
    in_process_executor,
    schedule,
)
from dagster_shared.check import CheckError

from carteira.operations.run_tags import DAY_TAG, TRIGGER_TAG
from carteira.settings import Settings
from orchestration.alerts import alert_sensors
from orchestration.assets.raw import raw_assets
from orchestration.assets.warehouse import published_warehouse, warehouse_models
from orchestration.freshness import freshness_job, freshness_schedule, raw_extract_freshness
from orchestration.resources import resources_from_env
from orchestration.sensors import landing_sensor

# One job refreshes everything. The in-process executor runs steps one after another in a
# single process: DuckDB allows one writer, and it is much faster on one machine.
refresh_job = define_asset_job(
    "refresh",
    selection=AssetSelection.all(),
    executor_def=in_process_executor,
    description="Ingest new extracts, build and test the warehouse, publish it.",
)


def daily_refresh(settings: Settings) -> ScheduleDefinition:
    """The fallback: the refresh at the cron time, unless the landing sensor already
    started (or finished) one for the day. A failed one is tried again."""

    @schedule(
        name="daily_refresh",
        job=refresh_job,
        cron_schedule=settings.schedule_cron,
        execution_timezone=settings.effective_schedule_timezone,
        default_status=DefaultScheduleStatus.RUNNING,
        description="The daily refresh, if the landing sensor has not started it for the day.",
    )
    def _daily(context: ScheduleEvaluationContext) -> RunRequest | SkipReason:
        day = (settings.as_of or _local_day(context, settings.business_timezone)).isoformat()
        runs = context.instance.get_runs(
            filters=RunsFilter(job_name=refresh_job.name, tags={DAY_TAG: day}), limit=5
        )
        done = [
            r for r in runs if r.status not in (DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED)
        ]
        if done:
            return SkipReason(f"run {done[0].run_id} already refreshes {day}")
        return RunRequest(tags={DAY_TAG: day, TRIGGER_TAG: "schedule"})

    return _daily


def _local_day(context: ScheduleEvaluationContext, timezone: str) -> date:
    """The business day of the tick (its scheduled time; now when evaluated by hand)."""
    try:
        when = context.scheduled_execution_time
    except CheckError:
        when = None
    return (when or datetime.now(UTC)).astimezone(ZoneInfo(timezone)).date()


def build_definitions(settings: Settings | None = None) -> Definitions:
    """Definitions for `settings`, by default built once from the environment.

    The CLI passes the settings of its flags; `dagster dev` and the schedule use the
    environment. Either way resources and schedule come from the same object.
    """
    settings = settings or Settings.from_env()
    return Definitions(
        assets=[*raw_assets, warehouse_models, published_warehouse],
        asset_checks=[raw_extract_freshness],
        jobs=[refresh_job, freshness_job],
        schedules=[daily_refresh(settings), freshness_schedule(settings)],
        sensors=[
            landing_sensor(settings, refresh_job.name),
            *alert_sensors(settings, [refresh_job, freshness_job]),
        ],
        resources=resources_from_env(settings),
        executor=in_process_executor,
    )


defs = build_definitions()
