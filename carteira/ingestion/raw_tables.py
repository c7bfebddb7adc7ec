"""The raw layer's tables: one definition of the manifest, quarantine and lineage columns.

The DDL and every insert are built from these tuples by column name, so adding or
reordering a column is one edit here, not a hunt for positional ``VALUES (?, ?, ...)``.
"""

from __future__ import annotations

import duckdb

from carteira.contract import DUCKDB_TYPES, TABLES, Table
from carteira.ingestion.formats import sql_ident

# (name, DuckDB type with constraints), in table order: docs/architecture.md (raw layer)
MANIFEST_COLUMNS: tuple[tuple[str, str], ...] = (
    ("file_name", "VARCHAR NOT NULL"),
    ("system", "VARCHAR NOT NULL"),
    ("table_name", "VARCHAR NOT NULL"),
    ("file_hash", "VARCHAR NOT NULL"),
    ("extract_date", "DATE"),
    ("delivery_seq", "INTEGER"),
    ("size_bytes", "BIGINT"),
    ("rows_in_file", "BIGINT"),
    ("rows_loaded", "BIGINT"),
    ("rows_quarantined", "BIGINT"),
    ("status", "VARCHAR NOT NULL"),
    ("load_id", "VARCHAR NOT NULL"),
    ("loaded_at", "TIMESTAMP NOT NULL"),
)

QUARANTINE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("file_name", "VARCHAR NOT NULL"),
    ("file_hash", "VARCHAR NOT NULL"),
    ("system", "VARCHAR NOT NULL"),
    ("table_name", "VARCHAR NOT NULL"),
    ("row_number", "BIGINT"),
    ("column_name", "VARCHAR"),
    ("reason", "VARCHAR NOT NULL"),
    ("raw_record", "JSON"),
    ("load_id", "VARCHAR NOT NULL"),
    ("quarantined_at", "TIMESTAMP NOT NULL"),
)

# lineage columns appended to every raw table, after the contract's columns
LINEAGE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("_extras", "JSON"),
    ("_file_name", "VARCHAR"),
    ("_file_hash", "VARCHAR"),
    ("_extract_date", "DATE"),
    ("_delivery_seq", "INTEGER"),
    ("_row_number", "BIGINT"),
    ("_loaded_at", "TIMESTAMP"),
    ("_load_id", "VARCHAR"),
)


def raw_schema(con: duckdb.DuckDBPyConnection) -> str:
    """``"<catalog>".raw`` of the connection's current database.

    Always catalog-qualified: the raw file is ``raw.duckdb``, so its catalog is also
    called ``raw`` and an unqualified ``raw.x`` would be ambiguous.
    """
    (row,) = con.execute("SELECT current_database()").fetchall()
    return f"{sql_ident(row[0])}.raw"


def raw_table_name(table: Table, con: duckdb.DuckDBPyConnection | None = None) -> str:
    """``raw.<system>__<table>``, catalog-qualified when ``con`` is given."""
    return f"{raw_schema(con) if con is not None else 'raw'}.{table.fqn}"


def column_list(columns: tuple[tuple[str, str], ...]) -> str:
    """``a, b, c``: the names of a column definition, for an INSERT's target list."""
    return ", ".join(sql_ident(n) for n, _ in columns)


def _create_sql(name: str, columns: tuple[tuple[str, str], ...]) -> str:
    body = ", ".join(f"{sql_ident(n)} {t}" for n, t in columns)
    return f"CREATE TABLE IF NOT EXISTS {name} ({body})"


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create schema ``raw``, the 31 raw tables, ``_manifest`` and ``_quarantine``.

    Idempotent.  A contract column added after a table was created is added to it
    (ALTER TABLE ADD COLUMN, NULL for history): raw is append-only and never rebuilt.
    """
    raw = raw_schema(con)
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {raw}")
    con.execute(_create_sql(f"{raw}._manifest", MANIFEST_COLUMNS))
    con.execute(_create_sql(f"{raw}._quarantine", QUARANTINE_COLUMNS))
    existing: dict[str, set[str]] = {}
    for tname, cname in con.execute(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = 'raw' AND table_catalog = current_database()"
    ).fetchall():
        existing.setdefault(tname, set()).add(cname)
    for table in TABLES:
        cols = [(c.name, DUCKDB_TYPES[c.type]) for c in table.columns] + list(LINEAGE_COLUMNS)
        if table.fqn not in existing:
            body = ", ".join(f"{sql_ident(n)} {t}" for n, t in cols)
            con.execute(f"CREATE TABLE {raw_table_name(table, con)} ({body})")
        else:
            for n, t in cols:
                if n not in existing[table.fqn]:
                    con.execute(
                        f"ALTER TABLE {raw_table_name(table, con)} ADD COLUMN {sql_ident(n)} {t}"
                    )
