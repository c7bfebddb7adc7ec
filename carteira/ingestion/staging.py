"""Converting and typing: read a file once into a stage table, typed by SQL conversions.

The stage (temp table ``_carteira_stage``) holds, per record, ``_rn`` (1-based record
ordinal), ``c<i>`` (file column ``i`` as text), ``t<i>`` (file column ``i`` converted to
its contract type, for typed contract columns) and ``_bad`` (the row has a problem and
must be quarantined).  Loading, quarantining and validating then only select from it.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from carteira.contract import DUCKDB_TYPES, Column, Table
from carteira.ingestion.files import latin1_problem
from carteira.ingestion.formats import (
    NUL_REASON,
    expected_format,
    name_problem,
    sql_convert,
    sql_literal,
)
from carteira.ingestion.reading import (
    UnparseableFile,
    csv_header,
    csv_reader_sql,
    json_keys,
    json_reader_sql,
    key_case_problem,
    parallel_refusal,
    positional_columns,
)

STAGE = "_carteira_stage"

# Files up to this many rows are validated whole by great-expectations (see
# validation_rows_sql for larger ones).
VALIDATION_FULL_ROWS = 50_000


def is_typed(col: Column) -> bool:
    """Whether the column needs a conversion (free text is stored as delivered)."""
    return col.type != "str"


def file_names(con: duckdb.DuckDBPyConnection, path: Path, table: Table) -> list[str]:
    """The file's columns in file order: its CSV header, or every key of its JSON records.

    Raises ``UnparseableFile`` (or another of ``PARSE_ERRORS``) for what makes a file
    unreadable before its rows are read: an erp file that is not Latin-1 text, a header
    that does not parse or repeats a column, keys that differ only in case, a column
    name holding a NUL.
    """
    if table.format.extension == "jsonl":
        keys = json_keys(con, path)
        if bad := jsonl_names_problem(keys):
            raise UnparseableFile(bad)
        return keys
    return csv_names(path, table)


def jsonl_names_problem(keys: list[str]) -> str | None:
    """Why a JSON Lines file's keys cannot be its columns (see ``file_names``), or None."""
    return key_case_problem(keys) or name_problem(keys)


def csv_names(path: Path, table: Table) -> list[str]:
    """The header of a CSV extract, after the whole-file checks (see ``file_names``)."""
    fmt = table.format
    if fmt.encoding.lower() in ("latin-1", "iso-8859-1") and (bad := latin1_problem(path)):
        raise UnparseableFile(bad)
    names = csv_header(path, table)
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise UnparseableFile(f"duplicate column(s) in header: {', '.join(dup)}")
    if bad := name_problem(names):
        raise UnparseableFile(bad)
    return names


def _reader(path: Path, table: Table, names: list[str], *, parallel: bool = True) -> str:
    if table.format.extension == "jsonl":
        return json_reader_sql(path, names)
    return csv_reader_sql(path, table, len(names), parallel=parallel)


def _converted(table: Table, names: list[str]) -> tuple[str, str, str]:
    """(text columns, conversions, bad-row condition) of the stage's select list."""
    pos = {n: i for i, n in enumerate(names)}
    texts = ", ".join(f"c{i}" for i in range(len(names)))
    conversions = "".join(
        f", {sql_convert(table.format, col, f'c{pos[col.name]}')} AS t{pos[col.name]}"
        for col in table.columns
        if col.name in pos and is_typed(col)
    )
    bad = " OR ".join(c for c, _, _ in problem_exprs(table, pos)) or "false"
    return texts, conversions, bad


