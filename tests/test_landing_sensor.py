"""The landing sensor (issue 24): one run when the day is delivered, none when nothing is new.

Run against a real Dagster instance (``DagsterInstance.ephemeral`` + ``build_sensor_context``)
on a generated landing zone, and the cut-off decision with a given clock.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from dagster import DagsterInstance, build_sensor_context

from carteira.operations.run_tags import LATE_TAG
from carteira.settings import Settings
from orchestration.sensors import evaluate_landing, landing_sensor

DAY = date(2026, 11, 20)
TZ = "America/Sao_Paulo"


@pytest.fixture(scope="module")
def delivered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from carteira.generator import generate

    root = tmp_path_factory.mktemp("sensor") / "generated"
    generate(root, DAY, 1, "tiny", 3)
    return root


def _settle(root: Path, now: float | None = None) -> None:
    """Files finished arriving two minutes ago (the sensor leaves fresher ones for later)."""
    past = (now or time.time()) - 120
    for path in root.rglob("*"):
        if path.is_file():
            os.utime(path, (past, past))


def _deliver(src: Path, landing: Path, systems: set[str], now: float | None = None) -> None:
    for system in systems:
        shutil.copytree(src / system, landing / system, dirs_exist_ok=True)
        _settle(landing / system, now)


def _settings(landing: Path, tmp_path: Path, cutoff: str = "23:59") -> Settings:
    return replace(
        Settings.for_warehouse(landing, tmp_path / "warehouse.duckdb", as_of=DAY),
        business_timezone=TZ,
        landing_cutoff=cutoff,
    )


def _tick(settings: Settings, cursor: str | None, instance: DagsterInstance):  # noqa: ANN202
    from orchestration.definitions import refresh_job

    sensor = landing_sensor(settings, refresh_job.name)
    context = build_sensor_context(instance=instance, cursor=cursor)
    return sensor.evaluate_tick(context)


def test_the_sensor_requests_exactly_one_run_when_the_day_is_delivered(
    delivered: Path, tmp_path: Path
) -> None:
    landing = tmp_path / "landing"
    landing.mkdir()
    settings = _settings(landing, tmp_path)
    with DagsterInstance.ephemeral() as instance:
        empty = _tick(settings, None, instance)
        assert empty.run_requests == []

        _deliver(delivered, landing, {"crm", "pbx", "studio"})
        waiting = _tick(settings, None, instance)
        assert waiting.run_requests == []
        assert "waiting for erp" in waiting.skip_message

        _deliver(delivered, landing, {"erp"})
        ready = _tick(settings, waiting.cursor, instance)
        (request,) = ready.run_requests
        assert request.tags[LATE_TAG] == ""
        assert request.tags["carteira/day"] == DAY.isoformat()

        # nothing new: no run, however often it ticks
        again = _tick(settings, ready.cursor, instance)
        assert again.run_requests == []

        # a corrected re-delivery of one file: one more run
        fixed = landing / "erp" / "receivables" / f"receivables_{DAY:%Y%m%d}.csv"
        fixed.write_bytes(fixed.read_bytes() + b"\n")
        _settle(landing)
        redelivered = _tick(settings, again.cursor, instance)
        assert len(redelivered.run_requests) == 1
        assert redelivered.run_requests[0].run_key != request.run_key
        assert _tick(settings, redelivered.cursor, instance).run_requests == []


def test_a_file_still_being_written_waits_for_the_next_tick(
    delivered: Path, tmp_path: Path
) -> None:
    landing = tmp_path / "landing"
    _deliver(delivered, landing, {"crm", "pbx", "studio", "erp"})
    (landing / "erp" / "receivables" / f"receivables_{DAY:%Y%m%d}.csv").touch()  # just now
    with DagsterInstance.ephemeral() as instance:
        assert _tick(_settings(landing, tmp_path), None, instance).run_requests == []


def test_at_the_cut_off_the_run_starts_with_what_arrived_naming_the_late_systems(
    delivered: Path, tmp_path: Path
) -> None:
    landing = tmp_path / "landing"
    local = ZoneInfo(TZ)
    before = datetime(2026, 11, 20, 7, 29, tzinfo=local).astimezone(UTC)
    _deliver(delivered, landing, {"crm", "studio"}, before.timestamp())
    settings = _settings(landing, tmp_path, cutoff="07:30")
    request, why, cursor = evaluate_landing(settings, None, before)
    assert request is None and "waiting for pbx, erp" in why
    request, why, cursor = evaluate_landing(settings, None, before + timedelta(minutes=2))
    assert request is not None
    assert request.tags[LATE_TAG] == "pbx,erp"
    assert "late: pbx, erp" in why
    # the late system arrives later that morning: it starts its own run
    _deliver(delivered, landing, {"erp"}, (before + timedelta(hours=2)).timestamp())
    late, why, _ = evaluate_landing(settings, cursor, before + timedelta(hours=2))
    assert late is not None and late.tags[LATE_TAG] == "pbx"


def test_a_bad_cut_off_is_named(tmp_path: Path) -> None:
    from carteira.setting_values import InvalidSetting

    with pytest.raises(InvalidSetting, match="CARTEIRA_LANDING_CUTOFF='7h'"):
        Settings.from_env(
            {"CARTEIRA_LANDING_CUTOFF": "7h"},
            landing_dir=tmp_path,
            warehouse_path=tmp_path / "w.duckdb",
        )


def test_the_fallback_schedule_skips_a_day_the_sensor_already_refreshed(tmp_path: Path) -> None:
    from dagster import DagsterRun, DagsterRunStatus, build_schedule_context, instance_for_test

    from orchestration.definitions import build_definitions

    settings = _settings(tmp_path, tmp_path)
    schedule = next(s for s in build_definitions(settings).schedules if s.name == "daily_refresh")
    with instance_for_test() as instance:  # a schedule context needs a stored instance
        (request,) = schedule.evaluate_tick(build_schedule_context(instance=instance)).run_requests
        assert request.tags["carteira/day"] == DAY.isoformat()

        def sensor_run(status: DagsterRunStatus) -> None:
            instance.add_run(
                DagsterRun(job_name="refresh", status=status,
                           tags={"carteira/day": DAY.isoformat(), "carteira/trigger": "landing"})
            )  # fmt: skip

        sensor_run(DagsterRunStatus.FAILURE)  # a failed one is tried again
        retry = schedule.evaluate_tick(build_schedule_context(instance=instance))
        assert len(retry.run_requests) == 1
        sensor_run(DagsterRunStatus.SUCCESS)
        skipped = schedule.evaluate_tick(build_schedule_context(instance=instance))
        assert skipped.run_requests == [] and "already refreshes 2026-11-20" in skipped.skip_message
