"""The `bi` relations answer every report as a BI tool asks: filters, group by, sums.

On the warehouse the real pipeline builds from generated data
(tests/data/reports_activity/generated.py), for every report a query of the kind a BI tool
sends (filters + group by + sum over one `bi` relation, or two joined on their keys for
telesales) must equal what `carteira report` prints, for a period and for a drill-down.
The published file must also carry every description as a database comment.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from carteira.reports import engine
from carteira.reports.activity import activity_clients, activity_occupancy
from carteira.reports.customer import client_card, customer_history
from carteira.reports.portfolio import portfolio_report
from carteira.reports.telesales import telesales
from tests.data.reports_activity.generated import (
    AS_OF,
    PERIOD_FROM,
    PERIOD_TO,
    generated_warehouse,
)
from tests.helpers.shared import shared_root

# A period that ends before as_of: the call measures stop at its end, the appointment
# and order measures run on to as_of (docs/contract/reports.md 3).
SHORT_FROM = PERIOD_FROM
SHORT_TO = AS_OF - dt.timedelta(days=1)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generated_warehouse(shared_root(tmp_path_factory))


@pytest.fixture()
def con(warehouse: Path) -> Any:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        yield connection


def rows(con: Any, sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    cur = con.execute(sql, params or {})
    names = [c[0] for c in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


# --------------------------------------------------------------------------- activity


@pytest.mark.parametrize(
    ("registration_types", "outcomes"),
    [(None, None), (["member"], None), (None, ["attended", "scheduled"])],
)
def test_activity_clients_summary_and_rows(
    con: Any, registration_types: list[str] | None, outcomes: list[str] | None
) -> None:
    where = "session_date between $f and $t"
    if registration_types:
        where += " and registration_type in (select unnest($r))"
    if outcomes:
        where += " and outcome in (select unnest($o))"
    params: dict[str, Any] = {"f": PERIOD_FROM, "t": PERIOD_TO}
    if registration_types:
        params["r"] = registration_types
    if outcomes:
        params["o"] = outcomes
    measures = (
        "sum(bookings) as bookings, sum(attended) as attended, "
        "sum(excused_absences) as excused_absences, "
        "sum(unexcused_absences) as unexcused_absences, sum(scheduled) as scheduled"
    )
    bi_total = rows(
        con,
        f"select count(distinct client_key) as clients, {measures} "
        f"from bi.activity_client_day_outcome where {where}",
        params,
    )[0]
    bi_rows = rows(
        con,
        f"select client_key, {measures} from bi.activity_client_day_outcome "
        f"where {where} group by client_key",
        params,
    )
    cli = activity_clients(con, PERIOD_FROM, PERIOD_TO, registration_types, outcomes)
    assert cli.summary["bookings"] > 0
    assert {k: (v or 0) for k, v in bi_total.items()} == cli.summary
    measure_names = ("bookings", "attended", "excused_absences", "unexcused_absences", "scheduled")
    assert {r["client_key"]: tuple(r[m] for m in measure_names) for r in bi_rows} == {
        r["client_key"]: tuple(r[m] for m in measure_names) for r in cli.rows
    }


def test_activity_client_drill_down(con: Any) -> None:
    client_key = rows(
        con,
        "select client_key from bi.activity_client_day_outcome where session_date between $f "
        "and $t group by client_key order by sum(bookings) desc, client_key limit 1",
        {"f": PERIOD_FROM, "t": PERIOD_TO},
    )[0]["client_key"]
    bi = rows(
        con,
        "select session_date, start_time, activity, instructor, area, outcome "
        "from bi.activity_client_bookings where client_key = $c and session_date between $f "
        "and $t order by starts_at, booking_id",
        {"c": client_key, "f": PERIOD_FROM, "t": PERIOD_TO},
    )
    cli = activity_clients(con, PERIOD_FROM, PERIOD_TO, client=client_key)
    assert len(bi) > 1 and bi == cli.rows
    assert cli.summary["bookings"] == len(bi)


def test_activity_occupancy_rates_from_sums(con: Any) -> None:
    bi = rows(
        con,
        "select sum(sessions) as sessions, sum(capacity) as capacity, sum(booked) as booked, "
        "sum(attended) as attended, sum(booked) / sum(capacity) as occupancy_rate, "
        "sum(attended) / nullif(sum(booked), 0) as attendance_rate "
        "from bi.activity_occupancy_sessions where session_date between $f and $t",
        {"f": PERIOD_FROM, "t": PERIOD_TO},
    )[0]
    cli = activity_occupancy(con, PERIOD_FROM, PERIOD_TO).summary
    assert cli["sessions"] > 0
    for name in ("sessions", "capacity", "booked", "attended"):
        assert bi[name] == cli[name], name
    for name in ("occupancy_rate", "attendance_rate"):
        assert round(Decimal(bi[name]), 4) == cli[name], name


# --------------------------------------------------------------------------- telesales

TELESALES_BI = """
with population as (
    select owner, client_key, count(*) as units
    from bi.telesales_population
    where owner_mode = $mode
    group by owner, client_key
),

