"""Landing zone -> raw layer: parse with DuckDB's readers, convert in SQL, quarantine, log.

Per file:

1. hash it; a (name, sha256) already in ``raw._manifest`` is skipped (identical
   re-delivery), a known name with a new hash is a correction and loads again;
2. read it once with DuckDB (``read_csv`` with explicit dialect and no sniffing, or
   ``read_json`` for JSON Lines) with every column as VARCHAR plus a record ordinal
   into a temporary stage table;
3. in one transaction: insert the rows whose values all convert (typed by SQL
   conversions, unknown columns into ``_extras``), one ``raw._quarantine`` row per
   problem of the others, and the manifest row.

A file that cannot be parsed, or lacks a required column, is quarantined whole and
nothing of it loads.  Its original bytes are copied to
``<quarantine_dir>/<load_id>/<file_name>`` whenever anything of it is quarantined.
"""

from __future__ import annotations

import csv
import shutil
import time
import traceback
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from carteira.contract import DUCKDB_TYPES, TABLES, Column, Table
from carteira.ingestion.files import (
    BadlyNamedFile,
    LandingFile,
    latin1_problem,
    scan_table_dir,
    sha256_file,
    table_dir,
)
from carteira.ingestion.formats import expected_format, sql_convert, sql_ident, sql_literal
from carteira.ingestion.validation import ExtractValidation, validate_extract

Progress = Callable[[str], None]

# QuarantineEntry objects kept in memory per file; raw._quarantine always has all of them.
MAX_ENTRIES_PER_FILE = 1000

_STAGE = "_carteira_stage"
# Files up to this many rows are validated whole by great-expectations (see
# _validation_rows_sql for larger ones).
VALIDATION_FULL_ROWS = 50_000

MANIFEST_DDL = """
CREATE TABLE IF NOT EXISTS {raw}._manifest (
    file_name VARCHAR NOT NULL,
    system VARCHAR NOT NULL,
    table_name VARCHAR NOT NULL,
    file_hash VARCHAR NOT NULL,
    extract_date DATE,
    delivery_seq INTEGER,
    size_bytes BIGINT,
    rows_in_file BIGINT,
    rows_loaded BIGINT,
    rows_quarantined BIGINT,
    status VARCHAR NOT NULL,
    load_id VARCHAR NOT NULL,
    loaded_at TIMESTAMP NOT NULL
)"""

QUARANTINE_DDL = """
CREATE TABLE IF NOT EXISTS {raw}._quarantine (
    file_name VARCHAR NOT NULL,
    file_hash VARCHAR NOT NULL,
    system VARCHAR NOT NULL,
    table_name VARCHAR NOT NULL,
    row_number BIGINT,
    column_name VARCHAR,
    reason VARCHAR NOT NULL,
    raw_record JSON,
    load_id VARCHAR NOT NULL,
    quarantined_at TIMESTAMP NOT NULL
)"""

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


# ----------------------------------------------------------------------------- results
@dataclass(frozen=True)
class QuarantineEntry:
    """One problem set aside: row_number/column_name are None for whole-file problems."""

    file_name: str
    row_number: int | None
    column_name: str | None
    reason: str

    def describe(self) -> str:
        where = self.file_name
        if self.row_number is not None:
            where += f" row {self.row_number}"
        if self.column_name is not None:
            where += f" column {self.column_name}"
        return f"{where}: {self.reason}"


@dataclass
class TableIngestResult:
    """What one table's ingestion did in this run."""

    table: str  # fqn, e.g. "erp__receivables"
    files_seen: int = 0
    files_loaded: int = 0  # committed (fully or partially loaded, or quarantined whole)
    files_skipped: int = 0  # (name, hash) already in the manifest
    files_quarantined: int = 0  # quarantined whole (unparseable, missing column, bad name)
    rows_loaded: int = 0
    rows_quarantined: int = 0  # rows set aside from files that otherwise loaded
    quarantine: list[QuarantineEntry] = field(default_factory=list)
    validations: list[ExtractValidation] = field(default_factory=list)
    error: str | None = None  # unexpected exception that stopped this table
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None and self.rows_quarantined == 0 and self.files_quarantined == 0


