"""Lint the project's SQL with sqlfluff, each folder with the templater it needs.

Models, singular tests and (through the models that call them) macros are dbt Jinja:
the jinja templater of `.sqlfluff`. Report queries are plain DuckDB SQL with `$name`
parameters: the placeholder templater. sqlfluff chooses a templater once per run, so
this runs it once per kind::

    uv run python -m carteira.devtools.lint_sql             # everything (what CI runs)
    uv run python -m carteira.devtools.lint_sql FILE...     # some files (pre-commit)
    uv run python -m carteira.devtools.lint_sql --fix FILE  # apply sqlfluff's fixes
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
JINJA_PATHS = ("models", "dbt_project/tests")
QUERY_PATHS = ("queries",)


def _is_under(path: str, roots: tuple[str, ...]) -> bool:
    parts = Path(path).parts
    return any(parts[: len(Path(r).parts)] == Path(r).parts for r in roots)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m carteira.devtools.lint_sql")
    parser.add_argument("--fix", action="store_true", help="apply sqlfluff's fixes")
    parser.add_argument("files", nargs="*", help="files relative to the repository root")
    args = parser.parse_args(argv)
    if args.files:
        jinja = [f for f in args.files if _is_under(f, JINJA_PATHS)]
        queries = [f for f in args.files if _is_under(f, QUERY_PATHS)]
    else:
        jinja, queries = list(JINJA_PATHS), list(QUERY_PATHS)
    sqlfluff = [sys.executable, "-m", "sqlfluff", "fix" if args.fix else "lint"]
    if not args.files:
        sqlfluff += ["--processes", "0"]  # the whole tree (CI): one process per core
    runs = []
    if jinja:
        runs.append([*sqlfluff, *jinja])
    if queries:
        runs.append([*sqlfluff, "--templater", "placeholder", *queries])
    code = 0
    for command in runs:
        code = max(code, subprocess.run(command, cwd=REPO_ROOT, check=False).returncode)
    return code


if __name__ == "__main__":
    sys.exit(main())
