"""The file-by-file path: one read, one validation and one transaction per file.

``loader.ingest_table`` loads a table's new files as one batch (``batch``); when the batch
cannot be read (a file that does not parse), nothing of it is written and the files come
here one by one, in (date, seq) order, so that only the bad file is quarantined and a
failure never loses what the files before it loaded.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from carteira.ingestion.background import ValidationThread
from carteira.ingestion.bookkeeping import (
    Delivery,
    LoadRun,
    check_accounted,
    finish_file,
    manifest_row,
    quarantine_rows,
    quarantine_whole,
    scalar,
    utcnow,
)
from carteira.ingestion.formats import sql_ident
from carteira.ingestion.raw_tables import LINEAGE_COLUMNS, raw_table_name
from carteira.ingestion.reading import (
    PARSE_ERRORS,
    duplicate_key_problem,
    parse_error_text,
    unaccounted_reason,
)
from carteira.ingestion.records import data_records
from carteira.ingestion.results import FileOutcome
from carteira.ingestion.staging import (
    STAGE,
    contract_select,
    extras_json,
    problem_exprs,
    stage_file,
    validation_rows_sql,
)
from carteira.ingestion.validation import ExtractValidation, validate_extract


def ingest_file(
    con: duckdb.DuckDBPyConnection,
    delivery: Delivery,
    run: LoadRun,
    *,
    validate: bool,
    background: ValidationThread | None = None,
) -> FileOutcome:
    """The per-file path: one read, one validation and one transaction for this file."""
    table = delivery.table
    try:
        names = stage_file(con, delivery.path, table)
    except PARSE_ERRORS as exc:
        why = table.format.extension == "jsonl" and duplicate_key_problem(con, delivery.path)
        return _unreadable(con, delivery, run, why or parse_error_text(exc), rows_in_file=None)
    try:
        rows: int = scalar(con, f"SELECT count(*) FROM {STAGE}")
        held = data_records(delivery.path, table)
        if held != rows:  # the reader lost (or made up) records: none of it loads
            reason = unaccounted_reason(held, rows, names, table)
            return _unreadable(con, delivery, run, reason, rows_in_file=held)
        return _load_staged(con, delivery, run, names, validate=validate, background=background)
    finally:
        con.execute(f"DROP TABLE IF EXISTS {STAGE}")


def _unreadable(
    con: duckdb.DuckDBPyConnection,
    delivery: Delivery,
    run: LoadRun,
    why: str,
    *,
    rows_in_file: int | None,
) -> FileOutcome:
    """Quarantine a file whose rows cannot be read (all of them) as a whole."""
    reason = f"file cannot be parsed: {why}"
    out = quarantine_whole(
        con, delivery, run, reason=reason, column=None, rows_in_file=rows_in_file
    )
    out.validation = ExtractValidation.file_level_failure(
        delivery.rel_name, "file_is_parseable", reason
    )
    return out


def _validate_staged(
    con: duckdb.DuckDBPyConnection,
    delivery: Delivery,
    names: list[str],
    rows_in_file: int,
    missing: list[str],
    background: ValidationThread | None,
) -> ExtractValidation:
    """great-expectations over the staged file (or a failure-preserving sample of it).

    On ``background`` when there is one (and waited for): great-expectations must never
    run on two threads at once.
    """
    table = delivery.table
    if rows_in_file == 0 and (not missing or not names):
        # an empty delta holds every column expectation vacuously; GX would spend
        # ~0.1 s per file to say so, and most daily deltas of small tables are empty
        return ExtractValidation(delivery.rel_name, True, [])
    if names:
        known = set(table.column_names)
        pos = {n: i for i, n in enumerate(names)}
        cols = ", ".join(f"c{i} AS {sql_ident(n)}" for i, n in enumerate(names) if n in known)
        rows_sql = validation_rows_sql(table, pos, rows_in_file)
        df = con.sql(f"SELECT {cols or 'NULL AS _empty'} FROM ({rows_sql}) ORDER BY _rn").df()
        if not cols:
            df = df.drop(columns=["_empty"])
    else:  # empty JSON Lines delta: no keys, no rows, nothing missing
        df = pd.DataFrame({c: pd.Series([], dtype=object) for c in table.column_names})
    if background is None:
        validation = validate_extract(df, table, delivery.rel_name)
    else:
        validation = background.call(validate_extract, df, table, delivery.rel_name)
    validation.rows_in_file, validation.rows_validated = rows_in_file, len(df)
    return validation


def _load_staged(
    con: duckdb.DuckDBPyConnection,
    delivery: Delivery,
    run: LoadRun,
    names: list[str],
    *,
    validate: bool,
    background: ValidationThread | None = None,
) -> FileOutcome:
    table = delivery.table
    rows_in_file: int = scalar(con, f"SELECT count(*) FROM {STAGE}")
    pos = {n: i for i, n in enumerate(names)}

    missing = [c.name for c in table.columns if not c.nullable and c.name not in pos]
    validation = (
        _validate_staged(con, delivery, names, rows_in_file, missing, background)
        if validate
        else None
    )

    # an empty JSON Lines delta has no keys at all; it is a valid empty file
    if missing and not (table.format.extension == "jsonl" and rows_in_file == 0):
        reason = f"missing required column(s): {', '.join(missing)}"
        out = quarantine_whole(
            con,
            delivery,
            run,
            reason=reason,
            column=missing[0] if len(missing) == 1 else None,
            rows_in_file=rows_in_file,
        )
        out.validation = validation or ExtractValidation.file_level_failure(
            delivery.rel_name, "expect_column_to_exist", reason
        )
        return out

    now = utcnow()
    target_cols = (
        ", ".join(sql_ident(c) for c in table.column_names)
        + ", "
        + ", ".join(n for n, _ in LINEAGE_COLUMNS)
    )
    select_cols = ", ".join(contract_select(table, pos))
    params = [
        delivery.rel_name,
        delivery.digest,
        delivery.extract_date,
        delivery.delivery_seq,
        now,
        run.load_id,
    ]

    con.begin()
    try:
        (inserted,) = con.execute(
            f"INSERT INTO {raw_table_name(table, con)} ({target_cols}) "
            f"SELECT {select_cols}, {extras_json(names, table)}, ?, ?, ?, ?, _rn, ?, ? "
            f"FROM {STAGE} WHERE NOT _bad",
            params,
        ).fetchall()[0]
        rows_quarantined, entries = quarantine_rows(
            con, delivery, run, names, problem_exprs(table, pos), now
        )
        check_accounted([delivery.rel_name], rows_in_file, int(inserted), rows_quarantined)
        rows_loaded = rows_in_file - rows_quarantined
        status = "partially_quarantined" if rows_quarantined else "loaded"
        row = manifest_row(
            delivery,
            run,
            status=status,
            rows_in_file=rows_in_file,
            rows_loaded=rows_loaded,
            rows_quarantined=rows_quarantined,
            now=now,
        )
        finish_file(con, delivery, run, row)
        con.commit()
    except BaseException:
        con.rollback()
        raise
    return FileOutcome(status, rows_in_file, rows_loaded, rows_quarantined, entries, validation)


__all__ = ["ingest_file"]