@dataclass
class IngestResult:
    """Aggregate of a run over many tables."""

    load_id: str
    tables: list[TableIngestResult] = field(default_factory=list)

    @property
    def by_table(self) -> dict[str, TableIngestResult]:
        return {t.table: t for t in self.tables}

    @property
    def rows_loaded(self) -> int:
        return sum(t.rows_loaded for t in self.tables)

    @property
    def quarantined(self) -> int:
        """Quarantined rows plus files quarantined whole."""
        return sum(t.rows_quarantined + t.files_quarantined for t in self.tables)

    @property
    def errors(self) -> dict[str, str]:
        return {t.table: t.error for t in self.tables if t.error is not None}

    @property
    def ok(self) -> bool:
        """No table failed and nothing was quarantined."""
        return not self.errors and self.quarantined == 0

    def summary_lines(self, max_problems: int = 10) -> list[str]:
        """Short human summary: totals, failed tables, then the first problems."""
        files = sum(t.files_loaded for t in self.tables)
        skipped = sum(t.files_skipped for t in self.tables)
        lines = [
            f"load {self.load_id}: {files} files loaded, {skipped} already loaded, "
            f"{self.rows_loaded} rows loaded, {self.quarantined} quarantined "
            f"({len(self.tables)} tables)"
        ]
        for name, err in self.errors.items():
            lines.append(f"ERROR {name}: {err.splitlines()[0] if err else err}")
        problems = [q for t in self.tables for q in t.quarantine]
        for q in problems[:max_problems]:
            lines.append(f"quarantined {q.describe()}")
        if len(problems) > max_problems:
            lines.append(
                f"... and {len(problems) - max_problems} more problems (see raw._quarantine)"
            )
        return lines


# ----------------------------------------------------------------------------- schema
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


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create schema ``raw``, the 31 raw tables, ``_manifest`` and ``_quarantine``.

    Idempotent.  A contract column added after a table was created is added to it
    (ALTER TABLE ADD COLUMN, NULL for history): raw is append-only and never rebuilt.
    """
    raw = raw_schema(con)
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {raw}")
    con.execute(MANIFEST_DDL.format(raw=raw))
    con.execute(QUARANTINE_DDL.format(raw=raw))
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


# ----------------------------------------------------------------------------- reading
class UnparseableFile(Exception):
    """The file cannot be read as its system's format (quarantined whole)."""


_PARSE_ERRORS = (
    duckdb.InvalidInputException,
    duckdb.ConversionException,
    UnicodeDecodeError,
    csv.Error,
)


def _duckdb_encoding(encoding: str) -> str:
    return {"latin-1": "latin-1", "iso-8859-1": "latin-1", "utf-8": "utf-8"}[encoding.lower()]


def _csv_header(path: Path, table: Table) -> list[str]:
    """The header record, parsed with the system's dialect (may contain quotes)."""
    fmt = table.format
    encoding = "utf-8-sig" if fmt.encoding.lower() == "utf-8" else fmt.encoding
    with path.open("r", encoding=encoding, newline="") as fh:
        reader = csv.reader(
            fh, delimiter=fmt.delimiter or ",", quotechar='"', doublequote=True, strict=True
        )
        try:
            header = next(reader)
        except StopIteration:
            raise UnparseableFile("empty file: no header row") from None
    if not header or header == [""]:
        raise UnparseableFile("empty header row")
    return header


def _json_keys(con: duckdb.DuckDBPyConnection, path: Path) -> list[str]:
    """Every key used by any record of a JSON Lines file (also checks it is JSON)."""
    rows = con.execute(
        "SELECT k, min(rn) AS first FROM (SELECT row_number() OVER () AS rn, "
        "unnest(json_keys(json)) AS k FROM read_json_objects(?, format='newline_delimited')) "
        "GROUP BY k ORDER BY first, k",
        [str(path)],
    ).fetchall()
    return [r[0] for r in rows]


def _typed(col: Column) -> bool:
    """Whether the column needs a conversion (free text is stored as delivered)."""
    return col.type != "str"


