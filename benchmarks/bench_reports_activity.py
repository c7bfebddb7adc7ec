"""Median latency of the activity and telesales reports on a published warehouse.

Each case runs the report end to end as the CLI does (open the file read-only, run the
named queries, render JSON) `--runs` times and prints the median, min and max in
milliseconds as a Markdown table (the one in docs/reports-activity.md). Periods are taken
from the warehouse itself: the 30 days up to its as_of, so the numbers are comparable
between warehouses of different dates. Target: every median under 1 s.

    uv run python benchmarks/bench_reports_activity.py --warehouse path/to/warehouse.duckdb
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import click
import duckdb

from carteira.reports import engine
from carteira.reports.activity import activity_clients, activity_occupancy
from carteira.reports.telesales import telesales

TARGET_SECONDS = 1.0


@dataclass(frozen=True)
class Case:
    name: str
    run: Callable[[duckdb.DuckDBPyConnection], engine.ReportResult]


def _pick(con: duckdb.DuckDBPyConnection, sql: str) -> str | None:
    row = con.execute(sql).fetchone()
    return None if row is None else str(row[0])


def cases(warehouse: Path) -> tuple[list[Case], dict[str, object]]:
    """The report invocations to time, with periods and ids drawn from the warehouse."""
    with engine.connect(warehouse) as con:
        as_of = engine.warehouse_as_of(con)
        start = as_of - timedelta(days=29)
        busiest = _pick(
            con,
            "select client_key from marts.activity_bookings "
            "group by client_key order by count(*) desc, client_key limit 1",
        )
        head = _pick(
            con,
            "select staff_id from marts.dim_staff where is_department_head "
            "and active and not is_deleted and not can_view_all "
            "order by staff_id limit 1",
        )
        campaign = _pick(
            con,
            "select campaign_id from marts.telesales_opportunity_population "
            "group by campaign_id order by count(*) desc limit 1",
        )
    context = {
        "as_of": as_of,
        "from": start,
        "to": as_of,
        "client": busiest,
        "viewer": head,
        "campaign": campaign,
    }
    found = [
        Case("activity-clients", lambda c: activity_clients(c, start, as_of)),
        Case(
            "activity-clients --registration-type member --outcome attended",
            lambda c: activity_clients(c, start, as_of, ["member"], ["attended"]),
        ),
        Case(
            "activity-clients --client (drill-down)",
            lambda c: activity_clients(c, start, as_of, client=busiest),
        ),
        Case("activity-occupancy", lambda c: activity_occupancy(c, start, as_of)),
        Case("telesales (client_owner)", lambda c: telesales(c, start, as_of)),
        Case(
            "telesales --viewer (department head)",
            lambda c: telesales(c, start, as_of, viewer=head),
        ),
        Case(
            "telesales --mode opportunity_owner",
            lambda c: telesales(c, start, as_of, mode="opportunity_owner"),
        ),
        Case(
            "telesales --mode opportunity_owner --campaign",
            lambda c: telesales(c, start, as_of, mode="opportunity_owner", campaign=campaign),
        ),
    ]
    return found, context


def time_case(warehouse: Path, case: Case, runs: int) -> list[float]:
    """Seconds per run: connect, query, render JSON, close (what one CLI call does)."""
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        con = engine.connect(warehouse)
        try:
            case.run(con).render("json")
        finally:
            con.close()
        seconds.append(time.perf_counter() - started)
    return seconds


@click.command()
@click.option(
    "--warehouse",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    required=True,
    help="Published warehouse file to measure.",
)
@click.option("--runs", type=click.IntRange(min=1), default=5, show_default=True)
def main(warehouse: Path, runs: int) -> None:
    """Print a Markdown table of median latencies; exit 1 if a median misses the target."""
    found, context = cases(warehouse)
    click.echo(
        f"warehouse {warehouse} ({warehouse.stat().st_size / 2**20:.0f} MiB), "
        f"as_of {context['as_of']}, period {context['from']}..{context['to']}, "
        f"{runs} runs"
    )
    click.echo("")
    click.echo("| report | median ms | min ms | max ms |")
    click.echo("|---|---:|---:|---:|")
    slow = []
    for case in found:
        seconds = time_case(warehouse, case, runs)
        median = statistics.median(seconds)
        if median >= TARGET_SECONDS:
            slow.append(case.name)
        click.echo(
            f"| `{case.name}` | {median * 1000:.0f} | {min(seconds) * 1000:.0f} | "
            f"{max(seconds) * 1000:.0f} |"
        )
    if slow:
        click.echo(f"\nover {TARGET_SECONDS:.0f} s: {', '.join(slow)}", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
