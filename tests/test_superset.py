"""Carteira's dashboards in Apache Superset, checked as a person and as the CLI would.

`carteira superset up` runs on the warehouse built from generated data (shared with the
report property tests), on a free port. Then:

- Superset's chart-data API gives, for the charts of every report screen, the same
  numbers as `carteira report ...` on the same warehouse (cards, per-owner tables,
  portfolio views);
- staff logins see what marts.staff_visibility lets them see: a rep only their own
  telesales rows, a department head their subtree, a view-all user everyone and the
  unassigned row (the same owners as `carteira report telesales --viewer`);
- headless Chromium (Debian's chromium + chromedriver, bi/superset/browser_check.py)
  signs in, opens every dashboard and tab, waits for the charts and saves screenshots;
  the cards it reads off the page are the CLI's numbers, and a rep's page shows only
  their rows.

Needs the Superset environment (bi/superset/.venv, `uv sync --project bi/superset`) and
`chromium` + `chromium-driver`; .ci/run installs them and sets
CARTEIRA_REQUIRE_SUPERSET=1 so that, there, a missing piece fails instead of skipping.
Screenshots go to $CARTEIRA_SUPERSET_SCREENSHOTS when set (docs/superset.md).
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import urllib.request
from contextlib import closing
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from carteira.row_access import from_model_files
from carteira.settings import REPO_ROOT
from carteira.superset_rls import dataset_access, dataset_relations
from tests.data.reports_activity.generated import AS_OF, generated_warehouse
from tests.helpers.visibility import OrgTree, allowed, declared_visible, org_tree, owners, row_key

SUPERSET_DIR = REPO_ROOT / "bi" / "superset"
SUPERSET_PYTHON = SUPERSET_DIR / ".venv" / "bin" / "python"
CARTEIRA = Path(sys.executable).with_name("carteira")
ALL_TIME = ["--from", "1900-01-01", "--to", "2100-12-31"]
CALLS_ALL_TIME = ["--calls-from", "1900-01-01", "--calls-to", AS_OF.isoformat()]
DASHBOARDS = ("activity", "occupancy", "telesales", "customer_history", "client_card", "portfolio")


def _missing() -> list[str]:
    needed = {
        "chromium": Path("/usr/bin/chromium"),
        "chromedriver": Path("/usr/bin/chromedriver"),
        "uv": Path(shutil.which("uv") or "/nonexistent/uv"),
    }
    return [name for name, path in needed.items() if not path.exists()]


def _carteira(*args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CARTEIRA), *args], capture_output=True, text=True, timeout=timeout, check=False
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Api:
    """Superset's REST API as one user (a JWT from /api/v1/security/login)."""

    def __init__(self, url: str, username: str, password: str) -> None:
        self.url = url
        body = {"username": username, "password": password, "provider": "db", "refresh": False}
        self.token = self._call("POST", "api/v1/security/login", body, auth=False)["access_token"]

    def _call(self, method: str, path: str, body: Any = None, auth: bool = True) -> Any:
        request = urllib.request.Request(
            self.url + path,
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers=({"Content-Type": "application/json"} if body is not None else {})
            | ({"Authorization": f"Bearer {self.token}"} if auth else {}),
        )
        with urllib.request.urlopen(request, timeout=300) as response:
            return json.loads(response.read())

    def charts(self, dashboard: str, where: str = "") -> dict[str, int]:
        """Chart title -> id, for one dashboard (only charts whose fixed filter has `where`)."""
        found = self._call("GET", f"api/v1/dashboard/{dashboard}/charts")["result"]
        return {
            chart["slice_name"]: chart["id"]
            for chart in found
            if where in json.dumps(chart["form_data"].get("adhoc_filters", []))
        }

    def chart_rows(self, chart_id: int) -> list[dict[str, Any]]:
        """What the chart's saved query returns (no dashboard filter applied)."""
        return self._call("GET", f"api/v1/chart/{chart_id}/data/")["result"][0]["data"]

    def datasets(self) -> dict[str, int]:
        """table_name -> id of every dataset this user may list."""
        found = self._call("GET", "api/v1/dataset/?q=(page_size:100)")["result"]
        return {d["table_name"]: d["id"] for d in found}

    def dataset_columns(self, dataset_id: int) -> list[str]:
        found = self._call("GET", f"api/v1/dataset/{dataset_id}")["result"]
        return [c["column_name"] for c in found["columns"]]

    def dataset_rows(
        self,
        table: str,
        columns: list[str],
        metrics: list[str],
        where: str,
        row_limit: int = 10000,
    ) -> list:
        dataset_id = self.datasets()[table]
        body = {
            "datasource": {"id": dataset_id, "type": "table"},
            "queries": [
                {
                    "columns": columns,
                    "metrics": metrics,
                    "extras": {"where": where},
                    "row_limit": row_limit,
                }
            ],
            "result_format": "json",
            "result_type": "full",
        }
        return self._call("POST", "api/v1/chart/data", body)["result"][0]["data"]


