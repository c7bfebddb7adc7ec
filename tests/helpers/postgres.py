"""The PostgreSQL server the PostgreSQL tests run against, and throwaway databases on it.

Needs a server: `CARTEIRA_PG_DSN` (a libpq DSN of a superuser, as
`eval "$(scripts/ci_postgres.sh)"` exports), else the script is run here to start one.
No server is a failure, never a skip: the promises about PostgreSQL are only kept if they
are checked.
"""

from __future__ import annotations

import os
import re
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from carteira.serving.postgres.sync import connect_pg, dsn_parts


def server_dsn() -> str:
    """The server of CARTEIRA_PG_DSN, else one started here by scripts/ci_postgres.sh.

    The script installs PostgreSQL from Debian's packages when it is missing and starts a
    throwaway server on 127.0.0.1, so `uv run pytest` checks PostgreSQL on any machine
    (CI exports the DSN up front in .ci/run).
    """
    dsn = os.environ.get("CARTEIRA_PG_DSN")
    if dsn:
        return dsn
    script = Path(__file__).resolve().parents[2] / "scripts" / "ci_postgres.sh"
    started = subprocess.run(["bash", str(script)], capture_output=True, text=True, check=False)
    found = re.search(r'^export CARTEIRA_PG_DSN="(.*)"$', started.stdout, re.MULTILINE)
    if started.returncode != 0 or not found:
        pytest.fail(f"no PostgreSQL server for the PostgreSQL tests: {started.stderr[-2000:]}")
    return found.group(1)


def dsn_with(base: str, **changes: str) -> str:
    """`base` with some keywords replaced (dbname, user, ...)."""
    parts = {**dsn_parts(base), **changes}
    return " ".join(f"{k}={v}" for k, v in parts.items())


@contextmanager
def fresh_database(prefix: str) -> Iterator[str]:
    """A new UTF-8 database `<prefix>_<random>` on the server, dropped afterwards."""
    base = server_dsn()
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = connect_pg(base)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f"create database \"{name}\" encoding 'UTF8' template template0")
    try:
        yield dsn_with(base, dbname=name)
    finally:
        with admin.cursor() as cur:
            cur.execute(f'drop database if exists "{name}" with (force)')
        admin.close()


def login_role(admin_dsn: str, login: str, member_of: str) -> str:
    """A login role that is a member of `member_of`; returns its DSN (trust auth)."""
    pg = connect_pg(admin_dsn)
    pg.autocommit = True
    with pg.cursor() as cur:
        cur.execute(f'create role "{login}" login in role "{member_of}"')
    pg.close()
    return dsn_with(admin_dsn, user=login)


def drop_roles(prefix: str) -> None:
    """Drop every role named `<prefix>_...` (roles are cluster-wide: each test's prefix)."""
    pg = connect_pg(server_dsn())
    pg.autocommit = True
    with pg.cursor() as cur:
        cur.execute("select rolname from pg_roles where rolname like %s", (prefix + "\\_%",))
        for (role,) in cur.fetchall():
            cur.execute(f'drop role "{role}"')
    pg.close()
