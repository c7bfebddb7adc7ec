"""The visibility rule computed again, independently, for the visibility tests.

From the raw org tree (crm staff and departments, current version as of a date) and the
served clients' owners (checked against the raw crm clients), in plain Python: it shares
nothing with marts.staff_visibility, the PostgreSQL policies or Superset's RLS clauses.
Used by tests/test_postgres_visibility.py and tests/test_superset.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from carteira.serving.row_access import RowAccess


@dataclass
class OrgTree:
    """The org tree and client owners as the raw layer says, current as of AS_OF."""

    staff: dict[str, dict[str, Any]]
    heads: dict[str, list[str]]  # staff_id -> departments they head
    parent: dict[str, str | None]
    client_owner: dict[str, str | None]  # client_key -> owner staff id (None: unowned)
    client_ids: dict[Any, str]  # crm / erp / studio identifiers -> client_key

    def department_subtree(self, department: str) -> set[str]:
        found = {department}
        grew = True
        while grew:
            more = {d for d, p in self.parent.items() if p in found} - found
            grew = bool(more)
            found |= more
        return found

    def visible(self, viewer: str) -> set[str]:
        """marts.staff_visibility's rule, computed again from the raw rows."""
        me = self.staff[viewer]
        if not me["active"] or me["deleted"]:
            return set()
        live = {s for s, row in self.staff.items() if not row["deleted"]}
        if me["can_view_all"]:
            return live
        seen = {viewer}
        for department in self.heads.get(viewer, []):
            tree = self.department_subtree(department)
            seen |= {s for s in live if self.staff[s]["department_id"] in tree}
        return seen

    def sees_unowned(self, viewer: str) -> bool:
        me = self.staff[viewer]
        return bool(me["active"] and not me["deleted"] and me["can_view_all"])


def _current(
    con: duckdb.DuckDBPyConnection, table: str, key: str, as_of: date
) -> list[dict[str, Any]]:
    """Latest version of each record extracted through as_of (the staging rule)."""
    (catalog,) = con.execute("select current_database()").fetchone()
    cur = con.execute(
        f'select * from "{catalog}".raw.{table} where _extract_date <= ? '
        f"qualify row_number() over (partition by {key} order by updated_at desc, "
        "_extract_date desc, _delivery_seq desc, _row_number desc) = 1",
        [as_of],
    )
    columns = [d[0] for d in cur.description]
    return [dict(zip(columns, row, strict=True)) for row in cur.fetchall()]


def org_tree(raw_path: Path, as_of: date, clients: list[tuple]) -> OrgTree:
    """The org tree of the raw layer; `clients`: (client_key, owner_staff_id, crm_client_id,
    erp_customer_code, studio_member_id) of the served marts.dim_client."""
    con = duckdb.connect(str(raw_path), read_only=True)
    try:
        staff = {
            r["staff_id"]: {
                "department_id": r["department_id"],
                "can_view_all": bool(r["can_view_all"]),
                "active": bool(r["active"]),
                "deleted": r["deleted_at"] is not None,
            }
            for r in _current(con, "crm__staff", "staff_id", as_of)
        }
        departments = _current(con, "crm__departments", "department_id", as_of)
        crm_owner = {
            r["client_id"]: r["owner_staff_id"]
            for r in _current(con, "crm__clients", "client_id", as_of)
        }
    finally:
        con.close()
    heads: dict[str, list[str]] = {}
    for d in departments:
        if d["head_staff_id"]:
            heads.setdefault(d["head_staff_id"], []).append(d["department_id"])
    client_owner: dict[str, str | None] = {}
    client_ids: dict[Any, str] = {}
    for key, owner, crm_id, erp_code, member_id in clients:
        # The served owner is the crm record's: checked against the raw layer here.
        if crm_id is not None:
            assert owner == crm_owner[crm_id], (key, owner, crm_owner[crm_id])
        else:
            assert owner is None, key
        client_owner[key] = owner
        for value in (crm_id, erp_code, ("member", member_id)):
            if value is not None and value != ("member", None):
                client_ids[value] = key
    return OrgTree(
        staff=staff,
        heads=heads,
        parent={d["department_id"]: d["parent_department_id"] for d in departments},
        client_owner=client_owner,
        client_ids=client_ids,
    )


def owners(org: OrgTree, columns: list[str], row: tuple) -> tuple[set[str | None], set[str]]:
    """(owners of the clients the row names, staff the row names), found by value."""
    clients: set[str | None] = set()
    staff: set[str] = set()
    for column, value in zip(columns, row, strict=True):
        if value is None:
            continue
        if column in ("member_id", "studio_member_id"):
            value = ("member", value)
        if isinstance(value, str | tuple):
            if value in org.client_owner:
                clients.add(org.client_owner[value])
            elif value in org.client_ids:
                clients.add(org.client_owner[org.client_ids[value]])
            elif value in org.staff:
                staff.add(value)
    return clients, staff


def allowed(org: OrgTree, viewer: str, columns: list[str], row: tuple, names_anyone: bool) -> bool:
    """The rule, from the row's values alone (no declaration involved).

    `names_anyone`: whether any row of the relation (as its owner reads it) names a client
    or a staff member; a relation that never does is readable whole.
    """
    if not names_anyone:
        return True
    clients, staff = owners(org, columns, row)
    visible = org.visible(viewer)
    if (clients | staff) & visible:
        return True
    return org.sees_unowned(viewer) and clients <= {None}


def declared_visible(
    org: OrgTree, viewer: str, access: RowAccess, columns: list[str], row: tuple
) -> bool:
    """The rule through the relation's declaration, with visibility from the org tree."""
    if not access.restricted:
        return True
    values = dict(zip(columns, row, strict=True))
    visible = org.visible(viewer)
    owned = False
    if access.client_column:
        key = values[access.client_column]
        owner = org.client_owner.get(key) if key is not None else None
        if owner in visible:
            return True
        owned = key is not None and (key not in org.client_owner or owner is not None)
    staff = [values[c] for c in access.staff_columns]
    if any(s in visible for s in staff if s is not None):
        return True
    return org.sees_unowned(viewer) and not owned and all(s is None for s in staff)


def row_key(row: tuple) -> str:
    return json.dumps(row, default=str, sort_keys=True)
