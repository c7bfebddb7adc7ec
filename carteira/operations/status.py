"""`carteira status`: is the warehouse healthy, for a person or a monitoring system.

It reports the last refresh (from its record beside the warehouse, or from Dagster's run
storage when DAGSTER_HOME is set and that run is newer), the as_of of the published
warehouse, how late each source system is (against the wall clock), the quarantined
files nobody has acted on yet, and the next scheduled run. The exit code sums it up:
0 healthy, 1 warnings, 2 errors, so a monitoring check can call it as it is.

It only reads: the warehouse and the raw file are opened read-only, and a raw file held
by a running refresh is reported as such rather than waited for.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb

from carteira.ingestion.raw_tables import raw_schema
from carteira.operations.freshness import State, by_system, evaluate, last_extracts
from carteira.operations.run_record import RESULTS, RunRecord, read_record
from carteira.operations.run_tags import AS_OF_TAG, DAY_TAG
from carteira.refresh.state import read_state
from carteira.settings import Settings

HEALTHY, WARNINGS, ERRORS = 0, 1, 2


@dataclass(frozen=True)
class QuarantinedFile:
    file_name: str
    status: str  # quarantined (whole file) | partially_quarantined (bad rows only)
    loaded_at: datetime
    problems: int
    reason: str
    kept_at: Path  # the original bytes (carteira.ingestion.bookkeeping.copy_to_quarantine)


@dataclass
class Status:
    checked_at: datetime
    warehouse_path: Path
    last_run: RunRecord | None
    running: str | None  # a Dagster run of the refresh in progress, if any
    published_as_of: str | None
    published_at: datetime | None
    sources: list[dict[str, Any]]
    quarantined: list[QuarantinedFile]
    next_run: datetime | None
    notes: list[str] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)  # (severity, text)

    @property
    def exit_code(self) -> int:
        return max((level for level, _ in self.problems), default=HEALTHY)

    @property
    def state(self) -> str:
        return {HEALTHY: "healthy", WARNINGS: "warnings", ERRORS: "errors"}[self.exit_code]

    def to_json(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "exit_code": self.exit_code,
            "checked_at": self.checked_at.isoformat(),
            "warehouse": str(self.warehouse_path),
            "last_run": self.last_run.to_json() if self.last_run else None,
            "running": self.running,
            "published_as_of": self.published_as_of,
            "published_at": self.published_at.isoformat() if self.published_at else None,
            "sources": self.sources,
            "quarantined_files": [
                {
                    "file": q.file_name,
                    "status": q.status,
                    "loaded_at": q.loaded_at.isoformat(),
                    "problems": q.problems,
                    "reason": q.reason,
                    "original_kept_at": str(q.kept_at),
                }
                for q in self.quarantined
            ],
            "next_scheduled_run": self.next_run.isoformat() if self.next_run else None,
            "problems": [
                {"severity": {WARNINGS: "warning", ERRORS: "error"}[level], "text": text}
                for level, text in self.problems
            ],
            "notes": self.notes,
        }

    def lines(self) -> list[str]:
        out = [f"carteira status: {self.state.upper()} ({self.warehouse_path})"]
        run = self.last_run
        if run is None:
            out.append("last run: none recorded")
        else:
            out.append(
                f"last run: {run.result} (exit {run.exit_code}), started "
                f"{_local(run.started_at)}, ended {_local(run.ended_at)}, {run.trigger}, "
                f"run {run.run_id or '-'}"
            )
        if self.running:
            out.append(f"running now: {self.running}")
        if self.published_as_of:
            out.append(
                f"published: data as of {self.published_as_of}, "
                f"updated {_local(self.published_at) if self.published_at else '?'}"
            )
        else:
            out.append("published: no warehouse published yet")
        out.append("sources:")
        for s in self.sources:
            names = s["late_tables"]
            more = f" and {len(names) - 5} more" if len(names) > 5 else ""
            late = f" (late: {', '.join(names[:5])}{more})" if names else ""
            out.append(
                f"  {s['system']:<7} {s['state']:<6} last extract {s['last_extract'] or 'none'}"
                + late
            )
        if self.quarantined:
            out.append(f"quarantined files awaiting action ({len(self.quarantined)}):")
            for q in self.quarantined:
                out.append(
                    f"  {q.file_name}: {q.status}, {q.problems} problem(s), e.g. {q.reason} "
                    f"(original in {q.kept_at})"
                )
        else:
            out.append("quarantined files awaiting action: none")
        out.append(f"next scheduled run: {_local(self.next_run) if self.next_run else 'unknown'}")
        out += [f"note: {n}" for n in self.notes]
        for level, text in self.problems:
            out.append(f"{'ERROR' if level == ERRORS else 'WARNING'}: {text}")
        return out


def _local(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _quarantined(con: duckdb.DuckDBPyConnection, quarantine_dir: Path) -> list[QuarantinedFile]:
    """Files with rows or the whole file set aside, not superseded since.

    A file is acted on when the same name was later loaded cleanly (a corrected
    re-delivery), or a later delivery of the same table and extract date loaded cleanly.
    """
    raw = raw_schema(con)
    rows = con.execute(
        f"""
        select m.file_name, m.status, m.loaded_at, m.load_id,
            (select count(*) from {raw}._quarantine q
              where q.file_name = m.file_name and q.file_hash = m.file_hash),
            (select min_by(q.reason, coalesce(q.row_number, 0)) from {raw}._quarantine q
              where q.file_name = m.file_name and q.file_hash = m.file_hash)
        from {raw}._manifest m
        where m.status <> 'loaded'
          and not exists (
            select 1 from {raw}._manifest later
            where later.status = 'loaded' and later.loaded_at > m.loaded_at
              and (later.file_name = m.file_name
                   or (later.system = m.system and later.table_name = m.table_name
                       and later.extract_date = m.extract_date
                       and coalesce(later.delivery_seq, 1) > coalesce(m.delivery_seq, 1))))
        order by m.loaded_at, m.file_name
        """
    ).fetchall()
    return [
        QuarantinedFile(name, status, loaded, problems, reason or "?", quarantine_dir / load / name)
        for name, status, loaded, load, problems, reason in rows
    ]


def _dagster_last_run(settings: Settings) -> tuple[RunRecord | None, str | None]:
    """The newest run of the refresh job in Dagster's run storage (DAGSTER_HOME), and a
    description of one in progress."""
    if not os.environ.get("DAGSTER_HOME"):
        return None, None
    from dagster import AssetKey, DagsterInstance, DagsterRunStatus, RunsFilter

    PUBLISHED = AssetKey(["published_warehouse"])  # noqa: N806 - orchestration.run's key

    instance = DagsterInstance.get()
    records = instance.get_run_records(filters=RunsFilter(job_name="refresh"), limit=5)
    running = None
    for rec in records:
        run = rec.dagster_run
        if run.status in (DagsterRunStatus.STARTED, DagsterRunStatus.STARTING):
            running = running or f"run {run.run_id} started {_local(rec.create_timestamp)}"
            continue
        if not run.is_finished or rec.start_time is None:
            continue
        if run.asset_selection is not None and PUBLISHED not in run.asset_selection:
            continue  # a raw-only run (`carteira refresh --raw-only`) is not a refresh
        tags = run.tags
        trigger = (
            "schedule"
            if "dagster/schedule_name" in tags
            else "sensor"
            if "dagster/sensor_name" in tags
            else "dagster"
        )
        code = 0 if run.status == DagsterRunStatus.SUCCESS else 2
        if code == 0 and _run_quarantined(settings.raw_path, run.run_id):
            code = 1
        return (
            RunRecord(
                run_id=run.run_id,
                started_at=datetime.fromtimestamp(rec.start_time, UTC),
                ended_at=datetime.fromtimestamp(rec.end_time or rec.start_time, UTC),
                exit_code=code,
                # a sensor's or the schedule's run names the day it was asked for
                as_of=tags.get(AS_OF_TAG) or tags.get(DAY_TAG, ""),
                trigger=trigger,
            ),
            running,
        )
    return None, running


def _run_quarantined(raw_path: Path, run_id: str) -> bool:
    try:
        con = duckdb.connect(str(raw_path), read_only=True)
    except duckdb.Error:
        return False
    try:
        (n,) = con.execute(
            f"select count(*) from {raw_schema(con)}._quarantine where load_id = ?", [run_id]
        ).fetchone()
        return n > 0
    except duckdb.Error:
        return False
    finally:
        con.close()


def _next_run(settings: Settings, now: datetime) -> datetime | None:
    from carteira.dagster_internals import next_cron_tick

    zone = settings.effective_schedule_timezone
    try:
        return next_cron_tick(settings.schedule_cron, now.astimezone(ZoneInfo(zone)), zone)
    except Exception:  # an unparsable cron: reported by the settings, not here
        return None


def collect(settings: Settings, now: datetime | None = None) -> Status:
    """Everything `carteira status` reports, read without changing anything."""
    now = now or datetime.now(UTC)
    status = Status(
        checked_at=now,
        warehouse_path=settings.warehouse_path,
        last_run=read_record(settings.warehouse_path),
        running=None,
        published_as_of=None,
        published_at=None,
        sources=[],
        quarantined=[],
        next_run=_next_run(settings, now),
    )
    dagster_run, status.running = _dagster_last_run(settings)
    recorded = status.last_run
    # the record of the same run (a CLI refresh with DAGSTER_HOME) says more: keep it
    if dagster_run and (
        recorded is None
        or (dagster_run.run_id != recorded.run_id and dagster_run.started_at > recorded.started_at)
    ):
        status.last_run = dagster_run
    _published(settings, status)
    _raw(settings, status, now)
    _judge(status)
    return status


def _published(settings: Settings, status: Status) -> None:
    path = settings.warehouse_path
    if not path.exists():
        return
    try:
        state = read_state(path)
    except duckdb.Error as exc:
        status.notes.append(f"published warehouse not readable: {exc}")
        return
    status.published_as_of = state.as_of.isoformat() if state else None
    status.published_at = datetime.fromtimestamp(path.stat().st_mtime, UTC)


def _raw(settings: Settings, status: Status, now: datetime) -> None:
    extracts = {}
    if settings.raw_path.exists():
        try:
            con = duckdb.connect(str(settings.raw_path), read_only=True)
        except duckdb.Error:
            status.notes.append(
                f"raw layer {settings.raw_path} is held by a running refresh; sources and "
                "quarantine not read"
            )
            return
        try:
            extracts = last_extracts(con)
            with contextlib.suppress(duckdb.CatalogException):  # nothing ingested yet
                status.quarantined = _quarantined(con, settings.quarantine_dir)
        finally:
            con.close()
    results = evaluate(extracts, now=now, timezone=settings.business_timezone)
    for system in by_system(results):
        status.sources.append(
            {
                "system": system.system,
                "state": system.state.value,
                "last_extract": system.last_extract.isoformat() if system.last_extract else None,
                "late_tables": list(system.late_tables),
            }
        )


def _judge(status: Status) -> None:
    run = status.last_run
    if run is None:
        status.problems.append((WARNINGS, "no refresh has run for this warehouse"))
    elif run.exit_code >= 2:
        status.problems.append(
            (ERRORS, f"last refresh {RESULTS.get(run.exit_code, 'failed')} (run {run.run_id})")
        )
    if status.published_as_of is None:
        status.problems.append((ERRORS, "no published warehouse"))
    for s in status.sources:
        if s["state"] == State.ERROR.value:
            status.problems.append((ERRORS, f"{s['system']} is missing extracts (error)"))
        elif s["state"] == State.WARN.value:
            status.problems.append((WARNINGS, f"{s['system']} is late"))
    if status.quarantined:
        status.problems.append(
            (WARNINGS, f"{len(status.quarantined)} quarantined file(s) awaiting action")
        )
