"""What an ingestion run reports: per problem, per file, per table and per run.

``describe_problem`` is the one format of a quarantine message; the CLI summary, the
refresh summary and the Dagster check metadata all print problems through it.
"""

from __future__ import annotations

import traceback
from concurrent.futures import Future
from dataclasses import dataclass, field

from carteira.ingestion.validation import ExtractValidation


def describe_problem(
    file_name: str, row_number: int | None, column_name: str | None, reason: str
) -> str:
    """``<file> row <n> column <c>: <reason>``, leaving out the row or column when unknown.

    A whole-file problem has no row, and a problem of the row as a whole has no column;
    saying "row None" would only confuse the reader.
    """
    where = file_name
    if row_number is not None:
        where += f" row {row_number}"
    if column_name is not None:
        where += f" column {column_name}"
    return f"{where}: {reason}"


@dataclass(frozen=True)
class QuarantineEntry:
    """One problem set aside: row_number/column_name are None for whole-file problems."""

    file_name: str
    row_number: int | None
    column_name: str | None
    reason: str

    def describe(self) -> str:
        return describe_problem(self.file_name, self.row_number, self.column_name, self.reason)


@dataclass
class FileOutcome:
    """What ingesting one file did (the loader adds these up per table)."""

    status: str  # loaded | partially_quarantined | quarantined | skipped
    rows_in_file: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    entries: list[QuarantineEntry] = field(default_factory=list)
    validation: ExtractValidation | None = None


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
    # the files counted in (skipped ones aside), in order; and validations still running
    _files: list[FileOutcome] = field(default_factory=list, repr=False)
    _pending: list[tuple[Future[dict[str, ExtractValidation]], dict[str, FileOutcome]]] = field(
        default_factory=list, repr=False
    )

    @property
    def ok(self) -> bool:
        return self.error is None and self.rows_quarantined == 0 and self.files_quarantined == 0

    def add(self, out: FileOutcome) -> None:
        """Count one file's outcome into this table's totals."""
        if out.status == "skipped":
            self.files_skipped += 1
            return
        self.files_loaded += 1
        self._files.append(out)
        if out.status == "quarantined":
            self.files_quarantined += 1
        self.rows_loaded += out.rows_loaded
        self.rows_quarantined += out.rows_quarantined
        self.quarantine.extend(out.entries)
        if out.validation is not None:
            self.validations.append(out.validation)

    def defer(
        self, future: Future[dict[str, ExtractValidation]], outcomes: dict[str, FileOutcome]
    ) -> None:
        """Validations of ``outcomes`` (by file name) that ``future`` will give."""
        self._pending.append((future, outcomes))

    def finish_validations(self) -> None:
        """Wait for the deferred validations and count them in, in file order.

        A validation that raised stops the table like any unexpected error (its rows are
        committed; the check cannot say whether they meet the contract).
        """
        if not self._pending:
            return
        for future, outcomes in self._pending:
            try:
                found = future.result()
            except Exception as exc:
                if self.error is None:
                    self.error = f"great-expectations: {type(exc).__name__}: {exc}\n" + "".join(
                        traceback.format_exception(exc)
                    )
                continue
            for name, validation in found.items():
                outcomes[name].validation = validation
        self._pending = []
        self.validations = [o.validation for o in self._files if o.validation is not None]


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