pairs as (
    select
        owner,
        client_key,
        sum(calls) filter (where activity_date <= $to) as calls,
        sum(successful_calls) filter (where activity_date <= $to) as successful_calls,
        sum(talk_seconds) filter (where activity_date <= $to) as talk_seconds,
        sum(appointments) as appointments,
        sum(appointments_done) as appointments_done,
        sum(orders) as orders,
        sum(order_value) as order_value,
        sum(collected) as collected,
        sum(debt) as debt
    from bi.telesales_owner_client_day
    where owner_mode = $mode and activity_date >= $from
    group by owner, client_key
)

select
    population.owner,
    sum(units) as clients,
    coalesce(sum(units) filter (where pairs.calls > 0), 0) as called_clients,
    coalesce(sum(pairs.calls), 0) as calls,
    coalesce(sum(pairs.successful_calls), 0) as successful_calls,
    round(coalesce(sum(pairs.talk_seconds), 0) / 60, 2) as talk_minutes,
    coalesce(sum(units) filter (where pairs.appointments > 0), 0) as clients_with_appointment,
    coalesce(sum(pairs.appointments), 0) as appointments,
    coalesce(sum(pairs.appointments_done), 0) as appointments_done,
    coalesce(sum(pairs.orders), 0) as orders,
    coalesce(sum(pairs.order_value), 0) as order_value,
    coalesce(sum(pairs.collected), 0) as collected,
    coalesce(sum(pairs.debt), 0) as debt,
    coalesce(sum(units) filter (where coalesce(pairs.orders, 0) = 0), 0)
        as clients_without_orders
from population
left join pairs
    on pairs.owner = population.owner and pairs.client_key = population.client_key
