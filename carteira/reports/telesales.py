"""Telesales report (docs/contract/reports.md section 3): `carteira report telesales`.

Per owner, over the clients (mode `client_owner`) or opportunities (mode
`opportunity_owner`) it owns: matched outbound calls from the owner's extension in the
call period, appointments and orders from the start of that period up to the warehouse's
as_of, and a row `unassigned` for the population without owner. All of it is
`queries/telesales.sql` over `bi.telesales_population` and `bi.telesales_owner_client_day`
(the relations a BI tool reads); as_of is the warehouse's (`engine.warehouse_as_of`), never
the wall clock, so a report on a warehouse refreshed for a given date is reproducible.

Visibility: with `--viewer`, only the owners that viewer may see (`marts.staff_visibility`:
themself, the staff of the departments they head and their sub-departments at any depth,
everyone for can_view_all). The `unassigned` row belongs to no staff member: only a viewer
who sees everyone sees it. The filter is in the SQL (parameter `$viewer`) so a BI tool
applies the same rule; this module first asks `engine.visible_staff` so that an unknown
viewer is an error rather than an empty answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import duckdb

from carteira.reports import engine
from carteira.reports.activity import (
    split_summary,
)

MODES = ("client_owner", "opportunity_owner")

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
ROW_COLUMNS = ("owner", "owner_name", *METRICS)


def telesales(
    con: duckdb.DuckDBPyConnection,
    calls_from: date,
    calls_to: date,
    mode: str = "client_owner",
    owners: Sequence[str] | None = None,
    department: str | None = None,
    campaign: str | None = None,
    sources: Sequence[str] | None = None,
    client_groups: Sequence[str] | None = None,
    created_from: date | None = None,
    created_to: date | None = None,
    viewer: str | None = None,
) -> engine.ReportResult:
    """Telesales report per owner; summary = the sum of the rows shown."""
    if mode not in MODES:
        raise engine.ReportError(f"unknown mode {mode!r}: expected one of {', '.join(MODES)}")
    if campaign is not None and mode != "opportunity_owner":
        raise engine.ReportError("--campaign applies to mode opportunity_owner only")
    if calls_from > calls_to:
        raise engine.ReportError(
            f"empty call period: --calls-from {calls_from} is after --calls-to {calls_to}"
        )
    if created_from and created_to and created_from > created_to:
        raise engine.ReportError(
            f"empty creation period: --created-from {created_from} is after "
            f"--created-to {created_to}"
        )
    # Raises for an unknown viewer; an inactive one gets no rows from the SQL itself.
    engine.visible_staff(con, viewer)
    params: dict[str, Any] = {
        "mode": mode,
        "owners": list(owners) if owners else None,
        "department": department,
        "campaign": campaign,
        "sources": list(sources) if sources else None,
        "client_groups": list(client_groups) if client_groups else None,
        "created_from": created_from,
        "created_to": created_to,
        "calls_from": calls_from,
        "calls_to": calls_to,
        "viewer": viewer,
    }
    shown = dict(params, as_of=engine.warehouse_as_of(con))
    result = engine.run_query(con, "telesales", params)
    summary, rows = split_summary(result, METRICS, ROW_COLUMNS)
    return engine.ReportResult("telesales", shown, summary, rows, columns=ROW_COLUMNS)


REPORTS = (engine.Report("telesales", telesales, ("telesales", "warehouse_as_of")),)
