"""Who may read what on PostgreSQL: the reader, analyst and per-staff roles, row-level security.

`carteira publish-postgres` runs these statements inside the transaction that swaps the
freshly built schemas in, so grants and policies are in place the moment the new relations
become visible (a relation created by dbt carries neither).

- `<prefix>_reader` (NOLOGIN): USAGE on the served schemas (`marts`, `bi`) and SELECT on
  every relation in them; nothing on `raw`, `staging`, `intermediate`. A login that is
  only a member of it sees the unrestricted relations whole and no row of the others.
- `<prefix>_analyst` (NOLOGIN, member of the reader role): a policy of its own on every
  protected relation lets it read every row (no BYPASSRLS needed).
- `<prefix>_staff_<staff_id>` (NOLOGIN), one per staff member of `marts.dim_staff`, member
  of the reader role. A login granted such a role is that staff member for the policies.
  Roles are never dropped: a staff member who leaves keeps the role, and the policies give
  it nothing (an inactive viewer sees nothing).
- Schema `access`: table `staff_roles (role_name, staff_id)` (which role stands for which
  staff member; staff ids may be longer than a role name may be, see `staff_role_name`),
  readable by nobody but its owner, and the SECURITY DEFINER functions the policies call
  (`my_staff_ids()`, `visible_staff_ids()`, `sees_unowned()`, `visible_client_keys()`,
  `unowned_client_keys()`), which answer for the login (`session_user`) only.
- Row-level security on every served table whose model declares owner columns in
  `meta.row_access` (carteira/serving/row_access.py has the rule); a view is protected by being
  `security_invoker` over protected tables (checked here); a relation that declares nothing
  stops the publish.
- TEMPORARY on the served database is revoked from PUBLIC (the publisher keeps it: dbt's
  incremental models need temporary tables), so staff logins cannot create temp tables.

Roles are cluster-wide, so the prefix (`--role-prefix`, default `carteira`) keeps two
warehouses on one server apart.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from psycopg2 import sql

from carteira.serving import row_access
from carteira.serving.row_access import SERVED_SCHEMAS, RowAccess, VisibleSets

ACCESS_SCHEMA = "access"
POLICY_NAME = "staff_visibility"
ANALYST_POLICY = "analysts_read_all"
MAX_ROLE_NAME = 63  # PostgreSQL's NAMEDATALEN - 1, in bytes

__all__ = ["SERVED_SCHEMAS", "ProtectedRelation"]

# The viewer's sets as the policies compute them: once per statement (uncorrelated
# subqueries become hashed sub-plans), through the SECURITY DEFINER functions below.
POLICY_SETS = VisibleSets(
    staff_ids=f"select {ACCESS_SCHEMA}.visible_staff_ids()",
    client_keys=f"select {ACCESS_SCHEMA}.visible_client_keys()",
    unowned_client_keys=f"select {ACCESS_SCHEMA}.unowned_client_keys()",
    sees_unowned=f"select {ACCESS_SCHEMA}.sees_unowned()",
)

# The staff member(s) a login is: the staff roles session_user is a member of. Inside a
# SECURITY DEFINER function current_user is the function's owner, so the login is
# session_user (SET ROLE to one of its own roles does not change who it is).
_FUNCTIONS: dict[str, tuple[str, str]] = {
    "my_staff_ids": (
        "setof text",
        "select r.staff_id from access.staff_roles r "
        "join pg_catalog.pg_roles pr on pr.rolname = r.role_name "
        "where pg_catalog.pg_has_role(session_user, pr.oid, 'MEMBER')",
    ),
    "visible_staff_ids": (
        "setof text",
        "select v.visible_staff_id from marts.staff_visibility v "
        "where v.viewer_staff_id in (select access.my_staff_ids())",
    ),
    "sees_unowned": (
        "boolean",
        "select exists (select 1 from marts.dim_staff s "
        "where s.staff_id in (select access.my_staff_ids()) "
        "and s.can_view_all and s.active and not s.is_deleted)",
    ),
    "visible_client_keys": (
        "setof text",
        "select d.client_key from marts.dim_client d "
        "where d.owner_staff_id in (select access.visible_staff_ids())",
    ),
    "unowned_client_keys": (
        "setof text",
        "select d.client_key from marts.dim_client d "
        "where d.owner_staff_id is null and access.sees_unowned()",
    ),
}


@dataclass(frozen=True)
class ProtectedRelation:
    """A served relation whose rows belong to clients or staff members (meta.row_access)."""

    schema: str
    name: str
    access: RowAccess

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"


def reader_role(prefix: str) -> str:
    return f"{prefix}_reader"


def analyst_role(prefix: str) -> str:
    return f"{prefix}_analyst"


def staff_role_name(prefix: str, staff_id: str) -> str:
    """`<prefix>_staff_<staff_id>`, or a hash of the id when that is too long for a role."""
    name = f"{prefix}_staff_{staff_id}"
    if len(name.encode()) <= MAX_ROLE_NAME:
        return name
    return f"{prefix}_staff_{hashlib.sha256(staff_id.encode()).hexdigest()[:24]}"


def _role_exists(cur, role: str) -> bool:  # noqa: ANN001 - psycopg2 cursor
    cur.execute("select 1 from pg_roles where rolname = %s", (role,))
    return cur.fetchone() is not None


def _create_role(cur, role: str) -> bool:  # noqa: ANN001
    if _role_exists(cur, role):
        return False
    cur.execute(sql.SQL("create role {} nologin").format(sql.Identifier(role)))
    return True


def _access_schema(cur, reader: sql.Identifier) -> None:  # noqa: ANN001
    """Schema access: the staff_roles table (owner only) and the policies' functions."""
    access = sql.Identifier(ACCESS_SCHEMA)
    cur.execute(sql.SQL("create schema if not exists {}").format(access))
    cur.execute(
        sql.SQL(
            "create table if not exists {}.staff_roles "
            "(role_name text primary key, staff_id text not null unique)"
        ).format(access)
    )
    # Earlier versions granted SELECT on it to the reader role.
    cur.execute(sql.SQL("revoke all on {}.staff_roles from public, {}").format(access, reader))
    cur.execute(sql.SQL("revoke all on schema {} from public").format(access))
    cur.execute(sql.SQL("grant usage on schema {} to {}").format(access, reader))
    for name, (returns, body) in _FUNCTIONS.items():
        function = sql.SQL("{}.{}").format(access, sql.Identifier(name))
        cur.execute(
            sql.SQL(
                "create or replace function {}() returns {} language sql stable "
                "security definer set search_path = pg_catalog, pg_temp as {}"
            ).format(function, sql.SQL(returns), sql.Literal(body))
        )
        cur.execute(sql.SQL("revoke all on function {}() from public").format(function))
        cur.execute(sql.SQL("grant execute on function {}() to {}").format(function, reader))


