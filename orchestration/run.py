"""Run the refresh job in-process and summarise it for a person at a terminal.

The CLI and the tests go through the very job the daily schedule runs, so there is one
code path from landing files to the published warehouse.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
from dagster import AssetCheckSeverity, AssetKey, AssetSelection, DagsterInstance

from carteira.exit_codes import CouldNotRun, ExitCode
from carteira.ingestion import describe_problem, raw_schema
from carteira.operations.freshness import by_system, evaluate, read_last_extracts, summary_lines
from carteira.operations.run_record import RunRecord, write_record
from carteira.refresh.dbt_failures import column_rule_lines, failed_nodes
from carteira.refresh.lock import connect_for_write, refresh_lock
from carteira.settings import Settings
from orchestration.freshness import FRESHNESS_CHECK

PUBLISHED_KEY = AssetKey(["published_warehouse"])


@dataclass
class RefreshOutcome:
    run_id: str
    success: bool
    published: bool
    warehouse_path: Path
    quarantine: list[tuple[str, int | None, str | None, str]] = field(default_factory=list)
    failed_checks: list[str] = field(default_factory=list)
    failed_steps: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    # why each failed step failed, one line each (table and file for an ingestion error)
    errors: list[str] = field(default_factory=list)
    # a step found the raw file held by a reader past the bounded wait
    busy: bool = False
    warnings: list[str] = field(default_factory=list)
    # dbt models (and seeds) built by this run, and those carried over unchanged from the
    # last build because nothing they read changed (carteira.refresh.plan)
    models_built: int = 0
    models_carried_over: int = 0
    # per source system, how late its newest extract is (carteira.operations.freshness), and the
    # summary lines of the late ones ("erp late: last extract 2026-12-03, 3 days")
    freshness: dict[str, str] = field(default_factory=dict)
    freshness_lines: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> ExitCode:
        """See carteira.exit_codes: 0 clean, 1 quarantined input, 2 not published, 3 busy."""
        if self.busy and not self.published:
            return ExitCode.COULD_NOT_RUN
        if not self.success or not self.published:
            return ExitCode.NOT_PUBLISHED
        return ExitCode.PUBLISHED_WITH_QUARANTINE if self.quarantine else ExitCode.PUBLISHED

    def summary_lines(self, limit: int = 10) -> list[str]:
        lines = [
            f"run {self.run_id}: "
            + ("published " + str(self.warehouse_path) if self.published else "NOT published"),
            "time: " + ", ".join(f"{k} {v:.1f}s" for k, v in self.seconds.items()),
        ]
        if self.models_carried_over:
            lines.append(
                f"dbt: built {self.models_built} of "
                f"{self.models_built + self.models_carried_over} models, the others carried "
                "over unchanged (nothing they read changed)"
            )
        if self.failed_steps:
            lines.append("failed steps: " + ", ".join(self.failed_steps))
            lines += [f"  {e}" for e in self.errors]
        lines += self.warnings
        lines += self.freshness_lines
        if self.failed_checks:
            lines.append(f"failed checks ({len(self.failed_checks)}):")
            lines += [f"  {c}" for c in self.failed_checks[:limit]]
        if self.quarantine:
            lines.append(f"quarantined ({len(self.quarantine)} problem(s)):")
            lines += [f"  {describe_problem(*q)}" for q in self.quarantine[:limit]]
            if len(self.quarantine) > limit:
                more = len(self.quarantine) - limit
                lines.append(f"  ... and {more} more (table raw._quarantine)")
        return lines


def _step_layer(step_key: str) -> str:
    if step_key.startswith("raw") or step_key == "landing_zone":
        return "ingest"
    if step_key.startswith("published"):
        return "publish"
    return "dbt"


def check_can_run(settings: Settings, *, raw_only: bool = False) -> None:
    """Refuse at once what cannot work, before any ingestion (exit code 3)."""
    from orchestration.resources import find_dbt

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
            outcome = _execute(settings, raw_only=raw_only, debug=debug)
        except Exception as exc:
            if not raw_only:
                failed = RefreshOutcome("", False, False, settings.warehouse_path)
                failed.failed_steps.append("refresh")
                failed.errors.append(f"refresh stopped: {type(exc).__name__}: {exc}")
                _record(settings, failed, started)
            raise
        if not raw_only:
            _record(settings, outcome, started)
        return outcome


def _record(settings: Settings, outcome: RefreshOutcome, started: datetime) -> None:
    """The run record `carteira status` reads (operations.run_record), written atomically."""
    write_record(
        settings.warehouse_path,
        RunRecord(
            run_id=outcome.run_id,
            started_at=started,
            ended_at=datetime.now(UTC),
            exit_code=int(outcome.exit_code),
            as_of=settings.effective_as_of().isoformat(),
            trigger="cli",
            summary=outcome.summary_lines(limit=20),
            freshness=outcome.freshness,
        ),
    )


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
    if os.environ.get("DAGSTER_HOME"):
        return DagsterInstance.get()
    return DagsterInstance.ephemeral()


def check_raw_writable(settings: Settings) -> None:
    """Open the raw file for writing once: busy (a reader holds it past the bounded
    wait) or damaged is refused here, before any step, with the refresh lock held."""
    settings.raw_path.parent.mkdir(parents=True, exist_ok=True)
    connect_for_write(settings.raw_path, settings.raw_lock_wait_seconds).close()


def _execute(settings: Settings, *, raw_only: bool, debug: bool) -> RefreshOutcome:
    from carteira.operations.run_tags import AS_OF_TAG, TRIGGER_TAG
    from orchestration.definitions import build_definitions

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
    published = not raw_only and any(ev.asset_key == PUBLISHED_KEY for ev in materialized)
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
    results = evaluate(
        read_last_extracts(settings.raw_path),
        now=datetime.now(UTC),
        timezone=settings.business_timezone,
        as_of=settings.as_of,
    )
    states = {s.system: s.state.value for s in by_system(results)}
    return states, summary_lines(results, settings.effective_as_of())


def _dbt_materializations(events: list) -> tuple[int, int]:
    """(dbt assets built, dbt assets carried over) among a run's materializations."""
    built = carried = 0
    for event in events:
        key = event.asset_key
        if key is None or key == PUBLISHED_KEY or key.path[0] in ("raw", "landing_zone"):
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
    from orchestration.dbt_project import load_manifest

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
