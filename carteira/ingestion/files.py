"""Landing-zone discovery: which delivered files belong to a table, and in what order."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from carteira.contract import Table


@dataclass(frozen=True)
class LandingFile:
    """One delivered extract, with the metadata its name carries."""

    path: Path
    rel_name: str  # path relative to the landing root, '/'-separated
    system: str
    table: str
    extract_date: date
    delivery_seq: int


@dataclass(frozen=True)
class BadlyNamedFile:
    """A file in a table's landing folder whose name breaks the naming contract."""

    path: Path
    rel_name: str
    system: str
    table: str
    reason: str


def _name_regex(table: Table) -> re.Pattern[str]:
    return re.compile(
        rf"{re.escape(table.name)}_(?P<d>[0-9]{{8}})(?:_(?P<n>[0-9]+))?"
        rf"\.{re.escape(table.format.extension)}"
    )


def table_dir(landing: Path, table: Table) -> Path:
    """``<landing>/<system>/<table>``."""
    return landing / table.system / table.name


def _rel(landing: Path, path: Path) -> str:
    return path.relative_to(landing).as_posix()


def scan_table_dir(landing: Path, table: Table) -> tuple[list[LandingFile], list[BadlyNamedFile]]:
    """All files of a table's landing folder, split into well-named and badly-named ones.

    Dot-files (editor/partial-upload leftovers) and sub-folders are not deliveries and are
    ignored.  Well-named files come sorted by (extract date, delivery sequence), the order
    in which their versions must be applied.
    """
    folder = table_dir(landing, table)
    if not folder.is_dir():
        return [], []
    rx = _name_regex(table)
    good: list[LandingFile] = []
    bad: list[BadlyNamedFile] = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or not path.is_file():
            continue
        rel = _rel(landing, path)
        m = rx.fullmatch(path.name)
        reason: str | None = None
        if m is None:
            reason = (f"file name does not follow {table.name}_<YYYYMMDD>[_<n>]."
                      f"{table.format.extension}")
        else:
            seq = int(m["n"]) if m["n"] else 1
            try:
                d = datetime.strptime(m["d"], "%Y%m%d").date()
            except ValueError:
                reason = f"invalid extract date {m['d']!r} in file name"
            else:
                if m["n"] is not None and seq < 2:
                    reason = f"invalid delivery number {m['n']!r} in file name (must be >= 2)"
                else:
                    good.append(LandingFile(path, rel, table.system, table.name, d, seq))
        if reason is not None:
            bad.append(BadlyNamedFile(path, rel, table.system, table.name, reason))
    good.sort(key=lambda f: (f.extract_date, f.delivery_seq))
    return good, bad


def discover_files(landing: Path, table: Table, as_of: date | None = None) -> list[LandingFile]:
    """Well-named deliveries of ``table``, sorted by (date, seq), only those dated <= as_of."""
    good, _ = scan_table_dir(Path(landing), table)
    if as_of is not None:
        good = [f for f in good if f.extract_date <= as_of]
    return good


def count_deliveries(landing: Path, tables: Iterable[Table], as_of: date | None = None) -> int:
    """How many files a refresh will look at: well-named ones up to as_of, and badly named.

    The same files `ingest_table` walks, so the CLI can size its progress bar up front.
    """
    total = 0
    for table in tables:
        good, bad = scan_table_dir(Path(landing), table)
        total += len(bad) + sum(1 for f in good if as_of is None or f.extract_date <= as_of)
    return total


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file's bytes, streamed (files may be large)."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()
