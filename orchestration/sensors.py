"""The landing sensor: refresh as soon as the day's extracts are in, not at a fixed hour.

Every minute it lists the landing zone (names, sizes, modification times; nothing is
read or hashed) and compares it with its cursor, the listing of the last run it asked for:

- nothing new or changed: no run;
- every source system has delivered every table for the day: one run, at once;
- some system has not delivered yet: wait, until the cut-off (CARTEIRA_LANDING_CUTOFF,
  local time in the business time zone); then one run with what has arrived, tagged and
  logged with the systems that are late (the refresh's freshness checks report them too);
- once the day's run was requested, any new or changed file (a re-delivery, a corrected
  file, a late system arriving) asks for another run.

A file modified in the last minute may still be being copied and is left for the next
tick. The daily cron schedule stays as the fallback when the sensor is off. The run key
is the day and a digest of the listing, so the same landing zone never asks for two runs.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from datetime import time as clock
from pathlib import Path
from zoneinfo import ZoneInfo

from dagster import (
    DefaultSensorStatus,
    RunRequest,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from carteira.contract import SYSTEMS, TABLES, Table
from carteira.ingestion.files import scan_table_dir
from carteira.operations.run_tags import DAY_TAG, LATE_TAG, TRIGGER_TAG
from carteira.setting_values import parse_time_of_day
from carteira.settings import Settings

SENSOR_NAME = "landing_sensor"
# A file written this recently may still be arriving; it is considered on a later tick.
SETTLE_SECONDS = 60
TICK_SECONDS = 60


@dataclass(frozen=True)
class Listing:
    """The landing zone as the sensor sees it: each settled file's size and mtime."""

    files: dict[str, str]  # rel name -> "<mtime_ns>:<size>"
    days: dict[str, set[date]]  # table fqn -> extract dates delivered

    def digest(self) -> str:
        body = json.dumps(sorted(self.files.items())).encode()
        return hashlib.sha256(body).hexdigest()[:16]


def list_landing(landing: Path, tables: Iterable[Table], now: float) -> Listing:
    files: dict[str, str] = {}
    days: dict[str, set[date]] = {}
    for table in tables:
        good, bad = scan_table_dir(landing, table)
        dated = [(f.path, f.rel_name, f.extract_date) for f in good]
        for path, rel, day in [*dated, *((f.path, f.rel_name, None) for f in bad)]:
            try:
                st = path.stat()
            except FileNotFoundError:  # removed while listing
                continue
            if now - st.st_mtime < SETTLE_SECONDS:
                continue
            files[rel] = f"{st.st_mtime_ns}:{st.st_size}"
            if day is not None:
                days.setdefault(table.fqn, set()).add(day)
    return Listing(files, days)


def parse_cutoff(value: str) -> clock:
    """``HH:MM`` (24 h) -> a time of day; the value was checked when Settings was built."""
    return parse_time_of_day(value)


def missing_systems(listing: Listing, day: date) -> list[str]:
    """Systems with a table that has no file dated ``day`` yet."""
    return [
        system
        for system in SYSTEMS
        if any(day not in listing.days.get(t.fqn, set()) for t in TABLES if t.system == system)
    ]


def evaluate_landing(
    settings: Settings, cursor: str | None, now: datetime
) -> tuple[RunRequest | None, str, str]:
    """(run request or None, why, the new cursor): the sensor's decision, clock given."""
    zone = ZoneInfo(settings.business_timezone)
    local = now.astimezone(zone)
    day = settings.as_of or local.date()
    state = json.loads(cursor) if cursor else {}
    seen: dict[str, str] = state.get("files", {})
    listing = list_landing(settings.landing_dir, TABLES, now.timestamp())
    changed = sorted(name for name, sig in listing.files.items() if seen.get(name) != sig)
    if not changed:
        return None, "no new or changed file in the landing zone", cursor or ""
    missing = missing_systems(listing, day)
    ran_today = state.get("day") == day.isoformat()
    cutoff = parse_cutoff(settings.landing_cutoff)
    if missing and not ran_today and local.time() < cutoff:
        why = f"waiting for {', '.join(missing)} to deliver {day} (cut-off {cutoff:%H:%M})"
        return None, why, cursor or ""
    if ran_today:
        why = f"{len(changed)} new or changed file(s) after the day's run"
    elif not missing:
        why = f"every system delivered {day}"
    else:
        why = f"cut-off {cutoff:%H:%M} passed; late: {', '.join(missing)} (not delivered {day})"
    request = RunRequest(
        run_key=f"{day.isoformat()}-{listing.digest()}",
        tags={
            TRIGGER_TAG: "landing",
            DAY_TAG: day.isoformat(),
            LATE_TAG: ",".join(missing),
            "carteira/changed_files": str(len(changed)),
            "carteira/reason": why,
        },
    )
    new_cursor = json.dumps({"day": day.isoformat(), "files": listing.files}, sort_keys=True)
    return request, why, new_cursor


def landing_sensor(settings: Settings, job_name: str) -> SensorDefinition:
    """The sensor, requesting runs of the job named `job_name` (defined beside it)."""

    @sensor(
        name=SENSOR_NAME,
        job_name=job_name,
        minimum_interval_seconds=TICK_SECONDS,
        default_status=DefaultSensorStatus.RUNNING,
        description=(
            "Starts the refresh when every source system has delivered the day's extracts, "
            f"or at the cut-off ({settings.landing_cutoff}, {settings.business_timezone}) "
            "with what has arrived; new or corrected files start another run."
        ),
    )
    def _landing(context: SensorEvaluationContext) -> SensorResult | SkipReason:
        request, why, cursor = evaluate_landing(
            settings, context.cursor, datetime.fromtimestamp(time.time(), UTC)
        )
        if request is None:
            return SkipReason(why)
        context.log.info(why)
        return SensorResult(run_requests=[request], cursor=cursor)

    return _landing
