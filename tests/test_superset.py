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
import datetime as dt
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.request
from contextlib import closing
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml
from click.testing import CliRunner

from carteira.cli.main import main
from carteira.refresh.state import read_state
from carteira.reports.telesales import METRICS as TELESALES_METRICS
from carteira.serving.row_access import from_model_files
from carteira.serving.superset_rls import dataset_access, dataset_relations
from carteira.settings import REPO_ROOT
from tests.data.reports_activity.generated import AS_OF, PERIOD_FROM, generated_warehouse
from tests.helpers.shared import shared_root
from tests.helpers.visibility import OrgTree, allowed, declared_visible, org_tree, owners, row_key

SUPERSET_DIR = REPO_ROOT / "bi" / "superset"
SUPERSET_PYTHON = SUPERSET_DIR / ".venv" / "bin" / "python"
CARTEIRA = Path(sys.executable).with_name("carteira")
ALL_TIME = ["--from", "1900-01-01", "--to", "2100-12-31"]
CALLS_ALL_TIME = ["--calls-from", "1900-01-01", "--calls-to", AS_OF.isoformat()]
# `superset up` without --locale serves pt_BR: chart titles are dashboards.yml's English
# titles translated by bi/superset/translations/pt_BR.yml (`_t`).
TRANSLATIONS = yaml.safe_load(
    (SUPERSET_DIR / "translations" / "pt_BR.yml").read_text(encoding="utf-8")
)
SPEC = yaml.safe_load((SUPERSET_DIR / "dashboards.yml").read_text(encoding="utf-8"))
DASHBOARDS = ("activity", "occupancy", "telesales", "customer_history", "client_card", "portfolio")


def _t(english: str) -> str:
    """A title as the default (pt_BR) dashboards show it."""
    return TRANSLATIONS[english]


def _brazilian(number: int) -> str:
    """An integer as pt_BR shows it: 1.234."""
    return f"{number:,}".replace(",", ".")


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
    # Superset keeps its state next to the warehouse: on a copy, the shared one stays as built.
    source = generated_warehouse(shared_root(tmp_path_factory))
    warehouse = tmp_path_factory.mktemp("superset") / source.name
    shutil.copyfile(source, warehouse)
    raw = source.with_name(f"{source.stem}.raw.duckdb")
    shutil.copyfile(raw, warehouse.with_name(raw.name))
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
            "landing": source.parent / "landing",  # what the shared warehouse was built from
        }
    finally:
        _carteira("superset", "stop", "--warehouse", str(warehouse))


