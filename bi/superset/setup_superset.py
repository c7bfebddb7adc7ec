"""Bring Superset's metadata to the state Carteira wants, in one process (idempotent).

Runs inside the Superset environment (`uv run --project bi/superset`), called by
`carteira superset up`. One Python process does what `superset db upgrade`, `superset
init`, `fab create-admin` and `import-dashboards` would do in four (each Superset start
costs tens of seconds), then:

- registers the two database connections: "Carteira" (the serving database the
  dashboards read: PostgreSQL when given, else the DuckDB file) and "Carteira (DuckDB,
  local)" (the published file, read-only) for SQL Lab;
- imports the committed bundle with overwrite, then reads each dataset's columns from the
  database (the bundle carries metrics, not columns);
- skips the migrations and the sync of Superset's own permissions while the stamp of the
  last complete setup (Superset's version, the database's migration revision) holds;
- creates the administrator when missing and keeps one personal login per active staff
  member (superset_users.py: user names, passwords, staff who left), each with a role of
  their own, and one row-level security rule per such role on every dataset whose relation
  declares owner columns (dbt meta.row_access): the clause carteira/serving/superset_rls.py wrote
  for that member and dataset (input key `rls`), the same rule as the PostgreSQL policies.
  View-all members get rules too: they see every row but those owned only by deleted staff.

Input: a JSON file written by the caller (`setup_input` in carteira/serving/superset.py).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml
from superset_users import STAFF_ROLE_PREFIX, Outcome, ensure_admin, provision, write_handout

SERVING_DB = "Carteira"
LOCAL_DB = "Carteira (DuckDB, local)"
VIEWER_ROLE = "Carteira viewer"
RLS_PREFIX = "Carteira visibility "


def _bundle_contents(bundle: Path, serving_uri: str) -> dict[str, str]:
    contents: dict[str, str] = {}
    for path in sorted(bundle.rglob("*.yaml")):
        text = path.read_text()
        if path.parent.name == "databases":
            config = yaml.safe_load(text)
            config["sqlalchemy_uri"] = serving_uri
            text = yaml.safe_dump(config)
        contents[str(path.relative_to(bundle))] = text
    return contents


def _database(name: str, uri: str, uuid: str | None = None) -> Any:
    from superset import db
    from superset.models.core import Database

    found = db.session.query(Database).filter_by(database_name=name).one_or_none()
    if found is None:
        found = Database(database_name=name)
        if uuid:
            import uuid as uuid_module

            found.uuid = uuid_module.UUID(uuid)
        db.session.add(found)
    found.set_sqlalchemy_uri(uri)
    found.expose_in_sqllab = True
    found.allow_dml = False
    found.allow_run_async = False
    found.extra = json.dumps({"allows_virtual_table_explore": True})
    db.session.flush()
    return found


def _viewer_role(datasets: list[Any]) -> Any:
    """Gamma (read dashboards and charts) plus access to exactly Carteira's datasets."""
    from superset import security_manager

    role = security_manager.add_role(VIEWER_ROLE)
    gamma = security_manager.find_role("Gamma")
    wanted = set(gamma.permissions)
    for dataset in datasets:
        perm = security_manager.add_permission_view_menu("datasource_access", dataset.perm)
        wanted.add(perm)
    role.permissions = sorted(wanted, key=lambda p: p.id)
    return role


