"""One read per table: every new delivery of a table staged, validated and loaded together.

Ingesting file by file costs a fixed price per file (a DuckDB read, a great-expectations
run of ~15 ms per expectation, a transaction) that dwarfs reading the data. Here a
table's new files are

1. grouped by their columns (CSV header or JSON keys, in file order): files of one
   group are read in ONE DuckDB query (one reader call per file, each row tagged with
   its file, see ``staging.stage_files``) into one stage, converted exactly as
   ``staging.stage_file`` converts one file;
2. validated in ONE great-expectations run per group, reported per file
   (``validation.validate_files``); with a ``background.ValidationThread`` that run
   happens on it while the batch commits and the next table loads;
3. loaded in ONE transaction for the whole table: raw rows, quarantine rows and one
   manifest row per file, and the original bytes of every file with anything
   quarantined copied aside, all exactly as the per-file path writes them.

Files whose columns differ (schema drift, e.g. a column added from some day on) simply
form separate groups. What cannot be decided without reading a file alone (a CSV that
does not parse, a JSON line that is not JSON) makes this raise before anything is
written; the loader then falls back to the per-file path, which quarantines only the bad
file; so does a file whose rows do not account for every record it holds (``records``).
Whole-file rules decided from the header (not Latin-1, repeated or missing
columns) are applied here, per file, with the per-file path's reasons.
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass

import duckdb
import pandas as pd

from carteira.contract import Table
from carteira.ingestion import staging
from carteira.ingestion.background import ValidationThread
from carteira.ingestion.bookkeeping import (
    Delivery,
    LoadRun,
    by_file,
    check_accounted,
    finish_file,
    manifest_row,
    quarantine_batch_rows,
    record_whole,
    utcnow,
)
from carteira.ingestion.formats import sql_ident, sql_literal
from carteira.ingestion.raw_tables import LINEAGE_COLUMNS, raw_table_name
from carteira.ingestion.reading import (
    PARSE_ERRORS,
    RecordsUnaccounted,
    json_keys_of_files,
    parse_error_text,
    unaccounted_reason,
)
from carteira.ingestion.records import data_records
from carteira.ingestion.results import FileOutcome
from carteira.ingestion.validation import ExtractValidation, validate_files

# the validation frame's column naming each row's file (no contract column is so named)
_FILE_KEY = "_carteira_file_key"


@dataclass
class _Group:
    """Files of one table sharing one column list, staged together (``_f`` = position + 1)."""

    stage: str
    names: list[str]
    files: list[Delivery]
    rows: list[int]  # rows in each file, by position
    bad_rows: int = 0  # rows of the group with a problem (none: no quarantine query)

    @property
    def pos(self) -> dict[str, int]:
        return {n: i for i, n in enumerate(self.names)}

    def missing(self) -> list[str]:
        pos = self.pos
        return [c.name for c in self.files[0].table.columns if not c.nullable and c.name not in pos]


def _unparseable_reason(exc: BaseException) -> str:
    return f"file cannot be parsed: {parse_error_text(exc)}"


def _names_by_file(
    con: duckdb.DuckDBPyConnection, deliveries: list[Delivery], table: Table
) -> tuple[dict[str, list[str]], dict[str, str]]:
    """Each file's columns, and the reason of each file unreadable from its header alone."""
    names: dict[str, list[str]] = {}
    unreadable: dict[str, str] = {}
    if table.format.extension == "jsonl":
        keys = json_keys_of_files(con, [d.path for d in deliveries])  # one query for all
        for d, k in zip(deliveries, keys, strict=True):
            if bad := staging.jsonl_names_problem(k):
                unreadable[d.rel_name] = f"file cannot be parsed: {bad}"
            else:
                names[d.rel_name] = k
        return names, unreadable
    for d in deliveries:
        try:
            names[d.rel_name] = staging.csv_names(d.path, table)
        except PARSE_ERRORS as exc:
            unreadable[d.rel_name] = _unparseable_reason(exc)
    return names, unreadable


def _stage_group(
    con: duckdb.DuckDBPyConnection, stage: str, files: list[Delivery], names: list[str]
) -> _Group:
    table = files[0].table
    if not names:  # empty JSON Lines deltas: no keys, no records, nothing to read
        con.execute(f"CREATE OR REPLACE TEMP TABLE {stage} (_f INTEGER, _rn BIGINT, _bad BOOLEAN)")
        group = _Group(stage, names, files, [0] * len(files))
        _check_records(group)
        return group
    staging.stage_files(con, stage, [d.path for d in files], table, names)
    counts, bad = {}, 0
    for f, rows, bad_rows in con.execute(
        f"SELECT _f, count(*), count(*) FILTER (WHERE _bad) FROM {stage} GROUP BY _f"
    ).fetchall():
        counts[f], bad = rows, bad + bad_rows
    rows_by_file = [counts.get(f, 0) for f in range(1, len(files) + 1)]
    group = _Group(stage, names, files, rows_by_file, bad)
    _check_records(group)
    return group