def _stage_file(con: duckdb.DuckDBPyConnection, path: Path, table: Table) -> list[str]:
    """Read and convert the file in one pass into temp table ``_carteira_stage``.

    Stage columns: ``_rn`` (1-based record ordinal), ``c<i>`` (file column ``i`` as
    text), ``t<i>`` (file column ``i`` converted to its contract type, for typed contract
    columns) and ``_bad`` (the row has a problem and must be quarantined).  Converting
    while reading means every value is parsed and converted exactly once; loading and
    quarantining then only select from the stage.  Positional names keep odd or
    case-colliding headers out of SQL identifiers.  Returns the file's column names.
    """
    fmt = table.format
    if fmt.extension == "jsonl":
        names = _json_keys(con, path)
        if not names:  # an empty delta (no records): nothing to read
            con.execute(f"CREATE OR REPLACE TEMP TABLE {_STAGE} (_rn BIGINT, _bad BOOLEAN)")
            return []
        spec = "{" + ", ".join(f"{sql_literal(n)}: 'VARCHAR'" for n in names) + "}"
        source = (
            f"read_json({sql_literal(str(path))}, format='newline_delimited', "
            f"records=true, columns={spec})"
        )
        src_cols = ", ".join(f"{sql_ident(n)} AS c{i}" for i, n in enumerate(names))
    else:
        if fmt.encoding.lower() in ("latin-1", "iso-8859-1") and (bad := latin1_problem(path)):
            raise UnparseableFile(bad)
        names = _csv_header(path, table)
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise UnparseableFile(f"duplicate column(s) in header: {', '.join(dup)}")
        spec = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(names))) + "}"
        source = (
            f"read_csv({sql_literal(str(path))}, auto_detect=false, header=true, "
            f"delim={sql_literal(fmt.delimiter or ',')}, quote='\"', escape='\"', "
            f"encoding={sql_literal(_duckdb_encoding(fmt.encoding))}, strict_mode=true, "
            f"null_padding=false, ignore_errors=false, columns={spec})"
        )
        src_cols = ", ".join(f"c{i}" for i in range(len(names)))
    pos = {n: i for i, n in enumerate(names)}
    texts = ", ".join(f"c{i}" for i in range(len(names)))
    conversions = "".join(
        f", {sql_convert(fmt, col, f'c{pos[col.name]}')} AS t{pos[col.name]}"
        for col in table.columns
        if col.name in pos and _typed(col)
    )
    bad = " OR ".join(c for c, _, _ in _problem_exprs(table, pos)) or "false"
    # row_number() OVER () numbers records in file order only while DuckDB preserves
    # insertion order (the default); make sure a caller's connection did not turn it off
    con.execute("SET preserve_insertion_order = true")
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {_STAGE} AS SELECT *, ({bad}) AS _bad FROM ("
        f"SELECT _rn, {texts}{conversions} FROM ("
        f"SELECT row_number() OVER () AS _rn, {src_cols} FROM {source}))"
    )
    return names


# ----------------------------------------------------------------------------- SQL building
def _problem_exprs(table: Table, pos: dict[str, int]) -> list[tuple[str, str, str]]:
    """(condition, column name, reason SQL) triples over stage columns ``c<i>``/``t<i>``.

    A row is quarantined if any condition holds.  Only columns present in the file are
    checked; free text (``str``) always converts.
    """
    fmt = table.format
    out: list[tuple[str, str, str]] = []
    pk = table.primary_key
    if pk in pos:
        v = f"c{pos[pk]}"
        out.append((f"({v} IS NULL OR trim({v}) = '')", pk, "'empty primary key'"))
    for col in table.columns:
        if col.name not in pos or not _typed(col):
            continue
        i = pos[col.name]
        cond = f"(c{i} IS NOT NULL AND t{i} IS NULL)"
        if col.name == pk:  # an empty key is reported once, as an empty key
            cond = f"(trim(c{i}) <> '' AND {cond})"
        reason = (
            f"'cannot convert ' || to_json(left(c{i}, 80))::VARCHAR || "
            f"{sql_literal(f' to {col.type}: expected {expected_format(fmt, col)}')}"
        )
        out.append((cond, col.name, reason))
    return out


def _record_json(names: list[str]) -> str:
    """JSON object of the row's file values as text (for raw_record)."""
    if not names:
        return "NULL"
    return "json_object(" + ", ".join(f"{sql_literal(n)}, c{i}" for i, n in enumerate(names)) + ")"


def _contract_select(table: Table, pos: dict[str, int]) -> list[str]:
    exprs = []
    for col in table.columns:
        if col.name not in pos:
            exprs.append(f"CAST(NULL AS {DUCKDB_TYPES[col.type]})")
        elif _typed(col):
            exprs.append(f"t{pos[col.name]}")
        else:
            exprs.append(f"c{pos[col.name]}")
    return exprs


