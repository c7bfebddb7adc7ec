"""The repository never points outside itself.

The source contract and the reports' rules live in docs/contract/ (sources.md written
from carteira/contract.py). A clone has nothing beside it, so a reference to a file
outside the repository (the contract's old home, a sibling folder) is a rule a newcomer
cannot read: every tracked text file is searched for one.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# Built from parts so this file does not match itself.
OUTSIDE = re.compile(
    "|".join(
        (
            re.escape("shared" + "/contract"),
            re.escape("../" + "shared"),
            # the contract's old file names; the repository's pages are lower case
            r"\b" + "SOURCES" + r"\.md",
            r"\b" + "REPORTS" + r"\.md",
        )
    )
)


def _tracked_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO, check=True, capture_output=True, text=True
    ).stdout
    return [REPO / name for name in listed.split("\0") if name]


def offending_lines(paths: list[Path], root: Path = REPO) -> list[str]:
    found = []
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, FileNotFoundError, IsADirectoryError):
            continue  # binary files (images) and files deleted in the work tree
        for number, line in enumerate(text.splitlines(), start=1):
            if OUTSIDE.search(line):
                found.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
    return found


def test_no_tracked_file_points_outside_the_repository() -> None:
    files = _tracked_files()
    assert len(files) > 100  # the listing worked
    assert offending_lines(files) == [], "point to docs/contract/sources.md or reports.md"


def test_the_search_finds_each_kind_of_outside_reference(tmp_path: Path) -> None:
    bad = [
        "See `" + "shared" + "/contract/" + "SOURCES" + ".md`.",
        "-- rule from ../" + "shared" + "/contract",
        '"""Telesales report (' + "REPORTS" + '.md section 3)."""',
        "Outcomes follow " + "SOURCES" + ".md.",
    ]
    paths = []
    for i, line in enumerate(bad):
        path = tmp_path / f"bad_{i}.md"
        path.write_text(f"fine\n{line}\n", encoding="utf-8")
        paths.append(path)
    found = offending_lines(paths, tmp_path)
    assert [f.split(":")[:2] for f in found] == [[f"bad_{i}.md", "2"] for i in range(len(bad))]
    ok = tmp_path / "ok.md"
    ok.write_text("See docs/contract/sources.md and docs/contract/reports.md.\n")
    assert offending_lines([ok], tmp_path) == []
