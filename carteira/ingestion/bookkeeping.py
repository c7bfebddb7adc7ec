"""Manifest and quarantine bookkeeping: what was loaded, what was set aside, and why.

Every insert names its columns from ``raw_tables``' one definition.  The functions here
run inside the caller's transaction (the loader commits a file's rows, its quarantine
rows and its manifest row together), except ``quarantine_whole`` which is a transaction
of its own.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb

from carteira.contract import Table
from carteira.ingestion.files import open_regular
from carteira.ingestion.formats import sql_literal
from carteira.ingestion.raw_tables import (
    MANIFEST_COLUMNS,
    QUARANTINE_COLUMNS,
    column_list,
    raw_schema,
)
from carteira.ingestion.results import FileOutcome, QuarantineEntry
from carteira.ingestion.staging import STAGE, record_json

# QuarantineEntry objects kept in memory per file; raw._quarantine always has all of them.
MAX_ENTRIES_PER_FILE = 1000


@dataclass(frozen=True)
class Delivery:
    """One landing file being ingested: where it is, what it is, and its content hash."""

    path: Path
    rel_name: str  # path relative to the landing root: the name the manifest knows
    table: Table
    digest: str  # sha256 hex of the bytes
    extract_date: date | None  # None for a file whose name does not follow the contract
    delivery_seq: int | None


@dataclass(frozen=True)
class LoadRun:
    """The ingestion run a file belongs to: its id and where originals are set aside."""

    load_id: str
    quarantine_dir: Path


@dataclass(frozen=True)
class ManifestRow:
    """One ``raw._manifest`` row: one field per ``MANIFEST_COLUMNS`` name (tested)."""

    file_name: str
    system: str
    table_name: str
    file_hash: str
    extract_date: date | None
    delivery_seq: int | None
    size_bytes: int
    rows_in_file: int | None
    rows_loaded: int
    rows_quarantined: int | None
    status: str  # loaded | partially_quarantined | quarantined
    load_id: str
    loaded_at: datetime


def utcnow() -> datetime:
    """Naive UTC now, as the raw layer's TIMESTAMP columns store it."""
    return datetime.now(UTC).replace(tzinfo=None)


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> Any:
    """First value of a one-row query, fully consumed (DuckDB 2 refuses new work on a
    connection whose previous result was not exhausted)."""
    rows = con.execute(sql, params or []).fetchall()
    return rows[0][0]


def already_loaded(con: duckdb.DuckDBPyConnection, delivery: Delivery) -> bool:
    """Whether this exact (name, content) is in the manifest: an identical re-delivery."""
    n = scalar(
        con,
        f"SELECT count(*) FROM {raw_schema(con)}._manifest WHERE file_name = ? AND file_hash = ?",
        [delivery.rel_name, delivery.digest],
    )
    return n > 0


def manifest_row(
    delivery: Delivery,
    run: LoadRun,
    *,
    status: str,
    rows_in_file: int | None,
    rows_loaded: int,
    rows_quarantined: int | None,
    now: datetime,
) -> ManifestRow:
    return ManifestRow(
        file_name=delivery.rel_name,
        system=delivery.table.system,
        table_name=delivery.table.name,
        file_hash=delivery.digest,
        extract_date=delivery.extract_date,
        delivery_seq=delivery.delivery_seq,
        size_bytes=delivery.path.stat().st_size,
        rows_in_file=rows_in_file,
        rows_loaded=rows_loaded,
        rows_quarantined=rows_quarantined,
        status=status,
        load_id=run.load_id,
        loaded_at=now,
    )


def insert_manifest(con: duckdb.DuckDBPyConnection, row: ManifestRow) -> None:
    """Insert by column name: each value is read from the field named like its column."""
    marks = ", ".join("?" for _ in MANIFEST_COLUMNS)
    con.execute(
        f"INSERT INTO {raw_schema(con)}._manifest ({column_list(MANIFEST_COLUMNS)}) "
        f"VALUES ({marks})",
        [getattr(row, name) for name, _ in MANIFEST_COLUMNS],
    )


def copy_to_quarantine(path: Path, rel: str, quarantine_dir: Path, load_id: str) -> None:
    """Keep the original bytes of a file any part of which was quarantined.

    Read through ``files.open_regular``: a link (or what is no longer a regular file) is
    never followed, so nothing from outside the landing zone is ever copied aside.
    """
    target = quarantine_dir / load_id / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    with open_regular(path) as src, target.open("wb") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)  # type: ignore[arg-type]
    shutil.copystat(path, target, follow_symlinks=False)


