"""`carteira publish-postgres`: serve the warehouse from PostgreSQL, swapped in atomically.

Steps, each leaving what readers see untouched until the last one:

1. connect (an unreachable server or refused credentials stop here: `CannotRun`);
2. copy the raw loads PostgreSQL does not hold yet (`postgres_sync.sync_raw`);
3. `dbt build --target postgres` (models, data tests, unit tests) with every schema built
   under the suffix `__building` (`marts__building`, `bi__building`, `staging__building`,
   ...), from nothing: PostgreSQL has no cheap copy of the last state the way the DuckDB
   refresh copies its file, so incremental models build in full here;
4. in ONE transaction: lock every relation of the schemas being replaced, rename each old
   schema away (`__retired`), the new one in, create the roles, grants and row-level
   security policies (`postgres_access`), drop the old schemas, commit.

A reader's statement therefore resolves every relation either before the commit (old
schemas, which the swap cannot drop while the reader holds them) or after it (new ones):
it never mixes two `as_of` dates. A failed build or swap drops the `__building` schemas
and leaves the served ones as they were.
"""

from __future__ import annotations

import json
import os
import re
import socket
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import psycopg2
from psycopg2 import errors, sql

from carteira.serving import row_access
from carteira.serving.postgres import access as postgres_access
from carteira.serving.postgres.access import ProtectedRelation
from carteira.serving.postgres.sync import dbt_build_postgres, dsn_parts, sync_raw
from carteira.serving.row_access import SERVED_SCHEMAS, RowAccess, RowAccessError
from carteira.settings import Settings

BUILD_SUFFIX = "__building"
RETIRED_SUFFIX = "__retired"
# The swap waits this long for readers' locks on a first attempt, doubling per attempt.
# Short first waits let the swap, not a reader, give way when both wait for each other.
FIRST_LOCK_WAIT_MS = 500
PUBLISH_LOCK = "carteira publish-postgres"


class CannotRun(RuntimeError):
    """The publish could not start (server unreachable, credentials, missing raw layer)."""


class PublishFailed(RuntimeError):
    """The build or the swap failed; the served schemas are as they were."""


@dataclass
class PublishOutcome:
    as_of: str
    raw_rows_copied: int
    schemas: list[str]
    served: list[str]
    owned: list[ProtectedRelation]
    seconds: dict[str, float] = field(default_factory=dict)


def describe_dsn(dsn: str) -> str:
    """user@host:port/dbname of a DSN, never its password."""
    parts = dsn_parts(dsn)
    return (
        f"{parts.get('user', '')}@{parts.get('host', 'localhost')}:{parts.get('port', '5432')}"
        f"/{parts.get('dbname', '')}"
    )


def connect(dsn: str):  # noqa: ANN201 - psycopg2 connection
    """Connect, or raise CannotRun with the server's one-line reason."""
    try:
        parts = dsn_parts(dsn)
    except psycopg2.ProgrammingError as exc:
        raise CannotRun(f"invalid PostgreSQL DSN: {_first_line(exc)}") from None
    # Names this process to the server, so a second publish can say who holds the lock.
    named = {"application_name": _application_name()}
    try:
        if "connect_timeout" in parts:
            return psycopg2.connect(dsn, **named)
        return psycopg2.connect(dsn, connect_timeout=10, **named)
    except psycopg2.OperationalError as exc:
        raise CannotRun(
            f"cannot connect to PostgreSQL {describe_dsn(dsn)}: {_first_line(exc)}"
        ) from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _application_name() -> str:
    """`carteira publish-postgres <pid>@<host> <start>` (PostgreSQL keeps 63 bytes)."""
    started = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{PUBLISH_LOCK} {os.getpid()}@{socket.gethostname()} {started}"[:63]


_HOLDER = re.compile(rf"^{PUBLISH_LOCK} (?P<pid>\d+)@(?P<host>\S*) (?P<started>\S+)$")


def _publish_lock_holder(pg) -> str:  # noqa: ANN001
    """Who holds the publish lock, as `carteira.refresh.lock` names a refresh's holder."""
    with pg, pg.cursor() as cur:
        cur.execute(
            "select a.pid, a.application_name, a.backend_start from pg_locks l "
            "join pg_stat_activity a on a.pid = l.pid "
            "where l.locktype = 'advisory' and l.granted and l.objsubid = 1 "
            "and l.database = (select oid from pg_database where datname = current_database()) "
            "and l.classid = ((hashtext(%s)::bigint >> 32) & 4294967295)::oid "
            "and l.objid = (hashtext(%s)::bigint & 4294967295)::oid limit 1",
            (PUBLISH_LOCK, PUBLISH_LOCK),
        )
        row = cur.fetchone()
    if row is None:
        return "a session that has just ended"
    backend, name, backend_start = row
    found = _HOLDER.match(name or "")
    if found:
        return (
            f"pid {found['pid']} on host {found['host']}, started {found['started']}, "
            f"server backend {backend}"
        )
    since = f", connected {backend_start:%Y-%m-%dT%H:%M:%S%z}" if backend_start else ""
    return f"server backend {backend}{since}"


