"""Landing zone -> raw layer: parse with DuckDB's readers, convert in SQL, quarantine, log.

Per table:

1. hash every delivered file; a (name, sha256) already in ``raw._manifest`` is skipped
   (identical re-delivery), a known name with a new hash is a correction and loads again;
2. the new files are loaded as one batch (``batch``): one DuckDB query per set of files
   sharing their columns (a ``read_csv`` with explicit dialect and no sniffing, or a
   ``read_json`` for JSON Lines, per file, every column as VARCHAR, plus file and record
   ordinal) into a temporary stage table (``staging``), one great-expectations run, and
   one transaction for the table: the rows whose values all convert (typed by SQL
   conversions, unknown columns into ``_extras``), one ``raw._quarantine`` row per
   problem of the others, and one manifest row per file (``bookkeeping``);
3. if the batch cannot be read (a file that does not parse), nothing of it is written
   and the files are loaded one by one instead, each in its own transaction (the same
   steps for a single file), so only the bad file is quarantined.

Transaction unit: the table's batch (or, on the fallback, the file). A crash loses
nothing earlier runs loaded; whatever is not in the manifest is retried by the next run.

A file that cannot be parsed, or lacks a required column, is quarantined whole and
nothing of it loads.  Its original bytes are copied to
``<quarantine_dir>/<load_id>/<file_name>`` whenever anything of it is quarantined.

This module is the orchestration of those steps; reading (``reading``), converting
(``staging``), the batch (``batch``), the file-by-file fallback (``per_file``), the raw
tables' definitions (``raw_tables``), the bookkeeping (``bookkeeping``) and the result
types (``results``) live in their own modules.
"""

from __future__ import annotations

import logging
import time
import traceback
import uuid
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from datetime import date
from pathlib import Path

import duckdb

from carteira.contract import TABLES, Table
from carteira.ingestion.background import ValidationThread
from carteira.ingestion.batch import ingest_batch
from carteira.ingestion.bookkeeping import (
    Delivery,
    LoadRun,
    already_loaded,
    loaded_hashes,
    manifest_hashes,
    quarantine_whole,
    utcnow,
)
from carteira.ingestion.files import (
    HASH_THREADS,
    BadlyNamedFile,
    FileHashes,
    LandingFile,
    TableDeliveries,
    scan_deliveries,
    sha256_file,
    table_dir,
)
from carteira.ingestion.per_file import ingest_file
from carteira.ingestion.raw_tables import ensure_raw_schema
from carteira.ingestion.results import FileOutcome, IngestResult, TableIngestResult
from carteira.ingestion.validation import ExtractValidation

# progress(message, files): one message per file loaded or quarantined, one per table
# for the files already loaded; ``files`` is how many files the message covers
Progress = Callable[[str, int], None]

log = logging.getLogger(__name__)


def _delivery(lf: LandingFile, table: Table, digest: str) -> Delivery:
    return Delivery(
        path=lf.path,
        rel_name=lf.rel_name,
        table=table,
        digest=digest,
        extract_date=lf.extract_date,
        delivery_seq=lf.delivery_seq,
    )