def revoke_temporary(cur, prefix: str) -> None:  # noqa: ANN001
    """No temporary tables for staff logins on the served database (only this database).

    PUBLIC holds TEMPORARY on every database by default; the publisher keeps it (dbt's
    incremental models build through temporary tables). Refuses when a staff login would
    still have it (e.g. the publisher may not revoke it: it is not the database's owner).
    """
    cur.execute("select current_database()")
    (database,) = cur.fetchone()
    db = sql.Identifier(database)
    cur.execute("select has_database_privilege(current_user, %s, 'TEMP')", (database,))
    (publisher_has,) = cur.fetchone()
    cur.execute(sql.SQL("revoke temporary on database {} from public").format(db))
    cur.execute(
        sql.SQL("revoke temporary on database {} from {}").format(
            db, sql.Identifier(reader_role(prefix))
        )
    )
    if publisher_has:
        cur.execute("select has_database_privilege(current_user, %s, 'TEMP')", (database,))
        if not cur.fetchone()[0]:
            cur.execute(sql.SQL("grant temporary on database {} to current_user").format(db))
    cur.execute("select has_database_privilege(%s, %s, 'TEMP')", (reader_role(prefix), database))
    if cur.fetchone()[0]:
        raise AccessError(
            f"staff logins could still create temporary tables in {database}: revoke "
            "TEMPORARY from PUBLIC as the database's owner, or publish as its owner"
        )


def ensure_roles(cur, prefix: str) -> int:  # noqa: ANN001
    """Create the reader, analyst and staff roles and schema access; returns staff roles made.

    Reads `marts.dim_staff` of the schema just swapped in, so a new staff member gets a
    role with the publish that first shows them.
    """
    reader = reader_role(prefix)
    _create_role(cur, reader)
    analyst = analyst_role(prefix)
    _create_role(cur, analyst)
    cur.execute(sql.SQL("grant {} to {}").format(sql.Identifier(reader), sql.Identifier(analyst)))
    _access_schema(cur, sql.Identifier(reader))
    cur.execute("select staff_id from marts.dim_staff where staff_id is not null order by 1")
    made = 0
    for (staff_id,) in cur.fetchall():
        role = staff_role_name(prefix, staff_id)
        made += _create_role(cur, role)
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
    publishing user) is not subject to row-level security: without this, a view over a
    protected table would show every row.
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