def finish_file(
    con: duckdb.DuckDBPyConnection, delivery: Delivery, run: LoadRun, row: ManifestRow
) -> None:
    """Record the file in the manifest and, if anything of it was quarantined, copy it."""
    insert_manifest(con, row)
    if row.status != "loaded":
        copy_to_quarantine(delivery.path, delivery.rel_name, run.quarantine_dir, run.load_id)


def check_accounted(files: list[str], rows: int, loaded: int, quarantined: int) -> None:
    """Raise unless every row read was either loaded or quarantined (inside the caller's
    transaction, which then writes nothing): a row that is neither would be lost with a
    manifest saying ``loaded``."""
    if loaded + quarantined != rows:
        raise RuntimeError(
            f"{', '.join(files)}: {rows} row(s) read but {loaded} loaded and {quarantined} "
            "quarantined; nothing of it was written"
        )


def quarantine_rows(
    con: duckdb.DuckDBPyConnection,
    delivery: Delivery,
    run: LoadRun,
    names: list[str],
    problems: list[tuple[str, str, str]],
    now: datetime,
) -> tuple[int, list[QuarantineEntry]]:
    """One ``raw._quarantine`` row per problem of the stage's bad rows.

    Returns the number of rows set aside and the first MAX_ENTRIES_PER_FILE problems.
    """
    if not problems:
        return 0, []
    structs = ", ".join(
        f"CASE WHEN {c} THEN {{'column_name': {sql_literal(n)}, 'reason': {r}}} END"
        for c, n, r in problems
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _carteira_bad AS "
        f"SELECT _rn, unnest(list_filter([{structs}], lambda p: p IS NOT NULL), "
        f"recursive := true), {record_json(names)} AS raw_record "
        f"FROM {STAGE} WHERE _bad"
    )
    table = delivery.table
    con.execute(
        f"INSERT INTO {raw_schema(con)}._quarantine ({column_list(QUARANTINE_COLUMNS)}) "
        "SELECT ?, ?, ?, ?, _rn, column_name, reason, raw_record, ?, ? "
        "FROM _carteira_bad ORDER BY _rn",
        [delivery.rel_name, delivery.digest, table.system, table.name, run.load_id, now],
    )
    rows_quarantined = scalar(con, "SELECT count(DISTINCT _rn) FROM _carteira_bad")
    entries = [
        QuarantineEntry(delivery.rel_name, rn, cn, reason)
        for rn, cn, reason in con.execute(
            "SELECT _rn, column_name, reason FROM _carteira_bad "
            f"ORDER BY _rn LIMIT {MAX_ENTRIES_PER_FILE}"
        ).fetchall()
    ]
    con.execute("DROP TABLE _carteira_bad")
    return rows_quarantined, entries


def record_whole(
    con: duckdb.DuckDBPyConnection,
    delivery: Delivery,
    run: LoadRun,
    *,
    reason: str,
    column: str | None,
    rows_in_file: int | None,
    now: datetime,
) -> FileOutcome:
    """Set a whole file aside inside the caller's transaction: quarantine + manifest row + copy."""
    table = delivery.table
    con.execute(
        f"INSERT INTO {raw_schema(con)}._quarantine ({column_list(QUARANTINE_COLUMNS)}) "
        "VALUES (?, ?, ?, ?, NULL, ?, ?, NULL, ?, ?)",
        [
            delivery.rel_name,
            delivery.digest,
            table.system,
            table.name,
            column,
            reason,
            run.load_id,
            now,
        ],
    )
    row = manifest_row(
        delivery,
        run,
        status="quarantined",
        rows_in_file=rows_in_file,
        rows_loaded=0,
        rows_quarantined=rows_in_file,
        now=now,
    )
    finish_file(con, delivery, run, row)
    return FileOutcome(
        "quarantined",
        rows_in_file=rows_in_file or 0,
        entries=[QuarantineEntry(delivery.rel_name, None, column, reason)],
    )


