"""Landing zone -> raw layer (``raw.duckdb``): DuckDB readers, manifest, quarantine, GX.

See ``docs/architecture.md`` (raw layer) for the tables this package writes.
"""

from carteira.ingestion.files import LandingFile, discover_files, scan_table_dir, sha256_file
from carteira.ingestion.loader import (
    IngestResult,
    QuarantineEntry,
    TableIngestResult,
    ensure_raw_schema,
    ingest_all,
    ingest_table,
    new_load_id,
    raw_table_name,
)
from carteira.ingestion.validation import ExtractValidation, validate_extract

__all__ = [
    "ExtractValidation",
    "IngestResult",
    "LandingFile",
    "QuarantineEntry",
    "TableIngestResult",
    "discover_files",
    "ensure_raw_schema",
    "ingest_all",
    "ingest_table",
    "new_load_id",
    "raw_table_name",
    "scan_table_dir",
    "sha256_file",
    "validate_extract",
]
