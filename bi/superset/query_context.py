"""The saved query of a chart (its `query_context`), written by build_bundle.py.

Why apart: it mirrors what Superset's browser code sends for each viz type, a concern of
its own next to the bundle's layout.
"""

from __future__ import annotations

import json
from typing import Any


def _axis_column(params: dict[str, Any]) -> str | dict[str, Any]:
    """The x axis of a bar/line chart as Superset's query sends it (time axis with its grain)."""
    if "time_grain_sqla" not in params:
        return params["x_axis"]
    return {
        "columnType": "BASE_AXIS",
        "expressionType": "SQL",
        "label": params["x_axis"],
        "sqlExpression": params["x_axis"],
        "timeGrain": params["time_grain_sqla"],
    }


def query_context(params: dict[str, Any]) -> str:
    """The saved query of a chart, so `GET /api/v1/chart/<id>/data/` returns what it shows.

    The dashboard builds its own queries in the browser (with the dashboard's filters);
    this one is what alerts, reports, scripts and tests read by chart id, with the chart's
    fixed conditions and the dashboard's default period. Every viz type of the spec has
    one: a chart without it answers HTTP 400 ("Chart has no query context saved").
    Bar and line charts return their rows in long form (x, series, metrics), not pivoted.
    """
    viz = params["viz_type"]
    query: dict[str, Any] = {
        "filters": [],
        "extras": {"having": "", "where": ""},
        "applied_time_extras": {},
        "annotation_layers": [],
        "url_params": {},
        "custom_params": {},
        "custom_form_data": {},
        "time_range": params.get("time_range", "No filter"),
    }
    fixed = [f["sqlExpression"] for f in params["adhoc_filters"] if "sqlExpression" in f]
    if fixed:
        query["extras"]["where"] = " AND ".join(f"({where})" for where in fixed)
    if viz == "big_number_total":
        query |= {"columns": [], "metrics": [params["metric"]], "row_limit": 1}
    elif viz == "table" and params["query_mode"] == "aggregate":
        query |= {
            "columns": params["groupby"],
            "metrics": params["metrics"],
            "orderby": [[params["timeseries_limit_metric"], False]],
            "row_limit": params["row_limit"],
        }
    elif viz in ("table", "handlebars"):  # raw rows
        query |= {
            "columns": params["all_columns"],
            "metrics": [],
            "orderby": [json.loads(c) for c in params["order_by_cols"]],
            "row_limit": params["row_limit"],
        }
    elif viz == "pie":
        query |= {
            "columns": params["groupby"],
            "metrics": [params["metric"]],
            "orderby": [[params["metric"], False]],
            "row_limit": params["row_limit"],
        }
    elif viz in ("echarts_timeseries_bar", "echarts_timeseries_line"):
        query |= {
            "columns": [_axis_column(params), *params["groupby"]],
            "series_columns": params["groupby"],
            "metrics": params["metrics"],
            "orderby": [[params["metrics"][0], False]],
            "row_limit": params["row_limit"],
        }
    else:
        raise ValueError(f"no saved query for viz type {viz!r}")
    context = {
        "datasource": {"id": 0, "type": "table"},
        "force": False,
        "queries": [query],
        "form_data": params,
        "result_format": "json",
        "result_type": "full",
    }
    return json.dumps(context, sort_keys=True)
