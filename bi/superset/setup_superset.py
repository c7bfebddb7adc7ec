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
- creates one Superset user per active staff member with a role of their own, and one
  row-level security rule per such role on every dataset with a row owner column:
  `<owner column> IN (<staff ids the member may see>)` from marts.staff_visibility. A
  member who can view all gets no rule (sees every row, unassigned ones included), as in
  the CLI reports.

Input: a JSON file written by the caller (see carteira/superset/setup_input.py).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml

SERVING_DB = "Carteira"
LOCAL_DB = "Carteira (DuckDB, local)"
VIEWER_ROLE = "Carteira viewer"
STAFF_ROLE_PREFIX = "Carteira staff "
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


def _admin(password: str) -> Any:
    from superset import security_manager

    admin = security_manager.find_user(username="admin")
    role = security_manager.find_role("Admin")
    if admin is None:
        admin = security_manager.add_user(
            "admin", "Carteira", "Admin", "admin@localhost", role, password=password
        )
    else:
        admin.password = _hash(password)
        security_manager.update_user(admin)
    return admin


def _hash(password: str) -> str:
    from werkzeug.security import generate_password_hash

    return generate_password_hash(password)


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


def _staff(members: list[dict[str, Any]], password: str, datasets: list[Any]) -> int:
    from superset import db, security_manager
    from superset.connectors.sqla.models import RowLevelSecurityFilter

    viewer = _viewer_role(datasets)
    owned = [(d, d.extra_dict.get("row_owner_column")) for d in datasets]
    owned = [(d, column) for d, column in owned if column]
    for rule in db.session.query(RowLevelSecurityFilter).all():
        if rule.name.startswith(RLS_PREFIX):
            db.session.delete(rule)
    db.session.flush()
    created = 0
    for member in members:
        role = security_manager.add_role(STAFF_ROLE_PREFIX + member["staff_id"])
        user = security_manager.find_user(username=member["username"])
        if user is None:
            user = security_manager.add_user(
                member["username"],
                member["first_name"],
                member["last_name"],
                member["email"],
                [viewer, role],
                password=password,
            )
            created += 1
        else:
            user.roles = [viewer, role]
            user.active = True
            user.password = _hash(password)
        if member["can_view_all"] or not owned:
            continue
        visible = ", ".join("'" + s.replace("'", "''") + "'" for s in member["visible"])
        for dataset, column in owned:
            db.session.add(
                RowLevelSecurityFilter(
                    name=f"{RLS_PREFIX}{member['staff_id']} {dataset.table_name}",
                    description=f"Rows of {dataset.table_name} that {member['username']} may see",
                    filter_type="Regular",
                    tables=[dataset],
                    roles=[role],
                    clause=f"{column} IN ({visible})" if visible else "1 = 0",
                )
            )
    # Staff who left (inactive or deleted in the warehouse) keep no access.
    current = {m["username"] for m in members}
    for user in security_manager.get_all_users():
        if viewer in user.roles and user.username not in current:
            user.active = False
    db.session.flush()
    return created


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

        migrations = Path(__import__("superset").__file__).parent / "migrations"
        upgrade(directory=str(migrations))
        appbuilder.add_permissions(update_perms=True)
        security_manager.sync_role_definitions()
        admin = _admin(config["admin_password"])
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
        created = _staff(config["staff"], config["staff_password"], datasets)
        db.session.commit()
        print(
            f"superset: {len(datasets)} datasets, {len(config['staff'])} staff users "
            f"({created} new)"
        )


if __name__ == "__main__":
    setup(json.loads(Path(sys.argv[1]).read_text()))