def stage_file(con: duckdb.DuckDBPyConnection, path: Path, table: Table) -> list[str]:
    """Read and convert the file in one pass into the stage table.

    Converting while reading means every value is parsed and converted exactly once.
    Returns the file's column names (position ``i`` is stage column ``c<i>``).

    A CSV file the parallel reader refuses (``reading.parallel_refusal``) is read again
    single-threaded: that reader either reads it (the record count then decides, as for
    any file) or raises the file's own parse error, and the file is quarantined with
    it. Should it refuse too, the file is unparseable with that said: one file never
    fails its table.
    """
    names = file_names(con, path, table)
    if not names:  # an empty JSON Lines delta (no records): nothing to read
        con.execute(f"CREATE OR REPLACE TEMP TABLE {STAGE} (_rn BIGINT, _bad BOOLEAN)")
        return []
    src_cols = positional_columns(names, from_keys=table.format.extension == "jsonl")

    def stage(parallel: bool) -> None:
        reader = _reader(path, table, names, parallel=parallel)
        numbered = f"SELECT row_number() OVER () AS _rn, {src_cols} FROM {reader}"
        _create_stage(con, STAGE, numbered, "_rn", table, names)

    try:
        stage(parallel=True)
    except duckdb.NotImplementedException as refused:
        if not parallel_refusal(refused) or table.format.extension != "csv":
            raise
        try:
            stage(parallel=False)
        except duckdb.NotImplementedException as again:
            raise UnparseableFile(
                f"DuckDB's CSV reader refused the file, in parallel and single-threaded: {again}"
            ) from refused
    return names


def _create_stage(
    con: duckdb.DuckDBPyConnection,
    stage: str,
    numbered: str,
    ids: str,
    table: Table,
    names: list[str],
) -> None:
    """The stage from ``numbered`` (records as text, numbered), in two statements.

    The records are numbered and stored as text first, then converted from that table.
    One statement doing both ran the conversions behind the un-partitioned window, on
    one thread: 4.2 s for the 6.3 M rows of the large studio bookings file, against
    1.5 s + 1.9 s in two. row_number() OVER () numbers records in file order only while
    DuckDB preserves insertion order (the default); a caller's connection may have
    turned it off, so it is set here.
    """
    texts, conversions, bad = _converted(table, names)
    con.execute("SET preserve_insertion_order = true")
    text_stage = f"{stage}_text"
    con.execute(f"CREATE OR REPLACE TEMP TABLE {text_stage} AS {numbered}")
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {stage} AS SELECT *, ({bad}) AS _bad FROM ("
            f"SELECT {ids}, {texts}{conversions} FROM {text_stage})"
        )
    finally:
        con.execute(f"DROP TABLE IF EXISTS {text_stage}")


def stage_files(
    con: duckdb.DuckDBPyConnection, stage: str, paths: list[Path], table: Table, names: list[str]
) -> None:
    """``stage_file`` for several files sharing one header (or key list), in ONE query.

    The stage has the columns of ``stage_file`` plus ``_f``, the 1-based position of the
    row's file in ``paths``. Each file is one branch of a ``UNION ALL`` with its own
    reader call and its own record numbering, so ``_rn`` is exactly the ordinal
    ``stage_file`` gives the file alone and a file that does not parse fails the query.
    (DuckDB's multi-file ``read_csv([...])`` was not used: DuckDB 2.0.0 with one thread
    returned no rows and no error for a file with an unterminated quote followed by
    another file, which would have loaded a broken file as an empty one.)
    """
    src_cols = positional_columns(names, from_keys=table.format.extension == "jsonl")
    branches = " UNION ALL ".join(
        f"(SELECT {f} AS _f, row_number() OVER () AS _rn, {src_cols} "
        f"FROM {_reader(path, table, names)})"
        for f, path in enumerate(paths, start=1)
    )
    _create_stage(con, stage, branches, "_f, _rn", table, names)


def problem_exprs(table: Table, pos: dict[str, int]) -> list[tuple[str, str, str]]:
    """(condition, column name, reason SQL) triples over stage columns ``c<i>``/``t<i>``.

    A row is quarantined if any condition holds; each is true or false, never NULL (a
    NULL ``_bad`` would neither load nor quarantine the row). Only columns present in the
    file are checked; free text (``str``) always converts, but no text value (contract column or
    not: unknown ones go to ``_extras``) may hold a NUL (``formats.NUL``). Typed values
    holding one already fail their conversion.
    """
    fmt = table.format
    out: list[tuple[str, str, str]] = []
    pk = table.primary_key
    if pk in pos:
        v = f"c{pos[pk]}"
        out.append((f"({v} IS NULL OR trim({v}) = '')", pk, "'empty primary key'"))
    for col in table.columns:
        if col.name not in pos or not is_typed(col):
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
    typed = {c.name: c.type for c in table.columns if is_typed(c)}
    for name, i in pos.items():
        if name not in typed:
            value = f"c{i}"
        elif typed[name] == "str[]":  # the array's elements, decoded (c<i> is JSON text)
            value = f"array_to_string(t{i}, ',')"
        else:
            continue
        cond = f"coalesce(contains({value}, chr(0)), false)"  # never NULL (see above)
        out.append((cond, name, sql_literal(NUL_REASON)))
    return out


