"""Who may see which row of a served relation: the one visibility rule and its declaration.

Every relation of the served schemas (`marts`, `bi`) declares, in its dbt model's
`config: meta: row_access:`, either which of its columns make a row someone's:

    row_access: {client_column: client_key, staff_columns: [salesperson_staff_id]}

or that it holds no client or staff rows, with the reason:

    row_access: {unrestricted: "calendar days: no client or staff rows"}

The rule (the same on PostgreSQL's row-level security and on Superset's RLS):

- the *owners* of a row are the owner of its client (`marts.dim_client.owner_staff_id`
  of `client_column`) and the staff members named in `staff_columns` (a call's caller,
  a task's assignee, an opportunity's owner...);
- a row is visible to a viewer when one of its owners is in the viewer's
  `marts.staff_visibility` (themself; the staff of the departments they head, at any
  depth; everyone when they can view all);
- a row with no owner at all (no client or a client without owner, and every staff column
  null; the telesales report's `unassigned`) is visible to active, non-deleted viewers who
  can view all, as `carteira report telesales --viewer` shows `unassigned`;
- an inactive or deleted viewer sees no row (their staff_visibility is empty);
- rows owned only by deleted or unknown staff are visible to nobody but analysts.

`client_column` may be left out when the client does not make the row visible (the
opportunity-owner population belongs to the opportunity's owner only, as the telesales
report counts it). This module parses the declaration, in one place, for
`carteira publish-postgres` (carteira/serving/postgres/access.py: policies, and refusing an
undeclared relation) and for `carteira superset up` (carteira/serving/superset_rls.py: Superset's
RLS clauses); `predicate` writes the rule as SQL for both.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from carteira.settings import REPO_ROOT

META_KEY = "row_access"
LEGACY_KEY = "row_owner_column"
SERVED_SCHEMAS: tuple[str, ...] = ("marts", "bi")
MODELS_DIR = REPO_ROOT / "models"
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")


class RowAccessError(ValueError):
    """A served relation declares no row access, or declares it wrongly."""


@dataclass(frozen=True)
class RowAccess:
    """One relation's declaration: owner columns, or why it is readable whole."""

    client_column: str | None = None
    staff_columns: tuple[str, ...] = ()
    unrestricted: str | None = None

    @property
    def restricted(self) -> bool:
        return self.unrestricted is None

    @property
    def owner_columns(self) -> tuple[str, ...]:
        """Every column the rule reads (client column first)."""
        return ((self.client_column,) if self.client_column else ()) + self.staff_columns

    def as_dict(self) -> dict[str, Any]:
        if not self.restricted:
            return {"unrestricted": self.unrestricted}
        found: dict[str, Any] = {}
        if self.client_column:
            found["client_column"] = self.client_column
        if self.staff_columns:
            found["staff_columns"] = list(self.staff_columns)
        return found


def parse(meta: Mapping[str, Any] | None, relation: str) -> RowAccess | None:
    """The declaration in a model's meta; None when it declares nothing.

    Raises RowAccessError naming the relation for a malformed declaration (unknown keys,
    both an owner rule and `unrestricted`, a reason left empty, a column name that is not
    a plain identifier) and for the retired `row_owner_column`.
    """
    meta = meta or {}
    if LEGACY_KEY in meta:
        raise RowAccessError(
            f"{relation}: meta.{LEGACY_KEY} is replaced by meta.{META_KEY} "
            f"(e.g. {{staff_columns: [{meta[LEGACY_KEY]}]}}); see docs/bi.md"
        )
    raw = meta.get(META_KEY)
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise RowAccessError(f"{relation}: meta.{META_KEY} must be a mapping, got {raw!r}")
    unknown = set(raw) - {"client_column", "staff_columns", "unrestricted"}
    if unknown:
        raise RowAccessError(f"{relation}: meta.{META_KEY} has unknown keys {sorted(unknown)}")
    if "unrestricted" in raw:
        reason = raw["unrestricted"]
        if set(raw) != {"unrestricted"}:
            raise RowAccessError(
                f"{relation}: meta.{META_KEY} declares both owner columns and unrestricted"
            )
        if not isinstance(reason, str) or not reason.strip():
            raise RowAccessError(
                f"{relation}: meta.{META_KEY}.unrestricted must say why the relation holds "
                "no client or staff rows"
            )
        return RowAccess(unrestricted=reason.strip())
    client = raw.get("client_column")
    staff = raw.get("staff_columns", [])
    if isinstance(staff, str):
        staff = [staff]
    columns = ([client] if client is not None else []) + list(staff)
    if not columns:
        raise RowAccessError(
            f"{relation}: meta.{META_KEY} names no client_column nor staff_columns"
        )
    for column in columns:
        if not isinstance(column, str) or not _IDENTIFIER.match(column):
            raise RowAccessError(f"{relation}: meta.{META_KEY}: bad column name {column!r}")
    return RowAccess(client_column=client, staff_columns=tuple(staff))


