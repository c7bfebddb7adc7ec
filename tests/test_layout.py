"""The folder tree is the architecture (docs/architecture.md): checked, not only drawn.

Every click command lives in `carteira/cli/`, and nothing below it imports it back, so
the command line can change without touching the packages that do the work; the modules
of `carteira/` and `orchestration/` import each other without a cycle; and every module
or source file the repository names (docs, comments, units, tests) exists, so a package
moved leaves no stale pointer behind.
"""

from __future__ import annotations

import ast
import re
import subprocess
from functools import cache
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("carteira", "orchestration")


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


SOURCES = {_module_name(p): p for pkg in PACKAGES for p in sorted((REPO / pkg).rglob("*.py"))}


@cache
def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


def _imports(path: Path, *, top_level_only: bool = False) -> set[str]:
    """Modules `path` imports (`from a import b` counts as `a.b` when that is a module)."""
    tree = _tree(path)
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names}
    return found


def _project_imports(path: Path, *, top_level_only: bool = False) -> set[str]:
    return {m for m in _imports(path, top_level_only=top_level_only) if m in SOURCES}


def test_click_is_imported_only_by_the_cli_package() -> None:
    outside = [
        name
        for name, path in SOURCES.items()
        if not name.startswith("carteira.cli")
        and any(m == "click" or m.startswith("click.") for m in _imports(path))
    ]
    assert outside == []


def test_nothing_below_the_cli_imports_it() -> None:
    upward = {
        name: sorted(
            m for m in _imports(path) if m == "carteira.cli" or m.startswith("carteira.cli.")
        )
        for name, path in SOURCES.items()
        if not name.startswith("carteira.cli")
    }
    assert {name: found for name, found in upward.items() if found} == {}


@pytest.mark.parametrize("top_level_only", [True, False], ids=["at-import", "in-functions-too"])
def test_modules_import_each_other_without_a_cycle(top_level_only: bool) -> None:
    graph = {
        name: _project_imports(path, top_level_only=top_level_only)
        for name, path in SOURCES.items()
    }
    done: set[str] = set()

    def visit(module: str, path: tuple[str, ...]) -> None:
        assert module not in path, f"import cycle: {' -> '.join((*path, module))}"
        if module in done:
            return
        for imported in sorted(graph[module]):
            if imported != module and not module.startswith(f"{imported}."):
                visit(imported, (*path, module))
        done.add(module)

    for module in graph:
        visit(module, ())


def test_the_refresh_loads_dagster_only_when_its_job_runs() -> None:
    """A refresh with nothing to do is answered before the job (carteira.refresh.unchanged),
    without Dagster's seconds of start-up: what `orchestration.run` imports when it is
    imported (its packages' ``__init__`` too, transitively) names no Dagster or dbt module."""
    heavy = {"dagster", "dagster_dbt", "dbt"}
    found: dict[str, list[str]] = {}
    seen: set[str] = set()
    pending = ["orchestration.run"]
    while pending:
        module = pending.pop()
        if module in seen:
            continue
        seen.add(module)
        imported = _imports(SOURCES[module], top_level_only=True)
        bad = sorted(m for m in imported if m.split(".")[0] in heavy)
        if bad:
            found[module] = bad
        for name in imported | {module}:
            parts = name.split(".")
            prefixes = (".".join(parts[:i]) for i in range(1, len(parts) + 1))
            pending += [prefix for prefix in prefixes if prefix in SOURCES]
    assert "carteira.refresh.unchanged" in seen
    assert found == {}


# `carteira.x.y` or `orchestration.x` in text, not inside a path, an e-mail or a host name.
DOTTED = re.compile(r"(?<![\w./@-])((?:carteira|orchestration)(?:\.[A-Za-z_]\w*)+)")
SOURCE_PATH = re.compile(r"(?<![\w./-])((?:carteira|orchestration)/[\w/]*\w\.py)\b")
FILE_SUFFIXES = {"duckdb", "json", "md", "py", "service", "sql", "toml", "yaml", "yml"}
NOT_MODULES = {"carteira.viewer"}  # a PostgreSQL session setting (docs/bi.md)
TEXT_SUFFIXES = {".py", ".md", ".toml", ".yml", ".yaml", ".service", ".sql", ".cfg"}


def _resolves(dotted: str) -> bool:
    """A module, or a name defined in the deepest module the dotted name reaches."""
    parts = dotted.split(".")
    module = parts[0]
    for part in parts[1:]:
        if f"{module}.{part}" in SOURCES:
            module = f"{module}.{part}"
            continue
        return part in _top_level_names(module)
    return True


def _top_level_names(module: str) -> set[str]:
    """Names a module defines or imports at top level, read without importing it."""
    names: set[str] = set()
    for node in _tree(SOURCES[module]).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return names


def stale_references(paths: list[Path], root: Path = REPO) -> list[str]:
    found = []
    for path in paths:
        text = path.read_text(encoding="utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), 1):
            where = f"{path.relative_to(root)}:{number}"
            for match in DOTTED.finditer(line):
                name = match.group(1)
                if name.rsplit(".", 1)[-1] in FILE_SUFFIXES or name in NOT_MODULES:
                    continue
                if not _resolves(name):
                    found.append(f"{where}: {name}")
            found += [
                f"{where}: {m.group(1)}"
                for m in SOURCE_PATH.finditer(line)
                if not (REPO / m.group(1)).is_file()
            ]
    return found


def _tracked_text_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO, check=True, capture_output=True, text=True
    ).stdout
    # CHANGELOG.md records where things were when they changed.
    return [
        REPO / name
        for name in listed.split("\0")
        if name and name != "CHANGELOG.md" and Path(name).suffix in TEXT_SUFFIXES
    ]


def test_every_module_and_source_file_the_repository_names_exists() -> None:
    # This file names moved modules on purpose, to show the search finds them.
    here = Path(__file__).resolve()
    named = [p for p in _tracked_text_files() if p.is_file() and p.resolve() != here]
    assert stale_references(named) == []


def test_the_search_finds_a_moved_module_and_a_moved_file(tmp_path: Path) -> None:
    note = tmp_path / "note.md"
    note.write_text(
        "run `python -m carteira.dagster_home`, see carteira/postgres_sync.py and\n"
        "carteira.serving.postgres.sync.no_such_function; rep@carteira.example and\n"
        "carteira.serving.postgres.sync.sync_raw are fine\n",
        encoding="utf-8",
    )
    assert stale_references([note], root=tmp_path) == [
        "note.md:1: carteira.dagster_home",
        "note.md:1: carteira/postgres_sync.py",
        "note.md:2: carteira.serving.postgres.sync.no_such_function",
    ]
