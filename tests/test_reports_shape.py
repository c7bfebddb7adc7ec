"""The shape every report shares, checked without a warehouse (issue 12, item 2).

Each report module declares its reports as `engine.Report`s; these tests hold the
declarations to what runs: one `carteira report` subcommand per report with the declared
formats, every declared query exists and every query is some report's, the modules of
`carteira/reports/` import each other without a cycle, and the warehouse's as_of is read
in one place only.
"""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys
from importlib import import_module
from pathlib import Path

import click
import duckdb
import pytest

from carteira.cli.reports import report
from carteira.contract import TABLES_BY_FQN
from carteira.reports import engine
from carteira.reports.views import CONTRACT_STAGES, PORTFOLIO_COLUMNS
from carteira.settings import REPO_ROOT

REPORTS_DIR = REPO_ROOT / "carteira" / "reports"
# Every module of carteira/reports/ that declares reports, found on disk so a new one
# cannot be left out of these checks.
REPORT_MODULES = [
    module
    for module in (
        import_module(f"carteira.reports.{p.stem}") for p in sorted(REPORTS_DIR.glob("*.py"))
    )
    if hasattr(module, "REPORTS")
]
REPORTS: list[engine.Report] = [r for m in REPORT_MODULES for r in m.REPORTS]


def test_every_report_command_has_one_declared_report_and_its_formats() -> None:
    assert sorted(r.name for r in REPORTS) == sorted(report.commands)
    for declared in REPORTS:
        command = report.commands[declared.name]
        fmt = next(p for p in command.params if p.name == "fmt")
        assert isinstance(fmt.type, click.Choice)
        assert tuple(fmt.type.choices) == declared.formats, declared.name


def test_every_report_takes_an_open_connection_first() -> None:
    for declared in REPORTS:
        first = next(iter(inspect.signature(declared.build).parameters.values()))
        assert first.name == "con", declared.name
        assert first.annotation in ("duckdb.DuckDBPyConnection", duckdb.DuckDBPyConnection)
        assert declared.parameters, declared.name


def test_declared_queries_exist_and_every_query_belongs_to_a_report() -> None:
    declared = {q for r in REPORTS for q in r.queries}
    on_disk = {p.stem for p in engine.QUERIES_DIR.glob("*.sql")}
    assert declared - on_disk == set()
    assert on_disk - declared == set()


def test_sectioned_reports_declare_their_sections() -> None:
    from carteira.reports import customer

    by_name = {r.name: r for r in REPORTS}
    assert by_name["customer-history"].sections == tuple(customer.HISTORY_SECTIONS)
    assert by_name["client-card"].sections == tuple(customer.CARD_SECTIONS)


def test_constants_come_from_their_one_place() -> None:
    assert TABLES_BY_FQN["erp__contracts"].column("stage").enum == CONTRACT_STAGES
    assert engine.query_columns("portfolio") == PORTFOLIO_COLUMNS
    assert PORTFOLIO_COLUMNS[:2] == ("project_id", "contract_id")


def test_query_columns_refuses_a_select_list_it_cannot_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "expr.sql").write_text("-- a comment\nselect a, b + 1 as c\nfrom t\n")
    monkeypatch.setattr(engine, "QUERIES_DIR", tmp_path)
    with pytest.raises(engine.ReportError, match="not plain columns"):
        engine.query_columns("expr")


def _reports_imports(path: Path) -> set[str]:
    """Modules of carteira.reports that `path` imports, at top level or inside functions."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "carteira.reports":
                found |= {f"carteira.reports.{a.name}" for a in node.names}
            elif node.module.startswith("carteira.reports."):
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("carteira.reports.")}
    return found


def test_reports_modules_import_each_other_without_a_cycle() -> None:
    graph = {f"carteira.reports.{p.stem}": _reports_imports(p) for p in REPORTS_DIR.glob("*.py")}
    done: set[str] = set()

    def visit(module: str, path: tuple[str, ...]) -> None:
        assert module not in path, f"import cycle: {' -> '.join((*path, module))}"
        if module in done:
            return
        for imported in graph.get(module, set()):
            visit(imported, (*path, module))
        done.add(module)

    for module in graph:
        visit(module, ())


@pytest.mark.parametrize("module", sorted(p.stem for p in REPORTS_DIR.glob("*.py")))
def test_each_reports_module_imports_alone(module: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", f"import carteira.reports.{module}"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def test_the_warehouse_as_of_is_read_in_one_place() -> None:
    readers = []
    for folder in ("carteira", "benchmarks"):
        for path in (REPO_ROOT / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            if "def warehouse_as_of" in text or "is_on_or_before_as_of" in text:
                readers.append(path.relative_to(REPO_ROOT).as_posix())
    assert readers == ["carteira/reports/engine.py"]
    assert "is_on_or_before_as_of" in (engine.QUERIES_DIR / "warehouse_as_of.sql").read_text()