def _report(warehouse: Path, *args: str) -> dict[str, Any]:
    """What `carteira report ... --format json` prints (in this process: the dashboards are
    compared with the report's numbers, not with a process start)."""
    result = CliRunner().invoke(
        main, ["report", *args, "--warehouse", str(warehouse), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
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
    declared = from_model_files()
    access = dataset_access()
    relations = dataset_relations()
    assert len(access) == len(SPEC["datasets"])
    for name, dataset in SPEC["datasets"].items():
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


def test_locale_comes_from_the_option_else_carteira_locale(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`up` serves pt_BR by default, CARTEIRA_LOCALE changes it, --locale wins; the bundle
    it imports is that locale's and Superset is told the locale (its interface, formats)."""
    from click.testing import CliRunner

    from carteira.cli.main import main
    from carteira.serving import superset as superset_service

    seen: list[superset_service.Service] = []
    monkeypatch.setattr(superset_service, "up", lambda service, echo: seen.append(service))
    monkeypatch.delenv("CARTEIRA_LOCALE", raising=False)
    warehouse = str(tmp_path / "w.duckdb")
    runner = CliRunner()
    assert runner.invoke(main, ["superset", "up", "--warehouse", warehouse]).exit_code == 0
    monkeypatch.setenv("CARTEIRA_LOCALE", "en")
    assert runner.invoke(main, ["superset", "up", "--warehouse", warehouse]).exit_code == 0
    args = ["superset", "up", "--warehouse", warehouse, "--locale", "pt_BR"]
    assert runner.invoke(main, args).exit_code == 0
    assert [s.locale for s in seen] == ["pt_BR", "en", "pt_BR"]
    refused = runner.invoke(main, ["superset", "up", "--warehouse", warehouse, "--locale", "fr"])
    assert refused.exit_code != 0
    env = superset_service._superset_env(seen[1], {"secret_key": "k"})
    assert env["CARTEIRA_LOCALE"] == "en"
    for locale in superset_service.LOCALES:
        assert (superset_service.BUNDLE / locale / "metadata.yaml").is_file(), locale


def test_status_codes_are_shown_as_the_seeds_labels() -> None:
    """A column that holds a status code is shown as its label (seeds/status_labels.csv) in
    every chart and filter, in both languages, never as the raw code."""
    coded = {name: set(ds.get("status_labels", {})) for name, ds in SPEC["datasets"].items()}
    assert sum(map(len, coded.values())) >= 10
    for name, chart in SPEC["charts"].items():
        shown = chart.get("columns", []) + chart.get("groupby", []) + [chart.get("x")]
        assert not coded[chart["dataset"]] & set(shown), name
    for dash in SPEC["dashboards"].values():
        for f in dash.get("filters", []):
            assert f.get("column") not in coded.get(f.get("dataset"), set()), f["name"]
    for locale, expected in (("pt_BR", "'Negativado'"), ("en", "'Reported to credit bureau'")):
        dataset = SUPERSET_DIR / "bundle" / locale / "datasets" / "carteira"
        titles = yaml.safe_load((dataset / "customer_history_titles.yaml").read_text())
        (label,) = [c for c in titles["columns"] if c["column_name"] == "status_label"]
        assert "WHEN 'credit_bureau' THEN " + expected in label["expression"], locale


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
    """A second `up` changes nothing but what changed: with --locale en every chart, dataset
    label and dashboard is re-imported in English (a dashboard import alone would keep the
    existing charts), and the next `up` brings pt_BR back."""
    up = ["superset", "up", "--warehouse", str(superset["warehouse"])]
    up += ["--port", str(superset["port"])]
    # Migrations and Superset's own permissions are skipped while the stamp of the last
    # setup (Superset's version, the database's migration revision) holds: a stamp that
    # does not match makes the next `up` migrate again (alembic logs "Context impl").
    state = superset["warehouse"].with_name(superset["warehouse"].stem + ".superset")
    stamp, log = state / "schema-stamp.json", state / "superset.log"
    recorded = json.loads(stamp.read_text())
    pin = f'"apache-superset=={recorded["superset"]}"'
    assert pin in (SUPERSET_DIR / "pyproject.toml").read_text() and recorded["revision"], recorded
    stamp.write_text(json.dumps({**recorded, "revision": "an-older-revision"}))
    migrations = log.read_text().count("Context impl")
    english = _carteira(*up, "--locale", "en")
    assert english.returncode == 0, english.stderr
    assert log.read_text().count("Context impl") == migrations + 1
    assert json.loads(stamp.read_text()) == recorded
    api = Api(superset["url"], "admin", superset["admin_password"])
    assert "Bookings" in api.charts("activity")
    again = _carteira(*up)
    assert again.returncode == 0, again.stderr
    assert log.read_text().count("Context impl") == migrations + 1  # the stamp held
    assert "(0 new)" in again.stdout and superset["url"] in again.stdout
    for dashboard in DASHBOARDS:
        assert api.charts(dashboard), dashboard
    titles = api.charts("activity")
    assert _t("Bookings") in titles and "Bookings" not in titles


# What a SQL Lab user might type to reach the machine through a DuckDB connection: each
# must be refused by DuckDB itself (Superset's own checks are parsers, and a SELECT of a
# table function passes them).
SQL_LAB_ATTACKS = {
    "read_text": "select content from read_text('/etc/passwd')",
    "read_csv": "select * from read_csv('/etc/passwd')",
    "glob": "select * from glob('/etc/*')",
    "copy_to": "copy (select 1) to '{out}'",
    "attach": "attach '{db}' as other",
    "set_external": "set enable_external_access = true",
    "unlock": "set lock_configuration = false",
    "install": "install httpfs",
}
_ENGINE_ATTACK = """
import json, sys
from sqlalchemy import create_engine, text
uri, attacks = sys.argv[1], json.loads(sys.argv[2])
engine = create_engine(uri)
out = {}
with engine.connect() as con:
    out["select"] = str(con.execute(text("select count(*) from marts.dim_staff")).scalar())
for name, sql in attacks.items():
    try:
        with engine.connect() as con:
            out[name] = "ran: " + str(con.execute(text(sql)).fetchall())[:200]
    except Exception as exc:
        out[name] = "refused: " + type(exc).__name__
print(json.dumps(out))
"""


def _sql_lab(url: str, password: str, database_id: int, sql: str) -> str:
    """`sql` run in SQL Lab as the administrator: the API's answer, error or not."""
    import http.cookiejar

    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )

    def call(path: str, body: Any = None, headers: dict[str, str] | None = None) -> str:
        request = urllib.request.Request(
            url + path,
            method="POST" if body is not None else "GET",
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Content-Type": "application/json", "Referer": url, **(headers or {})},
        )
        try:
            with opener.open(request, timeout=300) as response:
                return response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.read().decode()

    login = {"username": "admin", "password": password, "provider": "db", "refresh": False}
    token = json.loads(call("api/v1/security/login", login))["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    csrf = json.loads(call("api/v1/security/csrf_token/", headers=auth))["result"]
    body = {
        "database_id": database_id,
        "sql": sql,
        "runAsync": False,
        "client_id": os.urandom(5).hex(),
        "queryLimit": 10,
        "tab": "attack",
        "select_as_cta": False,
        "templateParams": "{}",
    }
    return call("api/v1/sqllab/execute/", body, {**auth, "X-CSRFToken": csrf})


def test_sql_lab_cannot_read_or_write_files_through_duckdb(
    superset: dict[str, Any], tmp_path: Path
) -> None:
    """Both DuckDB connections Superset stores (the dashboards' and SQL Lab's "local"
    one) open the file with external access off and the configuration locked: through the
    very engine Superset builds from the stored URI, every attack is refused by DuckDB,
    and SQL Lab's API as the administrator gets no line of /etc/passwd."""
    state = superset["warehouse"].with_name(superset["warehouse"].stem + ".superset")
    with closing(sqlite3.connect(state / "superset.db")) as con:
        stored = con.execute(
            "select id, database_name, sqlalchemy_uri from dbs where sqlalchemy_uri like 'duckdb:%'"
        ).fetchall()
    assert {name for _, name, _ in stored} == {"Carteira", "Carteira (DuckDB, local)"}
    out, other = tmp_path / "stolen.csv", tmp_path / "other.duckdb"
    duckdb.connect(str(other)).close()
    attacks = {k: v.format(out=out, db=other) for k, v in SQL_LAB_ATTACKS.items()}
    for _, name, uri in stored:
        run = subprocess.run(
            [str(SUPERSET_PYTHON), "-c", _ENGINE_ATTACK, uri, json.dumps(attacks)],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert run.returncode == 0, run.stderr
        result = json.loads(run.stdout.splitlines()[-1])
        assert int(result.pop("select")) > 0, name  # the warehouse itself is readable
        assert all(v.startswith("refused") for v in result.values()), (name, result)
        assert set(result) == set(SQL_LAB_ATTACKS)
    assert not out.exists()
    local = next(i for i, name, _ in stored if name == "Carteira (DuckDB, local)")
    lab = superset["url"], superset["admin_password"], local
    fine = json.loads(_sql_lab(*lab, "select count(*) as n from marts.dim_staff"))
    assert fine["data"][0]["n"] > 0, fine  # the request itself is right: the refusal is DuckDB's
    answer = _sql_lab(*lab, attacks["read_text"])
    assert "root:x:" not in answer and "file system operations are disabled" in answer, answer


def test_activity_and_occupancy_charts_show_the_cli_numbers(superset: dict[str, Any]) -> None:
    api = Api(superset["url"], "admin", superset["admin_password"])
    summary = _report(superset["warehouse"], "activity-clients", *ALL_TIME)["summary"]
    charts = api.charts("activity")
    cards = {
        _t("Bookings"): "bookings",
        _t("Attended"): "attended",
        _t("Excused absences"): "excused_absences",
        _t("Unexcused absences"): "unexcused_absences",
        _t("Scheduled"): "scheduled",
        _t("Clients"): "clients",
    }
    assert summary["bookings"] > 0
    for title, column in cards.items():
        assert _card(api, charts, title) == summary[column], title

    occupancy = _report(superset["warehouse"], "activity-occupancy", *ALL_TIME)["summary"]
    charts = api.charts("occupancy")
    assert _card(api, charts, _t("Sessions")) == occupancy["sessions"]
    assert _card(api, charts, _t("Booked places")) == occupancy["booked"]
    for title, column in (
        (_t("Occupancy rate"), "occupancy_rate"),
        (_t("Attendance rate"), "attendance_rate"),
    ):
        assert round(_card(api, charts, title), 4) == pytest.approx(float(occupancy[column])), title


def test_every_chart_of_every_dashboard_answers_the_chart_data_api(
    superset: dict[str, Any],
) -> None:
    """`GET /api/v1/chart/<id>/data/` (what alerts, reports and scripts call) answers for
    every chart of every dashboard Superset has, not only for the cards and tables."""
    api = Api(superset["url"], "admin", superset["admin_password"])
    _every_chart_answers(api)


def _every_chart_answers(api: Api) -> None:
    dashboards = api._call("GET", "api/v1/dashboard/?q=(page_size:100)")["result"]
    slugs = {d["slug"] for d in dashboards}
    assert set(DASHBOARDS) <= slugs
    answered = 0
    for slug in sorted(slugs):
        charts = api._call("GET", f"api/v1/dashboard/{slug}/charts")["result"]
        assert charts, slug
        for chart in charts:
            try:
                result = api._call("GET", f"api/v1/chart/{chart['id']}/data/")["result"]
            except urllib.error.HTTPError as error:
                body = error.read().decode(errors="replace")[:300]
                pytest.fail(f"{slug} / {chart['slice_name']}: HTTP {error.code} {body}")
            assert result and "data" in result[0], (slug, chart["slice_name"])
            answered += 1
    assert answered >= len(SPEC["charts"])


# The report's call period that ends before as_of (orders and appointments after it still
# count, up to as_of) and one that reaches as_of.
TELESALES_PERIODS = {
    "ends before as_of": (PERIOD_FROM, AS_OF - dt.timedelta(days=3)),
    "reaches as_of": (AS_OF - dt.timedelta(days=14), AS_OF),
}
TELESALES_MODES = {
    "client_owner": (
        "Per owner (click an owner to see the clients behind the numbers)",
        "Clients",
    ),
    "opportunity_owner": (
        "Per opportunity owner (click an owner to see the clients behind the numbers)",
        "Opportunities",
    ),
}
TELESALES_CARDS = {
    "called_clients": "Called",
    "calls": "Calls",
    "appointments": "Appointments",
    "orders": "Orders",
    "order_value": "Order value",
}


def _dashboard_query(
    api: Api, chart_id: int, period: tuple[dt.date, dt.date], filters: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The rows a chart shows on the dashboard with the call period and filters set: its
    saved query with the dashboard's time range (end exclusive, as the time filter sends
    it) and native-filter values, posted as the browser posts it."""
    context = json.loads(api._call("GET", f"api/v1/chart/{chart_id}")["result"]["query_context"])
    (query,) = context["queries"]
    first, last = period
    query["time_range"] = f"{first.isoformat()} : {(last + dt.timedelta(days=1)).isoformat()}"
    query["filters"] = filters
    return api._call("POST", "api/v1/chart/data", context)["result"][0]["data"]


def _assert_dashboard_is_the_report(
    api: Api,
    warehouse: Path,
    mode: str,
    period: tuple[dt.date, dt.date],
    report_args: list[str],
    filters: list[dict[str, Any]],
) -> dict[str, Any]:
    table_title, population_card = (_t(title) for title in TELESALES_MODES[mode])
    first, last = period
    report = _report(
        warehouse,
        "telesales",
        "--mode",
        mode,
        "--calls-from",
        first.isoformat(),
        "--calls-to",
        last.isoformat(),
        *report_args,
    )
    charts = api.charts("telesales", where=f"'{mode}'")
    owner_table = charts[table_title]
    shown = {row["owner_name"]: row for row in _dashboard_query(api, owner_table, period, filters)}
    assert sorted(shown) == sorted(r["owner_name"] for r in report["rows"]), (mode, period)
    for row in report["rows"]:
        for column in TELESALES_METRICS:  # every column of the report
            got = shown[row["owner_name"]][column]
            assert _number(got) == _number(row[column]), (mode, period, row["owner_name"], column)
    summary = report["summary"]
    cards = {population_card: "clients"} | {_t(t): c for c, t in TELESALES_CARDS.items()}
    for title, column in cards.items():
        (card,) = _dashboard_query(api, charts[title], period, filters)
        (value,) = card.values()
        assert _number(value or 0) == _number(summary[column]), (mode, period, title)
    return report


@pytest.mark.parametrize("period", sorted(TELESALES_PERIODS))
@pytest.mark.parametrize("mode", sorted(TELESALES_MODES))
def test_telesales_dashboard_is_the_report(
    superset: dict[str, Any], mode: str, period: str
) -> None:
    """Cards and per-owner table, for a call period ending before as_of and one reaching
    it, equal `carteira report telesales` for the administrator (everyone, `unassigned`
    included), a department head and a rep (only what --viewer gives them)."""
    warehouse = superset["warehouse"]
    logins = {"admin": (None, "admin", superset["admin_password"])} | {
        kind: (
            member["staff_id"],
            superset["logins"][member["staff_id"]]["username"],
            superset["logins"][member["staff_id"]]["password"],
        )
        for kind, member in _staff(warehouse).items()
        if kind in ("rep", "head")
    }
    for kind, (staff_id, username, password) in logins.items():
        api = Api(superset["url"], username, password)
        viewer = ["--viewer", staff_id] if staff_id else []
        report = _assert_dashboard_is_the_report(
            api, warehouse, mode, TELESALES_PERIODS[period], viewer, []
        )
        assert report["summary"]["clients"] > 0, kind
        if kind == "admin":
            assert report["summary"]["calls"] > 0 and report["summary"]["orders"] > 0
            assert "unassigned" in {r["owner_name"] for r in report["rows"]}
        if kind == "rep":
            assert len(report["rows"]) == 1


def test_telesales_dashboard_filters_are_the_reports(superset: dict[str, Any]) -> None:
    """Department (with its sub-departments), sources, client group, creation months and
    (by opportunity owner) campaign: the dashboard's filters give the report's rows."""
    warehouse = superset["warehouse"]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        department, department_name = con.execute(
            """
            select d.department_id, any_value(d.department_name)
            from bi.telesales_departments as d
            group by d.department_id
            having count(distinct d.depth) > 1 and count(*) < (select count(*) from marts.dim_staff)
            order by count(*) desc, d.department_id
            limit 1
            """
        ).fetchone()
        campaign, campaign_name = con.execute(
            """
            select campaign_id, any_value(campaign_name) from bi.telesales_population
            where owner_mode = 'opportunity_owner' and campaign_id is not null
            group by campaign_id order by count(*) desc, campaign_id limit 1
            """
        ).fetchone()
    period = TELESALES_PERIODS["ends before as_of"]
    api = Api(superset["url"], "admin", superset["admin_password"])
    months = ["2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06"]
    months += ["2025-07", "2025-08", "2025-09", "2025-10", "2025-11", "2025-12"]
    client_filters = [
        {"col": "department_name", "op": "IN", "val": [department_name]},
        {"col": "source", "op": "IN", "val": ["instagram", "referral", "website"]},
        {"col": "client_group", "op": "IN", "val": ["standard"]},
        {"col": "created_month", "op": "IN", "val": months},
    ]
    client_args = ["--department", department, "--group", "standard"]
    client_args += ["--source", "instagram", "--source", "referral", "--source", "website"]
    client_args += ["--created-from", "2025-01-01", "--created-to", "2025-12-31"]
    report = _assert_dashboard_is_the_report(
        api, warehouse, "client_owner", period, client_args, client_filters
    )
    assert len(report["rows"]) > 1 and report["summary"]["clients"] > 0
    assert "unassigned" not in {r["owner_name"] for r in report["rows"]}

    opportunity_filters = [{"col": "campaign_name", "op": "IN", "val": [campaign_name]}]
    report = _assert_dashboard_is_the_report(
        api, warehouse, "opportunity_owner", period, ["--campaign", campaign], opportunity_filters
    )
    assert report["summary"]["clients"] > 0


def test_telesales_dashboard_opens_on_today_as_the_report(superset: dict[str, Any]) -> None:
    """The call period opens on today (the report's default), not on all time, and the
    charts' saved queries (alerts, API) use the same period. The status line is the one
    chart out of every filter's scope: it says which day the whole warehouse describes."""
    api = Api(superset["url"], "admin", superset["admin_password"])
    dashboard = api._call("GET", "api/v1/dashboard/telesales")["result"]
    filters = json.loads(dashboard["json_metadata"])["native_filter_configuration"]
    (period,) = [f for f in filters if f["filterType"] == "filter_time"]
    assert period["defaultDataMask"]["filterState"]["value"] == "today : tomorrow"
    charts = api._call("GET", "api/v1/dashboard/telesales/charts")["result"]
    status_line = _t(SPEC["charts"][SPEC["status_line"]["chart"]]["title"])
    assert status_line in {chart["slice_name"] for chart in charts}
    for chart in charts:
        if chart["slice_name"] == status_line:
            continue
        detail = api._call("GET", f"api/v1/chart/{chart['id']}")["result"]
        (query,) = json.loads(detail["query_context"])["queries"]
        assert query["time_range"] == "today : tomorrow", chart["slice_name"]


def test_portfolio_tabs_are_the_saved_views(superset: dict[str, Any]) -> None:
    api = Api(superset["url"], "admin", superset["admin_password"])
    charts = api.charts("portfolio")
    tabs = {
        "contract-status-this-year": _t(
            "Contract status this year (signed this year, not cancelled)"
        ),
        "contracts-this-month": _t("Contracts signed this month"),
        "no-contract-this-month": _t("Projects created this month without a contract"),
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
# Datasets of the staff directory (docs/bi.md): every staff login reads them whole.
DIRECTORY_DATASETS = {"telesales_departments"}


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
            if table in DIRECTORY_DATASETS:  # the staff directory: readable whole
                assert sorted(map(row_key, rows)) == sorted(map(row_key, all_rows)), table
                assert not any(owners(org, columns, r)[0] for r in all_rows), table
                continue
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


def _status_lines(pages: dict[str, Any]) -> set[str]:
    """The first line of every dashboard and tab, as the browser shows it."""
    lines = {slug: [tab["texts"].get(_t("About this data")) for tab in pages[slug]["tabs"]]
             for slug in pages}  # fmt: skip
    assert all(all(tabs) for tabs in lines.values()), lines
    return {line for tabs in lines.values() for line in tabs}


def test_every_dashboard_renders_in_chromium(superset: dict[str, Any], tmp_path: Path) -> None:
    out = Path(os.environ.get("CARTEIRA_SUPERSET_SCREENSHOTS", tmp_path))
    pages = _browse(superset, "admin", superset["admin_password"], out, *DASHBOARDS)
    for slug in DASHBOARDS:
        for tab in pages[slug]["tabs"]:
            assert tab["charts"] > 0 and not tab["errors"], (slug, tab["errors"])
            assert Path(tab["screenshot"]).stat().st_size > 20_000, slug
    # every dashboard says the day of the published warehouse, and that no source is late
    published = read_state(superset["warehouse"])
    assert published is not None
    (line,) = _status_lines(pages)
    assert re.fullmatch(
        rf"dados de {published.as_of:%d/%m/%Y}, atualizado em \d\d/\d\d/\d{{4}} \d\d:\d\d"
        r" · todas as fontes em dia",
        line,
    ), line
    summary = _report(superset["warehouse"], "activity-clients", *ALL_TIME)["summary"]
    (activity,) = pages["activity"]["tabs"]
    assert activity["cards"][_t("Bookings")] == _brazilian(summary["bookings"])
    assert activity["cards"][_t("Unexcused absences")] == _brazilian(summary["unexcused_absences"])


def test_the_period_filter_gives_the_report_in_chromium(
    superset: dict[str, Any], tmp_path: Path
) -> None:
    """Set as a person sets it (the dashboard's period filter), the period reaches the
    charts: the activity cards and the telesales cards (both of its windows) read in the
    browser are the report's for that period."""
    first, last = PERIOD_FROM, AS_OF - dt.timedelta(days=3)
    period = f"{first.isoformat()} : {(last + dt.timedelta(days=1)).isoformat()}"
    pages = _browse(
        superset,
        "admin",
        superset["admin_password"],
        tmp_path,
        f"--period={period}",
        "activity",
        "telesales",
    )
    dates = ["--from", first.isoformat(), "--to", last.isoformat()]
    activity = _report(superset["warehouse"], "activity-clients", *dates)["summary"]
    everything = _report(superset["warehouse"], "activity-clients", *ALL_TIME)["summary"]
    assert 0 < activity["bookings"] < everything["bookings"]
    (page,) = pages["activity"]["tabs"]
    assert page["cards"][_t("Bookings")] == _brazilian(activity["bookings"])
    assert page["cards"][_t("Attended")] == _brazilian(activity["attended"])
    calls = ["--calls-from", first.isoformat(), "--calls-to", last.isoformat()]
    telesales = _report(superset["warehouse"], "telesales", *calls)["summary"]
    cards = pages["telesales"]["tabs"][0]["cards"]
    assert telesales["calls"] > 0
    for title in ("Clients", "Called", "Calls", "Appointments", "Orders"):
        column = {"Called": "called_clients"}.get(title, title.lower())
        assert cards[_t(title)] == _brazilian(telesales[column]), title


def test_a_rep_sees_only_their_rows_in_the_browser(
    superset: dict[str, Any], tmp_path: Path
) -> None:
    rep = _staff(superset["warehouse"])["rep"]
    login = superset["logins"][rep["staff_id"]]
    pages = _browse(superset, login["username"], login["password"], tmp_path, "telesales")
    first = pages["telesales"]["tabs"][0]
    assert not first["errors"]
    (owner_rows,) = [
        rows
        for title, rows in first["tables"].items()
        if title == _t("Per owner (click an owner to see the clients behind the numbers)")
    ]
    with duckdb.connect(str(superset["warehouse"]), read_only=True) as con:
        (name,) = con.execute(
            "select full_name from marts.dim_staff where staff_id = ?", [rep["staff_id"]]
        ).fetchone()
    assert [row[0] for row in owner_rows] == [name]


def test_the_dashboards_name_a_late_source(superset: dict[str, Any], tmp_path: Path) -> None:
    """A refresh two days later with nothing delivered, of the warehouse this Superset
    serves (as the next days' scheduled refreshes would): the same dashboards, with no
    restart, say the new day and name each system with its last extract (one dashboard:
    every dashboard and tab shows the same line, test_every_dashboard_renders_in_chromium).
    After the browser tests that expect the first day; before the PostgreSQL one, which
    reads this warehouse as it now is."""
    warehouse = superset["warehouse"]
    later = AS_OF + dt.timedelta(days=2)
    refresh = _carteira(
        "refresh", "--landing", str(superset["landing"]), "--warehouse", str(warehouse),
        "--as-of", str(later),
    )  # fmt: skip
    assert refresh.returncode == 0, refresh.stdout + refresh.stderr
    pages = _browse(superset, "admin", superset["admin_password"], tmp_path, "activity")
    (line,) = _status_lines(pages)
    assert line.startswith(f"dados de {later:%d/%m/%Y}, atualizado em "), line
    last = f"(última extração {AS_OF:%d/%m/%Y})"
    assert line.endswith(
        f" · fontes atrasadas: crm {last}, erp {last}, pbx {last}, studio {last}"
    ), line


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
        assert _card(api, api.charts("activity"), _t("Bookings")) == summary["bookings"]
        # Every chart (status-label CASE columns, the Jinja telesales dataset) runs on
        # PostgreSQL too, and the telesales dashboard is the report there as well.
        _every_chart_answers(api)
        for mode in TELESALES_MODES:
            _assert_dashboard_is_the_report(
                api, warehouse, mode, TELESALES_PERIODS["ends before as_of"], [], []
            )
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
