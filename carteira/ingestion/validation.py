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


def build_expectations(table: Table) -> list[gxe.Expectation]:
    """The contract of ``table`` as GX expectations over the all-text file frame."""
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
    exps.append(gxe.ExpectColumnValuesToBeUnique(column=pk))
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


def validate_extract(df: pd.DataFrame, table: Table, file_name: str) -> ExtractValidation:
    """Validate one delivered file (``df``: the file as read, every column text).

    Nullable contract columns absent from the file are valid (they load as NULL), so they
    are added as empty columns before validating; absent required columns fail
    ``expect_column_to_exist``.
    """
    g = _Gx.get()
    suite_name = table.fqn
    with _Gx._lock:
        if suite_name not in g.suites:
            suite = g.context.suites.add(g.gx.ExpectationSuite(name=suite_name))
            for exp in build_expectations(table):
                suite.add_expectation(exp)
            g.suites[suite_name] = suite
        suite = g.suites[suite_name]
    frame = df
    missing_nullable = [c.name for c in table.columns if c.nullable and c.name not in df.columns]
    if missing_nullable:
        frame = df.assign(
            **{
                n: pd.Series([None] * len(df), index=df.index, dtype=object)
                for n in missing_nullable
            }
        )
    batch = g.batch_definition.get_batch(batch_parameters={"dataframe": frame})
    result = batch.validate(
        suite,
        result_format={"result_format": "SUMMARY", "partial_unexpected_count": PARTIAL_UNEXPECTED},
    )
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
    return ExtractValidation(file_name, bool(result.success), expectations)
