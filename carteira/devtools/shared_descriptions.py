"""Turn the column descriptions a generator would repeat into docs blocks.

carteira.devtools.staging_yml builds the staging .yml files as data; before they are
written, `share_repeated` replaces every column description that would appear twice or
more (or that a hand-written docs block already holds) by ``{{ doc('name') }}`` and
returns the blocks to write. `resolve_docs` is the way back, for reading what people
wrote in the generated files.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from carteira.devtools.descriptions import DOC_CALL, doc_call, normalize


@dataclass(frozen=True)
class _Use:
    entry: dict[str, Any]  # the column entry whose description is shared
    layer: str  # "src" (a source table's column) or "stg" (a staging model's)
    owner: str  # source table identifier or model name
    column: str


def resolve_docs(text: str, blocks: dict[str, str]) -> str:
    """`text` with every ``{{ doc('name') }}`` replaced by the text of block `name`."""
    for name in DOC_CALL.findall(text):
        if name in blocks:
            text = text.replace(doc_call(name), blocks[name])
    return text


def _uses(docs: dict[Path, dict[str, Any]]) -> Iterator[_Use]:
    for doc in docs.values():
        for source in doc.get("sources", []):
            for table in source["tables"]:
                for column in table["columns"]:
                    yield _Use(column, "src", table["identifier"], column["name"])
        for model in doc.get("models", []):
            for column in model["columns"]:
                yield _Use(column, "stg", model["name"], column["name"])


def slug(text: str, words: int = 6) -> str:
    """The first words of a text as a name: `reference_to_crm_clients`."""
    return "_".join(re.findall(r"[a-z0-9]+", text.lower())[:words])


def _block_name(uses: list[_Use], text: str, taken: set[str]) -> str:
    """`stg_updated_at` after the column of its first use (`src_` when only source
    tables use the text); when another text took that name, the text's first words:
    `stg_reference_to_crm_clients`."""
    layers = {u.layer for u in uses}
    prefix = "src" if layers == {"src"} else "stg"
    name = f"{prefix}_{uses[0].column.lstrip('_')}"
    if name in taken:
        name = f"{prefix}_{slug(text)}"
    base, n = name, 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    return name


def share_repeated(
    docs: dict[Path, dict[str, Any]], hand_written: dict[str, str]
) -> list[tuple[str, str]]:
    """Replace, in `docs`, each column description used twice or more, or held by a
    hand-written block, by a doc() call; return the new blocks (name, text) in order."""
    by_text: dict[str, list[_Use]] = defaultdict(list)
    written: dict[str, str] = {}  # normalized text -> text as first written
    for use in _uses(docs):
        text = use.entry.get("description") or ""
        if text and not DOC_CALL.search(text):
            by_text[normalize(text)].append(use)
            written.setdefault(normalize(text), text)
    existing = {normalize(text): name for name, text in hand_written.items()}
    taken = set(hand_written)
    blocks: list[tuple[str, str]] = []
    for text, uses in by_text.items():
        name = existing.get(text)
        if name is None:
            if len(uses) < 2:
                continue
            name = _block_name(uses, text, taken)
            taken.add(name)
            blocks.append((name, written[text]))
        for use in uses:
            use.entry["description"] = doc_call(name)
    return blocks
