"""Turn the compact dashboard spec (dashboards.yml) into a Superset export bundle.

Why a generator: a Superset export is thousands of lines of YAML with ids, layout trees
and JSON-in-YAML that nobody can review or merge by hand. The spec says what a manager
sees (datasets with their metrics, charts, filters, rows of charts); this script writes
the bundle Superset imports (`bundle/`, committed, same layout as Superset's own
"Export" zip). UUIDs are derived from names, so regenerating is byte-stable and a test
checks that the committed bundle is in sync with the spec.

Run: `uv run --project bi/superset python bi/superset/build_bundle.py` (or `--check`).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import uuid
from pathlib import Path
from typing import Any

import yaml
from localize import DEFAULT_LOCALE, LOCALES, localize
from query_context import query_context

HERE = Path(__file__).resolve().parent
SPEC = HERE / "dashboards.yml"
BUNDLE = HERE / "bundle"
DATE_FORMATS = {"pt_BR": "%d/%m/%Y", "en": "%Y-%m-%d"}
MONTH_FORMATS = {"pt_BR": "%m/%Y", "en": "%Y-%m"}
# The same dates as the browser formats them (dayjs, in a Handlebars chart).
DAYJS_DATE_FORMATS = {"pt_BR": "DD/MM/YYYY", "en": "YYYY-MM-DD"}
NAMESPACE = uuid.UUID("6f1c1b52-8c1e-4b9e-9a57-0c4a7f0e2a11")
VERSION = "1.0.0"
# The importer replaces this with the serving database's URI (manage.py).
URI_PLACEHOLDER = "carteira://serving"
GRID_COLUMNS = 12


def stable_uuid(kind: str, name: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{name}"))


def _dump(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=True, allow_unicode=True, width=100))


def database_config(spec: dict[str, Any]) -> dict[str, Any]:
    db = spec["database"]
    return {
        "allow_csv_upload": False,
        "allow_ctas": False,
        "allow_cvas": False,
        "allow_dml": False,
        "allow_run_async": False,
        "cache_timeout": None,
        "database_name": db["name"],
        "expose_in_sqllab": True,
        "extra": {"allows_virtual_table_explore": True},
        "sqlalchemy_uri": URI_PLACEHOLDER,
        "uuid": stable_uuid("database", db["name"]),
        "version": VERSION,
    }


def dataset_config(name: str, ds: dict[str, Any], database_uuid: str) -> dict[str, Any]:
    """A physical dataset (`table: schema.relation`) or a virtual one (`sql: select ...`)."""
    if "table" in ds:
        schema, table, sql = *ds["table"].split(".", 1), None
    else:
        schema, table, sql = None, name, " ".join(ds["sql"].split())
    calculated = ds.get("calculated", {})
    columns = [
        {
            "column_name": column,
            "verbose_name": label,
            "is_dttm": column == ds.get("time_column"),
            "groupby": True,
            "filterable": True,
        }
        | ({"expression": calculated[column], "type": "VARCHAR"} if column in calculated else {})
        for column, label in ds.get("labels", {}).items()
    ]
    metrics = [
        {
            "currency": None,
            "d3format": m.get("format"),
            "description": m.get("description"),
            "expression": m["sql"],
            "extra": None,
            "metric_name": metric_name,
            "metric_type": None,
            "verbose_name": m.get("label"),
            "warning_text": None,
        }
        for metric_name, m in ds.get("metrics", {}).items()
    ]
    return {
        "always_filter_main_dttm": False,
        "cache_timeout": None,
        "catalog": None,
        # Only the labelled columns: the others (and every type) are read from the
        # database at import (setup_superset.py), so a column added to the relation shows
        # up without regenerating the bundle.
        "columns": columns,
        "database_uuid": database_uuid,
        "default_endpoint": None,
        "description": ds.get("description"),
        # Row-level security is not in the bundle: `superset up` derives it from the dbt
        # models' meta.row_access (carteira/serving/superset_rls.py).
        "extra": None,
        "fetch_values_predicate": None,
        "filter_select_enabled": True,
        "main_dttm_col": ds.get("time_column"),
        "metrics": metrics,
        "normalize_columns": False,
        "offset": 0,
        "params": None,
        "schema": schema,
        "sql": sql,
        "table_name": table,
        "template_params": None,
        "uuid": stable_uuid("dataset", name),
        "version": VERSION,
    }


def _metric_ref(metric: str | dict[str, Any]) -> str | dict[str, Any]:
    """A saved metric by name, or an ad-hoc SQL metric {sql, label}."""
    if isinstance(metric, str):
        return metric
    return {
        "expressionType": "SQL",
        "sqlExpression": metric["sql"],
        "label": metric["label"],
        "hasCustomLabel": True,
    }


def _label(metric: str | dict[str, Any]) -> str:
    return metric if isinstance(metric, str) else metric["label"]


def _filters(chart: dict[str, Any]) -> list[dict[str, Any]]:
    fixed = [
        {
            "clause": "WHERE",
            "expressionType": "SQL",
            "sqlExpression": where,
            "filterOptionName": f"filter_{i}",
        }
        for i, where in enumerate(chart.get("where", []))
    ]
    if not chart.get("time_column"):
        return fixed
    # The dataset's time column under a time-range filter: what a dashboard's period
    # filter replaces. Without it the period filter reaches the chart but filters nothing.
    return [
        *fixed,
        {
            "clause": "WHERE",
            "expressionType": "SIMPLE",
            "subject": chart["time_column"],
            "operator": "TEMPORAL_RANGE",
            "comparator": "No filter",
            "filterOptionName": "filter_period",
        },
    ]


def status_line_template(texts: dict[str, str], locale: str) -> str:
    """The first line of every dashboard, from bi.warehouse_status (one row per source
    system, the late ones first): "dados de <as_of>, atualizado em <time>", then the late
    systems with their last extract, or that every source was on time. Nothing about
    sources when the build did not evaluate them (no system in the relation)."""
    day = DAYJS_DATE_FORMATS[locale]
    return (
        "<div>"
        "{{#with data.[0]}}"
        f'{texts["data as of"]} {{{{dateFormat as_of format="{day}"}}}}, '
        f'{texts["updated"]} {{{{dateFormat refreshed_at format="{day} HH:mm"}}}}'
        f"{{{{#if late_systems}}}} · <b>{texts['late sources']}:</b>{{{{/if}}}}"
        "{{#unless late_systems}}{{#if source_system}}"
        f" · {texts['every source on time']}"
        "{{/if}}{{/unless}}{{/with}}"
        "{{#each data}}{{#if is_late}}{{#unless @first}},{{/unless}} <b>{{source_system}}</b>"
        f" ({texts['last extract']} "
        f'{{{{#if last_extract}}}}{{{{dateFormat last_extract format="{day}"}}}}'
        f"{{{{else}}}}{texts['never']}{{{{/if}}}})"
        "{{/if}}{{/each}}</div>"
    )


def chart_params(chart: dict[str, Any]) -> dict[str, Any]:
    """Superset form data for one chart of the spec (the viz types we use)."""
    kind = chart["type"]
    common: dict[str, Any] = {"adhoc_filters": _filters(chart), "extra_form_data": {}}
    if chart.get("time_column"):
        common["granularity_sqla"] = chart["time_column"]
    if kind == "big_number":
        return common | {
            "viz_type": "big_number_total",
            "metric": _metric_ref(chart["metric"]),
            "header_font_size": 0.4,
            "subheader_font_size": 0.15,
            "subtitle": chart.get("subtitle", ""),
            "y_axis_format": chart.get("format", ",d"),
            "time_format": "smart_date",
        }
    if kind == "status_line":
        return common | {
            "viz_type": "handlebars",
            "query_mode": "raw",
            "all_columns": chart["columns"],
            "groupby": [],
            "metrics": [],
            "order_by_cols": [
                json.dumps([c.lstrip("-"), not c.startswith("-")]) for c in chart["order_by"]
            ],
            "row_limit": 100,
            "handlebarsTemplate": status_line_template(
                chart["texts"], chart.get("locale", DEFAULT_LOCALE)
            ),
            # Superset's HTML sanitizer drops <style> (its text would show) and classes
            "styleTemplate": "",
        }
    if kind == "table":
        base = common | {
            "viz_type": "table",
            "row_limit": chart.get("row_limit", 50000),
            # Pages on the server: every row is reachable and the footer counts them
            # all, instead of stopping silently at a row limit.
            "server_pagination": True,
            "server_page_length": chart.get("page_length", 10),
            "page_length": chart.get("page_length", 10),
            "include_search": True,
            "show_cell_bars": chart.get("cell_bars", True),
            "color_pn": True,
            "allow_rearrange_columns": True,
            "table_timestamp_format": DATE_FORMATS[chart.get("locale", DEFAULT_LOCALE)],
            "percent_metrics": [],
            "column_config": chart.get("column_config", {}),
            "conditional_formatting": chart.get("conditional_formatting", []),
        }
        if "columns" in chart:
            order = chart.get("order_by", [])
            return base | {
                "query_mode": "raw",
                "all_columns": chart["columns"],
                "groupby": [],
                "metrics": [],
                "order_by_cols": [
                    json.dumps([c.lstrip("-"), not c.startswith("-")]) for c in order
                ],
            }
        metrics = [_metric_ref(m) for m in chart["metrics"]]
        return base | {
            "query_mode": "aggregate",
            "groupby": chart["groupby"],
            "metrics": metrics,
            "all_columns": [],
            "order_by_cols": [],
            "timeseries_limit_metric": _metric_ref(chart.get("order_by_metric", metrics[0])),
            "order_desc": True,
            "show_totals": chart.get("totals", True),
        }
    if kind in ("bar", "line"):
        metrics = [_metric_ref(m) for m in chart["metrics"]]
        params = common | {
            "viz_type": "echarts_timeseries_bar" if kind == "bar" else "echarts_timeseries_line",
            "x_axis": chart["x"],
            "metrics": metrics,
            "groupby": chart.get("groupby", []),
            "row_limit": 10000,
            "show_legend": True,
            "legendOrientation": "top",
            "legendType": "plain",  # all series shown, wrapped, never cut behind a pager
            "rich_tooltip": True,
            "showTooltipTotal": True,
            "x_axis_time_format": MONTH_FORMATS[chart.get("locale", DEFAULT_LOCALE)]
            if chart.get("time_grain") == "P1M"
            else DATE_FORMATS[chart.get("locale", DEFAULT_LOCALE)],
            "y_axis_format": chart.get("format", "SMART_NUMBER"),
            "truncateXAxis": True,
            "zoomable": False,
            "color_scheme": "supersetColors",
            "orientation": chart.get("orientation", "vertical"),
            "stack": "Stack" if chart.get("stack") else None,
            "show_value": chart.get("show_value", False),
            "only_total": True,
            "markerEnabled": kind == "line",
            "y_axis_title": chart.get("y_title", ""),
            "x_axis_title": "",
            "y_axis_title_margin": 30 if chart.get("y_title") else 15,
            "y_axis_title_position": "Left",
        }
        if "y_max" in chart:
            params["y_axis_bounds"] = [0, chart["y_max"]]
        if "time_grain" in chart:
            params["time_grain_sqla"] = chart["time_grain"]
        if chart.get("sort_by_value"):
            params |= {
                "x_axis_sort": _label(chart["metrics"][0]),
                "x_axis_sort_asc": False,
                "x_axis_sort_series": "sum",
                "x_axis_sort_series_ascending": False,
            }
        return params
    if kind == "pie":
        return common | {
            "viz_type": "pie",
            "groupby": chart["groupby"],
            "metric": _metric_ref(chart["metric"]),
            "row_limit": 100,
            "donut": True,
            "show_labels": True,
            "labels_outside": False,
            "label_type": "percent",
            "number_format": "SMART_NUMBER",
            "show_legend": True,
            "legendOrientation": "bottom",
            "legendType": "plain",  # all series shown, wrapped, never cut behind a pager
            "color_scheme": "supersetColors",
            "innerRadius": 40,
            "outerRadius": 70,
            "sort_by_metric": True,
        }
    raise ValueError(f"chart {chart['title']!r}: unknown type {kind!r}")


def chart_config(name: str, chart: dict[str, Any], time_range: str | None = None) -> dict[str, Any]:
    params = chart_params(chart)
    if time_range:  # the default period of the dashboard's time filter
        params["time_range"] = time_range
    return {
        "cache_timeout": None,
        "certification_details": None,
        "certified_by": None,
        "dataset_uuid": stable_uuid("dataset", chart["dataset"]),
        "description": chart.get("description"),
        "params": params,
        "query_context": query_context(params),
        "slice_name": chart["title"],
        "uuid": stable_uuid("chart", name),
        "version": VERSION,
        "viz_type": params["viz_type"],
    }


class _Layout:
    """Builds Superset's position tree (ROOT -> GRID or TABS -> rows -> charts)."""

    def __init__(self, dashboard: str, charts: dict[str, dict[str, Any]]) -> None:
        self.dashboard = dashboard
        self.charts = charts
        self.position: dict[str, Any] = {"DASHBOARD_VERSION_KEY": "v2"}
        self.chart_ids: dict[str, int] = {}
        self._n = 0

    def _id(self, kind: str) -> str:
        self._n += 1
        return f"{kind}-{self.dashboard}-{self._n}"

    def add(self, kind: str, parents: list[str], meta: dict[str, Any]) -> str:
        node_id = self._id(kind)
        self.position[node_id] = {
            "children": [],
            "id": node_id,
            "meta": meta,
            "parents": parents,
            "type": kind,
        }
        if parents:
            self.position[parents[-1]]["children"].append(node_id)
        return node_id

    def rows(self, parents: list[str], rows: list[list[dict[str, Any]]]) -> None:
        for row in rows:
            row_id = self.add("ROW", parents, {"background": "BACKGROUND_TRANSPARENT"})
            for cell in row:
                if "markdown" in cell:
                    self.add(
                        "MARKDOWN",
                        [*parents, row_id],
                        {
                            "code": cell["markdown"],
                            "height": cell.get("height", 20),
                            "width": cell.get("width", GRID_COLUMNS),
                        },
                    )
                    continue
                name = cell["chart"]
                chart = self.charts[name]
                chart_id = self.chart_ids.setdefault(name, len(self.chart_ids) + 1)
                self.add(
                    "CHART",
                    [*parents, row_id],
                    {
                        "chartId": chart_id,
                        "height": cell.get("height", 50),
                        "sliceName": chart["title"],
                        "uuid": stable_uuid("chart", name),
                        "width": cell.get("width", 4),
                    },
                )
            width = sum(c.get("width", 4) for c in row)
            if width > GRID_COLUMNS:
                raise ValueError(f"{self.dashboard}: a row is {width} columns wide (max 12)")


