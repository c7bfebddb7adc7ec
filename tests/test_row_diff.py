"""The `row_diff` incremental strategy on its own (dbt_project/macros/incremental/row_diff.sql).

A throwaway dbt project named like ours (the strategy dispatches in the `carteira`
namespace) with the macro file copied in and one model over a table the test edits
between runs. tests/test_incremental_refresh.py proves the whole warehouse equals a full
rebuild; this pins down the strategy's own promises: the table equals the model's answer,
rows that did not change are not rewritten, constant columns move on every row, and a
"constant" column holding two values stops the build.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from carteira.settings import DBT_PROJECT_DIR
from orchestration.resources import find_dbt

MACRO = DBT_PROJECT_DIR / "macros" / "incremental" / "row_diff.sql"

PROJECT = """\
name: carteira
version: "1.0"
profile: row_diff_test
model-paths: [models]
macro-paths: [macros]
models:
  carteira:
    +incremental_strategy: row_diff
    +on_schema_change: fail
"""

PROFILES = """\
row_diff_test:
  target: dev
  outputs:
    dev:
      type: duckdb
      path: "{path}"
      threads: 1
"""

MODEL = """\
{{ config(materialized='incremental', unique_key=['k', 'part'],
          meta={'row_diff_constant_columns': ['as_of']}) }}
select
    k,
    part,
    v,
    case when {{ var('split_as_of', false) }} and k = 1 then date '2000-01-01'
         else cast('{{ var("as_of") }}' as date) end as as_of
from main.src
"""


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    (tmp_path / "models").mkdir()
    (tmp_path / "macros").mkdir()
    shutil.copy(MACRO, tmp_path / "macros" / MACRO.name)
    (tmp_path / "dbt_project.yml").write_text(PROJECT)
    (tmp_path / "profiles.yml").write_text(PROFILES.format(path=tmp_path / "db.duckdb"))
    (tmp_path / "models" / "facts.sql").write_text(MODEL)
    _sql(tmp_path, "create table src (k integer, part varchar, v varchar)")
    return tmp_path


def _sql(project: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(project / "db.duckdb")) as con:
        return con.execute(sql).fetchall()


def _run(project: Path, as_of: str, *, split: bool = False) -> subprocess.CompletedProcess:
    variables = f"{{as_of: '{as_of}', split_as_of: {str(split).lower()}}}"
    return subprocess.run(
        [find_dbt(), "run", "--project-dir", str(project), "--profiles-dir", str(project)]
        + ["--vars", variables, "--target-path", str(project / "target")],
        capture_output=True,
        text=True,
        cwd=project,
        timeout=300,
        check=False,
    )


def _rows(project: Path) -> list[tuple]:
    return _sql(project, "select k, part, v, cast(as_of as varchar) from facts order by k")


def test_row_diff_writes_the_answer_rewriting_only_what_changed(project: Path) -> None:
    _sql(project, "insert into src values (1, 'x', 'a'), (2, null, 'b'), (3, 'x', 'c')")
    first = _run(project, "2026-01-01")
    assert first.returncode == 0, first.stdout
    (kept_rowid,) = _sql(project, "select rowid from facts where k = 1")[0]

    # one row changed (a null in its key), one gone, one new; the date moved
    _sql(project, "update src set v = 'B' where k = 2")
    _sql(project, "delete from src where k = 3")
    _sql(project, "insert into src values (4, 'x', 'd')")
    second = _run(project, "2026-01-02")
    assert second.returncode == 0, second.stdout
    assert "incremental" in second.stdout
    assert _rows(project) == [
        (1, "x", "a", "2026-01-02"),
        (2, None, "B", "2026-01-02"),
        (4, "x", "d", "2026-01-02"),
    ]
    # the unchanged row stayed where it was: only its constant column was set
    assert _sql(project, "select rowid from facts where k = 1") == [(kept_rowid,)]


def test_a_constant_column_with_two_values_stops_the_build(project: Path) -> None:
    _sql(project, "insert into src values (1, 'x', 'a'), (2, 'x', 'b')")
    assert _run(project, "2026-01-01").returncode == 0
    before = _rows(project)
    failed = _run(project, "2026-01-02", split=True)
    assert failed.returncode != 0
    assert "is configured constant but holds 2 values" in failed.stdout
    assert _rows(project) == before