# ----------------------------------------------------------------------------- one file
@dataclass
class _FileOutcome:
    status: str  # loaded | partially_quarantined | quarantined | skipped
    rows_in_file: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    entries: list[QuarantineEntry] = field(default_factory=list)
    validation: ExtractValidation | None = None


def _scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> Any:
    """First value of a one-row query, fully consumed (DuckDB 2 refuses new work on a
    connection whose previous result was not exhausted)."""
    rows = con.execute(sql, params or []).fetchall()
    return rows[0][0]


def _already_loaded(con: duckdb.DuckDBPyConnection, rel: str, digest: str) -> bool:
    return (
        _scalar(
            con,
            f"SELECT count(*) FROM {raw_schema(con)}._manifest "
            "WHERE file_name = ? AND file_hash = ?",
            [rel, digest],
        )
        > 0
    )


def _copy_to_quarantine(path: Path, rel: str, quarantine_dir: Path, load_id: str) -> None:
    target = quarantine_dir / load_id / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(path, target)


def _insert_manifest(
    con: duckdb.DuckDBPyConnection,
    *,
    rel: str,
    table: Table,
    digest: str,
    extract_date: date | None,
    seq: int | None,
    size: int,
    rows_in_file: int | None,
    rows_loaded: int,
    rows_quarantined: int | None,
    status: str,
    load_id: str,
    now: datetime,
) -> None:
    con.execute(
        f"INSERT INTO {raw_schema(con)}._manifest VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            rel,
            table.system,
            table.name,
            digest,
            extract_date,
            seq,
            size,
            rows_in_file,
            rows_loaded,
            rows_quarantined,
            status,
            load_id,
            now,
        ],
    )


def _quarantine_whole(
    con: duckdb.DuckDBPyConnection,
    *,
    path: Path,
    rel: str,
    table: Table,
    digest: str,
    extract_date: date | None,
    seq: int | None,
    reason: str,
    column: str | None,
    rows_in_file: int | None,
    quarantine_dir: Path,
    load_id: str,
) -> _FileOutcome:
    """Set a whole file aside: quarantine row + manifest row + copy, atomically."""
    now = _utcnow()
    con.begin()
    try:
        con.execute(
            f"INSERT INTO {raw_schema(con)}._quarantine "
            "VALUES (?, ?, ?, ?, NULL, ?, ?, NULL, ?, ?)",
            [rel, digest, table.system, table.name, column, reason, load_id, now],
        )
        _insert_manifest(
            con,
            rel=rel,
            table=table,
            digest=digest,
            extract_date=extract_date,
            seq=seq,
            size=path.stat().st_size,
            rows_in_file=rows_in_file,
            rows_loaded=0,
            rows_quarantined=rows_in_file,
            status="quarantined",
            load_id=load_id,
            now=now,
        )
        _copy_to_quarantine(path, rel, quarantine_dir, load_id)
        con.commit()
    except BaseException:
        con.rollback()
        raise
    return _FileOutcome(
        "quarantined",
        rows_in_file=rows_in_file or 0,
        entries=[QuarantineEntry(rel, None, column, reason)],
    )


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


# each line of a reader's error message is cut to this many characters, so a huge
# "Original Line: ..." echo cannot push the cause that follows it out of the reason
_REASON_LINE_CHARS = 200


def _parse_error_text(exc: BaseException) -> str:
    """A reader's error as one line: every line of it shortened, the cause kept.

    DuckDB's CSV errors echo the offending line (up to megabytes), then say what is wrong
    ("Maximum line size ... exceeded"), then dump the reader options; the options go, the
    echo is shortened, the cause stays.
    """
    parts = []
    for line in str(exc).splitlines():
        line = " ".join(line.split())
        if line.startswith("file = "):  # the reader-options dump: no cause beyond this
            break
        if len(line) > _REASON_LINE_CHARS:
            line = line[: _REASON_LINE_CHARS - 3] + "..."
        if line:
            parts.append(line)
    return " ".join(parts) or type(exc).__name__