def _server_gone(exc: BaseException) -> bool:
    """The connection was lost (server stopped, restarted, backend terminated), as opposed
    to an error the server reported on a live connection."""
    if isinstance(exc, psycopg2.InterfaceError):
        return True
    code = getattr(exc, "pgcode", None) or ""
    # class 08: connection exception; class 57: operator intervention (shutdown, terminate)
    return isinstance(exc, psycopg2.OperationalError) and (not code or code[:2] in ("08", "57"))


def _take_publish_lock(pg) -> None:  # noqa: ANN001
    """One publish per database at a time (a session lock, released when pg closes)."""
    with pg, pg.cursor() as cur:
        cur.execute("select pg_try_advisory_lock(hashtext(%s))", (PUBLISH_LOCK,))
        (taken,) = cur.fetchone()
    if not taken:
        raise CannotRun(
            f"another publish-postgres is running on this database ({_publish_lock_holder(pg)})."
            " Try again when it has finished."
        )


def _drop_schemas_ending(pg, suffix: str) -> None:  # noqa: ANN001
    """Drop the leftovers of an interrupted publish (`*__building`, `*__retired`)."""
    with pg, pg.cursor() as cur:
        cur.execute(
            "select nspname from pg_namespace where right(nspname, %s) = %s",
            (len(suffix), suffix),
        )
        for (schema,) in cur.fetchall():
            cur.execute(sql.SQL("drop schema {} cascade").format(sql.Identifier(schema)))


def read_manifest(target: Path) -> tuple[list[str], dict[str, RowAccess | None]]:
    """Schemas the build wrote (without the suffix) and each served relation's declaration.

    Raises PublishFailed for a malformed declaration or a served relation that declares
    none: every relation of `marts` and `bi` is granted to the staff roles.
    """
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    schemas: set[str] = set()
    for node in manifest["nodes"].values():
        if node["resource_type"] not in ("model", "seed", "snapshot"):
            continue
        if node["config"].get("materialized") == "ephemeral":
            continue
        if node["schema"].endswith(BUILD_SUFFIX):
            schemas.add(node["schema"][: -len(BUILD_SUFFIX)])

    def served_schema(node: dict) -> str | None:
        schema = node["schema"]
        return schema[: -len(BUILD_SUFFIX)] if schema.endswith(BUILD_SUFFIX) else None

    try:
        declared = row_access.from_manifest(manifest, served_schema)
    except RowAccessError as exc:
        raise PublishFailed(f"row access: {exc}") from None
    missing = row_access.undeclared(declared)
    if missing:
        raise PublishFailed(
            f"{len(missing)} served relation(s) declare no meta.row_access, so staff logins "
            f"would read every row: {', '.join(missing)}. Declare owner columns "
            "(client_column / staff_columns) or unrestricted: <why it holds no client or "
            "staff rows> in the model's config (docs/bi.md)"
        )
    return sorted(schemas), declared


def _swap_once(
    pg,  # noqa: ANN001
    schemas: list[str],
    declared: dict[str, RowAccess | None],
    role_prefix: str,
    lock_wait_ms: int,
) -> list[ProtectedRelation]:
    served = tuple(s for s in schemas if s in SERVED_SCHEMAS)
    with pg, pg.cursor() as cur:
        cur.execute(sql.SQL("set local lock_timeout = {}").format(sql.Literal(f"{lock_wait_ms}ms")))
        cur.execute(
            "select quote_ident(n.nspname) || '.' || quote_ident(c.relname) from pg_class c "
            "join pg_namespace n on n.oid = c.relnamespace "
            "where n.nspname = any(%s) and c.relkind in ('r', 'v', 'm', 'p', 'f') order by 1",
            (schemas,),
        )
        current = [r[0] for r in cur.fetchall()]
        if current:
            # Readers of the old relations finish first; new readers queue behind the swap.
            cur.execute(f"lock table {', '.join(current)} in access exclusive mode")
        for schema in schemas:
            cur.execute("select 1 from pg_namespace where nspname = %s", (schema,))
            if cur.fetchone():
                cur.execute(
                    sql.SQL("alter schema {} rename to {}").format(
                        sql.Identifier(schema), sql.Identifier(schema + RETIRED_SUFFIX)
                    )
                )
            cur.execute(
                sql.SQL("alter schema {} rename to {}").format(
                    sql.Identifier(schema + BUILD_SUFFIX), sql.Identifier(schema)
                )
            )
        postgres_access.ensure_roles(cur, role_prefix)
        postgres_access.revoke_temporary(cur, role_prefix)
        postgres_access.make_views_security_invoker(cur, served)
        postgres_access.grant_served(cur, role_prefix, served)
        protected = postgres_access.apply_row_security(cur, role_prefix, served, declared)
        for schema in schemas:
            cur.execute(
                sql.SQL("drop schema if exists {} cascade").format(
                    sql.Identifier(schema + RETIRED_SUFFIX)
                )
            )
    return protected


