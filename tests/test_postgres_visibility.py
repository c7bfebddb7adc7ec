"""Every relation a staff login can read on PostgreSQL shows only rows that login may see.

The tiny landing zone (3 days, hand-checkable: 16 staff, 11 departments, 30 clients) is
refreshed on DuckDB and published with `carteira publish-postgres` to a fresh database
under a uuid role prefix. Then, for a sales rep, two department heads, a view-all user,
an inactive user and an analyst:

- the relations are ENUMERATED from the catalogs (every relation the login has SELECT
  on, in any schema), so a new mart is checked the day it is served, without touching
  this file;
- each row read through the login is checked against the viewer's visibility computed
  here, in Python, from the raw org tree (crm staff and departments of the raw layer, not
  marts.staff_visibility): the row's owners are found by value (any cell that is a client
  identifier or a staff id), and a row is allowed when one of them is visible, or, for an
  active view-all viewer, when its clients have no owner;
- the rows each login sees are exactly those its relation's declaration (meta.row_access)
  gives it, so nothing visible is lost either;
- the staff directory (documented in docs/bi.md) is the only relation with staff rows a
  rep reads whole; schema access, temporary tables, SET ROLE, SET SESSION AUTHORIZATION,
  row_security = off and writes are refused; publishing refuses an undeclared relation.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg2
import pytest
from click.testing import CliRunner

from carteira.cli.main import main
from carteira.serving.postgres import access as postgres_access
from carteira.serving.postgres import publish as publish_module
from carteira.serving.postgres.access import analyst_role, staff_role_name
from carteira.serving.postgres.sync import connect_pg
from carteira.serving.row_access import (
    RowAccess,
    RowAccessError,
    VisibleSets,
    from_model_files,
    parse,
    predicate,
)
from tests.data.tiny_three_days import AS_OF, tiny_warehouse_settings
from tests.helpers.postgres import drop_roles, fresh_database, login_role
from tests.helpers.shared import shared_root
from tests.helpers.visibility import (
    OrgTree,
    allowed,
    declared_visible,
    org_tree,
    owners,
    row_key,
)

# The staff directory: readable whole by every staff login (docs/bi.md, "Who sees what").
DIRECTORY = {
    "marts.dim_staff",
    "marts.staff_visibility",
    "marts.telesales_department_staff",
    "bi.telesales_departments",
}
SYSTEM_SCHEMAS = ("pg_catalog", "information_schema", "pg_toast")


@dataclass
class Served:
    dsn: str
    prefix: str
    org: OrgTree
    manifest: dict[str, Any]
    declared: dict[str, RowAccess | None]
    viewers: dict[str, str]  # kind -> staff_id
    logins: dict[str, str]  # kind -> dsn


def _pick_viewers(org: OrgTree) -> dict[str, str]:
    """A rep who owns clients, two heads (one of a department with sub-departments), a
    view-all user and an inactive user, chosen from the raw org tree."""
    live = sorted(s for s, r in org.staff.items() if r["active"] and not r["deleted"])
    owners = {o for o in org.client_owner.values() if o}
    rep = next(
        s for s in live if s in owners and s not in org.heads and not org.staff[s]["can_view_all"]
    )
    owns = {s for s in live if s in owners}
    heads = sorted(
        (s for s in live if s in org.heads and not org.staff[s]["can_view_all"]),
        key=lambda s: (len(org.visible(s)), s),
    )
    nested = next(
        h
        for h in heads
        if org.visible(h) & owns - {h}
        and any(org.parent.get(d) in org.heads[h] for d in org.parent)  # a sub-department
        and rep in org.visible(h)
    )
    other = next(
        h for h in heads if org.visible(h) & owns and not org.visible(h) & org.visible(nested)
    )
    view_all = next(s for s in live if org.staff[s]["can_view_all"])
    inactive = next(s for s, r in sorted(org.staff.items()) if not r["active"] and not r["deleted"])
    return {
        "rep": rep,
        "head": nested,
        "other_head": other,
        "view_all": view_all,
        "inactive": inactive,
    }


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    settings = tiny_warehouse_settings(shared_root(tmp_path_factory))
    prefix = f"vis_{uuid.uuid4().hex[:8]}"
    captured: dict[str, Any] = {}
    real_read_manifest = publish_module.read_manifest

    def spy(target: Path) -> Any:
        captured["manifest"] = json.loads((target / "manifest.json").read_text())
        return real_read_manifest(target)

    try:
        with fresh_database("vis") as dsn, pytest.MonkeyPatch.context() as patch:
            patch.setattr(publish_module, "read_manifest", spy)
            result = CliRunner().invoke(
                main,
                [
                    "publish-postgres",
                    "--dsn",
                    dsn,
                    "--warehouse",
                    str(settings.warehouse_path),
                    "--as-of",
                    AS_OF.isoformat(),
                    "--role-prefix",
                    prefix,
                ],
            )
            assert result.exit_code == 0, result.output[-4000:]
            patch.undo()
            pg = connect_pg(dsn)
            with pg.cursor() as cur:
                cur.execute(
                    "select client_key, owner_staff_id, crm_client_id, erp_customer_code, "
                    "studio_member_id from marts.dim_client"
                )
                clients = cur.fetchall()
            pg.close()
            org = org_tree(settings.raw_path, AS_OF, clients)
            viewers = _pick_viewers(org)
            logins = {
                kind: login_role(dsn, f"{prefix}_{kind}", staff_role_name(prefix, staff_id))
                for kind, staff_id in viewers.items()
            }
            logins["analyst"] = login_role(dsn, f"{prefix}_analyst_login", analyst_role(prefix))
            _, declared = real_read_manifest_from(captured["manifest"])
            yield Served(dsn, prefix, org, captured["manifest"], declared, viewers, logins)
    finally:
        drop_roles(prefix)


def real_read_manifest_from(manifest: dict[str, Any]) -> Any:
    """read_manifest on a manifest held in memory (written to a temporary folder)."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "manifest.json").write_text(json.dumps(manifest))
        return publish_module.read_manifest(Path(folder))