def _ingest_file(
    con: duckdb.DuckDBPyConnection,
    lf: LandingFile,
    table: Table,
    *,
    quarantine_dir: Path,
    load_id: str,
    validate: bool,
) -> _FileOutcome:
    digest = sha256_file(lf.path)
    if _already_loaded(con, lf.rel_name, digest):
        return _FileOutcome("skipped")
    whole = {
        "path": lf.path,
        "rel": lf.rel_name,
        "table": table,
        "digest": digest,
        "extract_date": lf.extract_date,
        "seq": lf.delivery_seq,
        "quarantine_dir": quarantine_dir,
        "load_id": load_id,
    }
    try:
        names = _stage_file(con, lf.path, table)
    except (UnparseableFile, *_PARSE_ERRORS) as exc:
        reason = f"file cannot be parsed: {_parse_error_text(exc)}"
        out = _quarantine_whole(con, **whole, reason=reason, column=None, rows_in_file=None)
        out.validation = ExtractValidation.file_level_failure(
            lf.rel_name, "file_is_parseable", reason
        )
        return out
    try:
        return _load_staged(con, lf, table, names, digest, whole, validate=validate)
    finally:
        con.execute(f"DROP TABLE IF EXISTS {_STAGE}")


def _validation_rows_sql(table: Table, pos: dict[str, int], rows_in_file: int) -> str:
    """Rows of the staged file that great-expectations sees.

    GX evaluates its regexes row by row in Python (about 15 ms per expectation plus
    seconds per million values), which would dwarf DuckDB's own read on multi-million-row
    extracts. Files up to VALIDATION_FULL_ROWS are validated whole. Larger ones are
    validated on a failure-preserving sample: every row the SQL pass flagged as bad,
    every row whose key repeats within the file, plus an evenly spaced sample of the
    rest. Because the loader's conversion rules and GX's regexes are the same patterns
    (formats.value_pattern), any expectation the whole file would fail, the sample fails
    too; only the unexpected counts are then those of the sample (rows_validated says so).
    """
    if rows_in_file <= VALIDATION_FULL_ROWS:
        return f"SELECT * FROM {_STAGE}"
    step = -(-rows_in_file // VALIDATION_FULL_ROWS)  # ceil
    key = pos.get(table.primary_key)
    dups = f"count(*) OVER (PARTITION BY c{key}) > 1" if key is not None else "false"
    return (
        f"SELECT * FROM (SELECT *, {dups} AS _dup FROM {_STAGE}) "
        f"WHERE _bad OR _dup OR _rn % {step} = 0"
    )


def _load_staged(
    con: duckdb.DuckDBPyConnection,
    lf: LandingFile,
    table: Table,
    names: list[str],
    digest: str,
    whole: dict[str, Any],
    *,
    validate: bool,
) -> _FileOutcome:
    rows_in_file: int = _scalar(con, f"SELECT count(*) FROM {_STAGE}")
    pos = {n: i for i, n in enumerate(names)}
    known = set(table.column_names)

    missing = [c.name for c in table.columns if not c.nullable and c.name not in pos]
    validation: ExtractValidation | None = None
    if validate and rows_in_file == 0 and (not missing or not names):
        # an empty delta holds every column expectation vacuously; GX would spend
        # ~0.1 s per file to say so, and most daily deltas of small tables are empty
        validation = ExtractValidation(lf.rel_name, True, [])
    elif validate:
        if names:
            cols = ", ".join(f"c{i} AS {sql_ident(n)}" for i, n in enumerate(names) if n in known)
            rows_sql = _validation_rows_sql(table, pos, rows_in_file)
            df = con.sql(f"SELECT {cols or 'NULL AS _empty'} FROM ({rows_sql}) ORDER BY _rn").df()
            if not cols:
                df = df.drop(columns=["_empty"])
        else:  # empty JSON Lines delta: no keys, no rows, nothing missing
            df = pd.DataFrame({c: pd.Series([], dtype=object) for c in table.column_names})
        validation = validate_extract(df, table, lf.rel_name)
        validation.rows_in_file, validation.rows_validated = rows_in_file, len(df)

    # an empty JSON Lines delta has no keys at all; it is a valid empty file
    if missing and not (table.format.extension == "jsonl" and rows_in_file == 0):
        reason = f"missing required column(s): {', '.join(missing)}"
        out = _quarantine_whole(
            con,
            **whole,
            reason=reason,
            column=missing[0] if len(missing) == 1 else None,
            rows_in_file=rows_in_file,
        )
        out.validation = validation or ExtractValidation.file_level_failure(
            lf.rel_name, "expect_column_to_exist", reason
        )
        return out

    problems = _problem_exprs(table, pos)
    extras = [n for n in names if n not in known]
    extras_sql = (
        ("json_object(" + ", ".join(f"{sql_literal(n)}, c{pos[n]}" for n in extras) + ")")
        if extras
        else "CAST(NULL AS JSON)"
    )
    now = _utcnow()
    target_cols = (
        ", ".join(sql_ident(c) for c in table.column_names)
        + ", "
        + ", ".join(n for n, _ in LINEAGE_COLUMNS)
    )
    select_cols = ", ".join(_contract_select(table, pos))
    params = [lf.rel_name, digest, lf.extract_date, lf.delivery_seq, now, whole["load_id"]]

    con.begin()
    try:
        con.execute(
            f"INSERT INTO {raw_table_name(table, con)} ({target_cols}) "
            f"SELECT {select_cols}, {extras_sql}, ?, ?, ?, ?, _rn, ?, ? "
            f"FROM {_STAGE} WHERE NOT _bad",
            params,
        )
        rows_quarantined = 0
        entries: list[QuarantineEntry] = []
        if problems:
            structs = ", ".join(
                f"CASE WHEN {c} THEN {{'column_name': {sql_literal(n)}, 'reason': {r}}} END"
                for c, n, r in problems
            )
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE _carteira_bad AS "
                f"SELECT _rn, unnest(list_filter([{structs}], lambda p: p IS NOT NULL), "
                f"recursive := true), {_record_json(names)} AS raw_record "
                f"FROM {_STAGE} WHERE _bad"
            )
            con.execute(
                f"INSERT INTO {raw_schema(con)}._quarantine SELECT ?, ?, ?, ?, _rn, "
                "column_name, reason, raw_record, ?, ? FROM _carteira_bad ORDER BY _rn",
                [lf.rel_name, digest, table.system, table.name, whole["load_id"], now],
            )
            rows_quarantined = _scalar(con, "SELECT count(DISTINCT _rn) FROM _carteira_bad")
            entries = [
                QuarantineEntry(lf.rel_name, rn, cn, reason)
                for rn, cn, reason in con.execute(
                    "SELECT _rn, column_name, reason FROM _carteira_bad "
                    f"ORDER BY _rn LIMIT {MAX_ENTRIES_PER_FILE}"
                ).fetchall()
            ]
            con.execute("DROP TABLE _carteira_bad")
        rows_loaded = rows_in_file - rows_quarantined
        status = "partially_quarantined" if rows_quarantined else "loaded"
        _insert_manifest(
            con,
            rel=lf.rel_name,
            table=table,
            digest=digest,
            extract_date=lf.extract_date,
            seq=lf.delivery_seq,
            size=lf.path.stat().st_size,
            rows_in_file=rows_in_file,
            rows_loaded=rows_loaded,
            rows_quarantined=rows_quarantined,
            status=status,
            load_id=whole["load_id"],
            now=now,
        )
        if rows_quarantined:
            _copy_to_quarantine(lf.path, lf.rel_name, whole["quarantine_dir"], whole["load_id"])
        con.commit()
    except BaseException:
        con.rollback()
        raise
    return _FileOutcome(status, rows_in_file, rows_loaded, rows_quarantined, entries, validation)


