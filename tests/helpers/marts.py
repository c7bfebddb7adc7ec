"""Compare two published warehouses mart by mart, and check raw history for duplicates."""

from __future__ import annotations

from pathlib import Path

import duckdb

from carteira.contract import TABLES


def mart_tables(con: duckdb.DuckDBPyConnection, catalog: str) -> list[str]:
    """The tables of schema `marts` in attached database `catalog`, by name."""
    return [
        r[0]
        for r in con.execute(
            "select table_name from information_schema.tables "
            "where table_catalog = ? and table_schema = 'marts' order by 1",
            [catalog],
        ).fetchall()
    ]


def mart_differences(left: Path, right: Path) -> dict[str, tuple[int, int]]:
    """{mart: (rows only in left, rows only in right)} for every mart that differs.

    Multiset comparison on all columns; a mart present on one side only counts as a
    difference with -1 for the side that lacks it. Empty when the marts are equal.
    """
    con = duckdb.connect()
    try:
        con.execute(f"attach '{left}' as lhs (read_only)")
        con.execute(f"attach '{right}' as rhs (read_only)")
        lhs, rhs = set(mart_tables(con, "lhs")), set(mart_tables(con, "rhs"))
        differences = {t: (-1, 0) for t in rhs - lhs} | {t: (0, -1) for t in lhs - rhs}
        for table in sorted(lhs & rhs):
            only = [
                con.execute(
                    f"select count(*) from (select * from {a}.marts.{table} "
                    f"except all select * from {b}.marts.{table})"
                ).fetchone()[0]
                for a, b in (("lhs", "rhs"), ("rhs", "lhs"))
            ]
            if any(only):
                differences[table] = (only[0], only[1])
        assert lhs, f"{left} has no marts"
        return differences
    finally:
        con.close()


def raw_duplicates(raw_path: Path) -> dict[str, int]:
    """{raw table or _manifest: duplicated keys}; a file row must be in raw history once."""
    con = duckdb.connect(str(raw_path), read_only=True)
    try:
        catalog = con.execute("select current_database()").fetchone()[0]
        found = {}
        for table in TABLES:
            (dups,) = con.execute(
                f'select count(*) from (select 1 from "{catalog}".raw.{table.fqn} '
                "group by _file_name, _file_hash, _row_number having count(*) > 1)"
            ).fetchone()
            if dups:
                found[table.fqn] = dups
        (dups,) = con.execute(
            f'select count(*) from (select 1 from "{catalog}".raw._manifest '
            "group by file_name, file_hash having count(*) > 1)"
        ).fetchone()
        if dups:
            found["_manifest"] = dups
        return found
    finally:
        con.close()
