"""Source freshness as Dagster asset checks on the 31 raw assets, every run and hourly.

One ``extract_freshness`` check per raw table (``carteira.operations.freshness`` computes it from
the raw layer's manifest and the limits dbt declares in ``_sources.yml``). The result's
severity says how late: WARN past ``warn_after`` (today's extract is late), ERROR past
``error_after`` (a whole day is missing). The check never blocks publishing: a late
source is reported, and the warehouse is still built from what has arrived.

It runs inside the refresh job (after the raw step, against ``as_of``) and, on its own
schedule, in the ``source_freshness`` job (against the wall clock), so a source that
stops delivering is noticed even on a day nothing else runs.
"""

from collections.abc import Iterator
from datetime import UTC, datetime

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetSelection,
    DefaultScheduleStatus,
    MetadataValue,
    ScheduleDefinition,
    define_asset_job,
    in_process_executor,
    multi_asset_check,
)

from carteira.contract import TABLES, Table
from carteira.operations.freshness import (
    State,
    TableFreshness,
    evaluate,
    hours_text,
    read_last_extracts,
)
from carteira.settings import Settings
from orchestration.assets.raw import raw_asset_key
from orchestration.resources import CarteiraResource

FRESHNESS_CHECK = "extract_freshness"
FRESHNESS_JOB = "source_freshness"
# Hourly: a late source is reported within the hour, and reading the manifest is cheap.
FRESHNESS_CRON = "15 * * * *"


def _spec(table: Table) -> AssetCheckSpec:
    return AssetCheckSpec(
        FRESHNESS_CHECK,
        asset=raw_asset_key(table),
        description=(
            f"Age of the newest `{table.system}/{table.name}` extract (date in the file "
            "name) against the freshness declared in models/staging/_sources.yml: warn "
            "severity past warn_after, error severity past error_after."
        ),
    )


def _result(fresh: TableFreshness) -> AssetCheckResult:
    state = fresh.state
    limits = fresh.limits
    metadata: dict[str, MetadataValue] = {
        "state": MetadataValue.text(state.value),
        "last_extract": MetadataValue.text(
            fresh.last_extract.isoformat() if fresh.last_extract else "none"
        ),
        # text, not numbers: the UI plots every numeric value, and a limit is no series
        "warn_after": MetadataValue.text(hours_text(limits.warn_after)),
        "error_after": MetadataValue.text(hours_text(limits.error_after)),
    }
    if fresh.age is not None:
        metadata["age_hours"] = MetadataValue.float(round(fresh.age.total_seconds() / 3600, 1))
    return AssetCheckResult(
        asset_key=raw_asset_key(fresh.table),
        check_name=FRESHNESS_CHECK,
        passed=state is State.FRESH,
        severity=AssetCheckSeverity.ERROR if state is State.ERROR else AssetCheckSeverity.WARN,
        description=fresh.describe(),
        metadata=metadata,
    )


@multi_asset_check(
    name="raw_extract_freshness",
    specs=[_spec(t) for t in TABLES],
    can_subset=True,
    description="How late each source system's extracts are (carteira.operations.freshness).",
)
def raw_extract_freshness(
    context: AssetCheckExecutionContext, carteira: CarteiraResource
) -> Iterator[AssetCheckResult]:
    settings = carteira.settings()
    selected = {key.asset_key for key in context.selected_asset_check_keys}
    tables = [t for t in TABLES if raw_asset_key(t) in selected]
    results = evaluate(
        read_last_extracts(settings.raw_path),
        now=datetime.now(UTC),
        timezone=settings.business_timezone,
        as_of=settings.as_of,
        tables=tables,
    )
    for fresh in results:
        if fresh.state is not State.FRESH:
            context.log.warning(fresh.describe())
        yield _result(fresh)


freshness_job = define_asset_job(
    FRESHNESS_JOB,
    selection=AssetSelection.checks(raw_extract_freshness),
    executor_def=in_process_executor,
    description="Evaluate every source's freshness against the wall clock (no ingestion).",
)


def freshness_schedule(settings: Settings) -> ScheduleDefinition:
    return ScheduleDefinition(
        name="source_freshness_hourly",
        job=freshness_job,
        cron_schedule=FRESHNESS_CRON,
        execution_timezone=settings.effective_schedule_timezone,
        default_status=DefaultScheduleStatus.RUNNING,
    )