def _check_records(group: _Group) -> None:
    """Raise ``RecordsUnaccounted`` when a file's rows do not match the records it holds.

    The batch then writes nothing and the loader loads its files one by one, where that
    file is quarantined whole with the reason (``per_file``).
    """
    table = group.files[0].table
    for d, rows in zip(group.files, group.rows, strict=True):
        held = data_records(d.path, table)
        if held != rows:
            raise RecordsUnaccounted(
                f"{d.rel_name}: {unaccounted_reason(held, rows, group.names, table)}"
            )


@dataclass
class _Frame:
    """What great-expectations checks of a group: its files' rows (or samples) as text."""

    table: Table
    df: pd.DataFrame
    checked: dict[int, str]  # file position -> file name, the files in ``df``
    rows: list[int]  # rows in each file of the group, by position


def _validation_frame(
    con: duckdb.DuckDBPyConnection, group: _Group
) -> tuple[dict[str, ExtractValidation], _Frame | None]:
    """The validations known without great-expectations, and the frame it must check."""
    table = group.files[0].table
    missing = group.missing()
    out: dict[str, ExtractValidation] = {}
    checked: dict[int, str] = {}
    for f, (d, rows) in enumerate(zip(group.files, group.rows, strict=True), start=1):
        if rows == 0 and (not missing or not group.names):
            # an empty delta holds every column expectation vacuously (see the loader)
            out[d.rel_name] = ExtractValidation(d.rel_name, True, [])
        else:
            checked[f] = d.rel_name
    if not checked:
        return out, None
    pos, known = group.pos, set(table.column_names)
    cols = "".join(f", c{i} AS {sql_ident(n)}" for i, n in enumerate(group.names) if n in known)
    rows_sql = staging.batch_validation_rows_sql(
        group.stage, table, pos, {f: group.rows[f - 1] for f in checked}
    )
    wanted = ", ".join(str(f) for f in checked)
    df = con.sql(
        f"SELECT _f AS {_FILE_KEY}{cols} FROM ({rows_sql}) WHERE _f IN ({wanted}) ORDER BY _f, _rn"
    ).df()
    return out, _Frame(table, df, checked, list(group.rows))


def _validate_frame(frame: _Frame) -> dict[str, ExtractValidation]:
    """great-expectations over a group's frame, one validation per file (by file name)."""
    out: dict[str, ExtractValidation] = {}
    for f, validation in validate_files(frame.df, frame.table, _FILE_KEY, frame.checked).items():
        validation.rows_in_file = frame.rows[f - 1]
        validation.rows_validated = int((frame.df[_FILE_KEY] == f).sum())
        out[validation.file_name] = validation
    return out


def _insert_rows(con: duckdb.DuckDBPyConnection, group: _Group, run: LoadRun, now: object) -> int:
    """The group's good rows into the raw table, in file and row order, with their lineage.

    Returns how many rows it inserted."""
    table = group.files[0].table
    target = ", ".join(sql_ident(c) for c in table.column_names)
    target += ", " + ", ".join(n for n, _ in LINEAGE_COLUMNS)
    lineage = ", ".join(
        [
            by_file([sql_literal(d.rel_name) for d in group.files]),
            by_file([sql_literal(d.digest) for d in group.files]),
            by_file([f"DATE {sql_literal(str(d.extract_date))}" for d in group.files]),
            by_file([str(d.delivery_seq) for d in group.files]),
        ]
    )
    (inserted,) = con.execute(
        f"INSERT INTO {raw_table_name(table, con)} ({target}) "
        f"SELECT {', '.join(staging.contract_select(table, group.pos))}, "
        f"{staging.extras_json(group.names, table)}, {lineage}, _rn, ?, ? "
        f"FROM {group.stage} WHERE NOT _bad ORDER BY _f, _rn",
        [now, run.load_id],
    ).fetchall()[0]
    return int(inserted)