group by population.owner
"""
TELESALES_MEASURES = (
    "clients",
    "called_clients",
    "calls",
    "successful_calls",
    "talk_minutes",
    "clients_with_appointment",
    "appointments",
    "appointments_done",
    "orders",
    "order_value",
    "collected",
    "debt",
    "clients_without_orders",
)


@pytest.mark.parametrize("mode", ["client_owner", "opportunity_owner"])
@pytest.mark.parametrize(
    ("calls_from", "calls_to"), [(PERIOD_FROM, PERIOD_TO), (SHORT_FROM, SHORT_TO)]
)
def test_telesales_per_owner_and_summary(
    con: Any, mode: str, calls_from: dt.date, calls_to: dt.date
) -> None:
    bi = {
        r["owner"]: r
        for r in rows(con, TELESALES_BI, {"mode": mode, "from": calls_from, "to": calls_to})
    }
    cli = telesales(con, calls_from, calls_to, mode)
    assert cli.summary["clients"] > 0
    assert set(bi) == {r["owner"] for r in cli.rows}
    for row in cli.rows:
        for name in TELESALES_MEASURES:
            # a BI tool computes minutes as a double: compare its printed value
            assert Decimal(str(bi[row["owner"]][name])) == row[name], (row["owner"], name)
    for name in TELESALES_MEASURES:
        if name != "talk_minutes":  # the CLI sums the owners' rounded minutes
            assert sum(Decimal(r[name]) for r in bi.values()) == cli.summary[name], name


def test_telesales_sql_rejects_an_unknown_viewer(con: Any) -> None:
    params = {
        "mode": "client_owner",
        "owners": None,
        "department": None,
        "campaign": None,
        "sources": None,
        "client_groups": None,
        "created_from": None,
        "created_to": None,
        "calls_from": PERIOD_FROM,
        "calls_to": PERIOD_TO,
        "viewer": "no-such-staff",
    }
    with pytest.raises(duckdb.Error, match="unknown viewer no-such-staff"):
        engine.run_query(con, "telesales", params)
    with pytest.raises(engine.ReportError, match="unknown viewer"):
        telesales(con, PERIOD_FROM, PERIOD_TO, viewer="no-such-staff")


# --------------------------------------------------------------------------- customer


def test_customer_history_and_client_card(warehouse: Path, con: Any) -> None:
    clients = rows(
        con,
        "select client_key from bi.customer_history_titles group by client_key "
        "order by sum(balance) filter (where is_past_due) desc nulls last, count(*) desc, "
        "client_key limit 3",
    )
    assert clients
    for client in (r["client_key"] for r in clients):
        bi = rows(
            con,
            "select coalesce(sum(balance) filter (where is_owed), 0) as total_receivable, "
            "coalesce(sum(balance) filter (where is_past_due), 0) as overdue_amount, "
            "count(*) as titles from bi.customer_history_titles where client_key = $c",
            {"c": client},
        )[0]
        history = customer_history(con, client)
        assert history.summary["total_receivable"] == bi["total_receivable"]
        assert history.summary["overdue_amount"] == bi["overdue_amount"]
        assert history.summary["titles"] == bi["titles"]
        # drill-down: the titles of one status
        status = history.sections["titles"][0]["status"]
        drill = customer_history(con, client, [status])
        bi_ids = [
            r["receivable_id"]
            for r in rows(
                con,
                "select receivable_id from bi.customer_history_titles "
                "where client_key = $c and status = $s",
                {"c": client, "s": status},
            )
        ]
        assert sorted(r["receivable_id"] for r in drill.sections["titles"]) == sorted(bi_ids)
        card = client_card(con, client)
        fin = rows(
            con,
            "select sum(payments) as payments, sum(on_time_payments) as on_time_payments "
            "from bi.client_card_financial where client_key = $c",
            {"c": client},
        )[0]
        expected_rate = (
            round(Decimal(fin["on_time_payments"]) / fin["payments"], 4)
            if fin["payments"]
            else None
        )
        assert card.summary["on_time_payment_rate"] == expected_rate
        assert card.summary["total_receivable"] == bi["total_receivable"]


# --------------------------------------------------------------------------- portfolio


def test_portfolio_counts_projects_once(warehouse: Path, con: Any) -> None:
    created_from = AS_OF - dt.timedelta(days=365)
    bi = rows(
        con,
        "select count(*) as rows, sum(project_count) as projects, "
        "count(contract_id) as contracts, "
        "sum(project_environments_without_contract) as environments_without_contract "
        "from bi.portfolio_project_contracts where created_date between $f and $t",
        {"f": created_from, "t": AS_OF},
    )[0]
    cli = portfolio_report(con, filters={"created_from": created_from, "created_to": AS_OF}).summary
    assert cli["rows"] > 0
    for name in ("rows", "projects", "contracts", "environments_without_contract"):
        assert bi[name] == cli[name], name


# --------------------------------------------------------------------------- comments


def test_every_served_relation_and_column_has_its_description(con: Any) -> None:
    tables = rows(
        con,
        "select schema_name, table_name, comment from duckdb_tables() "
        "where schema_name in ('marts', 'bi')",
    )
    assert {t["schema_name"] for t in tables} == {"marts", "bi"}
    assert [t["table_name"] for t in tables if not t["comment"]] == []
    columns = rows(
        con,
        "select schema_name, table_name, column_name, comment from duckdb_columns() "
        "where schema_name in ('marts', 'bi')",
    )
    missing = [
        f"{c['schema_name']}.{c['table_name']}.{c['column_name']}"
        for c in columns
        if not c["comment"]
    ]
    assert missing == []
    titles = {
        c["column_name"]: c["comment"] for c in columns if c["table_name"] == "telesales_population"
    }
    assert titles["owner_mode"].startswith("Owner mode of the telesales report")