def _ingest_badly_named(
    con: duckdb.DuckDBPyConnection,
    bf: BadlyNamedFile,
    table: Table,
    *,
    quarantine_dir: Path,
    load_id: str,
) -> _FileOutcome:
    digest = sha256_file(bf.path)
    if _already_loaded(con, bf.rel_name, digest):
        return _FileOutcome("skipped")
    out = _quarantine_whole(
        con,
        path=bf.path,
        rel=bf.rel_name,
        table=table,
        digest=digest,
        extract_date=None,
        seq=None,
        reason=bf.reason,
        column=None,
        rows_in_file=None,
        quarantine_dir=quarantine_dir,
        load_id=load_id,
    )
    out.validation = ExtractValidation.file_level_failure(
        bf.rel_name, "file_name_follows_contract", bf.reason
    )
    return out


# ----------------------------------------------------------------------------- public API
def ingest_table(
    con: duckdb.DuckDBPyConnection,
    landing: Path,
    table: Table,
    *,
    quarantine_dir: Path,
    load_id: str,
    as_of: date | None = None,
    validate: bool = True,
    progress: Progress | None = None,
) -> TableIngestResult:
    """Load every new delivery of ``table`` (dated <= ``as_of``) into ``raw.<fqn>``.

    Files are applied in (date, seq) order, each in its own transaction, so a failure
    never loses what earlier files loaded.  An unexpected error stops this table (its
    remaining files are retried by the next run) and is recorded in ``error``; badly
    named files are quarantined whole.  ``ensure_raw_schema`` must have run on ``con``.
    """
    started = time.perf_counter()
    landing = Path(landing)
    result = TableIngestResult(table.fqn)
    current = str(table_dir(landing, table))  # what the error names if one stops the table
    try:
        good, bad = scan_table_dir(landing, table)
        if as_of is not None:
            good = [f for f in good if f.extract_date <= as_of]
        result.files_seen = len(good) + len(bad)
        work: list[LandingFile | BadlyNamedFile] = [*bad, *good]
        for item in work:
            t0 = time.perf_counter()
            current = item.rel_name
            if isinstance(item, BadlyNamedFile):
                out = _ingest_badly_named(
                    con, item, table, quarantine_dir=quarantine_dir, load_id=load_id
                )
            else:
                out = _ingest_file(
                    con,
                    item,
                    table,
                    quarantine_dir=quarantine_dir,
                    load_id=load_id,
                    validate=validate,
                )
            _account(result, out)
            if progress is not None:
                progress(
                    f"{item.rel_name}: {out.status}, {out.rows_in_file} rows "
                    f"({out.rows_loaded} loaded, {out.rows_quarantined} quarantined) "
                    f"in {time.perf_counter() - t0:.2f}s"
                )
    except Exception as exc:  # one table's failure must not stop the others
        result.error = f"{current}: {type(exc).__name__}: {exc}\n{traceback.format_exc()}"
        if progress is not None:
            progress(f"{table.fqn}: FAILED on {current}: {type(exc).__name__}: {exc}")
    result.seconds = time.perf_counter() - started
    return result