@pytest.fixture(scope="module")
def superset(tmp_path_factory: pytest.TempPathFactory) -> Any:
    missing = _missing()
    if missing:
        message = f"the Superset tests need {', '.join(missing)}"
        if os.environ.get("CARTEIRA_REQUIRE_SUPERSET"):
            pytest.fail(message)
        pytest.skip(message)
    warehouse = generated_warehouse(tmp_path_factory.getbasetemp())
    port = _free_port()
    up = _carteira("superset", "up", "--warehouse", str(warehouse), "--port", str(port))
    assert up.returncode == 0, up.stdout + up.stderr
    url = f"http://127.0.0.1:{port}/"
    assert url in up.stdout
    state = warehouse.with_name(warehouse.stem + ".superset")
    credentials = json.loads((state / "credentials.json").read_text())
    (handout,) = state.glob("new-logins-*.csv")  # user names and passwords of the staff
    with handout.open(newline="") as handle:
        logins = {row["staff_id"]: row for row in csv.DictReader(handle) if row["staff_id"]}
    try:
        yield credentials | {
            "warehouse": warehouse,
            "url": url,
            "port": port,
            "up": up,
            "logins": logins,
        }
    finally:
        _carteira("superset", "stop", "--warehouse", str(warehouse))


def _report(warehouse: Path, *args: str) -> dict[str, Any]:
    result = _carteira("report", *args, "--warehouse", str(warehouse), "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _number(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def _card(api: Api, charts: dict[str, int], title: str) -> Any:
    (row,) = api.chart_rows(charts[title])
    (value,) = row.values()
    return value


def test_bundle_is_generated_from_the_spec() -> None:
    result = subprocess.run(
        [sys.executable, str(SUPERSET_DIR / "build_bundle.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_every_dataset_reads_bi_relations_that_declare_row_access() -> None:
    """Every dataset reads bi models; its RLS comes from the dbt model's meta.row_access."""
    spec = yaml.safe_load((SUPERSET_DIR / "dashboards.yml").read_text())
    declared = from_model_files()
    access = dataset_access()
    relations = dataset_relations()
    assert len(access) == len(spec["datasets"])
    for name, dataset in spec["datasets"].items():
        assert "row_owner_column" not in dataset, f"{name}: row access is the dbt model's"
        source = dataset.get("table") or dataset["sql"]
        read = [word for word in source.replace(",", " ").split() if word.startswith("bi.")]
        assert read, f"{name} reads no bi relation"
        for relation in read:
            assert declared.get(relation.removeprefix("bi.")) is not None, (name, relation)
        table = dataset["table"].split(".", 1)[1] if "table" in dataset else name
        assert access[table] == declared[relations[table].removeprefix("bi.")], name
        # A virtual dataset's extra relations are the same clients' rows (joined on them).
        if "sql" in dataset and access[table].restricted:
            assert "client_key" in dataset["sql"], name


def test_refuses_when_it_cannot_run(tmp_path: Path) -> None:
    missing = _carteira("superset", "up", "--warehouse", str(tmp_path / "none.duckdb"))
    assert missing.returncode == 3
    assert missing.stderr.count("\n") == 1 and "no warehouse" in missing.stderr

    warehouse = tmp_path / "warehouse.duckdb"
    duckdb.connect(str(warehouse)).close()
    unreachable = _carteira(
        "superset",
        "up",
        "--warehouse",
        str(warehouse),
        "--postgres",
        f"host=127.0.0.1 port={_free_port()} dbname=h11_none connect_timeout=3",
    )
    assert unreachable.returncode == 3
    assert "serving database unreachable" in unreachable.stderr

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        busy = _carteira("superset", "up", "--warehouse", str(warehouse), "--port", str(port))
    assert busy.returncode == 3
    assert busy.stderr.count("\n") == 1 and f"port {port}" in busy.stderr


def test_second_up_is_idempotent(superset: dict[str, Any]) -> None:
    again = _carteira(
        "superset", "up", "--warehouse", str(superset["warehouse"]), "--port", str(superset["port"])
    )
    assert again.returncode == 0, again.stderr
    assert "(0 new)" in again.stdout and superset["url"] in again.stdout
    api = Api(superset["url"], "admin", superset["admin_password"])
    for dashboard in DASHBOARDS:
        assert api.charts(dashboard), dashboard


def test_activity_and_occupancy_charts_show_the_cli_numbers(superset: dict[str, Any]) -> None:
    api = Api(superset["url"], "admin", superset["admin_password"])
    summary = _report(superset["warehouse"], "activity-clients", *ALL_TIME)["summary"]
    charts = api.charts("activity")
    cards = {
        "Bookings": "bookings",
        "Attended": "attended",
        "Excused absences": "excused_absences",
        "Unexcused absences": "unexcused_absences",
        "Scheduled": "scheduled",
        "Clients": "clients",
    }
    assert summary["bookings"] > 0
    for title, column in cards.items():
        assert _card(api, charts, title) == summary[column], title

    occupancy = _report(superset["warehouse"], "activity-occupancy", *ALL_TIME)["summary"]
    charts = api.charts("occupancy")
    assert _card(api, charts, "Sessions") == occupancy["sessions"]
    assert _card(api, charts, "Booked places") == occupancy["booked"]
    for title, column in (
        ("Occupancy rate", "occupancy_rate"),
        ("Attendance rate", "attendance_rate"),
    ):
        assert round(_card(api, charts, title), 4) == pytest.approx(float(occupancy[column])), title


@pytest.mark.parametrize(
    ("mode", "prefix", "population_card"),
    [
        ("client_owner", "Per owner", "Clients"),
        ("opportunity_owner", "Per opportunity owner", "Opportunities"),
    ],
)
def test_telesales_charts_show_the_cli_numbers(
    superset: dict[str, Any], mode: str, prefix: str, population_card: str
) -> None:
    api = Api(superset["url"], "admin", superset["admin_password"])
    report = _report(superset["warehouse"], "telesales", "--mode", mode, *CALLS_ALL_TIME)
    charts = api.charts("telesales", where=f"'{mode}'")
    owner_table = next(chart_id for title, chart_id in charts.items() if title.startswith(prefix))
    rows = {row["owner_name"]: row for row in api.chart_rows(owner_table)}
    for row in report["rows"]:
        shown = rows.pop(row["owner_name"], None)
        if shown is None:  # an owner whose clients have no activity at all
            assert row["calls"] == row["appointments"] == row["orders"] == 0, row
            continue
        for column in ("calls", "successful_calls", "appointments", "orders"):
            assert shown[column] == row[column], (row["owner_name"], column)
        for column in ("order_value", "collected", "debt"):
            assert _number(shown[column]) == _number(row[column]), (row["owner_name"], column)
    assert not rows, f"owners on the dashboard but not in the report: {sorted(rows)}"
    summary = report["summary"]
    assert summary["clients"] > 0 and summary["calls"] > 0
    assert _card(api, charts, population_card) == summary["clients"]
    for title in ("Calls", "Appointments", "Orders"):
        assert _card(api, charts, title) == summary[title.lower()], title


def test_portfolio_tabs_are_the_saved_views(superset: dict[str, Any]) -> None:
    api = Api(superset["url"], "admin", superset["admin_password"])
    charts = api.charts("portfolio")
    tabs = {
        "contract-status-this-year": "Contract status this year (signed this year, not cancelled)",
        "contracts-this-month": "Contracts signed this month",
        "no-contract-this-month": "Projects created this month without a contract",
    }
    for view, title in tabs.items():
        result = _carteira(
            "views", "run", view, "--warehouse", str(superset["warehouse"]), "--format", "json"
        )
        assert result.returncode == 0, result.stderr
        expected = json.loads(result.stdout)["rows"]
        shown = [row for row in api.chart_rows(charts[title]) if "project_id" in row]
        assert sorted(r["project_id"] for r in shown) == sorted(r["project_id"] for r in expected)


def _staff(warehouse: Path) -> dict[str, dict[str, Any]]:
    """A rep (sees only self), a department head (sees more, not all) and a view-all user."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.sql(
            """
            select s.staff_id, s.can_view_all,
                   s.is_department_head, count(v.visible_staff_id) as visible,
                   (select count(*) from marts.telesales_client_population as p
                     where p.owner_staff_id = s.staff_id) as clients
            from marts.dim_staff as s
            left join marts.staff_visibility as v on v.viewer_staff_id = s.staff_id
            where s.active and not s.is_deleted
            group by all
            order by s.staff_id
            """
        ).fetchall()
    keys = ("staff_id", "can_view_all", "is_head", "visible", "clients")
    staff = [dict(zip(keys, row, strict=True)) for row in rows]
    return {
        "rep": next(s for s in staff if s["visible"] == 1 and s["clients"] > 0),
        "head": next(
            s for s in staff if s["is_head"] and not s["can_view_all"] and s["visible"] > 1
        ),
        "all": next(s for s in staff if s["can_view_all"]),
    }


def test_each_login_sees_the_owners_staff_visibility_allows(superset: dict[str, Any]) -> None:
    warehouse = superset["warehouse"]
    for kind, member in _staff(warehouse).items():
        login = superset["logins"][member["staff_id"]]
        api = Api(superset["url"], login["username"], login["password"])
        expected = {
            row["owner_name"]: row["clients"]
            for row in _report(
                warehouse, "telesales", *CALLS_ALL_TIME, "--viewer", member["staff_id"]
            )["rows"]
        }
        shown = {
            row["owner_name"]: row["clients"]
            for row in api.dataset_rows(
                "telesales_population", ["owner_name"], ["clients"], "owner_mode = 'client_owner'"
            )
        }
        assert shown == expected, kind
        if kind == "rep":
            assert len(shown) == 1
        if kind == "all":
            assert "unassigned" in shown and len(shown) > 2


def _org(warehouse: Path) -> OrgTree:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        clients = con.execute(
            "select client_key, owner_staff_id, crm_client_id, erp_customer_code, "
            "studio_member_id from marts.dim_client"
        ).fetchall()
    return org_tree(warehouse.with_name(f"{warehouse.stem}.raw.duckdb"), AS_OF, clients)


ROW_LIMIT = 50_000


def test_no_login_gets_rows_of_clients_it_may_not_see(superset: dict[str, Any]) -> None:
    """Every dataset, every column, every row, through the chart-data API (DuckDB backend):
    a rep, a head and a view-all user get exactly the rows the rule gives them, checked
    against visibility computed from the raw org tree (tests/helpers/visibility.py)."""
    warehouse = superset["warehouse"]
    org = _org(warehouse)
    admin = Api(superset["url"], "admin", superset["admin_password"])
    datasets = admin.datasets()
    access = dataset_access()
    assert set(datasets) == set(access)
    everything = {}
    for table, dataset_id in datasets.items():
        columns = admin.dataset_columns(dataset_id)
        rows = admin.dataset_rows(table, columns, [], "1 = 1", ROW_LIMIT)
        assert 0 < len(rows) < ROW_LIMIT or table == "client_card_open_quotes", table
        everything[table] = (columns, [tuple(r[c] for c in columns) for r in rows])
    checked: dict[str, int] = {}
    for kind, member in _staff(warehouse).items():
        viewer = member["staff_id"]
        login = superset["logins"][viewer]
        api = Api(superset["url"], login["username"], login["password"])
        checked[kind] = 0
        for table, (columns, all_rows) in everything.items():
            rows = [
                tuple(r[c] for c in columns)
                for r in api.dataset_rows(table, columns, [], "1 = 1", ROW_LIMIT)
            ]
            names_anyone = any(any(owners(org, columns, r)) for r in all_rows)
            leaks = [r for r in rows if not allowed(org, viewer, columns, r, names_anyone)]
            assert not leaks, (kind, viewer, table, leaks[:3])
            expected = sorted(
                row_key(r)
                for r in all_rows
                if declared_visible(org, viewer, access[table], columns, r)
            )
            assert sorted(row_key(r) for r in rows) == expected, (kind, viewer, table)
            checked[kind] += len(rows)
    print(f"\nsuperset rows checked per viewer: {checked}")
    assert 0 < checked["rep"] < checked["head"] < checked["all"]


def _browse(superset: dict[str, Any], username: str, password: str, out: Path, *slugs: str):
    result = subprocess.run(
        [
            str(SUPERSET_PYTHON),
            str(SUPERSET_DIR / "browser_check.py"),
            "--url",
            superset["url"],
            # "--name=value": a generated password may start with "-" (token_urlsafe),
            # which argparse would take for an option
            f"--username={username}",
            f"--password={password}",
            "--out",
            str(out),
            *slugs,
        ],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


def test_every_dashboard_renders_in_chromium(superset: dict[str, Any], tmp_path: Path) -> None:
    out = Path(os.environ.get("CARTEIRA_SUPERSET_SCREENSHOTS", tmp_path))
    pages = _browse(superset, "admin", superset["admin_password"], out, *DASHBOARDS)
    for slug in DASHBOARDS:
        for tab in pages[slug]["tabs"]:
            assert tab["charts"] > 0 and not tab["errors"], (slug, tab["errors"])
            assert Path(tab["screenshot"]).stat().st_size > 20_000, slug
    summary = _report(superset["warehouse"], "activity-clients", *ALL_TIME)["summary"]
    (activity,) = pages["activity"]["tabs"]
    assert activity["cards"]["Bookings"] == f"{summary['bookings']:,}"
    assert activity["cards"]["Unexcused absences"] == f"{summary['unexcused_absences']:,}"


def test_a_rep_sees_only_their_rows_in_the_browser(
    superset: dict[str, Any], tmp_path: Path
) -> None:
    rep = _staff(superset["warehouse"])["rep"]
    login = superset["logins"][rep["staff_id"]]
    pages = _browse(superset, login["username"], login["password"], tmp_path, "telesales")
    first = pages["telesales"]["tabs"][0]
    assert not first["errors"]
    (owner_rows,) = [
        rows for title, rows in first["tables"].items() if title.startswith("Per owner")
    ]
    with duckdb.connect(str(superset["warehouse"]), read_only=True) as con:
        (name,) = con.execute(
            "select full_name from marts.dim_staff where staff_id = ?", [rep["staff_id"]]
        ).fetchone()
    assert [row[0] for row in owner_rows] == [name]


def test_dashboards_served_from_postgres(superset: dict[str, Any]) -> None:
    """`up --postgres`: refused while the database serves nothing; after publish-postgres the
    same dashboards read PostgreSQL, with the same numbers and the same per-viewer rows.
    Last in this module: it leaves the Superset of the fixture reading PostgreSQL."""
    from tests.helpers.postgres import fresh_database

    warehouse = superset["warehouse"]
    with fresh_database("h11") as dsn:
        up = ["superset", "up", "--warehouse", str(warehouse), "--port", str(superset["port"])]
        empty = _carteira(*up, "--postgres", dsn)
        assert empty.returncode == 3 and "no schema marts" in empty.stderr
        published = _carteira(
            "publish-postgres", "--dsn", dsn, "--warehouse", str(warehouse), "--role-prefix", "h11t"
        )
        assert published.returncode == 0, published.stderr[-3000:]
        served = _carteira(*up, "--postgres", dsn)
        assert served.returncode == 0, served.stderr
        assert "Dashboards read PostgreSQL database " in served.stdout  # which one it serves
        state = warehouse.with_name(warehouse.stem + ".superset") / "superset.db"
        with closing(sqlite3.connect(state)) as con:
            (uri,) = con.execute(
                "select sqlalchemy_uri from dbs where database_name = 'Carteira'"
            ).fetchone()
        assert uri.startswith("postgresql+psycopg2://")

        api = Api(superset["url"], "admin", superset["admin_password"])
        summary = _report(warehouse, "activity-clients", *ALL_TIME)["summary"]
        assert _card(api, api.charts("activity"), "Bookings") == summary["bookings"]
        rep = _staff(warehouse)["rep"]
        login = superset["logins"][rep["staff_id"]]
        rep_api = Api(superset["url"], login["username"], login["password"])
        shown = rep_api.dataset_rows(
            "telesales_population", ["owner_name"], ["clients"], "owner_mode = 'client_owner'"
        )
        expected = _report(warehouse, "telesales", *CALLS_ALL_TIME, "--viewer", rep["staff_id"])
        assert {r["owner_name"]: r["clients"] for r in shown} == {
            r["owner_name"]: r["clients"] for r in expected["rows"]
        }
