"""Reading an extract file: its header or keys, and the one DuckDB reader call per format.

``csv_reader_sql`` is the single definition of the CSV dialect options (explicit, no
sniffing, every column as text); the loader and ``benchmarks/bench.py`` both use it, so
the benchmark's read floor cannot drift from what ingestion really does.
"""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb

from carteira.contract import Table
from carteira.ingestion.formats import sql_ident, sql_literal


class UnparseableFile(Exception):
    """The file cannot be read as its system's format (quarantined whole)."""


class RecordsUnaccounted(UnparseableFile):
    """The reader returned fewer (or more) rows than the file holds records
    (``records``): quarantined whole, never loaded short."""


# DuckDB's CSV limits, spelled out (these are its defaults): a record longer than
# CSV_MAX_LINE_BYTES fails the read, but one longer than the buffer is dropped without
# an error, which ``records`` catches. Module constants so a test can reach the
# buffer's behaviour with a small file.
CSV_MAX_LINE_BYTES = 2 * 1024 * 1024
CSV_BUFFER_BYTES = 16 * CSV_MAX_LINE_BYTES


# what a reader raises for a file that is not valid in its format (quarantined whole)
PARSE_ERRORS: tuple[type[BaseException], ...] = (
    UnparseableFile,
    duckdb.InvalidInputException,
    duckdb.ConversionException,
    UnicodeDecodeError,
    csv.Error,
)


def parallel_refusal(exc: BaseException) -> bool:
    """Whether DuckDB's parallel CSV reader gave up on a file (read it single-threaded).

    It raises this, instead of the file's own error, when a record longer than its
    buffer is followed by another record: each thread's scan of the long record fails,
    the threads' line boundaries no longer meet, and its boundary check stops with
    "please run with ... parallel = false". The single-threaded reader names the real
    cause (e.g. "Maximum line size ... exceeded" on that line), so ``staging.stage_file``
    reads such a file again with it; it is never a reason to fail a table.
    """
    return isinstance(exc, duckdb.NotImplementedException) and "parallel = false" in str(exc)


# each line of a reader's error message is cut to this many characters, so a huge
# "Original Line: ..." echo cannot push the cause that follows it out of the reason
_REASON_LINE_CHARS = 200


def duckdb_encoding(encoding: str) -> str:
    """The contract's encoding name as DuckDB's ``read_csv`` spells it."""
    return {"latin-1": "latin-1", "iso-8859-1": "latin-1", "utf-8": "utf-8"}[encoding.lower()]


def csv_header(path: Path, table: Table) -> list[str]:
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


def csv_reader_sql(path: Path, table: Table, n_columns: int, *, parallel: bool = True) -> str:
    """``read_csv(...)`` of a CSV extract, its columns ``c0..c<n-1>`` all VARCHAR.

    Explicit dialect, no sniffing, strict: a malformed record fails the read (and the
    file is quarantined whole) instead of being guessed around. ``parallel=False`` is
    the single-threaded reader, used only to read again a file the parallel one refused
    (``parallel_refusal``).
    """
    fmt = table.format
    spec = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(n_columns)) + "}"
    return (
        f"read_csv({sql_literal(str(path))}, auto_detect=false, header=true, "
        f"delim={sql_literal(fmt.delimiter or ',')}, quote='\"', escape='\"', "
        f"encoding={sql_literal(duckdb_encoding(fmt.encoding))}, strict_mode=true, "
        f"null_padding=false, ignore_errors=false, max_line_size={CSV_MAX_LINE_BYTES}, "
        f"buffer_size={CSV_BUFFER_BYTES}, columns={spec}"
        f"{'' if parallel else ', parallel=false'})"
    )


def unaccounted_reason(held: int, read: int, names: list[str], table: Table) -> str:
    """Why a file whose reader did not return one row per record is quarantined whole."""
    if read == 0 and not names:
        return f"the file's {held} record(s) hold no key at all (empty objects?)"
    hint = (
        " (DuckDB's CSV reader drops a record longer than its buffer of "
        f"{CSV_BUFFER_BYTES:,} bytes without an error)"
        if table.format.extension == "csv" and read < held
        else ""
    )
    return (
        f"the file holds {held} data record(s) but the reader returned {read}{hint}; "
        "nothing of it is loaded rather than a part"
    )