def policy_condition(access: RowAccess) -> str:
    """The staff visibility policy of one relation (carteira/serving/row_access.py's rule)."""
    return row_access.predicate(access, POLICY_SETS)


# Relations a view reads, through other views: (view, relation read, its kind, its RLS).
_VIEW_SOURCES = """
with recursive reads(view_oid, source_oid) as (
    select distinct r.ev_class, d.refobjid
    from pg_rewrite r join pg_depend d on d.objid = r.oid and d.classid = 'pg_rewrite'::regclass
    where r.ev_class = %(view)s::regclass and d.refobjid <> r.ev_class
        and d.refclassid = 'pg_class'::regclass
    union
    select reads.view_oid, d.refobjid
    from reads
    join pg_class c on c.oid = reads.source_oid and c.relkind = 'v'
    join pg_rewrite r on r.ev_class = c.oid
    join pg_depend d on d.objid = r.oid and d.classid = 'pg_rewrite'::regclass
    where d.refobjid <> r.ev_class and d.refclassid = 'pg_class'::regclass
)
select count(*) filter (where c.relkind in ('r', 'p') and c.relrowsecurity)
from reads join pg_class c on c.oid = reads.source_oid
"""


def _relations(cur, schemas: tuple[str, ...]) -> dict[str, str]:  # noqa: ANN001
    """`schema.name` -> relkind of every relation in the served schemas."""
    cur.execute(
        "select n.nspname || '.' || c.relname, c.relkind from pg_class c "
        "join pg_namespace n on n.oid = c.relnamespace "
        "where n.nspname = any(%s) and c.relkind in ('r', 'v', 'm', 'p', 'f')",
        (list(schemas),),
    )
    return dict(cur.fetchall())


def apply_row_security(  # noqa: ANN001
    cur, prefix: str, schemas: tuple[str, ...], declared: Mapping[str, RowAccess | None]
) -> list[ProtectedRelation]:
    """Policies on every protected table, checks on every view; refuses undeclared relations.

    Every relation of the served schemas is granted to the reader role, so each must
    declare row access; a table with owner columns gets the staff visibility policy and
    the analysts' one; a view with owner columns must read a protected table (it is
    security_invoker, so their policies hold for it); a materialized view cannot be
    protected and must be unrestricted.
    """
    relations = _relations(cur, schemas)
    missing = sorted(name for name in relations if declared.get(name) is None)
    if missing:
        raise AccessError(
            f"{len(missing)} served relation(s) declare no meta.row_access (owner columns, "
            f"or unrestricted with the reason): {', '.join(missing)}"
        )
    analyst = sql.Identifier(analyst_role(prefix))
    protected: list[ProtectedRelation] = []
    views: list[str] = []
    for name, kind in sorted(relations.items()):
        access = declared[name]
        assert access is not None
        if not access.restricted:
            continue
        schema, relation = name.split(".", 1)
        protected.append(ProtectedRelation(schema, relation, access))
        if kind == "v":
            views.append(name)
            continue
        if kind not in ("r", "p"):
            what = "materialized view" if kind == "m" else "foreign table"
            raise AccessError(
                f"{name} declares owner columns but is a {what}: row-level security needs "
                "a table, or a view over protected tables"
            )
        table = sql.SQL("{}.{}").format(sql.Identifier(schema), sql.Identifier(relation))
        cur.execute(sql.SQL("alter table {} enable row level security").format(table))
        for policy in (POLICY_NAME, ANALYST_POLICY):
            cur.execute(
                sql.SQL("drop policy if exists {} on {}").format(sql.Identifier(policy), table)
            )
        cur.execute(
            sql.SQL("create policy {} on {} for select using ({})").format(
                sql.Identifier(POLICY_NAME), table, sql.SQL(policy_condition(access))
            )
        )
        cur.execute(
            sql.SQL("create policy {} on {} for select to {} using (true)").format(
                sql.Identifier(ANALYST_POLICY), table, analyst
            )
        )
    for view in views:
        cur.execute(_VIEW_SOURCES, {"view": view})
        if not cur.fetchone()[0]:
            raise AccessError(
                f"{view} declares owner columns but reads no table with row-level security: "
                "materialize it as a table, or build it over protected tables"
            )
    return protected


class AccessError(RuntimeError):
    """Grants or row-level security could not be set up as the models declare."""
