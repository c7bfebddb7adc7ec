"""`carteira status` and the run record a refresh leaves beside the warehouse (issue 24)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from carteira.cli.main import main
from carteira.operations.run_record import RunRecord, read_record, record_path, write_record
from carteira.operations.status import collect
from carteira.settings import Settings

DAY = date(2026, 11, 20)
TZ = "America/Sao_Paulo"
BAD = "erp/receivables/receivables_20261121_2.csv"


def _local(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo(TZ))


@pytest.fixture(scope="module")
def refreshed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, Path]:
    """Two days delivered, a second receivables delivery that lacks every contract column,
    refreshed once with DAGSTER_HOME set (the run lands in Dagster's run storage too)."""
    from carteira.generator import generate
    from orchestration.run import run_refresh

    root = tmp_path_factory.mktemp("status")
    landing = root / "landing"
    generate(landing, DAY, 2, "tiny", 3)
    (landing / BAD).write_text("foo;bar\n1;2\n", encoding="latin-1")
    home = root / "dagster_home"
    home.mkdir()
    mp = pytest.MonkeyPatch()
    mp.setenv("DAGSTER_HOME", str(home))
    mp.setenv("CARTEIRA_TIMEZONE", TZ)
    try:
        settings = Settings.for_warehouse(landing, root / "wh.duckdb", as_of=DAY + timedelta(1))
        outcome = run_refresh(settings)
    finally:
        mp.undo()
    assert outcome.exit_code == 1, outcome.summary_lines()
    return settings, home


def test_the_refresh_records_its_run_beside_the_warehouse(refreshed) -> None:  # noqa: ANN001
    settings, home = refreshed
    record = read_record(settings.warehouse_path)
    assert record is not None
    assert record.exit_code == 1 and record.result == "published_with_quarantine"
    assert record.as_of == "2026-11-21"
    assert record.started_at <= record.ended_at
    assert record.freshness == {"crm": "fresh", "pbx": "fresh", "studio": "fresh", "erp": "fresh"}
    assert any(BAD in line for line in record.summary)
    # and in Dagster's run storage, because DAGSTER_HOME was set
    from dagster import DagsterInstance

    with DagsterInstance.from_config(str(home)) as instance:
        (run,) = instance.get_runs()
        assert run.run_id == record.run_id and run.job_name == "refresh"
        # the UI's run list says the command and the day, not "Manually launched"
        assert run.tags["carteira/trigger"] == "cli" and run.tags["carteira/as_of"] == "2026-11-21"


def test_status_reports_run_as_of_sources_quarantine_and_next_run(refreshed) -> None:  # noqa: ANN001
    settings, _ = refreshed
    status = collect(settings, now=_local(DAY + timedelta(1), 9).astimezone(UTC))
    assert status.published_as_of == "2026-11-21"
    assert [s["state"] for s in status.sources] == ["fresh"] * 4
    (q,) = status.quarantined
    assert q.file_name == BAD and q.status == "quarantined" and q.reason
    assert q.kept_at.exists()
    assert status.next_run is not None and status.next_run > status.checked_at
    assert status.exit_code == 1  # warnings: a file awaits action
    text = "\n".join(status.lines())
    assert BAD in text and "data as of 2026-11-21" in text

    # three days later with nothing delivered: every source is missing a day -> errors
    later = collect(settings, now=_local(DAY + timedelta(4), 9).astimezone(UTC))
    assert {s["state"] for s in later.sources} == {"error"}
    assert later.exit_code == 2


def test_a_corrected_redelivery_clears_the_quarantined_file(refreshed, tmp_path) -> None:  # noqa: ANN001
    import duckdb

    settings, _ = refreshed
    copy = tmp_path / "fixed.duckdb"
    copy.write_bytes(settings.raw_path.read_bytes())
    con = duckdb.connect(str(copy))
    con.execute(
        "insert into fixed.raw._manifest (file_name, system, table_name, file_hash, extract_date, "
        "delivery_seq, status, load_id, loaded_at, rows_loaded) values "
        "(?, 'erp', 'receivables', 'fixed', '2026-11-21', 2, 'loaded', 'later', now(), 1)",
        [BAD],
    )
    con.close()
    fixed = Settings.from_env(
        landing_dir=settings.landing_dir, warehouse_path=settings.warehouse_path, raw_path=copy
    )
    assert collect(fixed, now=_local(DAY + timedelta(1), 9).astimezone(UTC)).quarantined == []


def test_cli_status_json_and_exit_code(refreshed) -> None:  # noqa: ANN001
    settings, _ = refreshed
    result = CliRunner().invoke(
        main, ["status", "--warehouse", str(settings.warehouse_path), "--format", "json"]
    )
    data = json.loads(result.output)
    # judged against today's clock: the 2026-11-21 extracts are long late
    assert result.exit_code == data["exit_code"] == 2
    assert data["last_run"]["result"] == "published_with_quarantine"
    assert data["quarantined_files"][0]["file"] == BAD
    assert {s["system"] for s in data["sources"]} == {"crm", "pbx", "studio", "erp"}
    assert data["next_scheduled_run"]


def test_a_failed_last_run_is_an_error_and_nothing_published_is_an_error(tmp_path: Path) -> None:
    settings = Settings.for_warehouse(tmp_path / "landing", tmp_path / "wh.duckdb")
    empty = collect(settings)
    assert empty.exit_code == 2 and empty.last_run is None
    now = datetime.now(UTC)
    write_record(
        settings.warehouse_path,
        RunRecord("r1", now - timedelta(minutes=5), now, 2, "2026-11-21", summary=["x"]),
    )
    assert collect(settings).last_run.result == "not_published"
    assert any("last refresh not_published" in t for _, t in collect(settings).problems)


def test_the_record_is_replaced_atomically(tmp_path: Path) -> None:
    warehouse = tmp_path / "wh.duckdb"
    now = datetime.now(UTC)
    write_record(warehouse, RunRecord("a", now, now, 0, "2026-11-21"))
    write_record(warehouse, RunRecord("b", now, now, 0, "2026-11-22"))
    assert read_record(warehouse).run_id == "b"
    # no temporary file is left behind
    assert [p.name for p in tmp_path.iterdir()] == [record_path(warehouse).name]


def test_with_dagster_home_the_same_run_keeps_its_record_and_raw_only_runs_are_not_refreshes(
    refreshed,
    monkeypatch: pytest.MonkeyPatch,  # noqa: ANN001
) -> None:
    from dagster import AssetKey, DagsterInstance

    settings, home = refreshed
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    status = collect(settings)
    # Dagster's run storage holds the same run; the record (exit 1, quarantine) is kept
    assert status.last_run.trigger == "cli" and status.last_run.exit_code == 1
    # a later raw-only run of the refresh job does not count as the last refresh
    from orchestration.definitions import build_definitions

    defs = build_definitions(settings)
    with DagsterInstance.from_config(str(home)) as instance:
        raw = [AssetKey(["landing_zone"])]
        result = defs.resolve_job_def("refresh").execute_in_process(
            instance=instance, asset_selection=raw
        )
        assert result.success
    assert collect(settings).last_run.run_id == status.last_run.run_id
