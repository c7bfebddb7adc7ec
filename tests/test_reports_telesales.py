"""Telesales report (per owner) on the hand-written raw layer.

Raw layer: `tests/data/reports_activity/raw_layer.py`; as_of 2026-03-10, call period
2026-03-01..2026-03-07 unless said otherwise. Worked out by hand:

calls (only matched outbound calls from the OWNER's extension in the period count)
  1  rep -> Ana 03-02 answered 120 s      counts (rep owns Ana)
  2  rep -> Ana 03-03 no answer           counts, not successful
  3  rep -> 21 3333-4444                  ambiguous (Bruno and Carla): nobody
  4  mgr -> Bruno 03-02                   from a non-owner's extension (Bruno is rep's)
  5  Eva -> rep, inbound                  inbound never counts
  6  rep -> (61) 91234-5678               nobody's number
  7, 8  rep -> Ana 02-28 / 03-08          outside the call period
  9  rep2 -> Eva 03-05 answered 90 s      counts (rep2 owns Eva)
  10 boss -> Davi                         Davi has no owner
  11 mgr -> Carla's shared number         ambiguous
  12 rep2 -> Eva 03-06 busy               counts, not successful
  13 rep -> 98765-4321                    no area code
  14 other -> Eva                         not Eva's owner
appointments (created from 03-01 up to as_of, any status, by anyone)
  Ana t1 03-02 done, t2 03-04 open (t3 02-20 is before); Carla t7 03-05 cancelled;
  Davi t5 03-09 open; Eva t6 03-11 is after as_of, t8 deleted; Bruno t4 is a call task.
orders (non-cancelled, ordered from 03-01 up to as_of) and their titles
  Ana   o1 03-03 240.50: title 140.50 paid 100 (40.50 paid after as_of) -> overdue 40.50;
        title 100 whose 30 payment was reversed -> open 100. collected 100, debt 140.50.
        o2 is cancelled (its paid 999 title counts nowhere); o3 is 02-25.
  Eva   o4 03-06 500: title 300 paid; title 200 paid 50, at a credit bureau since 03-09.
        collected 350, debt 150. o6 is 03-11, after as_of.
  Davi  o5 03-09 80, no title.

The last tests check properties on a warehouse built by the real pipeline from generated
data (tests/data/reports_activity/generated.py).
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner, Result

from carteira.cli.reports import report
from carteira.reports import engine
from tests.data.reports_activity.generated import PERIOD_FROM, PERIOD_TO, generated_warehouse
from tests.data.reports_activity.raw_layer import built_warehouse
from tests.helpers.shared import shared_root

CALLS = ["--calls-from", "2026-03-01", "--calls-to", "2026-03-07"]

# owner -> (clients, called_clients, not_called, calls, successful_calls, talk_minutes,
#           clients_with_appointment, appointments, appointments_done,
#           clients_without_appointment, orders, order_value, collected, debt,
#           clients_without_orders)
METRICS = (
    "clients",
    "called_clients",
    "not_called",
    "calls",
    "successful_calls",
    "talk_minutes",
    "clients_with_appointment",
    "appointments",
    "appointments_done",
    "clients_without_appointment",
    "orders",
    "order_value",
    "collected",
    "debt",
    "clients_without_orders",
)
CLIENT_OWNER = {
    # Ana (called twice, 120 s, two appointments, o1) and Bruno (called only from mgr's line)
    "rep": (2, 1, 1, 2, 1, 2, 1, 2, 1, 1, 1, 240.5, 100, 140.5, 1),
    # Eva: two calls, 90 s; her appointments are after as_of or deleted; o4
    "rep2": (1, 1, 0, 2, 1, 1.5, 0, 0, 0, 1, 1, 500, 350, 150, 0),
    # Carla: only ambiguous calls; one cancelled appointment
    "mgr": (1, 0, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 1),
    # Gil, owned by an inactive staff member
    "lazy": (1, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1),
    # Davi: boss's call does not count for a client without owner
    "unassigned": (1, 0, 1, 0, 0, 0, 1, 1, 0, 0, 1, 80, 0, 0, 0),
}
CLIENT_OWNER_TOTAL = (6, 2, 4, 4, 2, 3.5, 3, 4, 1, 3, 3, 820.5, 450, 290.5, 3)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built_warehouse(shared_root(tmp_path_factory))


def invoke(warehouse: Path, *args: str) -> Result:
    return CliRunner().invoke(report, ["telesales", *args, "--warehouse", str(warehouse)])


def run_json(warehouse: Path, *args: str) -> dict[str, Any]:
    result = invoke(warehouse, *args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def values(row: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(row[m] for m in METRICS)


def by_owner(out: dict[str, Any]) -> dict[str, tuple[Any, ...]]:
    return {r["owner"]: values(r) for r in out["rows"]}


def test_client_owner_mode(warehouse: Path) -> None:
    out = run_json(warehouse, *CALLS)
    assert out["report"] == "telesales"
    assert out["params"]["as_of"] == "2026-03-10"  # the warehouse's, not today
    assert out["params"]["mode"] == "client_owner"
    assert by_owner(out) == CLIENT_OWNER
    assert values(out["summary"]) == CLIENT_OWNER_TOTAL
    assert list(out["summary"]) == list(METRICS)
    assert list(out["rows"][0]) == ["owner", "owner_name", *METRICS]
    # ordered by name, unassigned last
    assert [r["owner"] for r in out["rows"]] == ["lazy", "mgr", "rep", "rep2", "unassigned"]
    assert out["rows"][-1]["owner_name"] == "unassigned"


def test_call_period_moves_calls_appointments_and_orders(warehouse: Path) -> None:
    # from 03-03: call 1 and Ana's first appointment drop out; o1 (03-03) stays
    out = run_json(warehouse, "--calls-from", "2026-03-03", "--calls-to", "2026-03-08")
    rep = dict(zip(METRICS, by_owner(out)["rep"], strict=True))
    assert (rep["calls"], rep["successful_calls"], rep["talk_minutes"]) == (2, 1, 5)  # 2, 8
    assert (rep["appointments"], rep["appointments_done"], rep["orders"]) == (1, 0, 1)
    # from 03-07: only what happened since, up to as_of (calls stop at calls_to)
    late = run_json(warehouse, "--calls-from", "2026-03-07", "--calls-to", "2026-03-07")
    rows = by_owner(late)
    assert dict(zip(METRICS, rows["unassigned"], strict=True))["orders"] == 1  # o5, 03-09
    assert dict(zip(METRICS, rows["rep"], strict=True))["orders"] == 0
    assert late["summary"]["calls"] == 0 and late["summary"]["appointments"] == 1  # t5


def test_opportunity_owner_mode(warehouse: Path) -> None:
    out = run_json(warehouse, *CALLS, "--mode", "opportunity_owner")
    # rep owns op1 and op2 (both Ana) and op3 (Eva, whom only rep2 and `other` called).
    # Ana's calls, appointments and orders count once for rep, not once per opportunity.
    assert by_owner(out) == {
        "rep": (3, 2, 1, 2, 1, 2, 2, 2, 1, 1, 2, 740.5, 450, 290.5, 0),
        "mgr": (1, 0, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 1),  # op4 Carla
        "unassigned": (1, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1),  # op5 Bruno
    }  # op6 is deleted; op7's client is deleted
    assert values(out["summary"]) == (5, 2, 3, 2, 1, 2, 3, 3, 1, 2, 2, 740.5, 450, 290.5, 2)

    camp1 = run_json(warehouse, *CALLS, "--mode", "opportunity_owner", "--campaign", "camp1")
    assert by_owner(camp1)["rep"][:3] == (2, 1, 1)  # op1 and op3
    assert camp1["params"]["campaign"] == "camp1"

    created = run_json(
        warehouse, *CALLS, "--mode", "opportunity_owner", "--created-from", "2026-02-15"
    )
    assert by_owner(created)["rep"][:3] == (2, 1, 1)  # op2 entered the campaign on 02-01

    refused = invoke(warehouse, *CALLS, "--campaign", "camp1")
    assert refused.exit_code != 0 and "opportunity_owner" in refused.output


def test_owner_department_and_client_filters(warehouse: Path) -> None:
    owners = run_json(warehouse, *CALLS, "--owner", "rep", "--owner", "mgr")
    assert by_owner(owners) == {"rep": CLIENT_OWNER["rep"], "mgr": CLIENT_OWNER["mgr"]}
    assert owners["summary"]["clients"] == 3

    # sales > sales_sp: the department and its sub-department, no unassigned row
    sales = run_json(warehouse, *CALLS, "--department", "sales")
    assert set(by_owner(sales)) == {"mgr", "rep", "rep2", "lazy"}
    sales_sp = run_json(warehouse, *CALLS, "--department", "sales_sp")
    assert set(by_owner(sales_sp)) == {"rep", "rep2", "lazy"}
    root = run_json(warehouse, *CALLS, "--department", "root")  # two levels deep
    assert set(by_owner(root)) == {"mgr", "rep", "rep2", "lazy"}
    assert run_json(warehouse, *CALLS, "--department", "ops")["rows"] == []

    website = run_json(warehouse, *CALLS, "--source", "website")  # Ana, Carla, Eva
    assert {k: v[0] for k, v in by_owner(website).items()} == {"rep": 1, "mgr": 1, "rep2": 1}
    two_sources = run_json(warehouse, *CALLS, "--source", "website", "--source", "facebook")
    assert by_owner(two_sources)["unassigned"][0] == 1  # + Davi

    vip = run_json(warehouse, *CALLS, "--group", "vip")  # Ana and Davi
    assert {k: v[0] for k, v in by_owner(vip).items()} == {"rep": 1, "unassigned": 1}
    assert vip["params"]["client_groups"] == ["vip"]

    # client creation period: Bruno 03-01, Davi 03-02, Gil 03-05 (inclusive bounds)
    created = run_json(
        warehouse, *CALLS, "--created-from", "2026-03-01", "--created-to", "2026-03-05"
    )
    assert {k: v[0] for k, v in by_owner(created).items()} == {"rep": 1, "unassigned": 1, "lazy": 1}
    assert by_owner(created)["rep"][1] == 0  # Bruno was only called from mgr's line


def test_viewer_visibility(warehouse: Path) -> None:
    def owners_seen(viewer: str) -> set[str]:
        return set(by_owner(run_json(warehouse, *CALLS, "--viewer", viewer)))

    assert owners_seen("rep") == {"rep"}
    assert owners_seen("rep2") == {"rep", "rep2", "lazy"}  # head of sales_sp
    assert owners_seen("mgr") == {"mgr", "rep", "rep2", "lazy"}  # sales + sales_sp
    assert owners_seen("boss") == {"mgr", "rep", "rep2", "lazy"}  # root, two levels deep
    assert owners_seen("admin") == set(CLIENT_OWNER)  # can_view_all: with unassigned
    assert owners_seen("other") == set()  # owns nobody, heads nothing

    seen = run_json(warehouse, *CALLS, "--viewer", "rep2")
    assert values(seen["summary"]) == tuple(
        a + b + c
        for a, b, c in zip(
            CLIENT_OWNER["rep"], CLIENT_OWNER["rep2"], CLIENT_OWNER["lazy"], strict=True
        )
    )

    # an inactive viewer sees nothing
    lazy = run_json(warehouse, *CALLS, "--viewer", "lazy")
    assert lazy["rows"] == [] and lazy["summary"]["clients"] == 0

    # an unknown viewer is an error, with no rows and a non-zero exit
    unknown = invoke(warehouse, *CALLS, "--viewer", "ghost", "--format", "json")
    assert unknown.exit_code != 0
    assert "unknown viewer 'ghost'" in unknown.output and '"rows"' not in unknown.output


def test_sql_file_gives_the_cli_numbers(warehouse: Path) -> None:
    """queries/telesales.sql run as-is (as a BI tool would) gives the CLI's numbers."""
    params = {
        "mode": "client_owner",
        "owners": None,
        "department": None,
        "campaign": None,
        "sources": None,
        "client_groups": None,
        "created_from": None,
        "created_to": None,
        "calls_from": date(2026, 3, 1),
        "calls_to": date(2026, 3, 7),
        "viewer": "mgr",
    }
    with duckdb.connect(str(warehouse), read_only=True) as con:
        cur = con.execute(engine.query_text("telesales"), params)
        names = [c[0] for c in cur.description]
        rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    total = next(r for r in rows if r["is_total"])
    assert total["debt"] == Decimal("290.50") and total["order_value"] == Decimal("740.50")
    assert total["talk_minutes"] == Decimal("3.50")
    cli = run_json(warehouse, *CALLS, "--viewer", "mgr")
    assert {r["owner"] for r in rows if not r["is_total"]} == set(by_owner(cli))
    for row in (r for r in rows if not r["is_total"]):
        assert tuple(float(row[m]) for m in METRICS) == by_owner(cli)[row["owner"]]