def json_keys(con: duckdb.DuckDBPyConnection, path: Path) -> list[str]:
    """Every key used by any record of a JSON Lines file (also checks it is JSON)."""
    rows = con.execute(
        "SELECT k, min(rn) AS first FROM (SELECT row_number() OVER () AS rn, "
        "unnest(json_keys(json)) AS k FROM read_json_objects(?, format='newline_delimited')) "
        "GROUP BY k ORDER BY first, k",
        [str(path)],
    ).fetchall()
    return [r[0] for r in rows]


def key_case_problem(keys: list[str]) -> str | None:
    """Why a JSON Lines file's keys cannot be read as columns, or None.

    DuckDB's column names ignore case: keys that differ only in case (``name`` in one
    record, ``Name`` in another, or both in one) cannot be told apart by the reader, which
    fails with a bare binder error about ``struct_pack``.
    """
    groups: dict[str, list[str]] = {}
    for k in keys:
        groups.setdefault(k.lower(), []).append(k)
    clashes = [g for g in groups.values() if len(g) > 1]
    if not clashes:
        return None
    shown = "; ".join(", ".join(f'"{k}"' for k in g) for g in clashes[:3])
    return f"keys differing only in case ({shown}): they cannot be read as separate columns"


def duplicate_key_problem(con: duckdb.DuckDBPyConnection, path: Path) -> str | None:
    """The first record repeating a key, named with its row and keys, or None.

    Looked for only once a read failed (it costs a pass over the file): DuckDB's own
    message for it is cut by its echo of the record.
    """
    try:
        rows = con.execute(
            "SELECT rn, k FROM (SELECT row_number() OVER () AS rn, json_keys(json) AS k "
            "FROM read_json_objects(?, format='newline_delimited')) "
            "WHERE len(k) <> len(list_distinct(k)) ORDER BY rn LIMIT 1",
            [str(path)],
        ).fetchall()
    except duckdb.Error:
        return None
    if not rows:
        return None
    rn, keys = rows[0]
    dups = sorted({k for k in keys if keys.count(k) > 1})
    return f"row {rn} repeats key(s) {', '.join(repr(k) for k in dups)} in one record"


def json_keys_of_files(con: duckdb.DuckDBPyConnection, paths: list[Path]) -> list[list[str]]:
    """:func:`json_keys` of several JSON Lines files in one query, in the order of ``paths``.

    Each file is one branch of a ``UNION ALL`` numbered on its own, exactly as
    :func:`json_keys` numbers it, so a file that is not JSON fails the query.
    """
    branches = " UNION ALL ".join(
        f"(SELECT {f} AS f, row_number() OVER () AS rn, unnest(json_keys(json)) AS k "
        f"FROM read_json_objects({sql_literal(str(path))}, format='newline_delimited'))"
        for f, path in enumerate(paths)
    )
    keys: list[list[str]] = [[] for _ in paths]
    for f, key in con.execute(
        f"SELECT f, k FROM ({branches}) GROUP BY f, k ORDER BY f, min(rn), k"
    ).fetchall():
        keys[f].append(key)
    return keys


def json_reader_sql(path: Path, keys: list[str]) -> str:
    """``read_json(...)`` of a JSON Lines extract with every key as a VARCHAR column."""
    spec = "{" + ", ".join(f"{sql_literal(n)}: 'VARCHAR'" for n in keys) + "}"
    return (
        f"read_json({sql_literal(str(path))}, format='newline_delimited', "
        f"records=true, columns={spec})"
    )


def positional_columns(names: list[str], *, from_keys: bool) -> str:
    """Select list renaming the reader's columns to ``c0, c1, ...`` in file order.

    Positional names keep odd or case-colliding headers out of later SQL; JSON keys
    must be quoted as identifiers, CSV columns are already read as ``c<i>``.
    """
    if from_keys:
        return ", ".join(f"{sql_ident(n)} AS c{i}" for i, n in enumerate(names))
    return ", ".join(f"c{i}" for i in range(len(names)))


def parse_error_text(exc: BaseException) -> str:
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
