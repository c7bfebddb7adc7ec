"""`carteira publish-postgres` on a real PostgreSQL server: swap, roles, row-level security.

One tiny landing zone (3 days) is refreshed on DuckDB for the last day; then, on a fresh
database with its own role prefix (roles are cluster-wide):

1. publish for day 2 (the served schemas hold as_of = day 2);
2. a build that fails (a staff row without staff_id slipped into PostgreSQL's raw layer)
   must exit 2 and leave the served schemas at day 2;
3. publish for day 3 while a reader (a login of the reader role) queries the as_of of
   every `marts` and `bi` relation in one statement, in a loop: every answer holds one
   date, old then new;
4. publish for day 2 while a BI session keeps a transaction open on a served table: the
   swap gives up after --swap-timeout (exit 2) and day 3 stays served.

The tests then read through logins of staff roles, from the telesales marts and from the
bi datasets, and compare with `carteira report telesales --viewer` on the DuckDB
warehouse of the same day.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import psycopg2
import pytest
from click.testing import CliRunner

from carteira.cli.main import main
from carteira.serving.postgres.access import reader_role, staff_role_name
from carteira.serving.postgres.sync import connect_pg
from tests.data.tiny_three_days import AS_OF, START, tiny_warehouse_settings
from tests.helpers.postgres import drop_roles, dsn_with, fresh_database, login_role
from tests.helpers.shared import shared_root

DAY2 = START + timedelta(days=1)
DAY3 = AS_OF


@dataclass
class Published:
    warehouse: Path
    dsn: str
    prefix: str
    first: Any
    failed: Any
    failed_as_of: list[date]
    leftover_schemas: list[str]
    swap: Any
    blocked: Any = None
    blocked_as_of: list[date] = field(default_factory=list)
    blocked_leftovers: list[str] = field(default_factory=list)
    reads: list[list[date]] = field(default_factory=list)
    reader_errors: list[str] = field(default_factory=list)


def _publish(warehouse: Path, dsn: str, prefix: str, as_of: date, *extra: str) -> Any:
    return CliRunner().invoke(
        main,
        [
            "publish-postgres",
            "--dsn",
            dsn,
            "--warehouse",
            str(warehouse),
            "--as-of",
            as_of.isoformat(),
            "--role-prefix",
            prefix,
            *extra,
        ],
    )


def _leftover_schemas(dsn: str) -> list[str]:
    pg = connect_pg(dsn)
    try:
        with pg.cursor() as cur:
            cur.execute(
                "select nspname from pg_namespace "
                "where nspname like '%\\_\\_building' or nspname like '%\\_\\_retired'"
            )
            return [r[0] for r in cur.fetchall()]
    finally:
        pg.close()


def _served_as_of(dsn: str) -> list[date]:
    pg = connect_pg(dsn)
    try:
        with pg.cursor() as cur:
            cur.execute("select distinct as_of from marts.telesales_client_activity")
            return sorted(r[0] for r in cur.fetchall())
    finally:
        pg.close()


def _as_of_query(dsn: str) -> str:
    """One statement reading the newest as_of of every served relation with that column."""
    pg = connect_pg(dsn)
    try:
        with pg.cursor() as cur:
            cur.execute(
                "select table_schema, table_name from information_schema.columns "
                "where table_schema in ('marts', 'bi') and column_name = 'as_of' order by 1, 2"
            )
            tables = cur.fetchall()
    finally:
        pg.close()
    assert {schema for schema, _ in tables} == {"marts", "bi"}, tables
    values = ", ".join(f'((select max(as_of) from {s}."{t}"))' for s, t in tables)
    return f"select array_agg(distinct v) from (values {values}) as t(v) where v is not null"


def _read_in_loop(dsn: str, query: str, stop: threading.Event, out: Published) -> None:
    pg = psycopg2.connect(dsn)
    pg.autocommit = True  # as a BI tool: every statement its own transaction
    try:
        with pg.cursor() as cur:
            while not stop.is_set():
                try:
                    cur.execute(query)
                    out.reads.append(sorted(cur.fetchone()[0] or []))
                except psycopg2.Error as exc:
                    out.reader_errors.append(str(exc).strip())
                time.sleep(0.02)
    finally:
        pg.close()


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Published]:
    warehouse = tiny_warehouse_settings(shared_root(tmp_path_factory)).warehouse_path
    prefix = f"h10pg_{uuid.uuid4().hex[:8]}"
    try:
        with fresh_database("h10pg_publish") as dsn:
            first = _publish(warehouse, dsn, prefix, DAY2)
            if first.exit_code != 0:
                pytest.fail(f"the first publish failed:\n{first.output[-4000:]}")

            pg = connect_pg(dsn)
            with pg, pg.cursor() as cur:
                cur.execute(
                    "create temp table broken as select * from raw.crm__staff limit 1; "
                    "update broken set staff_id = null, _load_id = 'broken-load'; "
                    "insert into raw.crm__staff select * from broken"
                )
            failed = _publish(warehouse, dsn, prefix, DAY3)
            failed_as_of = _served_as_of(dsn)
            leftovers = _leftover_schemas(dsn)
            with pg, pg.cursor() as cur:
                cur.execute("delete from raw.crm__staff where _load_id = 'broken-load'")
            pg.close()

            reader_dsn = login_role(dsn, f"{prefix}_bi_tool", reader_role(prefix))
            result = Published(warehouse, dsn, prefix, first, failed, failed_as_of, leftovers, None)
            stop = threading.Event()
            reader = threading.Thread(
                target=_read_in_loop, args=(reader_dsn, _as_of_query(dsn), stop, result)
            )
            reader.start()
            try:
                time.sleep(0.5)
                result.swap = _publish(warehouse, dsn, prefix, DAY3)
                time.sleep(0.5)
            finally:
                stop.set()
                reader.join()
            # A BI session that keeps a transaction open on a served table: the swap
            # gives up after --swap-timeout, and nothing served changes.
            holder = psycopg2.connect(reader_dsn)
            with holder.cursor() as cur:
                cur.execute("select count(*) from marts.dim_client")
            result.blocked = _publish(warehouse, dsn, prefix, DAY2, "--swap-timeout", "2")
            holder.rollback()
            holder.close()
            result.blocked_as_of = _served_as_of(dsn)
            result.blocked_leftovers = _leftover_schemas(dsn)
            yield result
    finally:
        drop_roles(prefix)


def test_publish_then_failed_build_leaves_served_schemas(published: Published) -> None:
    assert published.first.exit_code == 0, published.first.output
    assert "published to PostgreSQL" in published.first.output
    assert published.failed.exit_code == 2, published.failed.output
    assert "not published" in published.failed.output
    assert published.failed_as_of == [DAY2], "a failed build changed what is served"
    assert published.leftover_schemas == []


def test_reader_never_sees_two_as_of_dates_during_the_swap(published: Published) -> None:
    assert published.swap.exit_code == 0, published.swap.output
    assert published.reader_errors == []
    reads = published.reads
    assert reads, "the reader never ran"
    mixed = [r for r in reads if len(r) != 1]
    assert not mixed, f"a statement saw several as_of dates: {mixed[:3]}"
    seen = [r[0] for r in reads]
    assert seen[0] == DAY2 and seen[-1] == DAY3, (seen[0], seen[-1])
    switch = seen.index(DAY3)
    assert all(d == DAY3 for d in seen[switch:]), "the reader went back to the old date"


def test_swap_gives_up_on_a_reader_holding_a_transaction(published: Published) -> None:
    assert published.blocked.exit_code == 2, published.blocked.output
    assert "readers held the served relations" in published.blocked.output
    assert published.blocked_as_of == [DAY3], "a publish that gave up changed what is served"
    assert published.blocked_leftovers == []


def test_reader_role_reads_served_schemas_only(published: Published) -> None:
    dsn = dsn_with(published.dsn, user=f"{published.prefix}_bi_tool")
    pg = psycopg2.connect(dsn)
    pg.autocommit = True
    try:
        with pg.cursor() as cur:
            # The staff directory is read whole; a client's rows need a staff role.
            cur.execute("select count(*) from marts.dim_staff")
            assert cur.fetchone()[0] > 0
            cur.execute("select count(*) from marts.dim_client")
            assert cur.fetchone()[0] == 0
            for relation in ("raw.crm__clients", "staging.stg_crm__clients"):
                with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                    cur.execute(f"select count(*) from {relation}")
            # Without a staff role, no owned row is visible.
            cur.execute("select count(*) from marts.telesales_client_population")
            assert cur.fetchone()[0] == 0
    finally:
        pg.close()


def _viewers(warehouse: Path) -> dict[str, str]:
    """A sales rep, a head of a department with sub-departments, a view-all, an inactive."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:

        def one(where: str) -> str:
            found = con.execute(
                f"select staff_id from marts.dim_staff s where {where} order by staff_id limit 1"
            ).fetchone()
            assert found, where
            return found[0]

        live = "s.active and not s.is_deleted"
        return {
            "rep": one(
                f"{live} and not s.can_view_all and not s.is_department_head and exists "
                "(select 1 from marts.telesales_client_population p "
                "where p.owner_staff_id = s.staff_id)"
            ),
            "head": one(
                f"{live} and not s.can_view_all and s.is_department_head and exists "
                "(select 1 from marts.telesales_department_staff d "
                "where d.department_id = s.department_id and d.depth >= 1)"
            ),
            "view_all": one(f"{live} and s.can_view_all"),
            "inactive": one("not s.active"),
        }
    finally:
        con.close()