def test_periods_and_mode_are_checked(warehouse: Path) -> None:
    backwards = invoke(warehouse, "--calls-from", "2026-03-07", "--calls-to", "2026-03-01")
    assert backwards.exit_code != 0 and "empty call period" in backwards.output
    missing = invoke(warehouse, "--calls-from", "2026-03-01")
    assert missing.exit_code != 0 and "--calls-to" in missing.output
    bad_mode = invoke(warehouse, *CALLS, "--mode", "whatever")
    assert bad_mode.exit_code != 0


def test_table_and_csv(warehouse: Path) -> None:
    table = invoke(warehouse, *CALLS)
    assert table.exit_code == 0
    assert "as_of=2026-03-10" in table.output and "(5 rows)" in table.output
    csv_lines = invoke(warehouse, *CALLS, "--format", "csv").output.strip().splitlines()
    assert csv_lines[0].startswith("owner,owner_name,clients,called_clients,not_called,")
    assert csv_lines[-1].startswith("unassigned,unassigned,1,0,1,")


# --------------------------------------------------------------------------- generated data


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generated_warehouse(shared_root(tmp_path_factory))


GENERATED_CALLS = ["--calls-from", PERIOD_FROM.isoformat(), "--calls-to", PERIOD_TO.isoformat()]


def assert_consistent(out: dict[str, Any]) -> None:
    """Row identities, bounds, and per-owner rows summing to the summary.

    In opportunity mode the client counts are opportunity counts while calls are counted
    once per (owner, client): two opportunities of one called client make 2 called, 1 call.
    """
    per_client = out["params"]["mode"] == "client_owner"
    for row in [*out["rows"], out["summary"]]:
        assert row["not_called"] == row["clients"] - row["called_clients"]
        assert row["clients_without_appointment"] == (
            row["clients"] - row["clients_with_appointment"]
        )
        assert 0 <= row["called_clients"] <= row["clients"]
        if per_client:
            assert row["called_clients"] <= row["calls"]
            assert row["clients_with_appointment"] <= row["appointments"]
        assert row["successful_calls"] <= row["calls"]
        assert row["appointments_done"] <= row["appointments"]
        assert row["clients_without_orders"] <= row["clients"]
        assert row["debt"] >= 0 and row["collected"] >= 0
    for metric in METRICS:
        assert out["summary"][metric] == pytest.approx(
            sum(r[metric] for r in out["rows"]), abs=1e-6
        ), metric


