"""great-expectations validation of one delivered extract, read as text.

Expectations are derived from the contract (``carteira.contract``): required columns
present, primary key not null / not blank / unique within the file, required columns not
null, enum columns within their value sets, and per-system format regexes for typed
columns.  The regexes are the very patterns the SQL loader uses to decide quarantine
(``formats.value_pattern``), so a file that quarantines rows always fails validation.

Validation is a *report* (it feeds a Dagster asset check); it never quarantines anything.
It runs on pandas dataframes only: GX 1.x validating DuckDB through SQLAlchemy gives wrong
results.  The GX context is slow to build, so one ephemeral context is created per
process and reused; suites are built once per table.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from carteira.contract import Table
from carteira.ingestion.formats import python_regex, value_pattern

if TYPE_CHECKING:
    import great_expectations.expectations as gxe

# great_expectations is imported lazily (it takes seconds): importing the ingestion
# package, or loading with validate=False, must not pay for it.

# how many offending values each failed expectation reports
PARTIAL_UNEXPECTED = 5


@dataclass
class ExtractValidation:
    """Outcome of validating one file against its contract."""

    file_name: str
    success: bool
    expectations: list[dict[str, Any]] = field(default_factory=list)
    rows_in_file: int | None = None
    rows_validated: int | None = None

    @property
    def failed(self) -> list[dict[str, Any]]:
        return [e for e in self.expectations if not e["success"]]

    def to_metadata(self) -> dict[str, Any]:
        """Compact, JSON-serialisable summary for Dagster metadata."""
        return {
            "file_name": self.file_name,
            "success": self.success,
            "rows_in_file": self.rows_in_file,
            "rows_validated": self.rows_validated,
            "expectations_evaluated": len(self.expectations),
            "expectations_failed": len(self.failed),
            "failures": [
                {
                    "expectation": e["expectation"],
                    "column": e["column"],
                    "unexpected_count": e["unexpected_count"],
                    "examples": [str(v) for v in (e["partial_unexpected_list"] or [])][:3],
                }
                for e in self.failed
            ],
        }

    @classmethod
    def file_level_failure(cls, file_name: str, check: str, reason: str) -> ExtractValidation:
        """A file that could not be validated at all (unparseable, badly named)."""
        return cls(
            file_name,
            False,
            [
                {
                    "expectation": check,
                    "column": None,
                    "success": False,
                    "unexpected_count": None,
                    "partial_unexpected_list": [reason],
                }
            ],
        )


class _Gx:
    """Process-wide GX context with one pandas dataframe asset, built lazily once."""

    _lock = threading.Lock()
    _instance: _Gx | None = None

    def __init__(self) -> None:
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")  # before GX is imported
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self.gx = gx
        self.context = gx.get_context(mode="ephemeral")
        # no tqdm bars on stderr for every file
        self.context.variables.progress_bars = ProgressBarsConfig(
            globally=False, metric_calculations=False
        )
        source = self.context.data_sources.add_pandas("carteira_extracts")
        asset = source.add_dataframe_asset("extract")
        self.batch_definition = asset.add_batch_definition_whole_dataframe("whole_file")
        self.suites: dict[str, Any] = {}

    @classmethod
    def get(cls) -> _Gx:
        with cls._lock:
            if cls._instance is None:
                cls._instance = _Gx()
            return cls._instance


def warm_up() -> None:
    """Import great-expectations and build its context now (seconds, once per process)."""
    _Gx.get()


def build_expectations(table: Table, file_column: str | None = None) -> list[gxe.Expectation]:
    """The contract of ``table`` as GX expectations over the all-text file frame.

    With ``file_column`` the frame holds several files (that column says which) and the
    key must be unique within each file, not across them: a record changed on two days is
    in both days' deltas.
    """
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations.expectations as gxe

    fmt = table.format
    exps: list[gxe.Expectation] = []
    # GX costs ~15 ms per expectation whatever the frame size, and most deliveries are
    # small deltas: one set expectation covers every required column
    required = [c.name for c in table.columns if not c.nullable]
    exps.append(gxe.ExpectTableColumnsToMatchSet(column_set=required, exact_match=False))
    pk = table.primary_key
    exps.append(gxe.ExpectColumnValuesToNotBeNull(column=pk))
    if table.column(pk).type == "str":  # typed keys are covered by their format regex
        exps.append(gxe.ExpectColumnValuesToMatchRegex(column=pk, regex=r"\S"))
    if file_column is None:
        exps.append(gxe.ExpectColumnValuesToBeUnique(column=pk))
    else:  # nulls ignored, as the single-column expectation ignores them
        exps.append(
            gxe.ExpectCompoundColumnsToBeUnique(
                column_list=[file_column, pk], ignore_row_if="any_value_is_missing"
            )
        )
    for col in table.columns:
        if not col.nullable and col.name != pk:
            exps.append(gxe.ExpectColumnValuesToNotBeNull(column=col.name))
        if col.enum is not None:
            exps.append(gxe.ExpectColumnValuesToBeInSet(column=col.name, value_set=list(col.enum)))
        pattern = value_pattern(fmt, col)
        if pattern is not None:
            exps.append(
                gxe.ExpectColumnValuesToMatchRegex(column=col.name, regex=python_regex(pattern))
            )
        elif col.type == "str[]":
            # the loader accepts a JSON array; the reader hands it over as JSON text
            exps.append(
                gxe.ExpectColumnValuesToMatchRegex(column=col.name, regex=r"^\s*\[[\s\S]*\]\s*\Z")
            )
            exps.append(gxe.ExpectColumnValuesToBeJsonParseable(column=col.name))
    return exps


def _plain(value: Any) -> Any:
    """NaN (pandas' null in object columns) -> None, so results serialise as JSON."""
    return None if isinstance(value, float) and value != value else value


def _suite(table: Table, file_column: str | None) -> Any:
    g = _Gx.get()
    name = table.fqn if file_column is None else f"{table.fqn}@files"
    with _Gx._lock:
        if name not in g.suites:
            # not added to the context's suite store: validating does not need it, and
            # storing costs ~0.1 s per table in every refresh
            g.suites[name] = g.gx.ExpectationSuite(
                name=name, expectations=build_expectations(table, file_column)
            )
        return g.suites[name]


def _with_nullable_columns(df: pd.DataFrame, table: Table) -> pd.DataFrame:
    """Nullable contract columns absent from the file, added empty (they load as NULL)."""
    missing_nullable = [c.name for c in table.columns if c.nullable and c.name not in df.columns]
    if not missing_nullable:
        return df
    return df.assign(
        **{n: pd.Series([None] * len(df), index=df.index, dtype=object) for n in missing_nullable}
    )


def _run_suite(frame: pd.DataFrame, table: Table, file_column: str | None, fmt: str) -> Any:
    g = _Gx.get()
    batch = g.batch_definition.get_batch(batch_parameters={"dataframe": frame})
    return batch.validate(
        _suite(table, file_column),
        result_format={"result_format": fmt, "partial_unexpected_count": PARTIAL_UNEXPECTED},
    )


def validate_extract(df: pd.DataFrame, table: Table, file_name: str) -> ExtractValidation:
    """Validate one delivered file (``df``: the file as read, every column text).

    Nullable contract columns absent from the file are valid (they load as NULL), so they
    are added as empty columns before validating; absent required columns fail
    ``expect_column_to_exist``.
    """
    frame = _with_nullable_columns(df, table)
    result = _run_suite(frame, table, None, "SUMMARY")
    expectations: list[dict[str, Any]] = []
    for r in result.results:
        cfg = r.expectation_config
        res = r.result or {}
        column = cfg.kwargs.get("column") if cfg is not None else None
        unexpected = res.get("unexpected_count")
        if not r.success and unexpected is None and column is not None and column not in frame:
            unexpected = len(frame)  # expectation on a missing column: every row fails
        partial = list(res.get("partial_unexpected_list") or [])
        missing = ((res.get("details") or {}).get("mismatched") or {}).get("missing")
        if missing:  # table-level column-set check: report the missing columns
            partial, unexpected = list(missing), len(missing)
        expectations.append(
            {
                "expectation": cfg.type if cfg is not None else "unknown",
                "column": column,
                "success": bool(r.success),
                "unexpected_count": unexpected,
                "partial_unexpected_list": [_plain(v) for v in partial],
            }
        )
    return ExtractValidation(file_name, bool(result.success), _in_order(expectations))


def _in_order(expectations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One order for a file's results, by column then expectation: GX returns them in an
    order of its own that differs between suites, and a file's report must not depend on
    whether it was validated alone or in a batch."""
    return sorted(expectations, key=lambda e: (e["column"] or "", e["expectation"]))


def validate_files(
    df: pd.DataFrame, table: Table, file_column: str, file_names: dict[int, str]
) -> dict[int, ExtractValidation]:
    """Validate several delivered files in ONE great-expectations run, reported per file.

    ``df`` holds the files' rows (every column text) and ``file_column``, the key of each
    row's file in ``file_names``. GX costs ~15 ms per expectation per run whatever the
    rows, so one run for a table's whole batch replaces one per file. GX returns the
    index of every failing row (result format COMPLETE), which gives each file its own
    outcome, exactly as ``validate_extract`` of that file alone would report it: the same
    expectations, success, unexpected count and first unexpected values. Key uniqueness
    is checked within each file and reported as ``expect_column_values_to_be_unique``.
    """
    frame = _with_nullable_columns(df.reset_index(drop=True), table)
    # most batches pass: a pass/fail-only run is about twice as fast on small frames,
    # and only a batch with a failure is run again for the rows that failed
    result = _run_suite(frame, table, file_column, "BOOLEAN_ONLY")
    if not result.success:
        result = _run_suite(frame, table, file_column, "COMPLETE")
    file_of = frame[file_column].tolist()
    rows = {f: 0 for f in file_names}
    for f in file_of:
        rows[f] += 1
    per_file: dict[int, list[dict[str, Any]]] = {f: [] for f in file_names}
    pk = table.primary_key
    for r in result.results:
        cfg = r.expectation_config
        res = r.result or {}
        kind = cfg.type if cfg is not None else "unknown"
        column = cfg.kwargs.get("column") if cfg is not None else None
        values = list(res.get("unexpected_list") or [])
        if kind == "expect_compound_columns_to_be_unique":
            kind, column = "expect_column_values_to_be_unique", pk
            values = [v.get(pk) if isinstance(v, dict) else v for v in values]
        index = res.get("unexpected_index_list")
        if result.success:  # every row of every file passed (no detail was computed)
            index = None if kind.startswith("expect_table_") else []
        missing = ((res.get("details") or {}).get("mismatched") or {}).get("missing")
        for f in file_names:
            if index is not None:
                mine = [v for i, v in zip(index, values, strict=True) if file_of[i] == f]
                success, unexpected, partial = not mine, len(mine), mine[:PARTIAL_UNEXPECTED]
            else:  # table-level, or an expectation GX could not evaluate (missing column)
                success, unexpected = bool(r.success), res.get("unexpected_count")
                partial = list(res.get("partial_unexpected_list") or [])
                if not success and unexpected is None and column not in (None, *frame.columns):
                    unexpected = rows[f]  # expectation on a missing column: every row fails
                if missing:
                    partial, unexpected = list(missing), len(missing)
            per_file[f].append(
                {
                    "expectation": kind,
                    "column": column,
                    "success": success,
                    "unexpected_count": unexpected,
                    "partial_unexpected_list": [_plain(v) for v in partial],
                }
            )
    return {
        f: ExtractValidation(name, all(e["success"] for e in per_file[f]), _in_order(per_file[f]))
        for f, name in file_names.items()
    }
