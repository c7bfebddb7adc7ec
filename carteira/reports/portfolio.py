"""`carteira report portfolio`: the customer portfolio (projects and contracts), report 6.

The numbers come from `queries/portfolio.sql` over `bi.portfolio_project_contracts`; this module
only merges a saved view (carteira.reports.views) with command-line filters, resolves
relative periods against the warehouse's `as_of` (`engine.warehouse_as_of`) and keeps the
view's columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb

from carteira.reports.engine import Report, ReportResult, run_query, warehouse_as_of
from carteira.reports.views import (
    PORTFOLIO_COLUMNS,
    load_view,
    merge_filters,
    resolve_filters,
    validate_columns,
    validate_filters,
)

REPORT = "portfolio"


def portfolio_request(
    view_name: str | None = None,
    filters: dict[str, Any] | None = None,
    columns: Sequence[str] | None = None,
) -> tuple[dict[str, Any], list[str]]:
    """A view's filters overridden by `filters` (same names), and the columns to show.

    Needs no warehouse, so the CLI refuses a bad view, filter or column before opening one.
    """
    view = load_view(view_name) if view_name else None
    merged = merge_filters(view.filters if view else {}, filters or {})
    checked = validate_filters(merged, view=view_name or "command line")
    chosen = (
        validate_columns(list(columns), view=view_name or "command line")
        if columns
        else (list(view.columns) if view and view.columns else list(PORTFOLIO_COLUMNS))
    )
    return checked, chosen


def portfolio_report(
    con: duckdb.DuckDBPyConnection,
    *,
    view_name: str | None = None,
    filters: dict[str, Any] | None = None,
    columns: Sequence[str] | None = None,
) -> ReportResult:
    """Run the portfolio with a view's filters, overridden by `filters` (same names)."""
    checked, chosen = portfolio_request(view_name, filters, columns)
    as_of = warehouse_as_of(con)
    params = resolve_filters(checked, as_of)
    rows = run_query(con, REPORT, params)
    projected = [{c: row[c] for c in chosen} for row in rows]
    summary = {
        "rows": len(rows),
        "projects": len({r["project_id"] for r in rows}),
        "contracts": len({r["contract_id"] for r in rows if r["contract_id"] is not None}),
        "projects_without_contract": len(
            {r["project_id"] for r in rows if r["contract_id"] is None}
        ),
        "environments_without_contract": sum(
            {r["project_id"]: r["environments_without_contract"] or 0 for r in rows}.values()
        ),
    }
    shown_params: dict[str, Any] = {
        "view": view_name,
        "as_of": as_of,
        "filters": checked,
        **{k: v for k, v in params.items() if v is not None},
    }
    return ReportResult(
        report=REPORT, params=shown_params, summary=summary, rows=projected, columns=chosen
    )


REPORTS = (Report(REPORT, portfolio_report, (REPORT, "warehouse_as_of")),)
