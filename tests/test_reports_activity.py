"""Activity reports (clients and occupancy) on the hand-written raw layer.

The raw layer is `tests/data/reports_activity/raw_layer.py`; the expected numbers below
are worked out by hand from it (period 2026-03-01..2026-03-07, cut-off 2 h):

| booking | session (date, state)       | client | what happened                     | outcome    |
|---------|-----------------------------|--------|-----------------------------------|------------|
| 1       | 1 (03-02 10:00, finalized)  | Ana    | present                           | attended   |
| 2       | 1                           | Helena | cancelled 08:00, exactly 2 h before | excused  |
| 3       | 1                           | Igor   | cancelled 08:01, marked present   | unexcused  |
| 4       | 1                           | Júlia  | attendance never marked           | unexcused  |
| 9       | 1                           | Kátia  | cancelled the evening before      | excused    |
| 5       | 2 (03-03, cancelled)        | Ana    | -                                 | not counted|
| 6       | 3 (03-05 07:00, unfinalized)| Ana    | -                                 | scheduled  |
| 7       | 3                           | Helena | cancelled, class not finalized    | scheduled  |
| 8, 10   | 5 (02-28) / 6 (03-08)       |        | outside the period                |            |

Reports go through the CLI (click's CliRunner, JSON) and through the SQL files directly.
The last tests check properties on a warehouse built by the real pipeline from generated
data (tests/data/reports_activity/generated.py).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner, Result

from carteira.cli.reports import report
from carteira.reports import engine
from tests.data.reports_activity.generated import PERIOD_FROM, PERIOD_TO, generated_warehouse
from tests.data.reports_activity.raw_layer import (
    ANA,
    HELENA,
    IGOR,
    JULIA,
    KATIA,
    built_warehouse,
)
from tests.helpers.shared import shared_root

PERIOD = ["--from", "2026-03-01", "--to", "2026-03-07"]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built_warehouse(shared_root(tmp_path_factory))


def invoke(warehouse: Path, *args: str) -> Result:
    return CliRunner().invoke(report, [*args, "--warehouse", str(warehouse)])


def run_json(warehouse: Path, *args: str) -> dict[str, Any]:
    result = invoke(warehouse, *args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def counts(row: dict[str, Any]) -> tuple[int, int, int, int, int]:
    return (
        row["bookings"],
        row["attended"],
        row["excused_absences"],
        row["unexcused_absences"],
        row["scheduled"],
    )


# --------------------------------------------------------------------------- clients


def test_clients_report_counts_every_outcome(warehouse: Path) -> None:
    out = run_json(warehouse, "activity-clients", *PERIOD)
    assert out["report"] == "activity-clients"
    assert out["params"]["from_date"] == "2026-03-01" and out["params"]["to_date"] == "2026-03-07"
    assert out["summary"] == {
        "clients": 5,
        "bookings": 7,
        "attended": 1,
        "excused_absences": 2,
        "unexcused_absences": 2,
        "scheduled": 2,
    }
    rows = {r["client_key"]: r for r in out["rows"]}
    assert list(out["rows"][0]) == [
        "client_key",
        "full_name",
        "registration_type",
        "bookings",
        "attended",
        "excused_absences",
        "unexcused_absences",
        "scheduled",
    ]
    assert {
        k: (rows[k]["full_name"], rows[k]["registration_type"], counts(rows[k])) for k in rows
    } == {
        ANA: ("Ana Souza", "member", (2, 1, 0, 0, 1)),  # crm name wins; 2 (cancelled) excluded
        HELENA: ("Helena Prado", "trial", (2, 0, 1, 0, 1)),  # exactly 2 h: excused
        IGOR: ("Igor Nunes", "visitor", (1, 0, 0, 1, 0)),  # 1 h 59 min: unexcused
        JULIA: ("Júlia Reis", "member", (1, 0, 0, 1, 0)),  # never marked: unexcused
        KATIA: ("Kátia Luz", "former_member", (1, 0, 1, 0, 0)),
    }
    # ordered by name
    assert [r["full_name"] for r in out["rows"]] == sorted(r["full_name"] for r in out["rows"])


def test_clients_report_filters_registration_types_and_outcomes(warehouse: Path) -> None:
    members = run_json(warehouse, "activity-clients", *PERIOD, "--registration-type", "member")
    assert {r["client_key"] for r in members["rows"]} == {ANA, JULIA}
    assert members["summary"] == {
        "clients": 2,
        "bookings": 3,
        "attended": 1,
        "excused_absences": 0,
        "unexcused_absences": 1,
        "scheduled": 1,
    }
    assert members["params"]["registration_types"] == ["member"]

    two = run_json(
        warehouse,
        "activity-clients",
        *PERIOD,
        "--registration-type",
        "trial",
        "--registration-type",
        "visitor",
    )
    assert {r["client_key"] for r in two["rows"]} == {HELENA, IGOR}

    # population = clients with a booking of the chosen outcomes
    scheduled = run_json(warehouse, "activity-clients", *PERIOD, "--outcome", "scheduled")
    assert {r["client_key"]: counts(r) for r in scheduled["rows"]} == {
        ANA: (1, 0, 0, 0, 1),
        HELENA: (1, 0, 0, 0, 1),
    }
    absences = run_json(
        warehouse,
        "activity-clients",
        *PERIOD,
        "--outcome",
        "excused_absence",
        "--outcome",
        "unexcused_absence",
    )
    assert absences["summary"]["clients"] == 4 and absences["summary"]["bookings"] == 4


def test_period_is_inclusive_on_session_dates(warehouse: Path) -> None:
    day = run_json(warehouse, "activity-clients", "--from", "2026-03-02", "--to", "2026-03-02")
    assert day["summary"]["bookings"] == 5  # bookings 1, 2, 3, 4, 9 of session 1
    before = run_json(warehouse, "activity-clients", "--from", "2026-02-28", "--to", "2026-02-28")
    assert before["summary"] == {
        "clients": 1,
        "bookings": 1,
        "attended": 1,
        "excused_absences": 0,
        "unexcused_absences": 0,
        "scheduled": 0,
    }
    empty = run_json(warehouse, "activity-clients", "--from", "2026-03-03", "--to", "2026-03-03")
    assert empty["rows"] == [] and empty["summary"]["clients"] == 0  # only a cancelled session


def test_client_drill_down(warehouse: Path) -> None:
    out = run_json(warehouse, "activity-clients", *PERIOD, "--client", ANA)
    assert out["params"]["client"] == ANA
    assert out["rows"] == [
        {
            "session_date": "2026-03-02",
            "start_time": "10:00",
            "activity": "Pilates",
            "instructor": "Íris",
            "area": "Sala 1",
            "outcome": "attended",
        },
        {
            "session_date": "2026-03-05",
            "start_time": "07:00",
            "activity": "Pilates",
            "instructor": "Íris",
            "area": "Sala 1",
            "outcome": "scheduled",
        },
    ]
    assert counts(out["summary"]) == (2, 1, 0, 0, 1)
    assert out["summary"]["full_name"] == "Ana Souza"

    helena = run_json(warehouse, "activity-clients", *PERIOD, "--client", HELENA)
    assert [r["outcome"] for r in helena["rows"]] == ["excused_absence", "scheduled"]

    # a known client with nothing in the period: no rows, a zero summary
    quiet = run_json(
        warehouse, "activity-clients", "--from", "2026-01-01", "--to", "2026-01-31", "--client", ANA
    )
    assert quiet["rows"] == [] and counts(quiet["summary"]) == (0, 0, 0, 0, 0)

    unknown = invoke(warehouse, "activity-clients", *PERIOD, "--client", "nobody")
    assert unknown.exit_code != 0 and "unknown client" in unknown.output


# --------------------------------------------------------------------------- occupancy


def test_occupancy_per_session_and_summary_from_sums(warehouse: Path) -> None:
    out = run_json(warehouse, "activity-occupancy", *PERIOD)
    assert out["rows"] == [
        # booked = bookings with no cancelled_at: 1 and 4 (2, 3, 9 were cancelled)
        {
            "session_id": 1,
            "session_date": "2026-03-02",
            "start_time": "10:00",
            "activity": "Pilates",
            "area": "Sala 1",
            "instructor": "Íris",
            "capacity": 10,
            "booked": 2,
            "attended": 1,
            "occupancy_rate": 0.2,
            "attendance_rate": 0.5,
        },
        # never finalized: booking 6 is booked, booking 7 was cancelled
        {
            "session_id": 3,
            "session_date": "2026-03-05",
            "start_time": "07:00",
            "activity": "Pilates",
            "area": "Sala 1",
            "instructor": "Íris",
            "capacity": 4,
            "booked": 1,
            "attended": 0,
            "occupancy_rate": 0.25,
            "attendance_rate": 0,
        },
        # nobody booked: attendance rate undefined
        {
            "session_id": 4,
            "session_date": "2026-03-06",
            "start_time": "09:00",
            "activity": "Yoga",
            "area": "Sala 2",
            "instructor": "João",
            "capacity": 8,
            "booked": 0,
            "attended": 0,
            "occupancy_rate": 0,
            "attendance_rate": None,
        },
    ]
    # 3 / 22 and 1 / 3, recomputed from the sums (not the mean of the rates)
    assert out["summary"] == {
        "sessions": 3,
        "capacity": 22,
        "booked": 3,
        "attended": 1,
        "occupancy_rate": 0.1364,
        "attendance_rate": 0.3333,
    }
    # a period with no session: zeros, rates undefined
    none = run_json(warehouse, "activity-occupancy", "--from", "2026-01-01", "--to", "2026-01-31")
    assert none["rows"] == []
    assert none["summary"] == {
        "sessions": 0,
        "capacity": 0,
        "booked": 0,
        "attended": 0,
        "occupancy_rate": None,
        "attendance_rate": None,
    }


# --------------------------------------------------------------------------- SQL = CLI


def test_sql_files_give_the_cli_numbers(warehouse: Path) -> None:
    """A BI user running queries/*.sql with the same parameters sees the same numbers."""
    params = {
        "from_date": date(2026, 3, 1),
        "to_date": date(2026, 3, 7),
        "registration_types": None,
        "outcomes": None,
    }
    with duckdb.connect(str(warehouse), read_only=True) as con:
        sql = engine.query_text("activity_clients")
        cur = con.execute(sql, params)
        names = [c[0] for c in cur.description]
        rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
        occ = con.execute(
            engine.query_text("activity_occupancy"),
            {"from_date": date(2026, 3, 1), "to_date": date(2026, 3, 7)},
        ).fetchall()
    total = next(r for r in rows if r["is_total"])
    assert (
        total["clients"],
        total["bookings"],
        total["attended"],
        total["excused_absences"],
        total["unexcused_absences"],
        total["scheduled"],
    ) == (5, 7, 1, 2, 2, 2)
    cli = run_json(warehouse, "activity-clients", *PERIOD)
    assert len(rows) - 1 == len(cli["rows"])
    for detail in (r for r in rows if not r["is_total"]):
        match = next(c for c in cli["rows"] if c["client_key"] == detail["client_key"])
        assert counts(match) == counts(detail)
    assert len(occ) == 4  # 3 sessions + the total row


# --------------------------------------------------------------------------- viewers


def test_viewers_of_activity_reports(warehouse: Path) -> None:
    """Activity reports are not per-owner: any active viewer sees them whole."""
    everyone = run_json(warehouse, "activity-clients", *PERIOD)
    for viewer in ("admin", "rep", "boss"):
        seen = run_json(warehouse, "activity-clients", *PERIOD, "--viewer", viewer)
        assert seen["rows"] == everyone["rows"] and seen["summary"] == everyone["summary"]
    occupancy = run_json(warehouse, "activity-occupancy", *PERIOD, "--viewer", "rep")
    assert len(occupancy["rows"]) == 3

    # inactive: sees nothing
    lazy = run_json(warehouse, "activity-clients", *PERIOD, "--viewer", "lazy")
    assert lazy["rows"] == [] and lazy["summary"]["bookings"] == 0
    lazy_occ = run_json(warehouse, "activity-occupancy", *PERIOD, "--viewer", "lazy")
    assert lazy_occ["rows"] == [] and lazy_occ["summary"]["capacity"] == 0

    # unknown: a clear error, no rows, non-zero exit
    for name in ("activity-clients", "activity-occupancy"):
        result = invoke(warehouse, name, *PERIOD, "--viewer", "ghost", "--format", "json")
        assert result.exit_code != 0
        assert "unknown viewer 'ghost'" in result.output
        assert '"rows"' not in result.output


def test_csv_and_table_formats(warehouse: Path) -> None:
    csv_out = invoke(warehouse, "activity-occupancy", *PERIOD, "--format", "csv")
    assert csv_out.exit_code == 0
    lines = csv_out.output.strip().splitlines()
    assert lines[0] == (
        "session_id,session_date,start_time,activity,area,instructor,capacity,booked,"
        "attended,occupancy_rate,attendance_rate"
    )
    assert lines[1] == "1,2026-03-02,10:00,Pilates,Sala 1,Íris,10,2,1,0.2000,0.5000"
    table = invoke(warehouse, "activity-clients", *PERIOD)
    assert table.exit_code == 0 and "Kátia Luz" in table.output and "(5 rows)" in table.output


def test_bad_periods_are_refused(warehouse: Path) -> None:
    result = invoke(warehouse, "activity-clients", "--from", "2026-03-07", "--to", "2026-03-01")
    assert result.exit_code != 0 and "empty period" in result.output
    missing = invoke(warehouse, "activity-occupancy", "--from", "2026-03-01")
    assert missing.exit_code != 0 and "--to" in missing.output


# --------------------------------------------------------------------------- generated data


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generated_warehouse(shared_root(tmp_path_factory))


GENERATED_PERIOD = ["--from", PERIOD_FROM.isoformat(), "--to", PERIOD_TO.isoformat()]


def test_clients_report_properties_on_generated_data(generated: Path) -> None:
    out = run_json(generated, "activity-clients", *GENERATED_PERIOD)
    rows, summary = out["rows"], out["summary"]
    assert rows, "the generated month has bookings"
    for row in rows:
        assert (
            row["bookings"]
            == (
                row["attended"]
                + row["excused_absences"]
                + row["unexcused_absences"]
                + row["scheduled"]
            )
            > 0
        )
    assert summary["clients"] == len(rows) == len({r["client_key"] for r in rows})
    for column in ("bookings", "attended", "excused_absences", "unexcused_absences", "scheduled"):
        assert summary[column] == sum(r[column] for r in rows)
    # the core mart, counted independently: every booking of a non-cancelled session
    with duckdb.connect(str(generated), read_only=True) as con:
        row = con.execute(
            "select count(*), count(distinct client_key) from marts.fct_bookings "
            "where outcome <> 'session_cancelled' and session_date between $f and $t",
            {"f": PERIOD_FROM, "t": PERIOD_TO},
        ).fetchone()
    assert row is not None and (summary["bookings"], summary["clients"]) == row

    # outcome filters partition the bookings
    by_outcome = [
        run_json(generated, "activity-clients", *GENERATED_PERIOD, "--outcome", o)
        for o in ("attended", "excused_absence", "unexcused_absence", "scheduled")
    ]
    assert sum(o["summary"]["bookings"] for o in by_outcome) == summary["bookings"]

    # the drill-down of the busiest client lists exactly its bookings
    busiest = max(rows, key=lambda r: (r["bookings"], r["client_key"]))
    drill = run_json(
        generated, "activity-clients", *GENERATED_PERIOD, "--client", busiest["client_key"]
    )
    assert len(drill["rows"]) == busiest["bookings"]
    assert counts(drill["summary"]) == counts(busiest)


def test_occupancy_properties_on_generated_data(generated: Path) -> None:
    out = run_json(generated, "activity-occupancy", *GENERATED_PERIOD)
    rows, summary = out["rows"], out["summary"]
    assert rows
    assert summary["sessions"] == len(rows)
    for column in ("capacity", "booked", "attended"):
        assert summary[column] == sum(r[column] for r in rows)
    for row in rows:
        assert row["attended"] <= row["booked"]
        assert (row["attendance_rate"] is None) == (row["booked"] == 0)
    assert summary["occupancy_rate"] == pytest.approx(
        summary["booked"] / summary["capacity"], abs=5e-5
    )
    clients = run_json(generated, "activity-clients", *GENERATED_PERIOD)["summary"]
    assert summary["attended"] == clients["attended"]