def swap_in(
    pg,  # noqa: ANN001
    schemas: list[str],
    declared: dict[str, RowAccess | None],
    role_prefix: str,
    timeout_s: float,
) -> list[ProtectedRelation]:
    """The one transaction that replaces the served schemas; retried while readers hold locks."""
    deadline = time.monotonic() + timeout_s
    wait_ms = FIRST_LOCK_WAIT_MS
    while True:
        try:
            return _swap_once(pg, schemas, declared, role_prefix, wait_ms)
        except (errors.LockNotAvailable, errors.DeadlockDetected) as exc:
            if time.monotonic() + wait_ms / 1000 > deadline:
                raise PublishFailed(
                    f"readers held the served relations for more than {timeout_s:.0f}s: "
                    f"{_first_line(exc)}"
                ) from None
            time.sleep(0.1)
            wait_ms = min(wait_ms * 2, 10_000)


def publish_postgres(
    settings: Settings,
    dsn: str,
    *,
    role_prefix: str = "carteira",
    swap_timeout_s: float = 120.0,
) -> PublishOutcome:
    """Copy raw, build beside the served schemas, swap them in. See the module docstring."""
    if not settings.raw_path.exists():
        raise CannotRun(f"no raw layer at {settings.raw_path}: run `carteira refresh` first")
    seconds: dict[str, float] = {}
    pg = connect(dsn)
    try:
        _take_publish_lock(pg)
        started = time.perf_counter()
        _drop_schemas_ending(pg, BUILD_SUFFIX)
        _drop_schemas_ending(pg, RETIRED_SUFFIX)
        try:
            copied = sync_raw(settings.raw_path, dsn)
        except duckdb.Error as exc:
            raise CannotRun(
                f"cannot read the raw layer {settings.raw_path}: {_first_line(exc)}"
            ) from None
        except psycopg2.Error as exc:
            if _server_gone(exc):
                raise
            raise PublishFailed(f"copying the raw layer failed: {_first_line(exc)}") from None
        seconds["raw copy"] = time.perf_counter() - started
        started = time.perf_counter()
        result = dbt_build_postgres(settings, dsn, extra_vars={"build_schema_suffix": BUILD_SUFFIX})
        target = result.target_path
        seconds["dbt build"] = time.perf_counter() - started
        if not result.success:
            _drop_schemas_ending(pg, BUILD_SUFFIX)
            raise PublishFailed(
                f"dbt build on PostgreSQL failed (logs in {target}):\n{result.message}"
            )
        try:
            schemas, declared = read_manifest(target)
        except PublishFailed:
            _drop_schemas_ending(pg, BUILD_SUFFIX)
            raise
        started = time.perf_counter()
        try:
            owned = swap_in(pg, schemas, declared, role_prefix, swap_timeout_s)
        except (psycopg2.Error, postgres_access.AccessError, PublishFailed) as exc:
            pg.rollback()
            _drop_schemas_ending(pg, BUILD_SUFFIX)
            raise PublishFailed(f"swapping the new schemas in failed: {_first_line(exc)}") from None
        seconds["swap"] = time.perf_counter() - started
    except psycopg2.Error as exc:
        if not _server_gone(exc):
            raise
        # psycopg2's "connection already closed" says nothing of why: only the server's
        # own words (e.g. "terminating connection due to administrator command") are kept
        why = "" if isinstance(exc, psycopg2.InterfaceError) else f" ({_first_line(exc)})"
        raise PublishFailed(
            f"the PostgreSQL server {describe_dsn(dsn)} went away during the publish{why}: "
            "nothing changed, the served schemas are as they were; "
            "run publish-postgres again once the server is back"
        ) from None
    finally:
        pg.close()
    return PublishOutcome(
        as_of=settings.effective_as_of().isoformat(),
        raw_rows_copied=copied,
        schemas=schemas,
        served=[s for s in schemas if s in SERVED_SCHEMAS],
        owned=owned,
        seconds=seconds,
    )