def _cli_rows(warehouse: Path, viewer: str, mode: str) -> dict[str, tuple]:
    result = CliRunner().invoke(
        main,
        [
            "report",
            "telesales",
            "--warehouse",
            str(warehouse),
            "--calls-from",
            START.isoformat(),
            "--calls-to",
            DAY3.isoformat(),
            "--mode",
            mode,
            "--viewer",
            viewer,
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)["rows"]
    return {
        r["owner"]: (r["clients"], r["called_clients"], r["calls"], r["successful_calls"])
        for r in rows
    }


# Per owner: (clients, called clients, calls, successful calls), as the telesales report
# counts them (calls once per owner and client), from the marts and from the bi datasets.
# No viewer filter: row-level security is the only thing that restricts the rows.
PG_PER_OWNER = {
    "marts": """
with population as (
    select client_key, owner_staff_id from marts.telesales_client_population
    where %(mode)s = 'client_owner'
    union all
    select client_key, owner_staff_id from marts.telesales_opportunity_population
    where %(mode)s = 'opportunity_owner'
),
pair_calls as (
    select pairs.owner_staff_id, pairs.client_key, sum(c.calls) as calls,
        sum(c.successful_calls) as successful
    from (select distinct owner_staff_id, client_key from population) as pairs
    join marts.telesales_client_calls c
        on c.client_key = pairs.client_key and c.staff_id = pairs.owner_staff_id
    where c.call_date between %(start)s and %(end)s
    group by 1, 2
),
units as (
    select coalesce(p.owner_staff_id, 'unassigned') as owner, count(*) as clients,
        count(*) filter (where pc.calls > 0) as called
    from population p
    left join pair_calls pc
        on pc.owner_staff_id = p.owner_staff_id and pc.client_key = p.client_key
    group by 1
),
sums as (
    select owner_staff_id as owner, sum(calls) as calls, sum(successful) as successful
    from pair_calls group by 1
)
select u.owner, u.clients, u.called, coalesce(s.calls, 0), coalesce(s.successful, 0)
from units u left join sums s on s.owner = u.owner
""",
    "bi": """
with population as (
    select owner, client_key from bi.telesales_population where owner_mode = %(mode)s
),
pair_calls as (
    select owner, client_key, sum(calls) as calls, sum(successful_calls) as successful
    from bi.telesales_owner_client_day
    where owner_mode = %(mode)s and activity_date between %(start)s and %(end)s
    group by 1, 2
),
units as (
    select p.owner, count(*) as clients, count(*) filter (where pc.calls > 0) as called
    from population p
    left join pair_calls pc on pc.owner = p.owner and pc.client_key = p.client_key
    group by 1
),
sums as (
    select owner, sum(calls) as calls, sum(successful) as successful
    from pair_calls group by 1
)
select u.owner, u.clients, u.called, coalesce(s.calls, 0), coalesce(s.successful, 0)
from units u left join sums s on s.owner = u.owner
""",
}


def _pg_rows(dsn: str, mode: str, source: str = "marts") -> dict[str, tuple]:
    pg = psycopg2.connect(dsn)
    try:
        with pg.cursor() as cur:
            cur.execute(PG_PER_OWNER[source], {"mode": mode, "start": START, "end": DAY3})
            return {r[0]: tuple(int(v) for v in r[1:]) for r in cur.fetchall()}
    finally:
        pg.close()


@pytest.mark.parametrize("mode", ["client_owner", "opportunity_owner"])
def test_staff_connections_see_what_the_cli_shows(published: Published, mode: str) -> None:
    viewers = _viewers(published.warehouse)
    owners_seen = {}
    for kind, staff_id in viewers.items():
        login = f"{published.prefix}_{kind}_{mode}"
        dsn = login_role(published.dsn, login, staff_role_name(published.prefix, staff_id))
        pg_rows = _pg_rows(dsn, mode)
        cli_rows = _cli_rows(published.warehouse, staff_id, mode)
        assert pg_rows == cli_rows, (kind, staff_id)
        assert _pg_rows(dsn, mode, "bi") == cli_rows, (kind, staff_id, "bi")
        owners_seen[kind] = set(pg_rows)
    # Not vacuous: the viewers see different, nested owner sets.
    assert owners_seen["inactive"] == set()
    assert owners_seen["rep"] <= {viewers["rep"]}
    assert owners_seen["head"] <= owners_seen["view_all"]
    if mode == "client_owner":
        assert owners_seen["head"] < owners_seen["view_all"]
        assert owners_seen["rep"] == {viewers["rep"]}
        assert len(owners_seen["head"]) > 1
        assert "unassigned" in owners_seen["view_all"]


def test_unknown_staff_is_a_cli_error_and_sees_no_rows_on_postgres(published: Published) -> None:
    result = CliRunner().invoke(
        main,
        [
            "report",
            "telesales",
            "--warehouse",
            str(published.warehouse),
            "--calls-from",
            START.isoformat(),
            "--calls-to",
            DAY3.isoformat(),
            "--viewer",
            "no-such-staff",
        ],
    )
    assert result.exit_code != 0
    assert "unknown viewer" in result.output
    # On PostgreSQL a login that stands for no staff member sees no owned row at all.
    dsn = dsn_with(published.dsn, user=f"{published.prefix}_bi_tool")
    assert _pg_rows(dsn, "client_owner") == {}
    assert _pg_rows(dsn, "client_owner", "bi") == {}


def test_every_served_relation_and_column_has_its_description(published: Published) -> None:
    pg = connect_pg(published.dsn)
    try:
        with pg.cursor() as cur:
            cur.execute(
                "select n.nspname || '.' || c.relname, obj_description(c.oid, 'pg_class') "
                "from pg_class c join pg_namespace n on n.oid = c.relnamespace "
                "where n.nspname in ('marts', 'bi') and c.relkind in ('r', 'v', 'm')"
            )
            relations = dict(cur.fetchall())
            cur.execute(
                "select n.nspname || '.' || c.relname || '.' || a.attname "
                "from pg_class c join pg_namespace n on n.oid = c.relnamespace "
                "join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 "
                "and not a.attisdropped "
                "where n.nspname in ('marts', 'bi') and c.relkind in ('r', 'v', 'm') "
                "and coalesce(col_description(c.oid, a.attnum), '') = ''"
            )
            undocumented_columns = [r[0] for r in cur.fetchall()]
    finally:
        pg.close()
    assert len(relations) > 20
    assert "bi.telesales_population" in relations
    assert [r for r, d in relations.items() if not d] == []
    assert undocumented_columns == []
    assert relations["marts.dim_staff"] == (
        "One row per crm staff member (the staff master); deleted ones flagged."
    )


def test_unreachable_server_and_wrong_credentials_are_one_line(
    published: Published, tmp_path: Path
) -> None:
    for dsn, expected in (
        (dsn_with(published.dsn, port="1"), "Connection refused"),
        (dsn_with(published.dsn, user=f"{published.prefix}_nobody"), "does not exist"),
    ):
        result = _publish(published.warehouse, dsn, published.prefix, DAY3)
        assert result.exit_code == 3, result.output
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and expected in lines[0], result.output
        assert "Traceback" not in result.output
    assert _served_as_of(published.dsn) == [DAY3]


def test_staff_role_names_fit_postgres_and_stay_distinct() -> None:
    assert staff_role_name("carteira", "s_0009") == "carteira_staff_s_0009"
    long_a, long_b = "x" * 60 + "a", "x" * 60 + "b"
    names = {staff_role_name("carteira", long_a), staff_role_name("carteira", long_b)}
    assert len(names) == 2
    assert all(len(n.encode()) <= 63 for n in names)
    assert staff_role_name("carteira", long_a) == staff_role_name("carteira", long_a)
