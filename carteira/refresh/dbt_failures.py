"""What a failed dbt build and a warn-severity column rule mean, in lines for a person.

Error-severity column rules are enforced contract constraints (docs/architecture.md,
"Data quality"): a row that breaks one fails the model's build with the database's own
message, which names a temporary relation (`<model>__dbt_tmp`), sometimes only a value,
and arrives inside dagster-dbt's long "dbt CLI process failed" text. `failed_nodes`
turns that text into one line per failed node that names the model and the column.

Warn-severity rules are one `column_rules` test per model whose failing rows (column,
rule, rows, an example value) dbt stores in schema `audit` of the build
(dbt_project/tests/generic/column_rules.sql); `column_rule_lines` reads them back from
the published warehouse.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb

# dagster-dbt appends dbt's error-level log lines after this marker.
DBT_ERRORS_MARKER = "Errors parsed from dbt logs:"
# Schema and name prefix of the warn rules' stored failures (column_rules.sql).
AUDIT_SCHEMA = "audit"
COLUMN_RULES_PREFIX = "column_rules_"

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_NODE_HEADER = re.compile(
    r"^\s*(?:Runtime|Compilation|Database) Error in (model|test|seed|snapshot) (\w+)"
    r"|^\s*Failure in (test|model) (\w+)"
)
_TMP = re.compile(r"__dbt_(?:tmp|backup)\b")

# (pattern, template) for the constraint messages of DuckDB and PostgreSQL.
_CONSTRAINT_MESSAGES: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"NOT NULL constraint failed: [\w\"]+\.\"?(\w+)"),
        "column {0} is null in a row (not_null constraint)",
    ),
    (
        re.compile(r'null value in column "(\w+)" of relation "\w+" violates not-null'),
        "column {0} is null in a row (not_null constraint)",
    ),
    (
        re.compile(r'Duplicate key "(\w+): ([^"]*)" violates (primary key|unique) constraint'),
        "column {0} has the value {1} twice ({2} constraint)",
    ),
    (
        re.compile(r"Key \(([^)]*)\)=\(([^)]*)\) already exists"),
        "column {0} has the value {1} twice (primary key or unique constraint)",
    ),
    (
        re.compile(r'CHECK constraint failed on table "?\w+"? with expression CHECK\((.*)\)$'),
        "a row breaks the check constraint {0}",
    ),
    (
        re.compile(r'violates check constraint "(\w+)"'),
        "a row breaks the check constraint {0}",
    ),
)
_DUPLICATE = re.compile(r'PRIMARY KEY or UNIQUE constraint violation: duplicate key "([^"]*)"')


def _key_columns(model: str, manifest: Mapping[str, Any] | None) -> list[str]:
    """The model's primary-key and unique columns, from the manifest's contract."""
    if not manifest:
        return []
    node = manifest.get("nodes", {}).get(f"model.carteira.{model}") or {}
    keys: list[str] = []
    for constraint in node.get("constraints", []):
        if constraint.get("type") in ("primary_key", "unique"):
            keys.append("(" + ", ".join(constraint.get("columns", [])) + ")")
    for name, column in node.get("columns", {}).items():
        types = {c.get("type") for c in column.get("constraints", [])}
        if types & {"primary_key", "unique"}:
            keys.append(name)
    return keys


def _describe(kind: str, node: str, message: str, manifest: Mapping[str, Any] | None) -> str:
    message = _TMP.sub("", message.strip())
    if kind == "model":
        for pattern, template in _CONSTRAINT_MESSAGES:
            found = pattern.search(message)
            if found:
                return f"model {node}: " + template.format(*found.groups())
        duplicate = _DUPLICATE.search(message)
        if duplicate:
            keys = _key_columns(node, manifest)
            where = f" of {' or '.join(keys)}" if keys else ""
            return (
                f"model {node}: the value {duplicate.group(1)} twice in a key{where} "
                "(primary key or unique constraint)"
            )
    return f"{kind} {node}: {message}"


def failed_nodes(text: str, manifest: Mapping[str, Any] | None = None) -> list[str]:
    """One line per failed dbt node in dagster-dbt's error text ([] when it has none).

    A model that broke a constraint reads `model <name>: column <column> ...`; a failed
    test `test <name>: <dbt's message>`; anything else the node's first message line.
    """
    if DBT_ERRORS_MARKER not in text:
        return []
    tail = text.split(DBT_ERRORS_MARKER, 1)[1]
    lines = [_ANSI.sub("", line).rstrip() for line in tail.splitlines()]
    found: dict[tuple[str, str], str] = {}
    for i, line in enumerate(lines):
        header = _NODE_HEADER.match(line)
        if not header:
            continue
        kind = header.group(1) or header.group(3)
        node = header.group(2) or header.group(4)
        message = next(
            (m.strip() for m in lines[i + 1 :] if m.strip() and not _NODE_HEADER.match(m)), ""
        )
        if not message or (kind, node) in found:
            continue
        found[(kind, node)] = _describe(kind, node, message, manifest)
    return list(found.values())


def column_rule_lines(warehouse: Path, model: str, check_name: str) -> list[str]:
    """The broken rules of one column_rules check, read from the warehouse's audit schema."""
    if not check_name.startswith(COLUMN_RULES_PREFIX) or not warehouse.exists():
        return []
    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            rows = con.execute(
                "select column_name, rule_name, failing_rows, example_value "
                f'from "{AUDIT_SCHEMA}"."{check_name}" order by column_name, rule_name'
            ).fetchall()
    except duckdb.Error:
        return []
    lines = []
    for column, rule, count, example in rows:
        line = f"{model}.{column}: {rule} fails in {count} row(s)"
        if example is not None:
            line += f", e.g. {example!r}"
        lines.append(line)
    return lines
