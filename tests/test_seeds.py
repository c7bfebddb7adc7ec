"""seeds/: reference data business users edit, complete against the codes the marts store.

These read the CSV and YAML files only (no warehouse); tests/test_reports_customer.py
checks that editing the seeds in a warehouse changes the alerts and the PDF labels.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

import yaml
from dagster import AssetKey

from carteira.settings import REPO_ROOT

SEEDS = REPO_ROOT / "seeds"
MODELS = REPO_ROOT / "models"

# label domain -> (model, column) whose accepted values it labels
LABELLED = {
    "booking_outcome": ("fct_bookings", "outcome"),
    "order_status": ("fct_orders", "status"),
    "receivable_status": ("fct_receivables", "status"),
    "negotiation_status": ("fct_negotiations", "status"),
    "service_order_status": ("fct_service_orders", "status"),
    "quote_status": ("fct_quotes", "status"),
    "schedule_event_status": ("fct_schedule_events", "status"),
    "purchase_order_status": ("fct_purchase_orders", "status"),
    "project_closing_status": ("fct_projects", "closing_status"),
    "contract_stage": ("fct_contracts", "stage"),
    "opportunity_stage": ("telesales_opportunity_population", "stage"),
    "call_match_status": ("fct_calls", "match_status"),
    "alert_rule": ("client_alerts", "rule"),
    "alert_severity": ("alert_rules", "severity"),
}


def _rows(name: str) -> list[dict[str, str]]:
    with (SEEDS / f"{name}.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


# A check constraint `col in ('a', 'b')` (error-severity accepted values, issue 14).
_CHECK_IN = re.compile(r"^\s*(\w+)\s+in\s*\((.*)\)\s*$", re.S)


def _accepted_values() -> dict[tuple[str, str], set[str]]:
    """Accepted values per (model, column), wherever the project states them: a column's
    accepted_values test, its check constraint, or the model's column_rules test."""
    found: dict[tuple[str, str], set[str]] = {}
    for path in [*MODELS.rglob("*.yml"), *SEEDS.glob("*.yml")]:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for node in doc.get("models", []) + doc.get("seeds", []):
            for test in node.get("data_tests", []) or []:
                if isinstance(test, dict) and "column_rules" in test:
                    spec = test["column_rules"]
                    for column, values in (
                        spec.get("arguments", spec).get("accepted_values") or {}
                    ).items():
                        found[(node["name"], column)] = set(values)
            for column in node.get("columns", []):
                for test in column.get("data_tests", []) or []:
                    if isinstance(test, dict) and "accepted_values" in test:
                        spec = test["accepted_values"]
                        values = spec.get("arguments", spec)["values"]
                        found[(node["name"], column["name"])] = set(values)
                for constraint in column.get("constraints", []) or []:
                    match = _CHECK_IN.match(constraint.get("expression") or "")
                    if constraint.get("type") == "check" and match and match[1] == column["name"]:
                        values = {v.strip().strip("'") for v in match[2].split(",")}
                        found[(node["name"], column["name"])] = values
    return found


def test_every_status_and_outcome_code_has_both_labels() -> None:
    labels = _rows("status_labels")
    accepted = _accepted_values()
    by_domain: dict[str, set[str]] = {}
    for row in labels:
        assert row["label_pt"].strip() and row["label_en"].strip(), row
        by_domain.setdefault(row["domain"], set()).add(row["code"])
    assert set(by_domain) == set(LABELLED), "a domain without its mart column, or the reverse"
    for domain, where in LABELLED.items():
        assert by_domain[domain] == accepted[where], (domain, where)
    duplicates = [k for k, n in Counter((r["domain"], r["code"]) for r in labels).items() if n > 1]
    assert not duplicates


def test_alert_seeds_cover_every_rule_once_with_numeric_thresholds() -> None:
    rules = _rows("alert_rules")
    rule_names = _accepted_values()[("alert_rules", "rule")]
    assert sorted(r["rule"] for r in rules) == sorted(rule_names)
    assert all(r["enabled"] in ("true", "false") for r in rules)
    thresholds = _rows("alert_thresholds")
    keys = Counter((t["rule"], t["setting"]) for t in thresholds)
    assert all(n == 1 for n in keys.values()), keys
    for t in thresholds:
        assert t["rule"] in rule_names, t
        float(t["value"])  # a number, or client_alerts cannot use it
        assert t["description"].strip(), t


def test_every_seed_is_described_with_column_types() -> None:
    doc = yaml.safe_load((SEEDS / "_seeds.yml").read_text(encoding="utf-8"))
    described = {s["name"]: s for s in doc["seeds"]}
    assert set(described) == {p.stem for p in SEEDS.glob("*.csv")}
    for name, seed in described.items():
        header = next(csv.reader((SEEDS / f"{name}.csv").open(encoding="utf-8")))
        assert seed["description"].strip()
        assert list(seed["config"]["column_types"]) == header, name
        assert [c["name"] for c in seed["columns"]] == header, name
        assert all(c.get("description") for c in seed["columns"]), name


def test_seeds_are_dagster_assets_upstream_of_the_marts_that_use_them() -> None:
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    for seed in ("alert_rules", "alert_thresholds", "status_labels"):
        assert graph.get(AssetKey(["seeds", seed])).group_name == "seeds"
    # the alert seeds reach client_alerts through the alert rule models
    upstream: set[AssetKey] = set()
    todo = [AssetKey(["marts", "client_alerts"])]
    while todo:
        parents = set(graph.get(todo.pop()).parent_keys) - upstream
        upstream |= parents
        todo += [key for key in parents if graph.has(key)]
    assert {AssetKey(["seeds", "alert_rules"]), AssetKey(["seeds", "alert_thresholds"])} <= upstream
    labels = graph.get(AssetKey(["marts", "dim_status_label"]))
    assert AssetKey(["seeds", "status_labels"]) in labels.parent_keys


def test_readme_seeds_folder_exists_as_dbt_project_names_it() -> None:
    project = yaml.safe_load((REPO_ROOT / "dbt_project" / "dbt_project.yml").read_text())
    assert [(REPO_ROOT / "dbt_project" / p).resolve() for p in project["seed-paths"]] == [
        Path(SEEDS).resolve()
    ]
