"""Activity reports (docs/contract/reports.md sections 1 and 2).

`carteira report activity-clients` and `carteira report activity-occupancy`.

The numbers come from `queries/activity_clients.sql`, `queries/activity_client_bookings.sql`
and `queries/activity_occupancy.sql`, which read the parameter-free BI relations
`bi.activity_client_day_outcome`, `bi.activity_client_bookings` and
`bi.activity_occupancy_sessions` only: a BI tool summing those relations gets the same
answer. Each
query returns its rows plus one total row flagged `is_total` (a grouping set), so the
summary is computed by SQL too; this module only splits that row off, binds parameters
and renders.

Visibility: studio bookings and sessions belong to no staff member, so these reports are
not per-owner and a viewer who may use the warehouse sees them whole. `--viewer` is still
checked the same way as for the per-owner reports: an unknown viewer is an error (no
rows, non-zero exit) and an inactive (or deleted) viewer sees nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

import duckdb

from carteira.reports import engine

REGISTRATION_TYPES = ("member", "trial", "visitor", "former_member")
# Outcomes that count as a booking (session_cancelled counts nowhere).
OUTCOMES = ("attended", "excused_absence", "unexcused_absence", "scheduled")

CLIENT_COLUMNS = (
    "client_key",
    "full_name",
    "registration_type",
    "bookings",
    "attended",
    "excused_absences",
    "unexcused_absences",
    "scheduled",
)
CLIENT_SUMMARY = (
    "clients",
    "bookings",
    "attended",
    "excused_absences",
    "unexcused_absences",
    "scheduled",
)
DRILLDOWN_COLUMNS = (
    "session_date",
    "start_time",
    "activity",
    "instructor",
    "area",
    "outcome",
)
OCCUPANCY_COLUMNS = (
    "session_id",
    "session_date",
    "start_time",
    "activity",
    "area",
    "instructor",
    "capacity",
    "booked",
    "attended",
    "occupancy_rate",
    "attendance_rate",
)
OCCUPANCY_SUMMARY = (
    "sessions",
    "capacity",
    "booked",
    "attended",
    "occupancy_rate",
    "attendance_rate",
)


def split_summary(
    rows: Sequence[dict[str, Any]], summary_columns: Iterable[str], row_columns: Iterable[str]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Separate the `is_total` row of a grouping-sets query from the detail rows.

    The total row becomes the summary (only `summary_columns`); detail rows keep
    `row_columns` in that order. A query always yields the total row, even over no rows.
    """
    summary_cols = list(summary_columns)
    row_cols = list(row_columns)
    summary: dict[str, Any] = {}
    details: list[dict[str, Any]] = []
    for row in rows:
        if row["is_total"]:
            summary = {c: row[c] for c in summary_cols}
        else:
            details.append({c: row[c] for c in row_cols})
    return summary, details


def viewer_may_see(con: duckdb.DuckDBPyConnection, viewer: str | None) -> bool:
    """Whether a viewer may see a report that is not per-owner.

    Raises ReportError for an unknown viewer (engine.visible_staff); an active viewer
    always sees at least themself, so an empty visibility list means inactive or deleted.
    """
    visible = engine.visible_staff(con, viewer)
    return visible is None or len(visible) > 0


def _zero_summary(columns: Iterable[str]) -> dict[str, Any]:
    return {c: (None if c.endswith("_rate") else 0) for c in columns}


def _check_period(from_date: date, to_date: date) -> None:
    if from_date > to_date:
        raise engine.ReportError(f"empty period: --from {from_date} is after --to {to_date}")


def activity_clients(
    con: duckdb.DuckDBPyConnection,
    from_date: date,
    to_date: date,
    registration_types: Sequence[str] | None = None,
    outcomes: Sequence[str] | None = None,
    client: str | None = None,
    viewer: str | None = None,
) -> engine.ReportResult:
    """Activity report, clients: one row per client, or one client's bookings (`client`).

    With `client`, the rows are that client's bookings (drill-down) and the summary is
    the client's line of the per-client report (zeros when nothing is booked).
    """
    _check_period(from_date, to_date)
    params: dict[str, Any] = {
        "from_date": from_date,
        "to_date": to_date,
        "registration_types": list(registration_types) if registration_types else None,
        "outcomes": list(outcomes) if outcomes else None,
    }
    shown = dict(params, client=client, viewer=viewer)
    if not viewer_may_see(con, viewer):
        if client is not None:
            return engine.ReportResult("activity-clients", shown, {}, [], columns=DRILLDOWN_COLUMNS)
        return engine.ReportResult(
            "activity-clients", shown, _zero_summary(CLIENT_SUMMARY), [], columns=CLIENT_COLUMNS
        )
    totals = engine.run_query(con, "activity_clients", params)
    if client is None:
        summary, rows = split_summary(totals, CLIENT_SUMMARY, CLIENT_COLUMNS)
        return engine.ReportResult("activity-clients", shown, summary, rows, columns=CLIENT_COLUMNS)

    known = con.execute(
        "select full_name, registration_type from marts.dim_client where client_key = $k",
        {"k": client},
    ).fetchone()
    if known is None:
        raise engine.ReportError(
            f"unknown client {client!r}: no such client_key in marts.dim_client"
        )
    _, per_client = split_summary(totals, (), CLIENT_COLUMNS)
    line = next((r for r in per_client if r["client_key"] == client), None)
    if line is None:
        line = {
            "client_key": client,
            "full_name": known[0],
            "registration_type": known[1],
            **{c: 0 for c in CLIENT_SUMMARY if c != "clients"},
        }
    bookings = engine.run_query(con, "activity_client_bookings", dict(params, client_key=client))
    rows = [{c: r[c] for c in DRILLDOWN_COLUMNS} for r in bookings]
    return engine.ReportResult("activity-clients", shown, line, rows, columns=DRILLDOWN_COLUMNS)


def activity_occupancy(
    con: duckdb.DuckDBPyConnection,
    from_date: date,
    to_date: date,
    viewer: str | None = None,
) -> engine.ReportResult:
    """Activity report, occupancy: one row per non-cancelled session, summary from the sums."""
    _check_period(from_date, to_date)
    params = {"from_date": from_date, "to_date": to_date}
    shown = dict(params, viewer=viewer)
    if not viewer_may_see(con, viewer):
        return engine.ReportResult(
            "activity-occupancy",
            shown,
            _zero_summary(OCCUPANCY_SUMMARY),
            [],
            columns=OCCUPANCY_COLUMNS,
        )
    result = engine.run_query(con, "activity_occupancy", params)
    summary, rows = split_summary(result, OCCUPANCY_SUMMARY, OCCUPANCY_COLUMNS)
    return engine.ReportResult(
        "activity-occupancy", shown, summary, rows, columns=OCCUPANCY_COLUMNS
    )


REPORTS = (
    engine.Report(
        "activity-clients", activity_clients, ("activity_clients", "activity_client_bookings")
    ),
    engine.Report("activity-occupancy", activity_occupancy, ("activity_occupancy",)),
)
