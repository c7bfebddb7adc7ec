"""Generate the staging layer's dbt .yml files from `carteira.contract`.

`models/staging/_sources.yml` and `models/staging/<system>/_<system>__models.yml` repeat
the contract 31 times over: every table, every column in order with its data type (an
enforced contract), the key and the required metadata columns as not-null constraints,
the key's unique test, and one `column_rules` test per model with every required column
and enum. Written by hand
they drift from the contract; this module writes them, so a contract change is one edit in
`carteira/contract.py` plus::

    uv run python -m carteira.devtools.staging_yml          # rewrite the files
    uv run python -m carteira.devtools.staging_yml --check  # exit 1 if any is out of date

What is not in the contract is written by people and kept across runs: the description
of each source column (in the system's `_<system>__models.yml`; the generator copies it
into `_sources.yml` with the time-zone note each layer needs) and the description of each
source system (in `_sources.yml`). A column the files do not describe yet gets an empty
description, and `--check` fails until someone writes it.

A description the generator would write more than once (the metadata columns of every
table, `updated_at`, a shared reference) is written once, as a docs block of
`models/staging/_staging__docs.md`, and the .yml files say `{{ doc('name') }}`
(carteira.devtools.descriptions). Edit a shared text in that block: the generator reads
it back, as it reads the .yml files; a text that equals a hand-written block elsewhere
in `models/` uses that block.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from carteira.contract import DUCKDB_TYPES, SYSTEMS, TABLES, Column, Table
from carteira.devtools.descriptions import read_blocks, render_blocks
from carteira.devtools.shared_descriptions import resolve_docs, share_repeated

STAGING_DIR = Path(__file__).resolve().parents[2] / "models" / "staging"
SOURCES_FILE = STAGING_DIR / "_sources.yml"
DOCS_FILE_NAME = "_staging__docs.md"

DOCS_HEADER = """\
{#- Written by `python -m carteira.devtools.staging_yml`: the descriptions the staging
    .yml files share. Edit a text here (the generator reads it back); a block's name is
    the generator's. -#}
"""

SOURCES_HEADER = """\
# Written from carteira.contract (the one Python declaration of the source contract)
# by `python -m carteira.devtools.staging_yml`; tests/test_staging_yml.py fails when it
# is out of date. Hand-written here: each source's description. Column descriptions are
# copied from the staging models' .yml files.
#
# Freshness measures the age of the newest EXTRACT, not of the newest load:
# loaded_at_field is _extract_date (the date in the file name, as midnight).
# _loaded_at would look fresh after re-ingesting old files or a backfill, which
# says nothing about whether the source still delivers. Sources deliver daily,
# so the newest extract date is at most ~24h old plus the time of day the
# extract arrives: warn after 26h (today's extract is late), error after 48h
# (a whole day is missing). _extract_date is a local date compared with a UTC
# clock, which only makes the check a few hours more lenient.
"""

MODELS_HEADER = """\
# Written from carteira.contract by `python -m carteira.devtools.staging_yml`;
# tests/test_staging_yml.py fails when it is out of date. Hand-written here: the
# description of each contract column (kept when the file is generated again).
#
# Severity: the primary key is not null (an enforced constraint: the build
# stops) and unique (a test, error): it is what staging guarantees (one row
# per key) and every join downstream relies on it. The contract checks on
# source values (required columns, enums) warn, all of a model's in one
# column_rules test: a bad value from a source is reported on every build but
# must not stop the whole warehouse from publishing; the ingestion's
# validation is the gate that sets bad rows aside. The metadata columns are
# written by our own ingestion: not-null constraints.
"""

FRESHNESS: dict[str, Any] = {
    "loaded_at_field": "cast(_extract_date as timestamp)",
    "freshness": {
        "warn_after": {"count": 26, "period": "hour"},
        "error_after": {"count": 48, "period": "hour"},
    },
}

LOCAL_TIME = "(Business-local time.)"
UTC_TIME = "(UTC, without zone.)"
WARN: dict[str, Any] = {"config": {"severity": "warn"}}

# Columns the ingestion adds to every raw table (docs/architecture.md, "Raw layer").
RAW_METADATA: tuple[tuple[str, str], ...] = (
    (
        "_extras",
        "JSON object with the file's columns the contract does not know (schema drift), "
        "values as strings; null when none.",
    ),
    ("_file_name", "Path of the delivered file relative to the landing root."),
    ("_file_hash", "sha256 hex of the file's bytes."),
    ("_extract_date", "Extraction date, from the file name."),
    ("_delivery_seq", "1 for <table>_<date>.<ext>, n for the n-th delivery of the day."),
    ("_row_number", "1-based ordinal of the record in the file (header excluded)."),
    ("_loaded_at", "UTC time of the load into the raw layer."),
    ("_load_id", "Id of the ingestion run."),
)

# Columns every staging model adds (docs/architecture.md, "Warehouse"): name,
# description, whether a not-null constraint guards it, data type (macro
# stg_lineage_columns).
STAGING_METADATA: tuple[tuple[str, str, bool, str], ...] = (
    (
        "is_deleted",
        "True when deleted_at is set (soft delete); always false for tables without "
        "deleted_at. Deleted records stay in staging and are filtered out downstream.",
        True,
        "boolean",
    ),
    (
        "_extract_date",
        "Extraction date of the file the current version came from.",
        True,
        "date",
    ),
    ("_delivery_seq", "Delivery sequence of that file on its extraction date.", False, "integer"),
    ("_row_number", "Row of the current version in that file.", False, "bigint"),
    (
        "_file_name",
        "File the current version came from (relative to the landing root).",
        True,
        "varchar",
    ),
    (
        "_loaded_at",
        "UTC time the current version was loaded into the raw layer (not converted: "
        "technical metadata).",
        True,
        "timestamp",
    ),
)

NOT_NULL: dict[str, str] = {"type": "not_null"}


@dataclass(frozen=True)
class Described:
    """What people wrote and the generator keeps."""

    columns: dict[tuple[str, str], str]  # (table fqn, column) -> base description
    systems: dict[str, str]  # system -> source description


def models_file(system: str) -> Path:
    return STAGING_DIR / system / f"_{system}__models.yml"


def _generated_suffixes(table: Table, column: Column) -> list[str]:
    suffixes = []
    if column.enum:
        suffixes.append(f"One of: {', '.join(column.enum)}.")
    if column.type == "ts":
        suffixes.append(LOCAL_TIME)
    return suffixes


def _base_description(text: str, table: Table, column: Column) -> str:
    """A staging column description without the parts the generator adds."""
    for suffix in reversed(_generated_suffixes(table, column)):
        if text == suffix:
            text = ""
        elif text.endswith(" " + suffix):
            text = text[: -len(suffix) - 1]
    return text


def _with_suffixes(base: str, suffixes: Iterable[str]) -> str:
    parts = [base] if base else []
    parts.extend(suffixes)
    return " ".join(parts)


def _read_yaml(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def docs_file() -> Path:
    return STAGING_DIR / DOCS_FILE_NAME


def hand_written_blocks() -> dict[str, str]:
    """Docs blocks of `models/` the generator does not write: name -> text."""
    models = STAGING_DIR.parent
    return {
        b.name: b.text
        for b in read_blocks(p for p in sorted(models.rglob("*.md")) if p != docs_file())
    }


def read_described() -> Described:
    """Collect the hand-written descriptions from the files as they are now (a doc() call
    read as its block's text)."""
    blocks = {b.name: b.text for b in read_blocks([docs_file()] if docs_file().exists() else [])}
    blocks.update(hand_written_blocks())
    columns: dict[tuple[str, str], str] = {}
    for system in SYSTEMS:
        models = {m["name"]: m for m in _read_yaml(models_file(system)).get("models", [])}
        for table in (t for t in TABLES if t.system == system):
            model = models.get(f"stg_{table.fqn}", {})
            for entry in model.get("columns", []):
                if entry["name"] in table.column_names:
                    column = table.column(entry["name"])
                    text = resolve_docs(entry.get("description") or "", blocks)
                    columns[(table.fqn, column.name)] = _base_description(text, table, column)
    sources = _read_yaml(SOURCES_FILE).get("sources", [])
    systems = {s["name"]: s.get("description") or "" for s in sources}
    return Described(columns, systems)


def _source_column_description(base: str, table: Table, column: Column) -> str:
    suffixes = [f"One of: {', '.join(column.enum)}."] if column.enum else []
    if column.type == "ts" and "business-local time" not in base.lower():
        suffixes.append(UTC_TIME if table.system == "crm" else LOCAL_TIME)
    return _with_suffixes(base, suffixes)


def _staging_column_description(base: str, table: Table, column: Column) -> str:
    suffixes = [f"One of: {', '.join(column.enum)}."] if column.enum else []
    if column.type == "ts" and "business-local time" not in base.lower():
        suffixes.append(LOCAL_TIME)
    return _with_suffixes(base, suffixes)


def sources_doc(described: Described) -> dict[str, Any]:
    sources = []
    for system in SYSTEMS:
        tables = []
        for table in (t for t in TABLES if t.system == system):
            columns = [
                {
                    "name": c.name,
                    "description": _source_column_description(
                        described.columns.get((table.fqn, c.name), ""), table, c
                    ),
                }
                for c in table.columns
            ]
            columns += [{"name": n, "description": d} for n, d in RAW_METADATA]
            tables.append(
                {
                    "name": table.name,
                    "identifier": table.fqn,
                    "description": f"{table.description} Raw history: every delivered "
                    f"version, primary key {table.primary_key}.",
                    "columns": columns,
                }
            )
        sources.append(
            {
                "name": system,
                "description": described.systems.get(system, ""),
                "database": "{{ var('raw_database') }}",
                "schema": "raw",
                "config": FRESHNESS,
                "tables": tables,
            }
        )
    return {"version": 2, "sources": sources}


def data_type(column: Column) -> str:
    """The staging column's contract type: the raw layer's type (staging casts to it)."""
    return DUCKDB_TYPES[column.type].lower()


def _column_constraints(table: Table, column: Column) -> list[dict[str, str]]:
    return [NOT_NULL] if column.name == table.primary_key else []


def _column_tests(table: Table, column: Column) -> list[str]:
    """The key's uniqueness stays a data test (error severity).

    A primary-key constraint would say it, but DuckDB maintains an ART index for it
    while the table is filled: with keys in no particular order (window output, md5
    keys) that costs 10 to 30 times the unique test's one aggregation from ~100k rows
    on (docs/performance.md, "Fewer dbt nodes"), and the six incremental tables, only
    appended to, would keep no constraint that their first build did not create.
    """
    return ["unique"] if column.name == table.primary_key else []


def column_rules(table: Table) -> dict[str, Any] | None:
    """The model's warn-severity source-value rules as one column_rules test, if any."""
    rules = [c for c in table.columns if c.name != table.primary_key]
    arguments: dict[str, Any] = {}
    not_null = [c.name for c in rules if not c.nullable]
    if not_null:
        arguments["not_null"] = not_null
    accepted = {c.name: list(c.enum) for c in rules if c.enum}
    if accepted:
        arguments["accepted_values"] = accepted
    if not arguments:
        return None
    return {
        "column_rules": {
            "name": f"column_rules_stg_{table.fqn}",
            "arguments": arguments,
            **WARN,
        }
    }


def _model_description(table: Table) -> str:
    ordering = (
        "greatest updated_at, then later file, then later row"
        if table.has_updated_at
        else "first delivery; calls are immutable"
    )
    return (
        f"{table.description} One row per {table.primary_key}: the current version "
        f"({ordering}), strings trimmed (empty -> null), e-mails lower-cased, timestamps "
        "in business-local time, soft deletes flagged in is_deleted. Materialized as "
        f"{'incremental' if table.large else 'table'}."
    )


def models_doc(system: str, described: Described) -> dict[str, Any]:
    models = []
    for table in (t for t in TABLES if t.system == system):
        columns = []
        for column in table.columns:
            entry: dict[str, Any] = {
                "name": column.name,
                "description": _staging_column_description(
                    described.columns.get((table.fqn, column.name), ""), table, column
                ),
                "data_type": data_type(column),
            }
            constraints = _column_constraints(table, column)
            if constraints:
                entry["constraints"] = constraints
            tests = _column_tests(table, column)
            if tests:
                entry["data_tests"] = tests
            columns.append(entry)
        for name, description, not_null, type_name in STAGING_METADATA:
            entry = {"name": name, "description": description, "data_type": type_name}
            if not_null:
                entry["constraints"] = [NOT_NULL]
            columns.append(entry)
        model: dict[str, Any] = {
            "name": f"stg_{table.fqn}",
            "description": _model_description(table),
            "config": {"contract": {"enforced": True}},
        }
        model["columns"] = columns
        rules = column_rules(table)
        if rules:
            model["data_tests"] = [rules]
        models.append(model)
    return {"version": 2, "models": models}


class _NoAliasDumper(yaml.SafeDumper):
    """Writes repeated blocks (freshness, test severities) in full, never as &anchors."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_str(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    """A doc() call double-quoted, as people write it: "{{ doc('name') }}"."""
    style = '"' if text.startswith("{{") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_NoAliasDumper.add_representer(str, _represent_str)


def _render(header: str, doc: dict[str, Any]) -> str:
    body = yaml.dump(doc, Dumper=_NoAliasDumper, sort_keys=False, allow_unicode=True, width=100)
    return header + body


def generated_files() -> dict[Path, str]:
    """Every generated file and the text it should have."""
    described = read_described()
    docs = {SOURCES_FILE: sources_doc(described)}
    for system in SYSTEMS:
        docs[models_file(system)] = models_doc(system, described)
    shared = share_repeated(docs, hand_written_blocks())
    files = {
        path: _render(SOURCES_HEADER if path == SOURCES_FILE else MODELS_HEADER, doc)
        for path, doc in docs.items()
    }
    files[docs_file()] = DOCS_HEADER + "\n" + render_blocks(shared)
    return files


def undescribed(files: dict[Path, str]) -> list[str]:
    """Contract columns and sources that nobody has described yet."""
    described = read_described()
    missing = [
        f"{models_file(t.system).relative_to(STAGING_DIR.parents[1])}: "
        f"stg_{t.fqn}.{c.name} has no description"
        for t in TABLES
        for c in t.columns
        if not described.columns.get((t.fqn, c.name))
    ]
    missing += [
        f"{SOURCES_FILE.relative_to(STAGING_DIR.parents[1])}: source {s} has no description"
        for s in SYSTEMS
        if not described.systems.get(s)
    ]
    return missing


def stale(files: dict[Path, str]) -> list[Path]:
    return [
        path
        for path, text in files.items()
        if not path.exists() or path.read_text(encoding="utf-8") != text
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m carteira.devtools.staging_yml", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 if a file is out of date or a column is undescribed",
    )
    args = parser.parse_args(argv)
    files = generated_files()
    out_of_date = stale(files)
    if args.check:
        problems = [
            f"{p.relative_to(STAGING_DIR.parents[1])} is out of date with carteira/contract.py"
            for p in out_of_date
        ] + undescribed(files)
        for line in problems:
            print(line, file=sys.stderr)
        if out_of_date:
            print("run: uv run python -m carteira.devtools.staging_yml", file=sys.stderr)
        return 1 if problems else 0
    for path in out_of_date:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(files[path], encoding="utf-8")
        print(f"wrote {path.relative_to(STAGING_DIR.parents[1])}")
    for line in undescribed(files):
        print(f"describe: {line}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
