"""Source freshness (issue 24): the newest extract of each table against _sources.yml's limits.

The limits are read from dbt's declaration (one place), evaluated against as_of in a
refresh (summary lines, Dagster checks with warn/error severity) and against the wall
clock on their own schedule; a late source never stops the warehouse from publishing.
"""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from dagster import AssetCheckSeverity

from carteira.contract import TABLES
from carteira.operations.freshness import (
    SOURCES_YML,
    Limits,
    State,
    by_system,
    declared_limits,
    evaluate,
    summary_lines,
)

TZ = "America/Sao_Paulo"
DAY = date(2026, 11, 20)


def test_every_table_has_the_limits_dbt_declares() -> None:
    limits = declared_limits()
    assert set(limits) == {t.fqn for t in TABLES}
    doc = yaml.safe_load(SOURCES_YML.read_text(encoding="utf-8"))
    for source in doc["sources"]:
        declared = source["config"]["freshness"]
        for table in source["tables"]:
            got = limits[table["identifier"]]
            assert got.warn_after == timedelta(hours=declared["warn_after"]["count"])
            assert got.error_after == timedelta(hours=declared["error_after"]["count"])


def test_limits_come_from_the_yml_including_a_table_override(tmp_path: Path) -> None:
    doc = yaml.safe_load(SOURCES_YML.read_text(encoding="utf-8"))
    erp = next(s for s in doc["sources"] if s["name"] == "erp")
    erp["config"]["freshness"]["warn_after"] = {"count": 3, "period": "day"}
    erp["tables"][0]["config"] = {"freshness": None}  # dbt: this table is never late
    path = tmp_path / "_sources.yml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    limits = declared_limits(path)
    assert limits[erp["tables"][1]["identifier"]].warn_after == timedelta(days=3)
    assert limits[erp["tables"][0]["identifier"]] == Limits(None, None)


def _at(day: date, hour: int) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo(TZ)).astimezone(UTC)


def test_states_against_the_wall_clock_and_against_a_past_as_of() -> None:
    extracts = {t.fqn: DAY for t in TABLES}
    extracts["erp__receivables"] = DAY - timedelta(days=3)
    extracts.pop("pbx__calls")
    now = _at(DAY, 9)  # 09:00 local on DAY: today's extracts are 9 h old
    results = {r.table.fqn: r for r in evaluate(extracts, now=now, timezone=TZ)}
    assert results["crm__clients"].state is State.FRESH
    assert results["erp__receivables"].state is State.ERROR  # 81 h
    assert results["pbx__calls"].state is State.ERROR  # never delivered
    # a day later with nothing new, everything is 33 h old: late, not yet missing
    later = evaluate(extracts, now=now + timedelta(days=1), timezone=TZ)
    assert {r.state for r in later if r.table.system == "crm"} == {State.WARN}
    # a backfill for DAY run weeks later is judged at the end of DAY, not today
    backfill = evaluate(extracts, now=now + timedelta(days=30), timezone=TZ, as_of=DAY)
    assert {r.table.fqn for r in backfill if r.state is not State.FRESH} == {
        "erp__receivables",
        "pbx__calls",
    }


def test_summary_names_each_late_system_its_last_extract_and_days() -> None:
    extracts = {t.fqn: DAY for t in TABLES}
    for t in TABLES:
        if t.system == "erp":
            extracts[t.fqn] = DAY - timedelta(days=3)
    results = evaluate(extracts, now=_at(DAY, 9), timezone=TZ, as_of=DAY)
    lines = summary_lines(results, DAY)
    assert len(lines) == 1
    assert lines[0].startswith("freshness: erp late (error): last extract 2026-11-17, 3 days (")
    states = {s.system: s.state for s in by_system(results)}
    assert states == {"crm": State.FRESH, "pbx": State.FRESH, "studio": State.FRESH,
                      "erp": State.ERROR}  # fmt: skip


@pytest.fixture(scope="module")
def erp_stopped(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three days delivered, except that erp delivered only the first."""
    landing = tmp_path_factory.mktemp("fresh") / "landing"
    from carteira.generator import generate

    generate(landing, DAY, 3, "tiny", 3)
    for path in (landing / "erp").rglob("*"):
        if path.is_file() and DAY.strftime("%Y%m%d") not in path.name:
            path.unlink()
    return landing


def test_a_refresh_reports_a_late_source_as_checks_and_summary_and_still_publishes(
    erp_stopped: Path, tmp_path: Path
) -> None:
    from dagster import AssetKey

    from carteira.exit_codes import ExitCode
    from carteira.settings import Settings
    from orchestration.run import run_refresh

    as_of = DAY + timedelta(days=2)
    settings = Settings.for_warehouse(erp_stopped, tmp_path / "warehouse.duckdb", as_of=as_of)
    outcome = run_refresh(settings, raw_only=True)
    assert outcome.exit_code == ExitCode.PUBLISHED, outcome.summary_lines()
    assert outcome.freshness == {"crm": "fresh", "pbx": "fresh", "studio": "fresh",
                                 "erp": "error"}  # fmt: skip
    text = "\n".join(outcome.summary_lines())
    assert "freshness: erp late (error): last extract 2026-11-20, 2 days" in text
    assert "crm late" not in text
    assert not any("extract_freshness" in c for c in outcome.failed_checks)

    # the same evaluation as Dagster checks (what the UI shows), severity per table
    from dagster import DagsterInstance

    from orchestration.definitions import build_definitions

    defs = build_definitions(settings)
    job = defs.resolve_job_def("source_freshness")
    result = job.execute_in_process(instance=DagsterInstance.ephemeral())
    evaluations = {e.asset_key: e for e in result.get_asset_check_evaluations()}
    assert len(evaluations) == len(TABLES)
    erp = evaluations[AssetKey(["raw", "erp__receivables"])]
    assert not erp.passed and erp.severity == AssetCheckSeverity.ERROR
    assert evaluations[AssetKey(["raw", "crm__clients"])].passed
    shutil.rmtree(tmp_path, ignore_errors=True)


def test_the_published_warehouse_says_its_day_build_time_and_late_sources(
    erp_stopped: Path, tmp_path: Path
) -> None:
    """bi.warehouse_status, what every dashboard's first line reads: the published as_of,
    when it was built, and the late system named with its last extract."""
    import duckdb

    from carteira.settings import Settings
    from orchestration.run import run_refresh

    as_of = DAY + timedelta(days=2)
    settings = Settings.for_warehouse(erp_stopped, tmp_path / "warehouse.duckdb", as_of=as_of)
    before = datetime.now(ZoneInfo(TZ)).replace(tzinfo=None, microsecond=0)
    outcome = run_refresh(settings)
    assert outcome.published, outcome.summary_lines()
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        rows = con.execute(
            "select as_of, refreshed_at, source_system, freshness_state, is_late, last_extract, "
            "late_tables from bi.warehouse_status order by source_system"
        ).fetchall()
    assert {r[0] for r in rows} == {as_of}
    (built,) = {r[1] for r in rows}
    assert before <= built <= datetime.now(ZoneInfo(TZ)).replace(tzinfo=None)
    by_system = {r[2]: r[3:] for r in rows}
    assert set(by_system) == {"crm", "pbx", "studio", "erp"}
    state, late, last, tables = by_system["erp"]
    assert (state, late, last) == ("error", True, DAY)
    assert "receivables" in tables.split(", ")
    assert by_system["crm"][:3] == ("fresh", False, as_of)
    shutil.rmtree(tmp_path, ignore_errors=True)
