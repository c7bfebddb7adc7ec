"""What a key costs in DuckDB: a primary-key constraint against dbt's unique test.

dbt fills a contracted model by creating the table with its constraints and inserting the
select; a primary key makes DuckDB maintain an ART index row by row. Staged and mart keys
arrive in no particular order (window output, md5 client keys). This times, for n rows
of such keys: the plain insert, the unique test's query (one aggregation), the insert
into a table with a primary key, and adding the key after the insert::

    uv run python benchmarks/key_constraints.py --rows 100000 300000 1000000

CHANGELOG.md ("Fewer dbt nodes") has the numbers measured with it; docs/performance.md
says why keys stay unique tests.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import duckdb

# md5 text keys like client_key, hashed bigints like ids in window-output order
KEYS = {"varchar": "md5(cast(i as varchar))", "bigint": "hash(i) // 2"}
UNIQUE_TEST = (
    "select count(*) from (select id from t where id is not null group by id having count(*) > 1)"
)


def _timed(con: duckdb.DuckDBPyConnection, *statements: str) -> float:
    started = time.perf_counter()
    for statement in statements:
        con.execute(statement).fetchall()
    return time.perf_counter() - started


def measure(con: duckdb.DuckDBPyConnection, rows: int, key_type: str) -> dict[str, float]:
    select = (
        f"select {KEYS[key_type]} as id, 'x' || i as a, now()::timestamp as b "
        f"from range({rows}) r(i)"
    )
    con.execute(f"create or replace table t (id {key_type}, a varchar, b timestamp)")
    insert = _timed(con, f"insert into t {select}")
    test = _timed(con, UNIQUE_TEST)
    added = _timed(con, "alter table t add primary key (id)")
    con.execute(f"create or replace table t (id {key_type} primary key, a varchar, b timestamp)")
    with_key = _timed(con, f"insert into t {select}")
    con.execute("drop table t")
    return {
        "insert": insert,
        "unique test": test,
        "insert with key": with_key,
        "key added after": added,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 300_000, 1_000_000])
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        con = duckdb.connect(str(Path(folder) / "keys.duckdb"), config={"threads": args.threads})
        print("| rows | key | insert | unique test | insert with key | key added after |")
        print("|---|---|---|---|---|---|")
        for rows in args.rows:
            for key_type in KEYS:
                t = measure(con, rows, key_type)
                print(
                    f"| {rows:,} | {key_type} | {t['insert']:.2f} s | {t['unique test']:.2f} s "
                    f"| {t['insert with key']:.2f} s | {t['key added after']:.2f} s |"
                )
        con.close()


if __name__ == "__main__":
    main()