def _readable(dsn: str) -> list[str]:
    """Every relation (any schema but the system catalogs) this login may SELECT from."""
    pg = psycopg2.connect(dsn)
    try:
        with pg.cursor() as cur:
            cur.execute(
                "select n.nspname || '.' || c.relname from pg_class c "
                "join pg_namespace n on n.oid = c.relnamespace "
                "where c.relkind in ('r', 'v', 'm', 'p', 'f') and not (n.nspname = any(%s)) "
                "and has_schema_privilege(n.oid, 'USAGE') "
                "and has_table_privilege(c.oid, 'SELECT') order by 1",
                (list(SYSTEM_SCHEMAS),),
            )
            return [r[0] for r in cur.fetchall()]
    finally:
        pg.close()


def _rows(dsn: str, relation: str) -> tuple[list[str], list[tuple]]:
    schema, name = relation.split(".", 1)
    pg = psycopg2.connect(dsn)
    try:
        with pg.cursor() as cur:
            cur.execute(f'select * from "{schema}"."{name}"')
            return [d[0] for d in cur.description], cur.fetchall()
    finally:
        pg.close()


def test_every_relation_shows_each_viewer_only_rows_they_may_see(served: Served) -> None:
    """The leak check, for every relation every staff login can read."""
    org = served.org
    admin_relations = _readable(served.dsn)
    report: dict[str, dict[str, int]] = {}
    for kind, viewer in served.viewers.items():
        login = served.logins[kind]
        readable = _readable(login)
        assert {r.split(".")[0] for r in readable} <= {"marts", "bi"}, readable
        served_relations = [r for r in admin_relations if r.split(".")[0] in ("marts", "bi")]
        assert readable == served_relations, "a staff login cannot read a served relation"
        assert len(readable) >= 40, readable
        checked = owned = 0
        leaks: list[str] = []
        lost: list[str] = []
        for relation in readable:
            columns, rows = _rows(login, relation)
            _, all_rows = _rows(served.dsn, relation)
            access = served.declared[relation]
            assert access is not None, relation
            if relation in DIRECTORY:
                assert len(rows) == len(all_rows), relation
                assert not any(owners(org, columns, r)[0] for r in all_rows), (
                    f"{relation} is the staff directory but holds client rows"
                )
                continue
            names_anyone = any(any(owners(org, columns, r)) for r in all_rows)
            owned += len(rows) if names_anyone else 0
            for row in rows:
                checked += 1
                if not allowed(org, viewer, columns, row, names_anyone):
                    leaks.append(f"{relation}: {row}")
            expected = sorted(
                row_key(r) for r in all_rows if declared_visible(org, viewer, access, columns, r)
            )
            if sorted(row_key(r) for r in rows) != expected:
                lost.append(f"{relation}: shown {len(rows)}, declared {len(expected)}")
        assert not leaks, f"{kind} {viewer} sees rows of others: {leaks[:5]}"
        assert not lost, f"{kind} {viewer} does not see what the declarations give: {lost[:5]}"
        report[kind] = {
            "relations": len(readable),
            "rows_checked": checked,
            "rows_naming_clients_or_staff": owned,
        }
    print(f"\nvisibility checks: {report}")
    named = {kind: counts["rows_naming_clients_or_staff"] for kind, counts in report.items()}
    assert 0 < named["rep"] < named["head"] < named["view_all"]
    assert named["inactive"] == 0


