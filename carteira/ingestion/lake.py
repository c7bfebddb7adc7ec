"""The raw layer mirrored as Parquet files (the "lake"), for engines that cannot read DuckDB.

A Spark cluster cannot open the raw DuckDB file, so the raw step copies it into a folder
of Parquet files (``CARTEIRA_LAKE``) that any engine reads:

    <lake>/<system>__<table>/extract_date=<YYYY-MM-DD>/<load_id>.parquet

One file per (table, extract date, load): the raw layer is append-only history keyed by
load (``_load_id``, one per ingestion run), so, like ``carteira.serving.postgres.sync``,
a sync writes only what the lake does not hold yet and never rewrites a file: a day adds
files. ``extract_date`` is the hive partition (not ``_extract_date``, which stays in the
file: Spark refuses a partition column that repeats a data column). ``_extras`` is
written as text: Spark does not read Parquet's JSON type.

The lake mirrors the raw layer, no more: a file whose (table, day, load) raw does not
hold (raw restored from its snapshot after a failed refresh, or rebuilt) is removed, so
the lake never holds a row twice or a row raw does not have. Each file is written under
a name starting with ``.`` and renamed into place (Spark and DuckDB skip dot-files): a
killed sync leaves no partial ``.parquet``, and the next sync removes its temporaries.

A load id is part of a path, so one that is not a plain file name is never used: that
load is refused, named in the errors, and the other loads still sync. Links inside the
lake are never followed (nor removed): a sync reports them and writes around them.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb

from carteira.contract import TABLES, Table
from carteira.durability import fsync_path
from carteira.ingestion.formats import sql_ident, sql_literal
from carteira.ingestion.raw_tables import raw_schema

PARTITION = "extract_date"
# Hive's name for a NULL partition value (Spark and DuckDB read it as NULL); the
# ingestion always dates a row, so this is for hand-made raw layers only.
NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"
SUFFIX = ".parquet"
TEMP_SUFFIX = ".tmp"
# The file of the rows loaded before raw tables had a `_load_id` (NULL). A load id of
# this name is refused: it would share that file.
NO_LOAD_ID = "no-load-id"
# A load id used as a file name: the ingestion's own (`20261121T060000-1a2b3c4d`, a
# Dagster run id) fit; no separator, no leading dot, no `..`, bounded length.
_SAFE_LOAD_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")

# (partition folder name, file name) of one lake file of a table
Part = tuple[str, str]


@dataclass
class LakeSync:
    """What a sync did: files written and removed, rows written, and what it refused."""

    files_written: int = 0
    files_removed: int = 0
    rows_written: int = 0
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        """The one line a refresh shows for the lake."""
        line = f"lake: {self.files_written} file(s) written, {self.files_removed} removed"
        return line + (f", {len(self.errors)} error(s)" if self.errors else "")


@dataclass
class LakePlan:
    """What a sync would do to one lake, found without writing anything."""

    write: dict[str, dict[Part, tuple[date | None, str | None]]] = field(default_factory=dict)
    remove: list[Path] = field(default_factory=list)
    temporaries: list[Path] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def to_write(self) -> int:
        return sum(len(parts) for parts in self.write.values())


def is_safe_load_id(load_id: str) -> bool:
    """Whether a load id may name a file: see ``_SAFE_LOAD_ID``."""
    return bool(_SAFE_LOAD_ID.fullmatch(load_id)) and ".." not in load_id and load_id != NO_LOAD_ID


def partition_name(day: date | None) -> str:
    return f"{PARTITION}={day.isoformat() if day is not None else NULL_PARTITION}"


def file_name(load_id: str | None) -> str:
    return f"{load_id if load_id is not None else NO_LOAD_ID}{SUFFIX}"


def _raw_loads(
    con: duckdb.DuckDBPyConnection, tables: Iterable[Table]
) -> dict[str, set[tuple[date | None, str | None]]]:
    """(extract date, load id) of every table's rows in raw: one query for all tables."""
    present = {
        name
        for (name,) in con.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'raw' AND table_catalog = current_database()"
        ).fetchall()
    }
    names = [t.fqn for t in tables if t.fqn in present]
    loads: dict[str, set[tuple[date | None, str | None]]] = {name: set() for name in names}
    if not names:
        return loads
    raw = raw_schema(con)
    query = " UNION ALL ".join(
        f"SELECT DISTINCT {sql_literal(n)}, _extract_date, _load_id FROM {raw}.{sql_ident(n)}"
        for n in names
    )
    for name, day, load_id in con.execute(query).fetchall():
        loads[name].add((day, load_id))
    return loads


def _linked(entry: os.DirEntry[str], fqn: str, plan: LakePlan) -> bool:
    """Whether a lake entry is a link: never followed nor removed, reported in ``plan``."""
    if entry.is_symlink():
        plan.errors.append(f"lake: {entry.path} is a link, not followed (raw.{fqn})")
        return True
    return False


def _scan_table(folder: Path, fqn: str, plan: LakePlan) -> dict[Part, Path] | None:
    """The lake files of one table, its temporaries into ``plan``; None if it is a link."""
    if folder.is_symlink():
        plan.errors.append(f"lake: {folder} is a link, not followed: raw.{fqn} not mirrored")
        return None
    found: dict[Part, Path] = {}
    if not folder.is_dir():
        return found
    with os.scandir(folder) as parts:
        partitions = [
            p for p in parts if p.name.startswith(f"{PARTITION}=") and not _linked(p, fqn, plan)
        ]
    for part in partitions:
        if not part.is_dir(follow_symlinks=False):
            continue
        with os.scandir(part.path) as entries:
            listed = list(entries)
        for entry in listed:
            if entry.name.startswith(".") and entry.name.endswith(TEMP_SUFFIX):
                plan.temporaries.append(Path(entry.path))  # a killed sync's; never a link's target
            elif (
                entry.name.endswith(SUFFIX)
                and not _linked(entry, fqn, plan)
                and entry.is_file(follow_symlinks=False)
            ):
                found[(part.name, entry.name)] = Path(entry.path)
    return found


