"""The test layers: which tests are `integration`, found from their code, and a guard.

A test is `integration` when it builds a warehouse, runs dbt, starts a process of the
project (carteira, dbt, Dagster, Superset, a browser) or needs PostgreSQL. Nobody lists
them: `is_integration` reads the test's code, the code of every fixture it uses and,
transitively, of the test-side helpers those call, and looks for the names that do such
work (`EXPENSIVE`). A test can also say it itself with `@pytest.mark.integration`.

What the reading cannot see (a production function that runs dbt, called from a test) the
guard stops: while an unmarked test sets up and runs, starting dbt, a project process or
a PostgreSQL connection fails the test with a message that says to mark it. So the fast
layer (`pytest -m "not integration"`) stays fast, and a new test cannot slip into it.
"""

from __future__ import annotations

import inspect
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import pytest

TESTS_DIR = Path(__file__).resolve().parent.parent

# Names whose use means a warehouse is built, dbt runs, a process of the project starts or
# a server is needed. Matched as whole words in the source of tests, fixtures and helpers.
EXPENSIVE = frozenset(
    {
        "run_refresh",  # orchestration.run: ingest + dbt build + publish
        "run_dbt",  # tests.helpers.rawdb: a dbt subprocess
        "dbtRunner",
        "materialize",  # Dagster runs
        "execute_job",
        "execute_in_process",
        "ingest",  # the ingestion into a raw DuckDB file, with great-expectations
        "ingest_all",
        "ingest_table",
        "validate_extract",  # great-expectations (its import alone takes seconds)
        "generated_warehouse",  # the session's shared warehouses
        "built_warehouse",
        "tiny_warehouse_settings",
        "subprocess",  # any child process: dbt, carteira, Dagster, Superset, chromium
        "Popen",
        "fresh_database",  # PostgreSQL
        "psycopg2",
        "CARTEIRA_PG_DSN",
    }
)
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

# Executables an unmarked test may not start (the guard); python -m of these modules too.
_FORBIDDEN_PROGRAMS = frozenset(
    {"dbt", "carteira", "dagster", "dagster-daemon", "dagster-webserver", "superset"}
    | {"chromium", "chromedriver", "uv", "psql", "pg_ctl", "postgres"}
    | {"java", "spark-class", "spark-submit"}  # a JVM: the local Spark cluster
)
_FORBIDDEN_MODULES = ("carteira", "dbt", "dagster", "orchestration", "superset")


def _own(obj: Any) -> bool:
    """Code of the test suite (tests/), where the reading follows calls."""
    try:
        source = inspect.getsourcefile(obj)
    except TypeError:
        return False
    return source is not None and Path(source).resolve().is_relative_to(TESTS_DIR)


@cache
def _expensive(obj: Any) -> bool:
    """Whether `obj`'s source, or that of a test-suite function it names, uses EXPENSIVE."""
    return _walk(obj, set())


def _walk(obj: Any, seen: set[int]) -> bool:
    if id(obj) in seen or not _own(obj):
        return False
    seen.add(id(obj))
    try:
        source = inspect.getsource(obj)
    except (OSError, TypeError):
        return False
    words = set(_WORD.findall(source))
    if words & EXPENSIVE:
        return True
    module = sys.modules.get(getattr(obj, "__module__", ""), None)
    names = vars(module) if module else {}
    return any(
        _walk(names[word], seen)
        for word in sorted(words)
        if word in names and (inspect.isfunction(names[word]) or inspect.isclass(names[word]))
    )


def is_integration(item: pytest.Item) -> bool:
    """Whether the test or any fixture it uses does integration work (see the docstring)."""
    if item.get_closest_marker("integration"):
        return True
    function = getattr(item, "function", None)
    if function is not None and _expensive(function):
        return True
    info = getattr(item, "_fixtureinfo", None)
    for defs in info.name2fixturedefs.values() if info else ():
        for fixturedef in defs:
            if _expensive(fixturedef.func):
                return True
    return False


def _refuse(what: str) -> None:
    pytest.fail(
        f"a test outside the integration layer {what}: mark it @pytest.mark.integration "
        "(tests/helpers/layers.py says what belongs there)",
        pytrace=False,
    )


def _program(args: Any) -> str:
    argv = [args] if isinstance(args, str | os.PathLike) else list(args)
    if not argv:
        return ""
    first = str(argv[0]).split()[0] if isinstance(args, str) else str(argv[0])
    name = Path(first).name
    if name.startswith("python") and len(argv) > 2 and argv[1] == "-m":
        module = str(argv[2]).split(".")[0]
        return module if module in _FORBIDDEN_MODULES else ""
    return name if name in _FORBIDDEN_PROGRAMS else ""


@contextmanager
def guarded() -> Iterator[None]:
    """Refuse, for the time of the block, the work only integration tests may do."""
    original_popen_init = subprocess.Popen.__init__

    def popen_init(self: subprocess.Popen[Any], args: Any, *rest: Any, **kwargs: Any) -> None:
        program = _program(args)
        if program:
            _refuse(f"started {program}")
        original_popen_init(self, args, *rest, **kwargs)

    patches: list[tuple[Any, str, Any]] = [(subprocess.Popen, "__init__", popen_init)]
    from dbt.cli.main import dbtRunner

    patches.append((dbtRunner, "invoke", lambda *_a, **_k: _refuse("ran dbt")))
    import psycopg2

    def connect(*_args: Any, **_kwargs: Any) -> None:
        _refuse("connected to PostgreSQL")

    patches.append((psycopg2, "connect", connect))
    missing = object()
    saved = [(owner, name, vars(owner).get(name, missing)) for owner, name, _ in patches]
    for owner, name, value in patches:
        setattr(owner, name, value)
    try:
        yield
    finally:
        for owner, name, value in reversed(saved):
            if value is missing:
                delattr(owner, name)
            else:
                setattr(owner, name, value)
