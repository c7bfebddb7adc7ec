"""Run the refresh job in-process and summarise it for a person at a terminal.

The CLI and the tests go through the very job the daily schedule runs, so there is one
code path from landing files to the published warehouse. A refresh with nothing to do
(carteira.refresh.unchanged) is answered before the job, and this module imports Dagster
only when the job runs: that answer then costs no Dagster start-up.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from carteira.exit_codes import CouldNotRun
from carteira.ingestion import raw_schema
from carteira.operations.freshness import refresh_freshness
from carteira.refresh.dbt_executable import find_dbt
from carteira.refresh.dbt_failures import column_rule_lines, failed_nodes
from carteira.refresh.lock import connect_for_write, refresh_lock
from carteira.refresh.manifest import load_manifest
from carteira.refresh.outcome import RefreshOutcome, record_outcome
from carteira.refresh.unchanged import refresh_if_unchanged
from carteira.settings import Settings

if TYPE_CHECKING:
    from dagster import DagsterInstance

__all__ = ["RefreshOutcome", "check_can_run", "check_raw_writable", "run_refresh"]

# the asset orchestration.assets.warehouse publishes with
PUBLISHED_ASSET = "published_warehouse"


def _step_layer(step_key: str) -> str:
    if step_key.startswith("raw") or step_key == "landing_zone":
        return "ingest"
    if step_key.startswith("published"):
        return "publish"
    return "dbt"


def check_can_run(settings: Settings, *, raw_only: bool = False) -> None:
    """Refuse at once what cannot work, before any ingestion (exit code 3)."""
    settings.require_landing()
    for path, what in ((settings.warehouse_path, "warehouse"), (settings.raw_path, "raw file")):
        if path.is_dir():
            raise CouldNotRun(f"{what} {path} is a folder; give the path of a .duckdb file")
    if not raw_only:
        find_dbt()


def run_refresh(
    settings: Settings, *, raw_only: bool = False, debug: bool = False
) -> RefreshOutcome:
    """Execute the refresh job for these settings and report what happened.

    Holds the warehouse's refresh lock for the whole run (carteira.refresh.lock) and waits a
    bounded time for readers of the raw file; raises :class:`CouldNotRun` (busy, bad
    paths, no dbt) before doing anything when the refresh cannot run.
    """
    check_can_run(settings, raw_only=raw_only)
    with refresh_lock(settings.warehouse_path):
        check_raw_writable(settings)
        started = datetime.now(UTC)
        try:
            outcome = None if raw_only else refresh_if_unchanged(settings)
            if outcome is None:
                outcome = _execute(settings, raw_only=raw_only, debug=debug)
        except Exception as exc:
            if not raw_only:
                failed = RefreshOutcome("", False, False, settings.warehouse_path)
                failed.failed_steps.append("refresh")
                failed.errors.append(f"refresh stopped: {type(exc).__name__}: {exc}")
                record_outcome(settings, failed, started)
            raise
        if not raw_only:
            record_outcome(settings, outcome, started)
        return outcome


def _send_alerts(instance: DagsterInstance, run_id: str, settings: Settings) -> list[str]:
    """The run's alerts, sent here when no sensor will see the run (no DAGSTER_HOME: a
    throw-away instance); with DAGSTER_HOME the daemon's run-status sensors send them.
    Lines for the summary if an alert could not be sent."""
    from carteira.operations.alerting import AlertDeliveryError
    from orchestration.alerts import deliver

    if os.environ.get("DAGSTER_HOME"):
        return []
    run = instance.get_run_by_id(run_id)
    if run is None:
        return []
    try:
        deliver(instance, run, settings)
    except AlertDeliveryError as exc:
        return [f"warning: an alert could not be sent ({exc})"]
    return []


def _instance() -> DagsterInstance:
    """The persistent instance when DAGSTER_HOME is set (the run is in the UI and in
    `carteira status`), else a throw-away one."""
    from dagster import DagsterInstance

    if os.environ.get("DAGSTER_HOME"):
        return DagsterInstance.get()
    return DagsterInstance.ephemeral()


def check_raw_writable(settings: Settings) -> None:
    """Open the raw file for writing once: busy (a reader holds it past the bounded
    wait) or damaged is refused here, before any step, with the refresh lock held."""
    settings.raw_path.parent.mkdir(parents=True, exist_ok=True)
    connect_for_write(settings.raw_path, settings.raw_lock_wait_seconds).close()


def _execute(settings: Settings, *, raw_only: bool, debug: bool) -> RefreshOutcome:
    from dagster import AssetCheckSeverity, AssetSelection

    from carteira.operations.run_tags import AS_OF_TAG, TRIGGER_TAG
    from orchestration.definitions import build_definitions
    from orchestration.freshness import FRESHNESS_CHECK

    defs = build_definitions(settings)
    job = defs.resolve_job_def("refresh")
    instance = _instance()
    selection = AssetSelection.groups("raw") if raw_only else None
    result = job.execute_in_process(
        instance=instance,
        raise_on_error=False,
        # Dagster's run list says only "Manually launched": say which command and which day
        tags={TRIGGER_TAG: "cli", AS_OF_TAG: settings.effective_as_of().isoformat()},
        asset_selection=list(selection.resolve(defs.resolve_asset_graph())) if selection else None,
        # Dagster's console logger prints step failures with their traceback; the summary
        # says what failed, so the traceback is shown only when debugging (carteira --debug)
        run_config={
            "loggers": {"console": {"config": {"log_level": "WARNING" if debug else "CRITICAL"}}}
        },
    )
    seconds: dict[str, float] = {"ingest": 0.0, "dbt": 0.0, "publish": 0.0}
    failed_steps = []
    for stat in instance.get_run_step_stats(result.run_id):
        if stat.start_time and stat.end_time:
            seconds[_step_layer(stat.step_key)] += stat.end_time - stat.start_time
        if stat.status and stat.status.value == "FAILURE":
            failed_steps.append(stat.step_key)
    materialized = result.get_asset_materialization_events()
    published = not raw_only and any(ev.asset_key.path == [PUBLISHED_ASSET] for ev in materialized)
    built, carried = _dbt_materializations(materialized)
    failed_checks, warnings = [], []
    freshness_evaluated = False
    for e in result.get_asset_check_evaluations():
        if e.check_name == FRESHNESS_CHECK:
            # reported per system below, and never a reason not to publish
            freshness_evaluated = True
            continue
        if e.passed:
            continue
        if e.severity == AssetCheckSeverity.WARN:
            # a warn rule's failing rows are in the published file (column_rules.sql)
            details = (
                column_rule_lines(settings.warehouse_path, e.asset_key.path[-1], e.check_name)
                if published
                else []
            )
            warnings += _warning_lines(e, details)
        else:
            failed_checks.append(f"{'/'.join(e.asset_key.path)}: {e.check_name}")
    errors, busy = [], False
    manifest: dict | None = None  # read once, at the first failed step
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data is not None:
            error = event.step_failure_data.error
            user = event.step_failure_data.user_failure_data
            text = user.description if user and user.description else _error_text(error)
            manifest = manifest if manifest is not None else _manifest()
            nodes = failed_nodes(text if user and user.description else _full_text(error), manifest)
            if nodes:
                errors.append(f"{event.step_key}: dbt build failed")
                errors += [f"{event.step_key}: {line}" for line in nodes]
            else:
                # the raw step names each table that failed, one per line
                errors += [f"{event.step_key}: {line}" for line in text.splitlines() or [text]]
            busy = busy or _caused_by(error, "Busy")
    warnings += _send_alerts(instance, result.run_id, settings)
    freshness, freshness_lines = _freshness(settings) if freshness_evaluated else ({}, [])
    return RefreshOutcome(
        run_id=result.run_id,
        success=result.success,
        published=published or (raw_only and result.success),
        warehouse_path=settings.warehouse_path if not raw_only else settings.raw_path,
        quarantine=_quarantine_for(settings.raw_path, result.run_id),
        failed_checks=failed_checks,
        failed_steps=failed_steps,
        seconds={k: v for k, v in seconds.items() if v or k == "ingest"},
        errors=errors,
        busy=busy,
        warnings=warnings,
        models_built=built,
        models_carried_over=carried,
        freshness=freshness,
        freshness_lines=freshness_lines,
    )


def _freshness(settings: Settings) -> tuple[dict[str, str], list[str]]:
    """Per system its freshness state, and the summary lines of the late ones."""
    return refresh_freshness(
        settings.raw_path,
        now=datetime.now(UTC),
        timezone=settings.business_timezone,
        as_of=settings.as_of,
        reference_day=settings.effective_as_of(),
    )


def _dbt_materializations(events: list) -> tuple[int, int]:
    """(dbt assets built, dbt assets carried over) among a run's materializations."""
    built = carried = 0
    for event in events:
        key = event.asset_key
        if key is None or key.path[0] in (PUBLISHED_ASSET, "raw", "landing_zone"):
            continue
        metadata = event.step_materialization_data.materialization.metadata
        if "carried_over" in metadata:
            carried += 1
        else:
            built += 1
    return built, carried


