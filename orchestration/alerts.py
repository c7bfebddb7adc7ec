"""Alerts from Dagster's run-status sensors: one message per thing that went wrong.

When a run of the refresh or of the freshness job ends, a sensor reads what the run
recorded and sends (carteira.operations.alerting), each as its own message:

- the run failed (nothing published): the failed steps and their errors;
- an error-severity check failed (a dbt test; the contract check is the quarantine's);
- files were quarantined: each file, how many problems, the first reason, the original;
- a source is late (freshness): each late system, its last extract, its tables. Said once
  per breach: the sensor remembers what it last reported (in the instance's key-value
  store) and speaks again only when the breach changes (a new table, warn -> error) or
  after the sources were fresh again. The hourly freshness job does not repeat it.

`carteira refresh` without DAGSTER_HOME runs in a throw-away instance no sensor watches;
it sends the same alerts itself (orchestration.run).
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
from dagster import (
    AssetCheckSeverity,
    DagsterEventType,
    DagsterInstance,
    DagsterRun,
    DagsterRunStatus,
    DefaultSensorStatus,
    RunFailureSensorContext,
    RunStatusSensorContext,
    SensorDefinition,
    run_failure_sensor,
    run_status_sensor,
)

from carteira.ingestion.raw_tables import raw_schema
from carteira.operations.alerting import Alert, send
from carteira.settings import Settings

FRESHNESS_CHECK = "extract_freshness"  # orchestration.freshness (not imported: no cycle)
CONTRACT_CHECK = "extract_contract"
KV_FRESHNESS = "carteira/alerted_freshness"
MAX_LINES = 30


def _failure_alert(instance: DagsterInstance, run: DagsterRun) -> Alert:
    details = [f"run {run.run_id} of job {run.job_name} failed; nothing was published."]
    for record in instance.all_logs(run.run_id, of_type=DagsterEventType.STEP_FAILURE):
        event = record.dagster_event
        data = event.step_failure_data if event else None
        if data is None:
            continue
        user = data.user_failure_data
        text = (user.description if user and user.description else None) or _innermost(data.error)
        details += [f"  {event.step_key}: {line}" for line in text.splitlines()[:10]]
    return Alert(
        "run_failed",
        f"refresh failed ({run.job_name}, run {run.run_id[:8]})",
        details[:MAX_LINES],
        "the warehouse published before stays in place. Read the errors above (Dagster UI "
        f"run {run.run_id}, or `carteira status`), fix the cause (a file: ask its source for a "
        "corrected delivery; a model or test: see the one named) and run `carteira refresh` "
        "again, or wait for the next scheduled run.",
    )


def _innermost(error: object) -> str:
    while getattr(error, "cause", None) is not None:
        error = error.cause  # type: ignore[attr-defined]
    return str(getattr(error, "message", error)).strip() or "error"


def _evaluations(instance: DagsterInstance, run_id: str) -> list:
    out = []
    for record in instance.all_logs(run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION):
        event = record.dagster_event
        if event is not None:
            out.append(event.event_specific_data)
    return out


def _check_alert(evaluations: list, run: DagsterRun) -> Alert | None:
    failed = [
        e
        for e in evaluations
        if not e.passed
        and e.severity == AssetCheckSeverity.ERROR
        and e.check_name not in (FRESHNESS_CHECK, CONTRACT_CHECK)
    ]
    if not failed:
        return None
    details = [f"{'/'.join(e.asset_key.path)}: {e.check_name}" for e in failed]
    return Alert(
        "check_failed",
        f"{len(failed)} error-severity check(s) failed (run {run.run_id[:8]})",
        details[:MAX_LINES],
        "an error-severity dbt test blocks publishing: the warehouse published before stays "
        "in place. Look at the failing rows of the model named (Dagster UI, check tab), fix "
        "the source data or the model, and refresh again.",
    )


def _quarantine_alert(settings: Settings, run: DagsterRun) -> Alert | None:
    rows = _quarantined_files(settings.raw_path, run.run_id)
    if not rows:
        return None
    kept = settings.quarantine_dir / run.run_id
    details = [f"{name}: {problems} problem(s), e.g. {reason}" for name, problems, reason in rows]
    return Alert(
        "quarantine",
        f"{len(rows)} file(s) quarantined (run {run.run_id[:8]})",
        [*details[:MAX_LINES], f"originals kept in {kept}"],
        "the rest was loaded and published without these rows. Ask the source system for a "
        "corrected file, delivered as a new file of the same day (<table>_<YYYYMMDD>_<n>); "
        "the next refresh (or the landing sensor) loads it. `carteira status` lists the "
        "files still waiting.",
    )


def _quarantined_files(raw_path: Path, run_id: str) -> list[tuple[str, int, str]]:
    if not raw_path.exists():
        return []
    try:
        con = duckdb.connect(str(raw_path), read_only=True)
    except duckdb.Error:  # held by a running refresh: the refresh's own summary has it
        return []
    try:
        return con.execute(
            f"select file_name, count(*), min_by(reason, coalesce(row_number, 0)) "
            f"from {raw_schema(con)}._quarantine where load_id = ? "
            "group by file_name order by file_name",
            [run_id],
        ).fetchall()
    except duckdb.CatalogException:
        return []
    finally:
        con.close()


def _freshness_alert(instance: DagsterInstance, evaluations: list) -> Alert | None:
    """The late sources, when they differ from what was last reported (see module doc)."""
    checks = [e for e in evaluations if e.check_name == FRESHNESS_CHECK]
    if not checks:
        return None
    late = {
        "/".join(e.asset_key.path): ("error" if e.severity == AssetCheckSeverity.ERROR else "warn")
        for e in checks
        if not e.passed
    }
    previous = json.loads(
        instance.run_storage.get_cursor_values({KV_FRESHNESS}).get(KV_FRESHNESS, "{}")
    )
    evaluated = {"/".join(e.asset_key.path) for e in checks}
    # tables this run did not evaluate keep what was last reported about them
    merged = {k: v for k, v in previous.items() if k not in evaluated} | late
    instance.run_storage.set_cursor_values({KV_FRESHNESS: json.dumps(merged, sort_keys=True)})
    news = {k: v for k, v in late.items() if previous.get(k) != v}
    if not news:
        return None
    by_system: dict[str, list[str]] = {}
    for e in checks:
        key = "/".join(e.asset_key.path)
        if key in late:
            system = e.asset_key.path[-1].split("__")[0]
            by_system.setdefault(system, []).append(f"  {e.description or key}")
    details = []
    for system, lines in by_system.items():
        mine = [v for k, v in late.items() if k.split("/")[-1].startswith(f"{system}__")]
        worst = "error" if "error" in mine else "warn"
        details.append(f"{system} late ({worst}):")
        details += lines[:8] + ([f"  ... and {len(lines) - 8} more"] if len(lines) > 8 else [])
    return Alert(
        "freshness",
        "source(s) late: " + ", ".join(by_system),
        details[:MAX_LINES],
        "ask the source system why its extract did not arrive (or re-send it to the landing "
        "zone); the warehouse is built from what has arrived and says which sources are late. "
        "Limits: models/staging/_sources.yml.",
    )


def run_alerts(instance: DagsterInstance, run: DagsterRun, settings: Settings) -> list[Alert]:
    """Every alert a finished run calls for, in the order an operator acts on them."""
    alerts: list[Alert | None] = []
    if run.status == DagsterRunStatus.FAILURE:
        alerts.append(_failure_alert(instance, run))
    evaluations = _evaluations(instance, run.run_id)
    alerts.append(_check_alert(evaluations, run))
    alerts.append(_quarantine_alert(settings, run))
    alerts.append(_freshness_alert(instance, evaluations))
    return [a for a in alerts if a is not None]


def deliver(instance: DagsterInstance, run: DagsterRun, settings: Settings) -> list[Alert]:
    """Send the run's alerts (carteira.operations.alerting); the alerts sent."""
    alerts = run_alerts(instance, run, settings)
    for alert in alerts:
        send(alert, settings)
    return alerts


def alert_sensors(settings: Settings, jobs: list) -> list[SensorDefinition]:
    """A sensor for finished runs and one for failed runs of ``jobs``."""

    @run_status_sensor(
        name="alert_on_finished_run",
        run_status=DagsterRunStatus.SUCCESS,
        monitored_jobs=jobs,
        default_status=DefaultSensorStatus.RUNNING,
        description="Sends quarantine, failed-check and freshness alerts of a finished run.",
    )
    def _finished(context: RunStatusSensorContext) -> None:
        for alert in deliver(context.instance, context.dagster_run, settings):
            context.log.info(f"alert sent: {alert.subject}")

    @run_failure_sensor(
        name="alert_on_failed_run",
        monitored_jobs=jobs,
        default_status=DefaultSensorStatus.RUNNING,
        description="Sends the failure (and any quarantine or late-source) alerts of a run.",
    )
    def _failed(context: RunFailureSensorContext) -> None:
        for alert in deliver(context.instance, context.dagster_run, settings):
            context.log.info(f"alert sent: {alert.subject}")

    return [_finished, _failed]
