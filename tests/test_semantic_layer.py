"""The dbt semantic layer (models/bi/_bi__semantic.yml) validates and gives the reports' numbers.

MetricFlow (`mf`, from dbt-metricflow) parses the dbt project, validates the semantic
manifest and every semantic model, dimension, entity, measure and metric against a
warehouse the real pipeline built from generated data, then answers metric queries that
must equal `carteira report`.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from carteira.reports.activity import activity_clients, activity_occupancy
from carteira.reports.telesales import telesales
from carteira.settings import REPO_ROOT, dbt_file_env
from tests.data.reports_activity.generated import (
    AS_OF,
    PERIOD_FROM,
    generated_warehouse,
)
from tests.helpers.shared import shared_root

DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generated_warehouse(shared_root(tmp_path_factory))


@pytest.fixture(scope="module")
def mf_env(warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """MetricFlow opens the warehouse through dbt's profile, read-write: give it a copy."""
    work = tmp_path_factory.mktemp("metricflow")
    copy = work / "warehouse.duckdb"
    shutil.copyfile(warehouse, copy)
    return {
        **os.environ,
        **dbt_file_env(copy, warehouse.with_name("warehouse.raw.duckdb")),
        "DBT_PROFILES_DIR": str(DBT_PROJECT_DIR),
        "DBT_TARGET_PATH": str(work / "dbt_target"),
        "DBT_LOG_PATH": str(work / "dbt_logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }


def mf(env: dict[str, str], *args: str) -> str:
    proc = subprocess.run(
        [str(Path(sys.executable).with_name("mf")), *args],
        cwd=DBT_PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout


def query(env: dict[str, str], out: Path, *args: str) -> dict[str, Any]:
    mf(env, "query", *args, "--csv", str(out))
    with out.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 1, rows
    return rows[0]


def test_semantic_layer_validates_against_the_warehouse(mf_env: dict[str, str]) -> None:
    out = mf(mf_env, "validate-configs")
    assert "Successfully validated the semantics of built manifest" in out
    assert "Successfully validated metrics against data warehouse" in out
    assert "ERROR:" not in out


def test_metrics_equal_the_reports(warehouse: Path, mf_env: dict[str, str], tmp_path: Path) -> None:
    period = ("--start-time", PERIOD_FROM.isoformat(), "--end-time", AS_OF.isoformat())
    with duckdb.connect(str(warehouse), read_only=True) as con:
        clients = activity_clients(con, PERIOD_FROM, AS_OF).summary
        occupancy = activity_occupancy(con, PERIOD_FROM, AS_OF).summary
        per_owner = telesales(con, PERIOD_FROM, AS_OF, "client_owner")
        sales = per_owner.summary
        money = con.execute(
            "select sum(total_receivable), sum(overdue_amount), "
            "sum(on_time_payments) / sum(payments) from bi.client_card_financial"
        ).fetchone()

    activity = query(
        mf_env,
        tmp_path / "activity.csv",
        "--metrics",
        "bookings,attended,occupancy_rate,attendance_rate",
        *period,
    )
    assert int(activity["bookings"]) == clients["bookings"] > 0
    assert int(activity["attended"]) == clients["attended"]
    assert round(Decimal(activity["occupancy_rate"]), 4) == occupancy["occupancy_rate"]
    assert round(Decimal(activity["attendance_rate"]), 4) == occupancy["attendance_rate"]

    calls = query(
        mf_env,
        tmp_path / "telesales.csv",
        "--metrics",
        "calls,successful_calls,talk_minutes,appointments,orders,order_value,collected,debt",
        "--where",
        "{{ Dimension('telesales_day__owner_mode') }} = 'client_owner'",
        *period,
    )
    for name in ("calls", "successful_calls", "appointments", "orders"):
        assert int(calls[name] or 0) == sales[name], name
    for name in ("order_value", "collected", "debt"):
        assert Decimal(calls[name] or 0) == sales[name], name
    # the report sums the owners' minutes rounded to 2 places
    rounding = Decimal("0.005") * len(per_owner.rows)
    assert abs(Decimal(calls["talk_minutes"] or 0) - sales["talk_minutes"]) <= rounding

    receivables = query(
        mf_env,
        tmp_path / "receivables.csv",
        "--metrics",
        "total_receivable,overdue_amount,on_time_rate",
    )
    assert Decimal(receivables["total_receivable"]) == money[0] > 0
    assert Decimal(receivables["overdue_amount"]) == money[1]
    assert abs(float(receivables["on_time_rate"]) - float(money[2])) < 1e-9