def dashboard_config(
    name: str, dash: dict[str, Any], charts: dict[str, Any], status_line: dict[str, Any] | None
) -> dict[str, Any]:
    """One dashboard; `status_line` (a cell) opens it, above its rows or tabs, out of every
    filter's scope (the day and the sources are the warehouse's, whatever is filtered)."""
    layout = _Layout(name, charts)
    layout.position["ROOT_ID"] = {"children": [], "id": "ROOT_ID", "type": "ROOT"}
    layout.position["HEADER_ID"] = {
        "id": "HEADER_ID",
        "meta": {"text": dash["title"]},
        "type": "HEADER",
    }
    tab_ids: dict[str, str] = {}
    layout.position["GRID_ID"] = {
        "children": [],
        "id": "GRID_ID",
        "parents": ["ROOT_ID"],
        "type": "GRID",
    }
    layout.position["ROOT_ID"]["children"].append("GRID_ID")
    grid = ["ROOT_ID", "GRID_ID"]
    if status_line:
        layout.rows(grid, [[status_line | {"width": GRID_COLUMNS}]])
    if "tabs" in dash:
        tabs_id = layout.add("TABS", grid, {})
        for tab in dash["tabs"]:
            tab_id = layout.add(
                "TAB", [*grid, tabs_id], {"text": tab["title"], "defaultText": "Tab title"}
            )
            tab_ids[tab["title"]] = tab_id
            layout.rows([*grid, tabs_id, tab_id], tab["rows"])
    else:
        layout.rows(grid, dash["rows"])
    unfiltered = [layout.chart_ids[status_line["chart"]]] if status_line else []

    filters = []
    for i, f in enumerate(dash.get("filters", [])):
        native: dict[str, Any] = {
            "cascadeParentIds": [],
            "controlValues": {"enableEmptyFilter": False},
            "defaultDataMask": {"extraFormData": {}, "filterState": {}, "ownState": {}},
            "description": f.get("description", ""),
            "id": f"NATIVE_FILTER-{name}-{i}",
            "name": f["name"],
            # `tab`: a filter that means something on one tab only (a campaign: opportunities)
            "scope": {
                "excluded": unfiltered,
                "rootPath": [tab_ids[f["tab"]] if "tab" in f else "ROOT_ID"],
            },
            "type": "NATIVE_FILTER",
        }
        if f["type"] == "time":
            native |= {"filterType": "filter_time", "targets": [{}]}
            if "default" in f:  # the report's default period, not "No filter"
                native["defaultDataMask"] = {
                    "extraFormData": {"time_range": f["default"]},
                    "filterState": {"value": f["default"]},
                    "ownState": {},
                }
        else:
            native |= {
                "filterType": "filter_select",
                "targets": [
                    {
                        "column": {"name": f["column"]},
                        "datasetUuid": stable_uuid("dataset", f["dataset"]),
                    }
                ],
            }
            # `first: true`: a one-client screen opens on a client instead of on everyone.
            native["requiredFirst"] = bool(f.get("first"))
            if "sort_metric" in f:  # values (and so the first one) by this metric, descending
                native["sortMetric"] = f["sort_metric"]
                native["controlValues"]["sortAscending"] = False
            elif f.get("sort_desc"):  # e.g. months, the latest first
                native["controlValues"]["sortAscending"] = False
            native["controlValues"] |= {
                "enableEmptyFilter": bool(f.get("first")),
                "defaultToFirstItem": bool(f.get("first")),
                "inverseSelection": False,
                "multiSelect": f.get("multi", True),
                "searchAllOptions": True,
            }
        filters.append(native)

    return {
        "certification_details": None,
        "certified_by": None,
        "css": dash.get("css", ""),
        "dashboard_title": dash["title"],
        "description": dash.get("description"),
        "metadata": {
            "color_scheme": "supersetColors",
            "cross_filters_enabled": True,
            "default_filters": "{}",
            "expanded_slices": {},
            "label_colors": dash.get("label_colors", {}),
            "native_filter_configuration": filters,
            "refresh_frequency": 0,
            "shared_label_colors": [],
            "timed_refresh_immune_slices": [],
        },
        "position": layout.position,
        "published": True,
        "slug": name,
        "uuid": stable_uuid("dashboard", name),
        "version": VERSION,
    }