def record_json(names: list[str]) -> str:
    """JSON object of the row's file values as text (for raw_record)."""
    if not names:
        return "NULL"
    return "json_object(" + ", ".join(f"{sql_literal(n)}, c{i}" for i, n in enumerate(names)) + ")"


def extras_json(names: list[str], table: Table) -> str:
    """JSON object of the file's columns the contract does not know (``_extras``)."""
    known = set(table.column_names)
    extras = [(i, n) for i, n in enumerate(names) if n not in known]
    if not extras:
        return "CAST(NULL AS JSON)"
    return "json_object(" + ", ".join(f"{sql_literal(n)}, c{i}" for i, n in extras) + ")"


def contract_select(table: Table, pos: dict[str, int]) -> list[str]:
    """One typed stage expression per contract column, NULL for columns the file lacks."""
    exprs = []
    for col in table.columns:
        if col.name not in pos:
            exprs.append(f"CAST(NULL AS {DUCKDB_TYPES[col.type]})")
        elif is_typed(col):
            exprs.append(f"t{pos[col.name]}")
        else:
            exprs.append(f"c{pos[col.name]}")
    return exprs


def validation_rows_sql(table: Table, pos: dict[str, int], rows_in_file: int) -> str:
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
        return f"SELECT * FROM {STAGE}"
    step = -(-rows_in_file // VALIDATION_FULL_ROWS)  # ceil
    return _sample_sql(STAGE, table, pos, str(step), by_file=False)


def _sample_sql(stage: str, table: Table, pos: dict[str, int], step: str, *, by_file: bool) -> str:
    """The failure-preserving sample: bad rows, repeated keys, every ``step``-th row.

    Repeated keys come from a grouped list of the keys seen twice, joined back: a window
    count over every row drags all the stage's columns through the window (1.4 s against
    0.55 s for the 6.3 M large studio bookings).
    """
    key = pos.get(table.primary_key)
    if key is None:
        return f"SELECT s.*, false AS _dup FROM {stage} AS s WHERE s._bad OR s._rn % ({step}) = 0"
    file_cols = ["_f"] if by_file else []
    group = ", ".join([*file_cols, f"c{key}"])
    on = " AND ".join([f"s.{c} = d.{c}" for c in file_cols] + [f"s.c{key} = d.c{key}"])
    return (
        f"SELECT s.*, d.c{key} IS NOT NULL AS _dup FROM {stage} AS s "
        f"LEFT JOIN (SELECT {group} FROM {stage} GROUP BY {group} HAVING count(*) > 1) AS d "
        f"ON {on} WHERE s._bad OR d.c{key} IS NOT NULL OR s._rn % ({step}) = 0"
    )


def batch_validation_rows_sql(
    stage: str, table: Table, pos: dict[str, int], rows_by_file: dict[int, int]
) -> str:
    """``validation_rows_sql`` for a stage of several files: the same rule, file by file.

    A file of up to VALIDATION_FULL_ROWS rows is validated whole; a larger one on its
    failure-preserving sample (bad rows, keys repeated within that file, every n-th row
    with n chosen from that file's size), so each file sees exactly the rows it would
    see alone.
    """
    full = VALIDATION_FULL_ROWS
    big = {f: -(-n // full) for f, n in rows_by_file.items() if n > full}
    if not big:
        return f"SELECT * FROM {stage}"
    step = "CASE s._f " + " ".join(f"WHEN {f} THEN {s}" for f, s in big.items()) + " ELSE 1 END"
    return _sample_sql(stage, table, pos, step, by_file=True)
