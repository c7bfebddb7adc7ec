"""Superset's row-level security rules: the warehouse's one visibility rule, per viewer.

Superset reads the served relations as one database user, so the rule
(carteira/serving/row_access.py) is applied by Superset itself: for each staff member and each
dataset whose relation declares owner columns, one "Regular" RLS clause that Superset adds
to every query of that dataset for that member's role. The clause is the same predicate
the PostgreSQL policies use, with the viewer's sets read at query time from
`marts.staff_visibility`, `marts.dim_client` and `marts.dim_staff` (so a refresh that
moves a client or a staff member needs no new `superset up`). It is portable SQL: the same
clause runs on the DuckDB file and on PostgreSQL (where Superset's connection must read
every row: a superuser or an `<prefix>_analyst` login, docs/superset.md).

Which relation a dataset reads comes from bi/superset/dashboards.yml (`table:`, or the
first relation after FROM of `sql:`); its declaration from the dbt model files. A dataset
over a relation that declares nothing is refused, as publish-postgres refuses it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from carteira.serving import row_access
from carteira.serving.row_access import RowAccess, VisibleSets, sql_literal
from carteira.settings import REPO_ROOT

SPEC = REPO_ROOT / "bi" / "superset" / "dashboards.yml"
_FROM = re.compile(r"\bfrom\s+(bi\.[a-z_][a-z0-9_]*)", re.IGNORECASE)


class SupersetRlsError(ValueError):
    """A dataset reads a relation whose row access is not declared."""


def dataset_relations(spec_path: Path = SPEC) -> dict[str, str]:
    """Superset table_name of each dataset -> the served relation (`bi.x`) its rows are."""
    spec = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    found: dict[str, str] = {}
    for name, dataset in spec["datasets"].items():
        if "table" in dataset:
            found[dataset["table"].split(".", 1)[1]] = dataset["table"]
            continue
        first = _FROM.search(dataset["sql"])
        if first is None:
            raise SupersetRlsError(f"{spec_path.name}: dataset {name} reads no bi relation")
        found[name] = first.group(1)
    return found


def dataset_access(
    spec_path: Path = SPEC, declared: Mapping[str, RowAccess | None] | None = None
) -> dict[str, RowAccess]:
    """Superset table_name -> the declaration of the relation the dataset reads."""
    declared = declared if declared is not None else row_access.from_model_files()
    found: dict[str, RowAccess] = {}
    for dataset, relation in dataset_relations(spec_path).items():
        access = declared.get(relation.split(".", 1)[1])
        if access is None:
            raise SupersetRlsError(
                f"dataset {dataset} reads {relation}, which declares no meta.row_access"
            )
        found[dataset] = access
    return found


def viewer_sets(staff_id: str) -> VisibleSets:
    """The viewer's sets as queries over the served marts, for one staff member."""
    viewer = sql_literal(staff_id)
    visible = (
        f"select visible_staff_id from marts.staff_visibility where viewer_staff_id = {viewer}"
    )
    return VisibleSets(
        staff_ids=visible,
        client_keys=f"select client_key from marts.dim_client where owner_staff_id in ({visible})",
        unowned_client_keys="select client_key from marts.dim_client where owner_staff_id is null",
        sees_unowned=(
            "select count(*) > 0 from marts.dim_staff "
            f"where staff_id = {viewer} and can_view_all and active and not is_deleted"
        ),
    )


def rls_clauses(
    staff_ids: Iterable[str], access: Mapping[str, RowAccess]
) -> dict[str, dict[str, str] | None]:
    """Superset table_name -> {staff_id: clause}; None for a dataset readable whole."""
    staff = list(staff_ids)
    return {
        dataset: {s: row_access.predicate(rule, viewer_sets(s)) for s in staff}
        if rule.restricted
        else None
        for dataset, rule in sorted(access.items())
    }


def setup_rules(members: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, str] | None]:
    """What `carteira superset up` hands to setup_superset.py for its members."""
    return rls_clauses((m["staff_id"] for m in members), dataset_access())