def test_the_checks_are_not_vacuous(served: Served) -> None:
    """Each viewer's share of the client relations is what their visibility makes it."""
    org = served.org
    counts = {}
    for kind in ("rep", "head", "other_head", "view_all", "inactive", "analyst"):
        _, rows = _rows(served.logins[kind], "marts.dim_client")
        counts[kind] = len(rows)
    total = len(org.client_owner)
    rep_clients = sum(1 for o in org.client_owner.values() if o == served.viewers["rep"])
    assert counts["rep"] == rep_clients > 0
    assert counts["rep"] < counts["head"] < counts["view_all"]
    assert counts["other_head"] > 0
    unowned = sum(1 for o in org.client_owner.values() if o is None)
    assert unowned > 0, "the data has no unowned client: the unowned rule is untested"
    assert counts["view_all"] == sum(
        1 for o in org.client_owner.values() if o is None or not org.staff[o]["deleted"]
    )
    assert counts["inactive"] == 0
    assert counts["analyst"] == total


def test_inactive_viewer_sees_nothing_client_scoped(served: Served) -> None:
    login = served.logins["inactive"]
    seen = {}
    for relation in _readable(login):
        access = served.declared[relation]
        assert access is not None
        if access.restricted:
            seen[relation] = len(_rows(login, relation)[1])
    assert seen and not any(seen.values()), {r: n for r, n in seen.items() if n}


def test_analyst_reads_every_row(served: Served) -> None:
    for relation in _readable(served.dsn):
        if relation.split(".")[0] not in ("marts", "bi"):
            continue
        all_rows = _rows(served.dsn, relation)[1]
        assert len(_rows(served.logins["analyst"], relation)[1]) == len(all_rows), relation


def _refused(dsn: str, statement: str) -> str:
    pg = psycopg2.connect(dsn)
    pg.autocommit = True
    try:
        with pg.cursor() as cur:
            with pytest.raises(psycopg2.Error) as raised:
                cur.execute(statement)
                cur.fetchall()
            return str(raised.value)
    finally:
        pg.close()


def test_staff_logins_cannot_escape(served: Served) -> None:
    rep = served.logins["rep"]
    other = staff_role_name(served.prefix, served.viewers["view_all"])
    for statement in (
        "create temp table t (a int)",
        "create temporary table t as select 1",
        "select * from access.staff_roles",
        "select count(*) from raw.crm__clients",
        "select count(*) from staging.stg_crm__clients",
        "select count(*) from intermediate.int_staff_visibility",
        f'set role "{other}"',
        f'set role "{analyst_role(served.prefix)}"',
        f'set session authorization "{served.prefix}_view_all"',
        "create table public.t (a int)",
        "delete from marts.dim_client",
        "insert into marts.staff_visibility values ('x', 'y')",
        "alter table marts.dim_client disable row level security",
    ):
        message = _refused(rep, statement)
        assert "permission denied" in message or "must be owner" in message, (statement, message)
    # row_security = off makes a query that policies would filter an error, never a leak.
    pg = psycopg2.connect(rep)
    pg.autocommit = True
    with pg.cursor() as cur:
        cur.execute("set row_security = off")
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            cur.execute("select count(*) from marts.dim_client")
    pg.close()