def _account(result: TableIngestResult, out: _FileOutcome) -> None:
    if out.status == "skipped":
        result.files_skipped += 1
        return
    result.files_loaded += 1
    if out.status == "quarantined":
        result.files_quarantined += 1
    result.rows_loaded += out.rows_loaded
    result.rows_quarantined += out.rows_quarantined
    result.quarantine.extend(out.entries)
    if out.validation is not None:
        result.validations.append(out.validation)


def new_load_id() -> str:
    """Sortable, unique id of an ingestion run: UTC time + random suffix."""
    return _utcnow().strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]


def ingest_all(
    raw_path: Path,
    landing: Path,
    *,
    quarantine_dir: Path | None = None,
    as_of: date | None = None,
    tables: Iterable[Table] | None = None,
    progress: Progress | None = None,
    validate: bool = True,
    load_id: str | None = None,
) -> IngestResult:
    """Ingest every table (or ``tables``) from ``landing`` into the raw DuckDB file.

    ``quarantine_dir`` defaults to ``<raw_path's dir>/quarantine``.  Tables are processed
    one after another on one connection; a failing table is recorded and the run goes on.
    """
    raw_path = Path(raw_path)
    raw_path.parent.mkdir(parents=True, exist_ok=True)
    qdir = Path(quarantine_dir) if quarantine_dir is not None else raw_path.parent / "quarantine"
    load_id = load_id or new_load_id()
    result = IngestResult(load_id)
    con = duckdb.connect(str(raw_path))
    try:
        ensure_raw_schema(con)
        for table in list(tables) if tables is not None else list(TABLES):
            result.tables.append(
                ingest_table(
                    con,
                    Path(landing),
                    table,
                    quarantine_dir=qdir,
                    load_id=load_id,
                    as_of=as_of,
                    validate=validate,
                    progress=progress,
                )
            )
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return result


__all__ = [
    "IngestResult",
    "QuarantineEntry",
    "TableIngestResult",
    "ensure_raw_schema",
    "ingest_all",
    "ingest_table",
    "new_load_id",
    "raw_schema",
    "raw_table_name",
]
