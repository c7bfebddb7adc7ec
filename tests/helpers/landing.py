"""A landing zone written byte for byte, ingested, and the raw layer's bookkeeping read back.

For the ingestion attack tests: each writes the exact bytes of a delivery, ingests only
the tables it names, and asserts on the manifest, the quarantine and the raw rows.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from carteira.contract import TABLES_BY_FQN
from carteira.ingestion import IngestResult, ingest_all

MEMBERS_HEADER = (
    b"member_id,full_name,document_number,email,phone,registration_type,joined_on,updated_at"
)


def member(i: int, name: bytes) -> bytes:
    """One valid studio/members record (under ``MEMBERS_HEADER``) with this full name."""
    return b"%d,%s,,,,member,2026-01-10,2026-11-20 08:00" % (i, name)


def write(landing: Path, rel: str, data: bytes) -> Path:
    path = landing / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def ingest(tmp_path: Path, landing: Path, *tables: str, **kw: object) -> IngestResult:
    """Ingest ``tables`` (by fqn) into ``tmp_path/wh/raw.duckdb``."""
    return ingest_all(
        tmp_path / "wh" / "raw.duckdb",
        landing,
        tables=[TABLES_BY_FQN[t] for t in tables],
        quarantine_dir=tmp_path / "wh" / "quarantine",
        **kw,  # type: ignore[arg-type]
    )


def q(tmp_path: Path, sql: str, params: list | None = None) -> list[tuple]:
    """A query on the raw layer ``ingest`` wrote, read-only.

    Attached under another name, as dbt does: a file named raw.duckdb makes ``raw.x``
    ambiguous (catalog raw vs schema raw) on a direct connection.
    """
    con = duckdb.connect()
    con.execute(f"ATTACH '{tmp_path / 'wh' / 'raw.duckdb'}' AS raw_db (READ_ONLY)")
    con.execute("USE raw_db")
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def quarantine(tmp_path: Path) -> list[tuple]:
    """(file, row, column, reason) of every quarantine row, whole-file rows first."""
    return q(
        tmp_path,
        "SELECT file_name, row_number, column_name, reason FROM raw._quarantine "
        "ORDER BY file_name, row_number NULLS FIRST, column_name",
    )


def manifest(tmp_path: Path) -> list[tuple]:
    """(file, status, rows in file, loaded, quarantined) of every manifest row."""
    return q(
        tmp_path,
        "SELECT file_name, status, rows_in_file, rows_loaded, rows_quarantined "
        "FROM raw._manifest ORDER BY file_name",
    )