def test_access_schema_answers_only_for_thelogin_role(served: Served) -> None:
    """Schema access: no table readable; its functions answer for the login only."""
    rep, viewer = served.logins["rep"], served.viewers["rep"]
    pg = psycopg2.connect(rep)
    pg.autocommit = True
    try:
        with pg.cursor() as cur:
            cur.execute(
                "select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace "
                "where n.nspname = 'access' and has_table_privilege(c.oid, 'SELECT')"
            )
            assert cur.fetchall() == []
            cur.execute("select access.my_staff_ids()")
            assert [r[0] for r in cur.fetchall()] == [viewer]
            cur.execute("select access.visible_staff_ids()")
            assert {r[0] for r in cur.fetchall()} == served.org.visible(viewer)
            cur.execute("select access.unowned_client_keys()")
            assert cur.fetchall() == []
            cur.execute("select access.visible_client_keys()")
            keys = {r[0] for r in cur.fetchall()}
            assert keys == {k for k, o in served.org.client_owner.items() if o == viewer}
            # SET ROLE to one of its own roles does not make the login someone else.
            cur.execute(f'set role "{served.prefix}_reader"')
            cur.execute("select access.my_staff_ids()")
            assert [r[0] for r in cur.fetchall()] == [viewer]
    finally:
        pg.close()


def test_declarations_are_the_same_in_dbt_and_in_the_model_files(served: Served) -> None:
    """Superset reads the model files; the publish reads dbt's manifest: they agree."""
    files = from_model_files()
    for relation, access in served.declared.items():
        assert files[relation.split(".", 1)[1]] == access, relation


def test_publish_refuses_an_undeclared_relation(served: Served) -> None:
    # 1. A model that declares nothing: refused after the build, before the swap.
    manifest = json.loads(json.dumps(served.manifest))
    node = next(
        n
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model" and n["name"] == "fct_calls"
    )
    node["config"]["meta"].pop("row_access")
    node.get("meta", {}).pop("row_access", None)
    with pytest.raises(publish_module.PublishFailed, match=r"marts\.fct_calls"):
        real_read_manifest_from(manifest)
    # 2. A relation in a served schema that no model declares (created by hand, or by a
    # model the manifest does not know): the swap's access step refuses, nothing changes.
    pg = connect_pg(served.dsn)
    try:
        refused = pytest.raises(postgres_access.AccessError, match=r"marts\.sneaky")
        with refused, pg, pg.cursor() as cur:
            cur.execute("create table marts.sneaky as select * from marts.dim_client")
            postgres_access.apply_row_security(cur, served.prefix, ("marts", "bi"), served.declared)
        with pg.cursor() as cur:
            cur.execute("select to_regclass('marts.sneaky')")
            assert cur.fetchone()[0] is None
    finally:
        pg.close()


@pytest.mark.parametrize(
    ("meta", "message"),
    [
        ({"row_owner_column": "owner_staff_id"}, "replaced by meta.row_access"),
        ({"row_access": {"unrestricted": ""}}, "must say why"),
        ({"row_access": {"unrestricted": "x", "client_column": "client_key"}}, "both"),
        ({"row_access": {}}, "names no client_column"),
        ({"row_access": {"client_colum": "client_key"}}, "unknown keys"),
        ({"row_access": {"staff_columns": ["a; drop table x"]}}, "bad column name"),
        ({"row_access": "client_key"}, "must be a mapping"),
    ],
)
def test_a_malformed_declaration_is_refused(meta: dict[str, Any], message: str) -> None:
    with pytest.raises(RowAccessError, match=message):
        parse(meta, "marts.some_mart")


def test_the_rule_as_sql() -> None:
    """Client owner or a staff column visible; unowned only for view-all viewers."""
    sets = VisibleSets("S", "C", "U", "select V")
    access = parse({"row_access": {"client_column": "client_key", "staff_columns": ["a"]}}, "x")
    assert predicate(access, sets) == (
        '("client_key" in (C) or "a" in (S) or ((select V) and '
        '("client_key" is null or "client_key" in (U)) and "a" is null))'
    )
    assert parse({}, "x") is None
    assert predicate(parse({"row_access": {"unrestricted": "days"}}, "x"), sets) == "true"