def _staff(
    members: list[dict[str, Any]],
    datasets: list[Any],
    rls: dict[str, dict[str, str] | None],
    admin: Any,
    legacy_password: str | None,
    outcome: Outcome,
) -> None:
    from superset import db, security_manager
    from superset.connectors.sqla.models import RowLevelSecurityFilter

    viewer = _viewer_role(datasets)
    unknown = [d.table_name for d in datasets if d.table_name not in rls]
    if unknown:  # a dataset whose row access nobody worked out must not be served
        raise SystemExit(f"no row-level security decided for datasets {unknown}")
    provision(members, viewer, admin, legacy_password, outcome)
    owned = [(d, rls[d.table_name]) for d in datasets if rls[d.table_name] is not None]
    for rule in db.session.query(RowLevelSecurityFilter).all():
        if rule.name.startswith(RLS_PREFIX):
            db.session.delete(rule)
    db.session.flush()
    for member in members:
        role = security_manager.add_role(STAFF_ROLE_PREFIX + member["staff_id"])
        for dataset, clauses in owned:
            db.session.add(
                RowLevelSecurityFilter(
                    name=f"{RLS_PREFIX}{member['staff_id']} {dataset.table_name}",
                    description=f"Rows of {dataset.table_name} staff {member['staff_id']} may see",
                    filter_type="Regular",
                    tables=[dataset],
                    roles=[role],
                    # No clause for a member means the rule was not computed: no row.
                    clause=clauses.get(member["staff_id"], "1 = 0"),
                )
            )
    db.session.flush()


def _schema_stamp(db: Any) -> dict[str, str | None]:
    """Superset's version and the metadata database's migration revision.

    Migrating (alembic loads every migration script) and syncing Superset's own
    permissions cost ~9 s of CPU at every `up`, and change nothing unless Superset's version
    changed or the database is not where that version's migrations left it: recorded in a
    stamp after a setup that did both, they are skipped while the stamp holds.
    """
    from importlib.metadata import version

    from sqlalchemy import inspect, text

    revision = None
    if inspect(db.engine).has_table("alembic_version"):
        revision = db.session.execute(text("select version_num from alembic_version")).scalar()
    return {"superset": version("apache-superset"), "revision": revision}


def _read_stamp(path: Path) -> dict[str, str | None] | None:
    try:
        stamp = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return stamp if stamp.get("revision") else None


def setup(config: dict[str, Any]) -> None:
    from flask import g
    from flask_migrate import upgrade
    from superset.app import create_app

    app = create_app()
    with app.app_context():
        # Superset's models can only be imported once the app exists.
        from superset import appbuilder, db, security_manager
        from superset.commands.importers.v1.assets import ImportAssetsCommand
        from superset.connectors.sqla.models import SqlaTable

        stamp = Path(config["schema_stamp"])
        if _schema_stamp(db) != _read_stamp(stamp):
            migrations = Path(__import__("superset").__file__).parent / "migrations"
            upgrade(directory=str(migrations))
            appbuilder.add_permissions(update_perms=True)
            security_manager.sync_role_definitions()
        outcome = Outcome()
        admin = ensure_admin(config["admin_password"])
        bundle = Path(config["bundle"])
        database_yaml = yaml.safe_load((bundle / "databases" / "carteira.yaml").read_text())
        _database(SERVING_DB, config["serving_uri"], database_yaml["uuid"])
        _database(LOCAL_DB, config["duckdb_uri"])
        db.session.commit()

        g.user = admin
        # Overwrites databases, datasets, charts and dashboards alike (bundle type "assets").
        ImportAssetsCommand(_bundle_contents(bundle, config["serving_uri"])).run()

        datasets = []
        for path in sorted((bundle / "datasets").rglob("*.yaml")):
            spec = yaml.safe_load(path.read_text())
            dataset = db.session.query(SqlaTable).filter_by(uuid=spec["uuid"]).one()
            dataset.fetch_metadata()
            datasets.append(dataset)
        _staff(
            config["staff"],
            datasets,
            config["rls"],
            admin,
            config.get("legacy_staff_password"),
            outcome,
        )
        # The passwords reach the disk before the accounts exist: a failure in between
        # leaves a file naming accounts that were rolled back, never accounts nobody knows.
        write_handout(Path(config["logins_file"]), outcome.handout)
        db.session.commit()
        stamp.write_text(json.dumps(_schema_stamp(db)))
        print(f"superset: {len(datasets)} datasets, {outcome.summary()}")


if __name__ == "__main__":
    setup(json.loads(Path(sys.argv[1]).read_text()))
