"""Write ``$DAGSTER_HOME/dagster.yaml`` for a production instance (docs/operations.md).

``deploy/dagster.yaml`` is the one description of the instance (one run at a time, run
monitoring, tick retention, no telemetry). This fills in its paths under DAGSTER_HOME
and, when CARTEIRA_PG_DSN is set, replaces the SQLite storage with PostgreSQL
(dagster-postgres) on that server, in its own schema ``dagster``. The DSN's password is
never written to the file: the instance reads it from PGPASSWORD at run time.

Run by the systemd units before each start (``python -m carteira.operations.dagster_home``), so a
changed setting takes effect on restart. It also creates the instance's storage, or migrates it
to the installed Dagster's schema (what ``dagster instance migrate`` does), one process at a time
under a lock: the daemon and the webserver start together, and two processes creating a new
storage at once race its schema migration (alembic) and one of them dies.
"""

from __future__ import annotations

import fcntl
import os
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from carteira.settings import REPO_ROOT

TEMPLATE = REPO_ROOT / "deploy" / "dagster.yaml"
PG_SCHEMA = "dagster"


def instance_config(home: Path, environ: Mapping[str, str]) -> dict[str, Any]:
    config: dict[str, Any] = yaml.safe_load(TEMPLATE.read_text(encoding="utf-8"))
    config["compute_logs"]["config"]["base_dir"] = str(home / "compute_logs")
    dsn = environ.get("CARTEIRA_PG_DSN")
    if not dsn:
        config["storage"] = {"sqlite": {"base_dir": str(home / "storage")}}
        return config
    from psycopg2.extensions import parse_dsn

    parts = parse_dsn(dsn)
    db: dict[str, Any] = {
        "username": parts.get("user", "postgres"),
        "hostname": parts.get("host", "localhost"),
        "db_name": parts.get("dbname", parts.get("user", "postgres")),
        "port": int(parts.get("port", 5432)),
        # the driver installed (dagster-postgres needs psycopg2; SQLAlchemy 2.1's default
        # for a bare postgresql:// is psycopg 3)
        "scheme": "postgresql+psycopg2",
        # Dagster's tables in their own schema, apart from the served warehouse's
        "params": {"options": f"-csearch_path={PG_SCHEMA}"},
    }
    if parts.get("password") or environ.get("PGPASSWORD"):
        db["password"] = {"env": "PGPASSWORD"}
    if parts.get("password") and not environ.get("PGPASSWORD"):
        raise SystemExit(
            "CARTEIRA_PG_DSN carries a password: put it in PGPASSWORD instead (it is not "
            "written to dagster.yaml)"
        )
    config["storage"] = {"postgres": {"postgres_db": db}}
    _ensure_schema(dsn)
    return config


def _ensure_schema(dsn: str) -> None:
    import psycopg2

    con = psycopg2.connect(dsn)
    try:
        with con, con.cursor() as cur:
            cur.execute(f"create schema if not exists {PG_SCHEMA}")
    finally:
        con.close()


def write_dagster_home(home: Path, environ: Mapping[str, str] | None = None) -> Path:
    """Create ``home`` and write its dagster.yaml atomically; the file's path."""
    env = os.environ if environ is None else environ
    home.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(instance_config(home.resolve(), env), sort_keys=False)
    target = home / "dagster.yaml"
    fd, tmp = tempfile.mkstemp(dir=home, prefix=".dagster.yaml.")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(
            "# written by python -m carteira.operations.dagster_home from deploy/dagster.yaml\n"
        )
        fh.write(text)
    os.replace(tmp, target)
    return target


def prepare_dagster_home(home: Path, environ: Mapping[str, str] | None = None) -> Path:
    """Write dagster.yaml and bring the storage it names to the installed schema, holding
    ``home/.prepare.lock`` so that units started together take turns; the file's path."""
    home.mkdir(parents=True, exist_ok=True)
    with (home / ".prepare.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        target = write_dagster_home(home, environ)
        from dagster import DagsterInstance

        with DagsterInstance.from_config(str(home.resolve())) as instance:
            instance.upgrade()
    return target


def main() -> None:
    home = os.environ.get("DAGSTER_HOME")
    if not home:
        sys.exit("DAGSTER_HOME is not set: the folder of the Dagster instance")
    print(f"wrote {prepare_dagster_home(Path(home))}; its storage is ready")


if __name__ == "__main__":
    main()