def _cells(dash: dict[str, Any]) -> list[dict[str, Any]]:
    rows = [row for tab in dash.get("tabs", []) for row in tab["rows"]] + dash.get("rows", [])
    return [cell for row in rows for cell in row]


def default_periods(spec: dict[str, Any]) -> dict[str, str]:
    """Chart -> the default period of its dashboard's time filter, for its saved query."""
    periods: dict[str, str] = {}
    for dash in spec["dashboards"].values():
        times = [f for f in dash.get("filters", []) if f["type"] == "time"]
        default = next((f["default"] for f in times if "default" in f), None)
        if default:
            periods |= {cell["chart"]: default for cell in _cells(dash) if "chart" in cell}
    return periods


def build(spec: dict[str, Any], out: Path) -> None:
    """Write one bundle per locale, out/<locale>/."""
    if out.exists():
        shutil.rmtree(out)
    for locale in LOCALES:
        build_locale(localize(spec, locale), out / locale)


def build_locale(spec: dict[str, Any], out: Path) -> None:
    _dump(
        out / "metadata.yaml",
        # "assets": setup_superset.py imports it with ImportAssetsCommand, which overwrites
        # datasets and charts too (a dashboard import keeps existing ones as they were, so a
        # changed chart or another locale would not show after a second `up`).
        {"type": "assets", "version": VERSION, "timestamp": "2026-11-29T00:00:00+00:00"},
    )
    database = database_config(spec)
    _dump(out / "databases" / "carteira.yaml", database)
    for name, ds in spec["datasets"].items():
        _dump(
            out / "datasets" / "carteira" / f"{name}.yaml",
            dataset_config(name, ds, database["uuid"]),
        )
    for name, chart in spec["charts"].items():
        _dump(
            out / "charts" / f"{name}.yaml",
            chart_config(name, chart, default_periods(spec).get(name)),
        )
    for name, dash in spec["dashboards"].items():
        _dump(
            out / "dashboards" / f"{name}.yaml",
            dashboard_config(name, dash, spec["charts"], spec.get("status_line")),
        )


def load_spec(path: Path = SPEC) -> dict[str, Any]:
    spec = yaml.safe_load(path.read_text())
    for name, chart in spec["charts"].items():
        if chart["dataset"] not in spec["datasets"]:
            raise ValueError(f"chart {name}: unknown dataset {chart['dataset']!r}")
    return spec


def _files(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): p.read_text() for p in sorted(root.rglob("*.yaml"))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if bundle/ is out of date")
    args = parser.parse_args(argv)
    spec = load_spec()
    if not args.check:
        build(spec, BUNDLE)
        print(f"wrote {BUNDLE}")
        return 0
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        build(spec, Path(tmp) / "bundle")
        if _files(Path(tmp) / "bundle") != _files(BUNDLE):
            print(
                "bi/superset/bundle is out of date: run bi/superset/build_bundle.py",
                file=sys.stderr,
            )
            return 1
    print("bundle in sync with dashboards.yml")
    return 0


if __name__ == "__main__":
    sys.exit(main())
