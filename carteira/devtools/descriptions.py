"""Every dbt description is written once: a text two descriptions share is a docs block.

dbt renders the Jinja of a description, so ``description: "{{ doc('client_key') }}"``
shows the ``{% docs client_key %}`` block of any .md file of the project (the way
Fivetran's dbt packages keep theirs). A text written out in two places drifts: one copy
gets corrected, the other keeps saying the old thing, and a reader of the .yml wades
through the same sentence again and again. This module reads every .yml and docs block
of the dbt project and lists what breaks that rule:

- a description text (whitespace aside) written out in two places or more,
- a written-out description that repeats a docs block's text,
- two docs blocks with the same text, or two blocks with the same name,
- a ``doc()`` naming no block, and a block no description uses.

    uv run python -m carteira.devtools.descriptions --check   # exit 1 on any of them

The staging .yml files are generated (carteira.devtools.staging_yml): the generator
writes a block for what it would repeat, so the rule holds for them too.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
# Where dbt reads .yml and docs .md files from (model-paths, seed-paths, the project).
PROJECT_DIRS = ("models", "seeds", "dbt_project")
SKIPPED_DIRS = {"target", "logs", "dbt_packages"}

DOCS_BLOCK = re.compile(r"{%-?\s*docs\s+(\w+)\s*-?%}(.*?){%-?\s*enddocs\s*-?%}", re.S)
DOC_CALL = re.compile(r"""\bdoc\(\s*['"](\w+)['"]\s*\)""")
# Keys whose mapping is no description's home (a seed's column_types maps a column
# named `description` to its type).
NOT_DESCRIBED = {"config", "column_types"}


@dataclass(frozen=True)
class Block:
    """One ``{% docs name %}text{% enddocs %}`` block."""

    name: str
    text: str  # as written, stripped
    path: Path


@dataclass(frozen=True)
class Description:
    """One ``description:`` of a .yml file, and where it is (``models.x.columns.y``)."""

    text: str
    path: Path
    where: str


def normalize(text: str) -> str:
    """The text as a reader sees it: a folded or a one-line scalar reads the same."""
    return " ".join(text.split())


def project_files(suffix: str, root: Path = REPO_ROOT) -> list[Path]:
    found: list[Path] = []
    for folder in PROJECT_DIRS:
        for path in sorted((root / folder).rglob(f"*{suffix}")):
            if not SKIPPED_DIRS & set(path.relative_to(root).parts):
                found.append(path)
    return found


def read_blocks(paths: Iterable[Path]) -> list[Block]:
    return [
        Block(match[1], match[2].strip(), path)
        for path in paths
        for match in DOCS_BLOCK.finditer(path.read_text(encoding="utf-8"))
    ]


def render_blocks(blocks: Iterable[tuple[str, str]]) -> str:
    """A docs .md file holding (name, text) blocks in that order."""
    return "\n".join(f"{{% docs {name} %}}\n{text}\n{{% enddocs %}}\n" for name, text in blocks)


def doc_call(name: str) -> str:
    return f"{{{{ doc('{name}') }}}}"


def _walk(node: Any, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        label = node.get("name")
        here = f"{where}.{label}" if isinstance(label, str) and where else where
        for key, value in node.items():
            if key == "description" and isinstance(value, str):
                yield here, value
            elif isinstance(value, (dict, list)) and key not in NOT_DESCRIBED:
                yield from _walk(value, f"{here}.{key}" if here else str(key))
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item, where)


def read_descriptions(paths: Iterable[Path]) -> list[Description]:
    return [
        Description(text, path, where)
        for path in paths
        for where, text in _walk(yaml.safe_load(path.read_text(encoding="utf-8")) or {}, "")
    ]


def problems(root: Path = REPO_ROOT) -> list[str]:
    """Every break of the rule, one line each naming the file and the place."""
    blocks = read_blocks(project_files(".md", root))
    descriptions = read_descriptions(project_files(".yml", root))

    def rel(path: Path) -> str:
        return str(path.relative_to(root))

    found: list[str] = []
    by_name: dict[str, list[Block]] = defaultdict(list)
    by_text: dict[str, list[Block]] = defaultdict(list)
    for block in blocks:
        by_name[block.name].append(block)
        by_text[normalize(block.text)].append(block)
    for name, same in by_name.items():
        if len(same) > 1:
            found.append(
                f"docs block {name} is defined {len(same)} times: "
                + ", ".join(rel(b.path) for b in same)
            )
    for same in by_text.values():
        if len(same) > 1:
            found.append(
                "docs blocks with the same text: "
                + ", ".join(f"{b.name} ({rel(b.path)})" for b in same)
            )

    used: set[str] = set()
    written: dict[str, list[Description]] = defaultdict(list)
    for d in descriptions:
        calls = DOC_CALL.findall(d.text)
        used.update(calls)
        for name in calls:
            if name not in by_name:
                found.append(f"{rel(d.path)}: {d.where}: doc('{name}') names no docs block")
        if not calls and d.text.strip():
            written[normalize(d.text)].append(d)
    for text, same in written.items():
        if text in by_text:
            block = by_text[text][0]
            found += [
                f'{rel(d.path)}: {d.where}: write "{doc_call(block.name)}" '
                f"(the text of docs block {block.name})"
                for d in same
            ]
        elif len(same) > 1:
            places = ", ".join(f"{rel(d.path)}: {d.where}" for d in same)
            found.append(
                f"written {len(same)} times, make it a docs block: {text[:80]!r} at {places}"
            )
    # a block that names another block (doc() in a .md) is used through it
    for block in blocks:
        used.update(DOC_CALL.findall(block.text))
    found += [
        f"{rel(same[0].path)}: docs block {name} is used by no description"
        for name, same in by_name.items()
        if name not in used
    ]
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m carteira.devtools.descriptions", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--check", action="store_true", help="exit 1 if a rule is broken")
    parser.parse_args(argv)
    found = problems()
    for line in found:
        print(line, file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