def plan_lake(
    con: duckdb.DuckDBPyConnection, lake_dir: Path, tables: Iterable[Table] = TABLES
) -> LakePlan:
    """What ``sync_lake`` would write and remove: raw's (table, day, load) against the files.

    Cheap (one query of two columns per table, one folder listing per partition), so a
    refresh that has nothing else to do can ask it (carteira.refresh.unchanged).
    """
    plan = LakePlan()
    for fqn, loads in _raw_loads(con, tables).items():
        files = _scan_table(lake_dir / fqn, fqn, plan)
        if files is None:
            continue
        wanted: dict[Part, tuple[date | None, str | None]] = {}
        refused: set[str] = set()
        for day, load_id in sorted(loads, key=lambda k: (str(k[0]), str(k[1]))):
            if load_id is not None and not is_safe_load_id(load_id):
                refused.add(load_id)
                continue
            wanted[(partition_name(day), file_name(load_id))] = (day, load_id)
        plan.errors += [
            f"lake: raw.{fqn} load {load_id!r} refused: its load id is not a safe file name "
            f"(letters, digits, '.', '_', '-'; no '..'; not {NO_LOAD_ID!r}); nothing written "
            "for it"
            for load_id in sorted(refused)
        ]
        plan.remove += [path for part, path in sorted(files.items()) if part not in wanted]
        missing = {part: key for part, key in wanted.items() if part not in files}
        if missing:
            plan.write[fqn] = missing
    return plan


def _select(con: duckdb.DuckDBPyConnection, fqn: str) -> str:
    """Every raw column of the table, in raw's order, JSON ones as text (for Spark)."""
    columns = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'raw' AND table_catalog = current_database() "
        "AND table_name = ? ORDER BY ordinal_position",
        [fqn],
    ).fetchall()
    return ", ".join(
        f"CAST({sql_ident(n)} AS VARCHAR) AS {sql_ident(n)}" if t == "JSON" else sql_ident(n)
        for n, t in columns
    )


def _write(
    con: duckdb.DuckDBPyConnection, folder: Path, source: str, day: date | None, load_id: str | None
) -> int:
    """Write one (table, day, load) file by temporary name and rename; the rows written."""
    part = folder / partition_name(day)
    part.mkdir(parents=True, exist_ok=True)
    if part.is_symlink() or not part.is_dir():
        raise OSError(f"{part} is not a folder of the lake (a link?): not written through")
    final = part / file_name(load_id)
    temp = part / f".{final.name}{TEMP_SUFFIX}"
    where = " AND ".join(
        [
            f"_extract_date = DATE {sql_literal(day.isoformat())}"
            if day is not None
            else "_extract_date IS NULL",
            f"_load_id = {sql_literal(load_id)}" if load_id is not None else "_load_id IS NULL",
        ]
    )
    query = f"{source} WHERE {where} ORDER BY _file_name, _row_number"
    try:
        (rows,) = con.execute(
            f"COPY ({query}) TO {sql_literal(str(temp))} (FORMAT parquet)"
        ).fetchone()
        fsync_path(temp)
        os.replace(temp, final)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return int(rows)


def sync_lake(
    con: duckdb.DuckDBPyConnection, lake_dir: Path, tables: Iterable[Table] = TABLES
) -> LakeSync:
    """Mirror the raw layer of ``con`` into ``lake_dir`` (see the module docstring).

    Works on the caller's connection: the refresh's raw step holds the raw file's one
    write connection (DuckDB allows a single writer) and syncs on it. Never raises for a
    load or a file: each problem is one line of ``errors`` naming the table and the load
    (or the path), and everything else is still synced.
    """
    started = time.perf_counter()
    lake_dir = Path(lake_dir)
    lake_dir.mkdir(parents=True, exist_ok=True)
    plan = plan_lake(con, lake_dir, tables)
    done = LakeSync(errors=list(plan.errors))
    for temp in plan.temporaries:
        temp.unlink(missing_ok=True)
    touched: set[Path] = set()
    for path in plan.remove:  # first: the lake never holds what raw no longer has
        path.unlink(missing_ok=True)
        done.files_removed += 1
        touched.add(path.parent)
    raw = raw_schema(con)
    for fqn, parts in plan.write.items():
        source = f"SELECT {_select(con, fqn)} FROM {raw}.{sql_ident(fqn)}"
        for (part, _), (day, load_id) in parts.items():
            try:
                done.rows_written += _write(con, lake_dir / fqn, source, day, load_id)
            except (OSError, duckdb.Error) as exc:
                done.errors.append(f"lake: raw.{fqn} load {load_id!r} of {day}: {exc}")
                continue
            done.files_written += 1
            touched.add(lake_dir / fqn / part)
    for folder in touched:
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()  # a partition whose last load was removed
        elif folder.is_dir():
            fsync_path(folder)  # the renames survive a power cut
    done.seconds = time.perf_counter() - started
    return done


def sync_lake_file(raw_path: Path, lake_dir: Path, tables: Iterable[Table] = TABLES) -> LakeSync:
    """``sync_lake`` on the raw file at ``raw_path``, opened read-only (it only reads)."""
    con = duckdb.connect(str(raw_path), read_only=True)
    try:
        return sync_lake(con, lake_dir, tables)
    finally:
        con.close()
