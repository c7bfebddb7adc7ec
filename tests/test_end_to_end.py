"""The whole refresh, day after day, on a generated landing zone.

Each day's extracts are refreshed with `--as-of` that day and the published marts are
compared with numbers computed in Python from the landing files themselves
(tests/helpers/groundtruth.py). Then a refresh whose data breaks an error-severity check
must leave the published warehouse as it was, and a reader holding the published file
must neither block a refresh nor see a partial state. The refreshes keep a Parquet lake
(CARTEIRA_LAKE) beside the warehouse: after the days it holds the raw layer's rows, and a
later day never rewrote a file of an earlier one.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import textwrap
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from carteira.cli.main import main
from carteira.contract import TABLES
from carteira.generator import generate
from carteira.ingestion import raw_table_name
from carteira.settings import Settings
from orchestration.run import run_refresh
from tests.helpers.groundtruth import expected, row_count

START = date(2026, 11, 16)
DAYS = 3
SEED = 11


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("e2e") / "landing"
    generate(root, START, DAYS, "tiny", SEED)
    return root


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("e2e_wh") / "warehouse.duckdb"


def _lake(warehouse: Path) -> Path:
    return warehouse.parent / "lake"


def _settings(landing: Path, warehouse: Path, day: date) -> Settings:
    return Settings.for_warehouse(landing, warehouse, as_of=day, lake_dir=_lake(warehouse))


def _query(path: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _lake_files(lake: Path) -> dict[str, tuple[int, str]]:
    """Every file of the lake: (modification time in ns, sha256)."""
    return {
        str(path.relative_to(lake)): (path.stat().st_mtime_ns, _digest(path))
        for path in sorted(lake.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="module")
def lake_of_day_one() -> dict[str, tuple[int, str]]:
    """The lake's files right after the first day's refresh (filled by refreshed_days)."""
    return {}


@pytest.fixture(scope="module")
def refreshed_days(
    landing: Path, warehouse: Path, lake_of_day_one: dict[str, tuple[int, str]]
) -> list[date]:
    """Refresh after each day of extracts, as the daily schedule would."""
    days = [START + timedelta(days=i) for i in range(DAYS)]
    for day in days[:-1]:
        outcome = run_refresh(_settings(landing, warehouse, day))
        assert outcome.exit_code == 0, outcome.summary_lines()
        _assert_marts_match_ground_truth(landing, warehouse, day)
        if not lake_of_day_one:
            lake_of_day_one.update(_lake_files(_lake(warehouse)))
    return days


def _assert_marts_match_ground_truth(landing: Path, warehouse: Path, day: date) -> None:
    truth = expected(landing, day)
    assert _query(warehouse, "select count(*) from marts.dim_client where not is_deleted") == [
        (truth.live_clients,)
    ]
    outcomes = Counter(
        dict(_query(warehouse, "select outcome, count(*) from marts.fct_bookings group by 1"))
    )
    assert outcomes == truth.outcomes
    matches = Counter(
        dict(_query(warehouse, "select match_status, count(*) from marts.fct_calls group by 1"))
    )
    assert matches == truth.match_status
    statuses = Counter(
        dict(_query(warehouse, "select status, count(*) from marts.fct_receivables group by 1"))
    )
    assert statuses == truth.status_counts
    (total,) = _query(
        warehouse, "select coalesce(sum(total_receivable), 0) from marts.client_financial_status"
    )[0]
    assert total == truth.total_receivable
    assert _query(warehouse, "select distinct as_of from marts.client_financial_status") in (
        [(day,)],
        [],
    )


def test_raw_layer_holds_every_row_of_every_file(
    landing: Path, warehouse: Path, refreshed_days: list[date]
) -> None:
    settings = _settings(landing, warehouse, refreshed_days[-2])
    con = duckdb.connect(str(settings.raw_path), read_only=True)
    try:
        for table in TABLES:
            (n,) = con.execute(f"select count(*) from {raw_table_name(table, con)}").fetchone()
            assert n == row_count(landing, table.fqn, refreshed_days[-2]), table.fqn
    finally:
        con.close()


def test_rerun_of_the_same_day_changes_nothing_in_raw(
    landing: Path, warehouse: Path, refreshed_days: list[date]
) -> None:
    settings = _settings(landing, warehouse, refreshed_days[-2])
    before = _query(settings.raw_path, "select count(*) from raw._manifest")
    outcome = run_refresh(settings, raw_only=True)
    assert outcome.exit_code == 0
    assert _query(settings.raw_path, "select count(*) from raw._manifest") == before


def test_reader_holding_the_published_file_during_a_refresh(
    landing: Path, warehouse: Path, refreshed_days: list[date]
) -> None:
    """The last day is refreshed while another process holds the published warehouse."""
    reader_code = textwrap.dedent(
        """
        import sys, duckdb
        con = duckdb.connect(sys.argv[1], read_only=True)
        q = "select count(*), max(as_of) from marts.client_financial_status"
        print(con.execute(q).fetchone(), flush=True)
        sys.stdin.readline()
        print(con.execute(q).fetchone(), flush=True)
        """
    )
    reader = subprocess.Popen(
        [sys.executable, "-c", reader_code, str(warehouse)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout is not None and reader.stdin is not None
        first = reader.stdout.readline().strip()
        day = refreshed_days[-1]
        outcome = run_refresh(_settings(landing, warehouse, day))
        assert outcome.exit_code == 0, outcome.summary_lines()
        reader.stdin.write("again\n")
        reader.stdin.flush()
        second = reader.stdout.readline().strip()
        reader.wait(timeout=60)
    finally:
        reader.kill()
    # The reader kept one consistent (old) state throughout; new readers see the new day.
    assert first == second
    _assert_marts_match_ground_truth(landing, warehouse, refreshed_days[-1])


def test_failed_check_keeps_the_published_warehouse_and_the_raw_history(
    landing: Path, warehouse: Path, refreshed_days: list[date], tmp_path: Path
) -> None:
    # A copy, so this test's bad delivery does not leak into the shared landing zone.
    bad_landing = tmp_path / "landing"
    shutil.copytree(landing, bad_landing)
    wh = tmp_path / "warehouse.duckdb"
    shutil.copyfile(warehouse, wh)
    day = refreshed_days[-1]
    shutil.copyfile(
        _settings(landing, warehouse, day).raw_path, _settings(bad_landing, wh, day).raw_path
    )
    # A payment of a title the ERP never delivered: parses fine, breaks a relationship test.
    next_day = day + timedelta(days=1)
    bad = bad_landing / "erp" / "payments" / f"payments_{next_day:%Y%m%d}.csv"
    bad.write_bytes(
        "payment_id;receivable_id;paid_on;amount;method;updated_at;deleted_at\n"
        f"990001;99999999;{next_day:%d/%m/%Y};100,00;pix;{next_day:%d/%m/%Y} 10:00:00;\n".encode(
            "latin-1"
        )
    )
    before = _digest(wh)
    settings = _settings(bad_landing, wh, next_day)
    result = CliRunner().invoke(
        main,
        [
            "refresh",
            "--landing",
            str(bad_landing),
            "--warehouse",
            str(wh),
            "--as-of",
            next_day.isoformat(),
        ],
    )
    assert result.exit_code == 2, result.output
    assert "NOT published" in result.output
    assert _digest(wh) == before
    assert not settings.build_path.exists()
    # The delivered rows are history: they stay in the raw layer.
    assert _query(
        settings.raw_path, "select count(*) from raw.erp__payments where payment_id = 990001"
    ) == [(1,)]


def test_the_lake_mirrors_the_raw_layer_and_a_day_only_adds_files(
    landing: Path,
    warehouse: Path,
    refreshed_days: list[date],
    lake_of_day_one: dict[str, tuple[int, str]],
) -> None:
    """Last in the module: after every day's refresh (and the rerun), table by table."""
    settings = _settings(landing, warehouse, refreshed_days[-1])
    lake = _lake(warehouse)
    assert lake_of_day_one, "the first day's refresh wrote the lake"
    now = _lake_files(lake)
    assert {name: now.get(name) for name in lake_of_day_one} == lake_of_day_one
    assert len(now) > len(lake_of_day_one)  # the later days added theirs
    con = duckdb.connect(str(settings.raw_path), read_only=True)
    try:
        for table in TABLES:
            source = (
                f"select * replace (cast(_extras as varchar) as _extras) "
                f"from {raw_table_name(table, con)}"
            )
            mirror = (
                f"select * exclude (extract_date) from read_parquet("
                f"'{lake}/{table.fqn}/*/*.parquet', hive_partitioning = true)"
            )
            order = " order by _load_id, _file_name, _row_number"
            raw_rows = con.execute(source + order).fetchall()
            if not raw_rows:
                assert not (lake / table.fqn).exists(), table.fqn
                continue
            assert con.execute(mirror + order).fetchall() == raw_rows, table.fqn
    finally:
        con.close()