def _full_text(error: object) -> str:
    """The whole message of the innermost error of a Dagster error (the user code's own)."""
    while getattr(error, "cause", None) is not None:
        error = error.cause  # type: ignore[attr-defined]
    return getattr(error, "message", str(error)).strip()


def _error_text(error: object) -> str:
    """The innermost message of a Dagster error (the user code's own exception)."""
    message = _full_text(error)
    return message.splitlines()[0] if message else str(getattr(error, "cls_name", "error"))


def _manifest() -> dict | None:
    """The dbt manifest the job ran from (to name a model's key columns), if readable."""
    try:
        return load_manifest()
    except (OSError, ValueError):
        return None


def _caused_by(error: object, cls_name: str) -> bool:
    while error is not None:
        if getattr(error, "cls_name", None) == cls_name:
            return True
        error = getattr(error, "cause", None)
    return False


def _warning_lines(evaluation: object, more: list[str] | None = None) -> list[str]:
    """A failed warn-severity check as summary lines: its `lines` metadata, if any, and
    `more` (the broken rules of a dbt column_rules check)."""
    name = f"{'/'.join(evaluation.asset_key.path)}: {evaluation.check_name}"  # type: ignore[attr-defined]
    meta = getattr(evaluation, "metadata", {}) or {}
    lines = meta.get("lines")
    details = list(getattr(lines, "value", None) or getattr(lines, "data", None) or [])
    return [f"warning {name}"] + [f"  {line}" for line in [*details, *(more or [])]]


def _quarantine_for(raw_path: Path, load_id: str) -> list[tuple[str, int | None, str | None, str]]:
    if not raw_path.exists():
        return []
    con = duckdb.connect(str(raw_path), read_only=True)
    try:
        return [
            tuple(r)  # type: ignore[misc]
            for r in con.execute(
                "select file_name, row_number, column_name, reason "
                f"from {raw_schema(con)}._quarantine where load_id = ? "
                "order by file_name, row_number nulls first, column_name",
                [load_id],
            ).fetchall()
        ]
    except duckdb.CatalogException:
        return []
    finally:
        con.close()