def node_meta(node: Mapping[str, Any]) -> dict[str, Any]:
    """A dbt manifest node's meta (config meta wins, as dbt merges it)."""
    return {**node.get("meta", {}), **node.get("config", {}).get("meta", {})}


def from_manifest(
    manifest: Mapping[str, Any], schema_of: Any = None
) -> dict[str, RowAccess | None]:
    """`schema.relation` -> declaration for every served relation a dbt manifest builds.

    `schema_of(node)` maps a node to its served schema name (or None when it is not
    served); by default the node's schema itself.
    """
    found: dict[str, RowAccess | None] = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] not in ("model", "seed", "snapshot"):
            continue
        if node.get("config", {}).get("materialized") == "ephemeral":
            continue
        schema = schema_of(node) if schema_of else node["schema"]
        if schema not in SERVED_SCHEMAS:
            continue
        name = f"{schema}.{node.get('alias') or node['name']}"
        found[name] = parse(node_meta(node), name)
    return found


def from_model_files(models_dir: Path = MODELS_DIR) -> dict[str, RowAccess | None]:
    """Model name -> declaration, read from the models' .yml files (no dbt parse needed).

    What `carteira superset up` uses; tests/test_postgres_visibility.py checks it equals
    what the dbt manifest says for every served relation.
    """
    if not models_dir.is_dir():
        # An empty answer would read as "nothing is served", and every check built on it
        # would pass: a wrong folder is an error.
        raise FileNotFoundError(f"no dbt models folder at {models_dir}")
    found: dict[str, RowAccess | None] = {}
    for path in sorted(models_dir.rglob("*.yml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for model in document.get("models", []) or []:
            meta = {**(model.get("meta") or {}), **((model.get("config") or {}).get("meta") or {})}
            found[model["name"]] = parse(meta, f"{path.name}: {model['name']}")
    return found


def undeclared(declarations: Mapping[str, RowAccess | None]) -> list[str]:
    """Served relations that declare neither owner columns nor `unrestricted`."""
    return sorted(name for name, access in declarations.items() if access is None)


@dataclass(frozen=True)
class VisibleSets:
    """SQL for the viewer's sets, as each engine computes them.

    Each is a query (no surrounding parentheses) returning one text column, or for
    `sees_unowned` a boolean expression.
    """

    staff_ids: str
    client_keys: str
    unowned_client_keys: str
    sees_unowned: str


def predicate(access: RowAccess, sets: VisibleSets, qualifier: str = "") -> str:
    """The rule as a boolean SQL expression over one row of the relation."""
    if not access.restricted:
        return "true"

    def col(name: str) -> str:
        return f"{qualifier}{quote_ident(name)}"

    visible: list[str] = []
    nothing_owned: list[str] = []
    if access.client_column:
        client = col(access.client_column)
        visible.append(f"{client} in ({sets.client_keys})")
        nothing_owned.append(f"({client} is null or {client} in ({sets.unowned_client_keys}))")
    for column in access.staff_columns:
        visible.append(f"{col(column)} in ({sets.staff_ids})")
        nothing_owned.append(f"{col(column)} is null")
    unowned = " and ".join([f"({sets.sees_unowned})", *nothing_owned])
    return "(" + " or ".join([*visible, f"({unowned})"]) + ")"


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sql_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def literal_list(values: Iterable[str]) -> str:
    items = [sql_literal(v) for v in values]
    return ", ".join(items) if items else "null"