def quarantine_whole(
    con: duckdb.DuckDBPyConnection,
    delivery: Delivery,
    run: LoadRun,
    *,
    reason: str,
    column: str | None,
    rows_in_file: int | None,
) -> FileOutcome:
    """Set a whole file aside: quarantine row + manifest row + copy, atomically."""
    con.begin()
    try:
        out = record_whole(
            con,
            delivery,
            run,
            reason=reason,
            column=column,
            rows_in_file=rows_in_file,
            now=utcnow(),
        )
        con.commit()
    except BaseException:
        con.rollback()
        raise
    return out


def loaded_hashes(con: duckdb.DuckDBPyConnection, table: Table) -> set[tuple[str, str]]:
    """Every (file name, sha256) of ``table`` in the manifest, for one lookup per table."""
    return manifest_hashes(con, [table])[table.fqn]


def manifest_hashes(
    con: duckdb.DuckDBPyConnection, tables: Iterable[Table]
) -> dict[str, set[tuple[str, str]]]:
    """Every (file name, sha256) in the manifest, per table fqn, in one query for a run.

    A table's entries change only while that table loads, and a run loads its tables one
    after another under the refresh lock, so what this reads at the start of a run is
    what each table would read when its turn comes.
    """
    by_key = {(t.system, t.name): t.fqn for t in tables}
    found: dict[str, set[tuple[str, str]]] = {fqn: set() for fqn in by_key.values()}
    rows = con.execute(
        f"SELECT system, table_name, file_name, file_hash FROM {raw_schema(con)}._manifest"
    ).fetchall()
    for system, table_name, name, digest in rows:
        fqn = by_key.get((system, table_name))
        if fqn is not None:
            found[fqn].add((name, digest))
    return found


def by_file(values: list[str]) -> str:
    """SQL picking, per stage row, the value of its file: ``[v1, v2, ...][_f]``."""
    return "[" + ", ".join(values) + "][_f]"


def quarantine_batch_rows(
    con: duckdb.DuckDBPyConnection,
    stage: str,
    deliveries: list[Delivery],
    run: LoadRun,
    names: list[str],
    problems: list[tuple[str, str, str]],
    now: datetime,
) -> dict[int, tuple[int, list[QuarantineEntry]]]:
    """``quarantine_rows`` for a stage of several files (``_f`` = position in deliveries).

    Returns, per file position with bad rows, the number of rows set aside and its first
    MAX_ENTRIES_PER_FILE problems (by row, then in the order of ``problems``).
    """
    if not problems:
        return {}
    structs = ", ".join(
        f"CASE WHEN {c} THEN {{'_p': {i}, 'column_name': {sql_literal(n)}, 'reason': {r}}} END"
        for i, (c, n, r) in enumerate(problems)
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _carteira_bad AS "
        f"SELECT _f, _rn, unnest(list_filter([{structs}], lambda p: p IS NOT NULL), "
        f"recursive := true), {record_json(names)} AS raw_record "
        f"FROM {stage} WHERE _bad"
    )
    table = deliveries[0].table
    files = by_file([sql_literal(d.rel_name) for d in deliveries])
    hashes = by_file([sql_literal(d.digest) for d in deliveries])
    con.execute(
        f"INSERT INTO {raw_schema(con)}._quarantine ({column_list(QUARANTINE_COLUMNS)}) "
        f"SELECT {files}, {hashes}, ?, ?, _rn, column_name, reason, raw_record, ?, ? "
        "FROM _carteira_bad ORDER BY _f, _rn, _p",
        [table.system, table.name, run.load_id, now],
    )
    counts = dict(
        con.execute("SELECT _f, count(DISTINCT _rn) FROM _carteira_bad GROUP BY _f").fetchall()
    )
    entries: dict[int, list[QuarantineEntry]] = {f: [] for f in counts}
    for f, rn, cn, reason in con.execute(
        "SELECT _f, _rn, column_name, reason FROM (SELECT *, row_number() OVER "
        "(PARTITION BY _f ORDER BY _rn, _p) AS _k FROM _carteira_bad) "
        f"WHERE _k <= {MAX_ENTRIES_PER_FILE} ORDER BY _f, _rn, _p"
    ).fetchall():
        entries[f].append(QuarantineEntry(deliveries[f - 1].rel_name, rn, cn, reason))
    con.execute("DROP TABLE _carteira_bad")
    return {f: (counts[f], entries[f]) for f in counts}