def test_properties_on_generated_data(generated: Path) -> None:
    out = run_json(generated, *GENERATED_CALLS)
    assert_consistent(out)
    assert out["params"]["as_of"] == "2026-03-02"
    with duckdb.connect(str(generated), read_only=True) as con:
        population = con.execute(
            "select count(*) from marts.dim_client "
            "where not is_deleted and crm_client_id is not null"
        ).fetchone()
        # matched outbound calls from the owner's extension, counted from the core marts
        calls = con.execute(
            "select count(*), count(distinct calls.client_key) from marts.fct_calls as calls "
            "join marts.dim_client as clients on clients.client_key = calls.client_key "
            "where calls.direction = 'outbound' and calls.match_status = 'matched' "
            "and calls.staff_id = clients.owner_staff_id and not clients.is_deleted "
            "and clients.crm_client_id is not null and calls.call_date between $f and $t",
            {"f": PERIOD_FROM, "t": PERIOD_TO},
        ).fetchone()
        staff = con.execute("select staff_id, department_id from marts.dim_staff").fetchall()
    assert population is not None and calls is not None
    assert out["summary"]["clients"] == population[0] > 0
    assert (out["summary"]["calls"], out["summary"]["called_clients"]) == calls
    assert out["summary"]["calls"] > 0, "the generated month has calls to owned clients"

    opportunities = run_json(generated, *GENERATED_CALLS, "--mode", "opportunity_owner")
    assert_consistent(opportunities)

    # a department's rows are exactly the unfiltered rows of its staff (any depth)
    everyone = {r["owner"]: r for r in out["rows"]}
    departments = {d for _, d in staff if d is not None}
    for department in sorted(departments):
        part = run_json(generated, *GENERATED_CALLS, "--department", department)
        assert_consistent(part)
        for row in part["rows"]:
            assert row == everyone[row["owner"]]


def test_viewers_on_generated_data(generated: Path) -> None:
    everyone = {r["owner"]: r for r in run_json(generated, *GENERATED_CALLS)["rows"]}
    with duckdb.connect(str(generated), read_only=True) as con:
        viewers = con.execute(
            "select staff_id, can_view_all from marts.dim_staff "
            "where active and not is_deleted order by staff_id"
        ).fetchall()
        pairs = con.execute(
            "select viewer_staff_id, visible_staff_id from marts.staff_visibility"
        ).fetchall()
    visible: dict[str, set[str]] = {}
    for viewer, seen in pairs:
        visible.setdefault(viewer, set()).add(seen)
    for viewer, can_view_all in viewers:
        out = run_json(generated, *GENERATED_CALLS, "--viewer", viewer)
        assert_consistent(out)
        expected = {o for o in everyone if o in visible.get(viewer, set())}
        if can_view_all:
            expected |= {"unassigned"} & set(everyone)
        assert {r["owner"] for r in out["rows"]} == expected, viewer
        for row in out["rows"]:
            assert row == everyone[row["owner"]]
