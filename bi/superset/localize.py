"""The dashboard spec in one language: what build_bundle.py writes bundle/<locale>/ from.

Why apart from the generator: languages are their own concern (translations, the seed's
status labels, formats) and the generator stays about Superset's bundle layout.
"""

from __future__ import annotations

import copy
import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
TRANSLATIONS = HERE / "translations"
STATUS_LABELS = HERE.parent.parent / "seeds" / "status_labels.csv"
# The languages a bundle is written in (bundle/<locale>/); `carteira superset up --locale`
# picks one. pt_BR is the business's: titles from translations/pt_BR.yml, status labels
# from the seed's label_pt, dates as dd/mm/aaaa.
LOCALES = ("pt_BR", "en")
DEFAULT_LOCALE = "pt_BR"


def _status_labels(locale: str) -> dict[str, dict[str, str]]:
    """domain -> code -> label in the locale, from seeds/status_labels.csv (the one place)."""
    column = "label_pt" if locale == "pt_BR" else "label_en"
    labels: dict[str, dict[str, str]] = {}
    with STATUS_LABELS.open(encoding="utf-8") as seed:
        for row in csv.DictReader(seed):
            labels.setdefault(row["domain"], {})[row["code"]] = row[column]
    return labels


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _translator(locale: str) -> Callable[[str], str]:
    if locale == "en":
        return lambda text: text
    path = TRANSLATIONS / f"{locale}.yml"
    table = yaml.safe_load(path.read_text(encoding="utf-8"))

    def translate(text: str) -> str:
        if text not in table:
            raise ValueError(f"{path.name}: no translation of {text!r}")
        return table[text]

    return translate


def localize(spec: dict[str, Any], locale: str) -> dict[str, Any]:
    """The spec in one language, ready to build.

    Titles, labels, filter names and tabs translated (dataset descriptions, read by
    analysts, stay in English); each `status_labels` column gets a `<column>_label`
    calculated column, CASE code -> the seed's label (the code itself when unknown); big
    number cards read COALESCE(metric, 0), so an empty selection shows 0, not "No data".
    """
    spec = copy.deepcopy(spec)
    t = _translator(locale)
    seed = _status_labels(locale)
    for name, ds in spec["datasets"].items():
        ds["labels"] = {column: t(label) for column, label in ds.get("labels", {}).items()}
        for metric in ds.get("metrics", {}).values():
            metric["label"] = t(metric["label"])
        for column, domain in ds.get("status_labels", {}).items():
            if domain not in seed:
                raise ValueError(f"dataset {name}: no status labels of domain {domain!r}")
            cases = " ".join(
                f"WHEN {_quote(code)} THEN {_quote(label)}" for code, label in seed[domain].items()
            )
            ds.setdefault("calculated", {})[f"{column}_label"] = (
                f"CASE {column} {cases} ELSE {column} END"
            )
            ds["labels"][f"{column}_label"] = ds["labels"].get(column, column)
    for chart in spec["charts"].values():
        chart["title"] = t(chart["title"])
        chart["locale"] = locale
        if "texts" in chart:  # words of a text chart (the status line), keyed by English
            chart["texts"] = {text: t(text) for text in chart["texts"]}
        chart["time_column"] = spec["datasets"][chart["dataset"]].get("time_column")
        for key in ("metrics", "metric"):
            value = chart.get(key)
            for metric in value if isinstance(value, list) else [value]:
                if isinstance(metric, dict):
                    metric["label"] = t(metric["label"])
        formats = spec["datasets"][chart["dataset"]].get("formats", {})
        if chart["type"] == "table" and "columns" in chart:  # raw rows: money as R$ 1.234,56
            chart["column_config"] = {
                column: {"d3NumberFormat": formats[column]}
                for column in chart["columns"]
                if column in formats
            } | chart.get("column_config", {})
        if chart["type"] == "big_number" and isinstance(chart["metric"], str):
            metric = spec["datasets"][chart["dataset"]]["metrics"][chart["metric"]]
            chart["metric"] = {"sql": f"COALESCE({metric['sql']}, 0)", "label": metric["label"]}
    for dash in spec["dashboards"].values():
        dash["title"] = t(dash["title"])
        if dash.get("description"):
            dash["description"] = t(dash["description"])
        for f in dash.get("filters", []):
            f["name"] = t(f["name"])
            if f.get("description"):
                f["description"] = t(f["description"])
            if "tab" in f:
                f["tab"] = t(f["tab"])
        for tab in dash.get("tabs", []):
            tab["title"] = t(tab["title"])
    return spec