def _commit(
    con: duckdb.DuckDBPyConnection,
    groups: list[_Group],
    unreadable: list[tuple[Delivery, str]],
    run: LoadRun,
    validations: dict[str, ExtractValidation] | None,
) -> dict[str, FileOutcome]:
    """Everything of the batch in one transaction: a failure writes nothing of it."""
    now = utcnow()
    outcomes: dict[str, FileOutcome] = {}
    con.begin()
    try:
        for d, reason in unreadable:
            out = record_whole(con, d, run, reason=reason, column=None, rows_in_file=None, now=now)
            out.validation = ExtractValidation.file_level_failure(
                d.rel_name, "file_is_parseable", reason
            )
            outcomes[d.rel_name] = out
        for group in groups:
            outcomes.update(_commit_group(con, group, run, validations, now))
        con.commit()
    except BaseException:
        con.rollback()
        raise
    return outcomes


def _commit_group(
    con: duckdb.DuckDBPyConnection,
    group: _Group,
    run: LoadRun,
    validations: dict[str, ExtractValidation] | None,
    now: object,
) -> dict[str, FileOutcome]:
    table = group.files[0].table
    outcomes: dict[str, FileOutcome] = {}
    missing = group.missing()
    if missing and group.names:  # (a group without columns is empty JSON Lines deltas)
        reason = f"missing required column(s): {', '.join(missing)}"
        for d, rows in zip(group.files, group.rows, strict=True):
            out = record_whole(
                con,
                d,
                run,
                reason=reason,
                column=missing[0] if len(missing) == 1 else None,
                rows_in_file=rows,
                now=now,
            )
            out.validation = (validations or {}).get(
                d.rel_name
            ) or ExtractValidation.file_level_failure(d.rel_name, "expect_column_to_exist", reason)
            outcomes[d.rel_name] = out
        return outcomes
    bad: dict[int, tuple[int, list]] = {}
    inserted = _insert_rows(con, group, run, now) if group.names else 0
    if group.bad_rows:
        problems = staging.problem_exprs(table, group.pos)
        bad = quarantine_batch_rows(con, group.stage, group.files, run, group.names, problems, now)
    check_accounted(
        [d.rel_name for d in group.files],
        sum(group.rows),
        inserted,
        sum(q for q, _ in bad.values()),
    )
    for f, (d, rows) in enumerate(zip(group.files, group.rows, strict=True), start=1):
        quarantined, entries = bad.get(f, (0, []))
        status = "partially_quarantined" if quarantined else "loaded"
        row = manifest_row(
            d,
            run,
            status=status,
            rows_in_file=rows,
            rows_loaded=rows - quarantined,
            rows_quarantined=quarantined,
            now=now,
        )
        finish_file(con, d, run, row)
        outcomes[d.rel_name] = FileOutcome(
            status,
            rows,
            rows - quarantined,
            quarantined,
            entries,
            (validations or {}).get(d.rel_name),
        )
    return outcomes


def ingest_batch(
    con: duckdb.DuckDBPyConnection,
    deliveries: list[Delivery],
    run: LoadRun,
    *,
    validate: bool,
    background: ValidationThread | None = None,
) -> tuple[list[FileOutcome], list[Future[dict[str, ExtractValidation]]]]:
    """Load ``deliveries`` (new files of one table, in (date, seq) order) as one batch.

    Returns one outcome per delivery, in order, and the validations still running on
    ``background`` (by file name; none without it: then every outcome has its
    validation). Raises, having written nothing, when a file cannot be read in the
    batch; the caller then loads the files one by one.
    """
    table = deliveries[0].table
    names, unreadable_reasons = _names_by_file(con, deliveries, table)
    unreadable = [(d, r) for d in deliveries if (r := unreadable_reasons.get(d.rel_name))]
    by_columns: dict[tuple[str, ...], list[Delivery]] = {}
    for d in deliveries:
        if d.rel_name in names:
            by_columns.setdefault(tuple(names[d.rel_name]), []).append(d)
    groups: list[_Group] = []
    try:
        for i, (columns, files) in enumerate(by_columns.items()):
            groups.append(_stage_group(con, f"{staging.STAGE}_{i}", files, list(columns)))
        validations: dict[str, ExtractValidation] | None = None
        pending: list[Future[dict[str, ExtractValidation]]] = []
        if validate:
            validations = {}
            for group in groups:
                known, frame = _validation_frame(con, group)
                validations.update(known)
                if frame is None:
                    continue
                if background is None:
                    validations.update(_validate_frame(frame))
                else:
                    pending.append(background.submit(_validate_frame, frame))
        outcomes = _commit(con, groups, unreadable, run, validations)
    finally:
        for i in range(len(by_columns)):
            con.execute(f"DROP TABLE IF EXISTS {staging.STAGE}_{i}")
    return [outcomes[d.rel_name] for d in deliveries], pending


__all__ = ["ingest_batch"]
