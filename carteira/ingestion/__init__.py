"""Landing zone -> raw layer (``raw.duckdb``): DuckDB readers, manifest, quarantine, GX.

Modules, by concern: ``files`` (finding and naming landing files), ``reading`` (the
DuckDB reader call per format), ``formats`` and ``staging`` (converting and typing),
``raw_tables`` (the raw layer's table definitions), ``bookkeeping`` (manifest and
quarantine), ``results`` (what a run reports), ``validation`` (great-expectations),
``batch`` (a table's new files in one query, one validation and one transaction) and
``per_file`` (the file-by-file fallback), ``background`` (the run's great-expectations
thread) and ``loader`` (the public entry points).

See ``docs/architecture.md`` (raw layer) for the tables this package writes.
"""

from carteira.ingestion.background import ValidationThread
from carteira.ingestion.bookkeeping import manifest_hashes
from carteira.ingestion.files import (
    FileHashes,
    LandingFile,
    TableDeliveries,
    discover_files,
    scan_deliveries,
    scan_table_dir,
    sha256_file,
)
from carteira.ingestion.loader import ingest_all, ingest_table, new_load_id, validation_thread
from carteira.ingestion.raw_tables import (
    LINEAGE_COLUMNS,
    MANIFEST_COLUMNS,
    QUARANTINE_COLUMNS,
    ensure_raw_schema,
    raw_schema,
    raw_table_name,
)
from carteira.ingestion.reading import csv_header, csv_reader_sql
from carteira.ingestion.results import (
    IngestResult,
    QuarantineEntry,
    TableIngestResult,
    describe_problem,
)
from carteira.ingestion.validation import ExtractValidation, validate_extract

__all__ = [
    "FileHashes",
    "LINEAGE_COLUMNS",
    "MANIFEST_COLUMNS",
    "QUARANTINE_COLUMNS",
    "ExtractValidation",
    "IngestResult",
    "LandingFile",
    "QuarantineEntry",
    "TableDeliveries",
    "TableIngestResult",
    "ValidationThread",
    "csv_header",
    "csv_reader_sql",
    "describe_problem",
    "discover_files",
    "ensure_raw_schema",
    "ingest_all",
    "ingest_table",
    "manifest_hashes",
    "new_load_id",
    "raw_schema",
    "raw_table_name",
    "scan_deliveries",
    "scan_table_dir",
    "sha256_file",
    "validate_extract",
    "validation_thread",
]