def _ingest_badly_named(
    con: duckdb.DuckDBPyConnection, bf: BadlyNamedFile, table: Table, run: LoadRun
) -> FileOutcome:
    delivery = Delivery(
        path=bf.path,
        rel_name=bf.rel_name,
        table=table,
        digest=sha256_file(bf.path),
        extract_date=None,
        delivery_seq=None,
    )
    if already_loaded(con, delivery):
        return FileOutcome("skipped")
    out = quarantine_whole(con, delivery, run, reason=bf.reason, column=None, rows_in_file=None)
    out.validation = ExtractValidation.file_level_failure(
        bf.rel_name, "file_name_follows_contract", bf.reason
    )
    return out


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
    hashes: FileHashes | None = None,
    background: ValidationThread | None = None,
    deliveries: TableDeliveries | None = None,
    loaded: set[tuple[str, str]] | None = None,
) -> TableIngestResult:
    """Load every new delivery of ``table`` (dated <= ``as_of``) into ``raw.<fqn>``.

    The new files load as one batch in one transaction (``batch``); if the batch cannot
    be read they load one by one in (date, seq) order, each in its own transaction, so a
    failure never loses what earlier files loaded.  An unexpected error stops this table
    (its files not in the manifest are retried by the next run) and is recorded in
    ``error``; badly named files are quarantined whole.  ``ensure_raw_schema`` must have
    run on ``con``. ``hashes``: digests already being computed for a run over several
    tables (``FileHashes.of_deliveries``); without it the table's files are hashed here.
    ``background``: the run's great-expectations thread; the batch's validations then
    finish there, and the caller must call ``finish_validations`` on the result.
    ``deliveries`` and ``loaded``: the table's folder and manifest entries as the run
    found them at its start (``scan_deliveries``, ``manifest_hashes``); without them
    they are read here.
    """
    started = time.perf_counter()
    landing = Path(landing)
    result = TableIngestResult(table.fqn)
    run = LoadRun(load_id=load_id, quarantine_dir=quarantine_dir)
    current = str(table_dir(landing, table))  # what the error names if one stops the table
    try:
        if deliveries is None:
            (deliveries,) = scan_deliveries(landing, [table], as_of)
        good, bad = deliveries.files, deliveries.badly_named
        result.files_seen = len(good) + len(bad)

        def done(name: str, out: FileOutcome, seconds: float, batch: int = 0) -> None:
            result.add(out)
            if progress is not None:
                how = f" (one batch of {batch} files)" if batch > 1 else ""
                progress(
                    f"{name}: {out.status}, {out.rows_in_file} rows "
                    f"({out.rows_loaded} loaded, {out.rows_quarantined} quarantined) "
                    f"in {seconds:.2f}s{how}",
                    1,
                )

        skipped = 0  # files already loaded (or quarantined) by an earlier run
        for bf in bad:
            t0 = time.perf_counter()
            current = bf.rel_name
            out = _ingest_badly_named(con, bf, table, run)
            if out.status == "skipped":
                result.add(out)
                skipped += 1
            else:
                done(bf.rel_name, out, time.perf_counter() - t0)
        if loaded is None:
            loaded = loaded_hashes(con, table)
        new: list[Delivery] = []
        with (
            nullcontext(hashes)
            if hashes is not None
            else FileHashes([lf.path for lf in good], HASH_THREADS)
        ) as digests:
            for lf in good:
                t0 = time.perf_counter()
                current = lf.rel_name
                delivery = _delivery(lf, table, digests.get(lf.path))
                if (delivery.rel_name, delivery.digest) in loaded:
                    result.add(FileOutcome("skipped"))
                    skipped += 1
                else:
                    new.append(delivery)
        if skipped and progress is not None:
            # one line for the table: every earlier delivery is skipped on every refresh,
            # and a line per file would grow with the history (a year: ~11,000 lines,
            # each an event in Dagster's log)
            progress(f"{table.fqn}: {skipped} file(s) already loaded, skipped", skipped)
        if not new:
            return _finished(result, started)
        t0 = time.perf_counter()
        current = f"the batch of {len(new)} new file(s)"
        try:
            outcomes, pending = ingest_batch(
                con, new, run, validate=validate, background=background
            )
        except Exception as exc:  # a file the batch cannot read: load them one by one
            log.info("%s: batch not loaded (%r); file by file", table.fqn, exc)
            outcomes, pending = None, []
        if outcomes is not None:
            seconds = time.perf_counter() - t0
            for delivery, out in zip(new, outcomes, strict=True):
                done(delivery.rel_name, out, seconds, len(new))
            by_name = {d.rel_name: out for d, out in zip(new, outcomes, strict=True)}
            for future in pending:
                result.defer(future, by_name)
            return _finished(result, started)
        for delivery in new:
            t0 = time.perf_counter()
            current = delivery.rel_name
            out = ingest_file(con, delivery, run, validate=validate, background=background)
            done(delivery.rel_name, out, time.perf_counter() - t0)
    except Exception as exc:  # one table's failure must not stop the others
        result.error = f"{current}: {type(exc).__name__}: {exc}\n{traceback.format_exc()}"
        if progress is not None:
            progress(f"{table.fqn}: FAILED on {current}: {type(exc).__name__}: {exc}", 1)
    return _finished(result, started)


def validation_thread(
    scans: Iterable[TableDeliveries], manifest: dict[str, set[tuple[str, str]]]
) -> ValidationThread:
    """The run's great-expectations thread, warming up at once when a delivery is new.

    A file whose name the manifest does not know is new (the usual day): then the import
    starts before anything is read. A run with no new name (a re-run, nothing delivered)
    starts none; a known file delivered again with new content is validated all the
    same, only without the head start. ``scans`` and ``manifest``: the run's
    ``scan_deliveries`` and ``manifest_hashes``.
    """
    for scan in scans:
        known = {name for name, _ in manifest.get(scan.table.fqn, ())}
        if any(lf.rel_name not in known for lf in scan.files):
            return ValidationThread(warm=True)
    return ValidationThread(warm=False)


def new_deliveries(con: duckdb.DuckDBPyConnection, scans: Iterable[TableDeliveries]) -> list[str]:
    """The files of ``scans`` an ingestion would read: each one whose (name, sha256) is not
    in ``raw._manifest`` (what ``ingest_table`` skips is an identical re-delivery; a known
    name with new content is a correction and is read)."""
    scans = list(scans)
    manifest = manifest_hashes(con, [scan.table for scan in scans])
    files = [(scan.table, f) for scan in scans for f in (*scan.badly_named, *scan.files)]
    with FileHashes([f.path for _, f in files], HASH_THREADS) as digests:
        return [
            f.rel_name
            for table, f in files
            if (f.rel_name, digests.get(f.path)) not in manifest[table.fqn]
        ]


def _finished(result: TableIngestResult, started: float) -> TableIngestResult:
    result.seconds = time.perf_counter() - started
    return result


def new_load_id() -> str:
    """Sortable, unique id of an ingestion run: UTC time + random suffix."""
    return utcnow().strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]


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
    scans = scan_deliveries(Path(landing), tables if tables is not None else TABLES, as_of)
    try:
        ensure_raw_schema(con)
        manifest = manifest_hashes(con, [scan.table for scan in scans])
        with (
            FileHashes.of_deliveries(scans) as hashes,
            validation_thread(scans, manifest) if validate else nullcontext(None) as background,
        ):
            for scan in scans:
                result.tables.append(
                    ingest_table(
                        con,
                        Path(landing),
                        scan.table,
                        quarantine_dir=qdir,
                        load_id=load_id,
                        as_of=as_of,
                        validate=validate,
                        progress=progress,
                        hashes=hashes,
                        background=background,
                        deliveries=scan,
                        loaded=manifest[scan.table.fqn],
                    )
                )
            for table_result in result.tables:
                table_result.finish_validations()
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return result


__all__ = ["Progress", "ingest_all", "ingest_table", "new_load_id", "validation_thread"]
