"""Who may read what on PostgreSQL: the reader role, per-staff roles and row-level security.

`carteira publish-postgres` runs these statements inside the transaction that swaps the
freshly built schemas in, so grants and policies are in place the moment the new relations
become visible (a relation created by dbt carries neither).

- `<prefix>_reader` (NOLOGIN): USAGE on the served schemas (`marts`, `bi`) and SELECT on
  every relation in them; nothing on `raw`, `staging`, `intermediate`. BI tools log in as a
  user that is a member of it.
- `<prefix>_staff_<staff_id>` (NOLOGIN), one per staff member of `marts.dim_staff`, member
  of the reader role. A login user granted such a role is that staff member for the
  row-level security policies. Roles are never dropped: a staff member who leaves keeps
  the role, and the policies give it nothing (an inactive viewer sees nothing).
- `access.staff_roles (role_name, staff_id)`: which role stands for which staff member
  (staff ids may be longer than a role name may be, see `staff_role_name`).
- Row-level security on every served relation whose dbt model declares
  `meta: {row_owner_column: <column>}`: a row is visible when its owner is in
  `marts.staff_visibility` for one of the staff roles the current user is a member of, and
  a row without owner (`unassigned`) only when that staff member is active and can view all
  (the same rule as `carteira report telesales --viewer`). Table owners and roles with
  BYPASSRLS are not subject to the policies.

Roles are cluster-wide, so the prefix (`--role-prefix`, default `carteira`) keeps two
warehouses on one server apart.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from psycopg2 import sql

SERVED_SCHEMAS: tuple[str, ...] = ("marts", "bi")
ACCESS_SCHEMA = "access"
POLICY_NAME = "staff_visibility"
MAX_ROLE_NAME = 63  # PostgreSQL's NAMEDATALEN - 1, in bytes


@dataclass(frozen=True)
class OwnedRelation:
    """A served relation whose rows belong to a staff member (dbt meta row_owner_column)."""

    schema: str
    name: str
    owner_column: str


def reader_role(prefix: str) -> str:
    return f"{prefix}_reader"


def staff_role_name(prefix: str, staff_id: str) -> str:
    """`<prefix>_staff_<staff_id>`, or a hash of the id when that is too long for a role."""
    name = f"{prefix}_staff_{staff_id}"
    if len(name.encode()) <= MAX_ROLE_NAME:
        return name
    return f"{prefix}_staff_{hashlib.sha256(staff_id.encode()).hexdigest()[:24]}"


def _role_exists(cur, role: str) -> bool:  # noqa: ANN001 - psycopg2 cursor
    cur.execute("select 1 from pg_roles where rolname = %s", (role,))
    return cur.fetchone() is not None


def ensure_roles(cur, prefix: str) -> int:  # noqa: ANN001
    """Create the reader role and one role per staff member; returns the staff roles made.

    Reads `marts.dim_staff` of the schema just swapped in, so a new staff member gets a
    role with the publish that first shows them.
    """
    reader = reader_role(prefix)
    if not _role_exists(cur, reader):
        cur.execute(sql.SQL("create role {} nologin").format(sql.Identifier(reader)))
    cur.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(ACCESS_SCHEMA)))
    cur.execute(
        sql.SQL(
            "create table if not exists {}.staff_roles "
            "(role_name text primary key, staff_id text not null unique)"
        ).format(sql.Identifier(ACCESS_SCHEMA))
    )
    cur.execute(
        sql.SQL("grant usage on schema {} to {}").format(
            sql.Identifier(ACCESS_SCHEMA), sql.Identifier(reader)
        )
    )
    cur.execute(
        sql.SQL("grant select on {}.staff_roles to {}").format(
            sql.Identifier(ACCESS_SCHEMA), sql.Identifier(reader)
        )
    )
    cur.execute("select staff_id from marts.dim_staff where staff_id is not null order by 1")
    made = 0
    for (staff_id,) in cur.fetchall():
        role = staff_role_name(prefix, staff_id)
        if not _role_exists(cur, role):
            cur.execute(sql.SQL("create role {} nologin").format(sql.Identifier(role)))
            made += 1
        cur.execute(sql.SQL("grant {} to {}").format(sql.Identifier(reader), sql.Identifier(role)))
        cur.execute(
            sql.SQL(
                "insert into {}.staff_roles (role_name, staff_id) values (%s, %s) "
                "on conflict (role_name) do nothing"
            ).format(sql.Identifier(ACCESS_SCHEMA)),
            (role, staff_id),
        )
    return made


def grant_served(cur, prefix: str, schemas: tuple[str, ...]) -> None:  # noqa: ANN001
    """USAGE on the served schemas and SELECT on all their relations for the reader role."""
    reader = sql.Identifier(reader_role(prefix))
    for schema in schemas:
        ident = sql.Identifier(schema)
        cur.execute(sql.SQL("grant usage on schema {} to {}").format(ident, reader))
        cur.execute(sql.SQL("grant select on all tables in schema {} to {}").format(ident, reader))


def make_views_security_invoker(cur, schemas: tuple[str, ...]) -> None:  # noqa: ANN001
    """Views run with the reader's rights, so the row-level security of their tables holds.

    A view normally reads its tables with its owner's rights, and the owner (the
    publishing user) is not subject to row-level security: without this, a view over an
    owned table would show every row.
    """
    cur.execute(
        "select n.nspname, c.relname from pg_class c "
        "join pg_namespace n on n.oid = c.relnamespace "
        "where c.relkind = 'v' and n.nspname = any(%s)",
        (list(schemas),),
    )
    for schema, name in cur.fetchall():
        cur.execute(
            sql.SQL("alter view {}.{} set (security_invoker = true)").format(
                sql.Identifier(schema), sql.Identifier(name)
            )
        )


def _visible_owner_condition(owner_column: str) -> sql.Composable:
    """The policy: the staff roles of current_user may see the row's owner.

    `pg_has_role(oid, 'MEMBER')` asks whether the current user is (directly or through
    other roles) a member of the staff member's role.
    """
    column = sql.Identifier(owner_column)
    my_staff = sql.SQL(
        "select r.staff_id from {access}.staff_roles r "
        "join pg_catalog.pg_roles pr on pr.rolname = r.role_name "
        "where pg_catalog.pg_has_role(pr.oid, 'MEMBER')"
    ).format(access=sql.Identifier(ACCESS_SCHEMA))
    return sql.SQL(
        "{column} in (select v.visible_staff_id from marts.staff_visibility v "
        "where v.viewer_staff_id in ({my_staff})) "
        "or ({column} is null and exists (select 1 from marts.dim_staff s "
        "where s.staff_id in ({my_staff}) and s.can_view_all and s.active "
        "and not s.is_deleted))"
    ).format(column=column, my_staff=my_staff)


def apply_row_security(cur, relations: list[OwnedRelation]) -> None:  # noqa: ANN001
    """Enable row-level security with the staff visibility policy on each owned relation."""
    for rel in relations:
        cur.execute(
            "select c.relkind from pg_class c join pg_namespace n on n.oid = c.relnamespace "
            "where n.nspname = %s and c.relname = %s",
            (rel.schema, rel.name),
        )
        found = cur.fetchone()
        if found is None:
            raise AccessError(
                f"{rel.schema}.{rel.name} declares row_owner_column but was not built"
            )
        if found[0] not in ("r", "p"):
            raise AccessError(
                f"{rel.schema}.{rel.name} declares row_owner_column {rel.owner_column!r} but is "
                "not a table: row-level security needs a table (materialize it as one)"
            )
        table = sql.SQL("{}.{}").format(sql.Identifier(rel.schema), sql.Identifier(rel.name))
        cur.execute(sql.SQL("alter table {} enable row level security").format(table))
        cur.execute(
            sql.SQL("drop policy if exists {} on {}").format(sql.Identifier(POLICY_NAME), table)
        )
        cur.execute(
            sql.SQL("create policy {} on {} for select using ({})").format(
                sql.Identifier(POLICY_NAME), table, _visible_owner_condition(rel.owner_column)
            )
        )


class AccessError(RuntimeError):
    """Grants or row-level security could not be set up as the models declare."""
