"""Every dbt description is written once (carteira.devtools.descriptions).

A text two .yml descriptions share lives in one `{% docs %}` block; the check fails on a
text written out twice, on a written-out copy of a block, on a doc() naming no block and
on a block nobody uses. It runs on the project as committed and on copies of it broken
each way.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from carteira.devtools import descriptions
from carteira.settings import REPO_ROOT


def test_the_project_writes_every_description_once() -> None:
    assert descriptions.problems() == []
    assert descriptions.main(["--check"]) == 0


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the project's .yml and .md files (what the check reads)."""
    for folder in descriptions.PROJECT_DIRS:
        shutil.copytree(
            REPO_ROOT / folder,
            tmp_path / folder,
            ignore=shutil.ignore_patterns("target", "logs", "*.sql", "*.csv", "*.py"),
        )
    assert descriptions.problems(tmp_path) == []
    return tmp_path


def _write_model(project: Path, body: str) -> None:
    (project / "models" / "marts" / "_extra.yml").write_text(
        f"version: 2\nmodels:\n  - name: extra\n{body}", encoding="utf-8"
    )


def test_a_text_written_twice_fails(project: Path) -> None:
    text = "Day the order was placed, business-local."
    _write_model(
        project,
        f"    description: {text}\n    columns:\n      - name: placed_on\n"
        f"        description: >\n          Day the order was placed,\n          business-local.\n",
    )
    (found,) = descriptions.problems(project)
    assert "written 2 times" in found and "models.extra.columns.placed_on" in found


def test_a_copy_of_a_docs_block_fails(project: Path) -> None:
    blocks = descriptions.read_blocks(descriptions.project_files(".md", project))
    block = next(b for b in blocks if "\n" not in b.text and "'" not in b.text)
    _write_model(project, f"    description: '{block.text}'\n")
    (found,) = descriptions.problems(project)
    assert f"doc('{block.name}')" in found and "models.extra" in found


def test_a_missing_or_unused_block_fails(project: Path) -> None:
    _write_model(project, "    description: \"{{ doc('no_such_block') }}\"\n")
    docs = project / "models" / "marts" / "_extra.md"
    docs.write_text("{% docs never_used %}\nNobody says this.\n{% enddocs %}\n")
    found = descriptions.problems(project)
    assert any("doc('no_such_block') names no docs block" in line for line in found)
    assert any("docs block never_used is used by no description" in line for line in found)


def test_a_seed_column_type_is_no_description(project: Path) -> None:
    seeds = (project / "seeds" / "_seeds.yml").read_text(encoding="utf-8")
    assert seeds.count("description: varchar") >= 2  # column_types of a `description` column
    assert descriptions.problems(project) == []
